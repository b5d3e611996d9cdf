"""Line mode's paste parser: what prompt_toolkit's parser gives, in linear time."""

from __future__ import annotations

import pytest
from prompt_toolkit.key_binding import KeyPress
from prompt_toolkit.keys import Keys

from copilot.plain.paste_input import PASTE_END, LinearPasteParser

PASTE_START = "\x1b[200~"


@pytest.mark.parametrize("size", [1, 3, 5, 6, 7, 1024])
def test_a_paste_read_in_pieces_is_one_key_press_whatever_the_piece_edges(size: int) -> None:
    """The end mark may arrive split across reads (any piece size cuts it somewhere)."""
    keys: list[KeyPress] = []
    parser = LinearPasteParser(keys.append)
    paste = "first line\r\nsecond \x1b[A line\r\n" * 40
    stream = "a" + PASTE_START + paste + PASTE_END + "b"
    for start in range(0, len(stream), size):
        parser.feed(stream[start : start + size])
    parser.flush()
    assert [(k.key, k.data) for k in keys] == [
        ("a", "a"),
        (Keys.BracketedPaste, paste),
        ("b", "b"),
    ]
