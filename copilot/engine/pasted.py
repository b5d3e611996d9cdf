"""Large pastes held beside the input, and long messages shown in part: for every front end.

Held pastes: the input shows one line for each, Enter sends it whole.

A multi-megabyte paste inserted into Textual's `TextArea` froze the app for seconds
(14 s for 9 MB here) and made every key after it slow (0.3-1.4 s): the area wraps
and measures all of it. Above `LARGE_PASTE_CHARS` the text is kept here instead and
the input shows a placeholder, `[paste 1: 100,000 lines, 9.3 MB]`, that the user
can move, type around or delete like any text. When the message is sent, every
placeholder still in it is replaced by its paste; one the user edited is sent as
typed (its paste is dropped with it). Nothing is cut here: a message larger than the
model's window is cut to fit when the request is built, and stored whole
(engine/context_window.py). The transcript shows a long message's first `SHOWN_LINES`
lines (`excerpt`) and says how much more was sent.
"""

from __future__ import annotations

import re

#: Pastes longer than this are held as attachments; a 90k-character paste costs
#: ~170 ms to insert and leaves keys at their usual speed.
LARGE_PASTE_CHARS = 100_000
#: A long message (a large paste) shows this many lines; the rest is in the store.
SHOWN_LINES = 40
#: ... and at most this many characters of them (one very long line wraps too).
SHOWN_CHARS = 8_000

_PLACEHOLDER = re.compile(r"\[paste \d+: [^\]\n]*\]")


def describe_size(text: str) -> str:
    """`100,000 lines, 9.3 MB`: what a placeholder says about its paste."""
    lines = text.count("\n") + 1
    size = len(text.encode("utf-8", errors="surrogatepass"))
    amount = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
    return f"{lines:,} line{'' if lines == 1 else 's'}, {amount}"


class Pastes:
    """The large pastes of the message being written, by placeholder."""

    def __init__(self) -> None:
        self._held: dict[str, str] = {}
        self._count = 0

    def hold(self, text: str) -> str:
        """Keep `text` and return the placeholder that stands for it in the input."""
        self._count += 1
        placeholder = f"[paste {self._count}: {describe_size(text)}]"
        self._held[placeholder] = text
        return placeholder

    def expand(self, text: str) -> str:
        """`text` with each placeholder it still holds replaced by its paste, in one pass
        (a paste that happens to contain a placeholder's words is not expanded again)."""
        return _PLACEHOLDER.sub(lambda m: self._held.get(m.group(), m.group()), text)

    def clear(self) -> None:
        """The message was sent or replaced: its pastes go with it."""
        self._held.clear()
        self._count = 0


def excerpt(text: str) -> tuple[str, str]:
    """What a transcript shows of a message, and the note saying what it left out ("")."""
    lines = text[:SHOWN_CHARS].split("\n")[:SHOWN_LINES]
    shown = "\n".join(lines)
    if len(shown) == len(text):
        return text, ""
    more = text.count("\n") + 1 - len(lines)
    if more > 0:
        note = f"… {more:,} more line{'' if more == 1 else 's'} sent ({len(text):,} characters)"
    else:
        note = f"… {len(text) - len(shown):,} more characters sent"
    return shown, note
