"""The terminal input of line mode: prompt_toolkit's, with a paste gathered in linear time.

prompt_toolkit reads the terminal 1 KiB at a time and, inside a bracketed paste, joins
each read onto everything read so far and searches all of it for the end mark: a 10 MB
paste took 76 s here before the prompt answered again. `LinearPasteParser` keeps the
reads in a list and looks for the end mark only where it can be (the new read and the
few characters before it), so the same paste is gathered in one pass.
"""

from __future__ import annotations

import sys

from prompt_toolkit.input import Input
from prompt_toolkit.input.vt100 import Vt100Input
from prompt_toolkit.input.vt100_parser import Vt100Parser
from prompt_toolkit.key_binding import KeyPress
from prompt_toolkit.keys import Keys

PASTE_END = "\x1b[201~"


class LinearPasteParser(Vt100Parser):
    """Vt100Parser whose bracketed paste costs time in proportion to its length."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._pieces: list[str] = []
        self._tail = ""

    def feed(self, data: str) -> None:
        if not self._in_bracketed_paste:
            super().feed(data)
            return
        seen = self._tail + data
        end = seen.find(PASTE_END)
        if end < 0:
            self._pieces.append(data)
            self._tail = seen[-(len(PASTE_END) - 1) :]
            return
        # The end mark may begin in an earlier read: cut what came before it there.
        gathered = "".join(self._pieces) + data
        end += len(gathered) - len(seen)
        self._pieces, self._tail = [], ""
        self._in_bracketed_paste = False
        self.feed_key_callback(KeyPress(Keys.BracketedPaste, gathered[:end]))
        self.feed(gathered[end + len(PASTE_END) :])


def terminal_input() -> Input:
    """stdin as prompt_toolkit reads it, with the linear paste parser."""
    terminal = Vt100Input(sys.stdin)
    terminal.vt100_parser = LinearPasteParser(terminal.vt100_parser.feed_key_callback)
    return terminal
