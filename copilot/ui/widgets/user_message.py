"""A message the user sent, as committed to the store."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from copilot.engine.pasted import excerpt


class UserMessage(Static):
    """Plain text (never Markdown: what the user typed is shown exactly).

    A message with a multi-megabyte paste was laid out whole, wrapping every line
    of it, at every resize; it shows its first lines (`excerpt`) and says how much
    more was sent.
    """

    def __init__(self, text: str, **kwargs: object) -> None:
        super().__init__(_shown(text), **kwargs)
        self.text = text


def _shown(text: str) -> Text:
    shown, note = excerpt(text)
    return Text(shown) + Text("\n" + note, style="dim italic") if note else Text(shown)
