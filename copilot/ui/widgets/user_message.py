"""A message the user sent, as committed to the store."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class UserMessage(Static):
    """Plain text (never Markdown: what the user typed is shown exactly)."""

    def __init__(self, text: str, **kwargs: object) -> None:
        super().__init__(Text(text), **kwargs)
        self.text = text
