"""A one-line notice in the conversation: an error, a hint, a retry countdown."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class NoticeLine(Static):
    """Styled by level (`-error`, `-info`, `-warning`)."""

    def __init__(self, text: str, level: str = "info", **kwargs: object) -> None:
        super().__init__(Text(" ".join(text.split())), **kwargs)
        self.add_class(f"-{level}")
