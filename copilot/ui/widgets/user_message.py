"""A message the user sent, as committed to the store."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

#: A long message (a large paste) shows this many lines; the rest is in the store.
SHOWN_LINES = 40
#: ... and at most this many characters of them (one very long line wraps too).
SHOWN_CHARS = 8_000


class UserMessage(Static):
    """Plain text (never Markdown: what the user typed is shown exactly).

    A message with a multi-megabyte paste was laid out whole, wrapping every line
    of it, at every resize; it shows its first `SHOWN_LINES` lines and says how
    much more was sent.
    """

    def __init__(self, text: str, **kwargs: object) -> None:
        super().__init__(_shown(text), **kwargs)
        self.text = text


def _shown(text: str) -> Text:
    lines = text[:SHOWN_CHARS].split("\n")[:SHOWN_LINES]
    shown = "\n".join(lines)
    if len(shown) == len(text):
        return Text(text)
    more = text.count("\n") + 1 - len(lines)
    if more > 0:
        note = f"… {more:,} more line{'' if more == 1 else 's'} sent ({len(text):,} characters)"
    else:
        note = f"… {len(text) - len(shown):,} more characters sent"
    return Text(shown) + Text("\n" + note, style="dim italic")
