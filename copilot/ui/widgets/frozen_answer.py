"""An older answer, drawn as one renderable instead of a tree of Markdown blocks.

A live `Markdown` widget mounts a child widget per heading, paragraph, list
item and code fence; hundreds of answers make every layout slow and hold
hundreds of megabytes. Answers that have scrolled well out of the recent part
of the conversation are frozen into this single widget: same text, same
Markdown, a fraction of the cost.
"""

from __future__ import annotations

from rich.markdown import Markdown as RichMarkdown
from textual.widgets import Static


class FrozenAnswer(Static):
    """A finished answer; `-interrupted` if it was cut off."""

    def __init__(self, source: str, interrupted: bool) -> None:
        super().__init__(RichMarkdown(source, code_theme="monokai"))
        self.source = source
        self.set_class(interrupted, "-interrupted")
        if interrupted:
            self.border_subtitle = "⏹ interrupted"
