"""An older answer, drawn as one renderable instead of a tree of Markdown blocks.

A live `Markdown` widget mounts a child widget per heading, paragraph, list
item and code fence; hundreds of answers make every layout slow and hold
hundreds of megabytes. Answers that have scrolled well out of the recent part
of the conversation are frozen into this single widget: same text, same
Markdown, a fraction of the cost. It is a `SettledBlocks` holding the whole
answer, so it is drawn the same way: rendered once per width, through the line API.
"""

from __future__ import annotations

from copilot.ui.widgets.settled_blocks import SettledBlocks


class FrozenAnswer(SettledBlocks):
    """A finished answer; `-interrupted` if it was cut off."""

    def __init__(self, source: str, interrupted: bool) -> None:
        super().__init__(source)
        self.set_class(interrupted, "-interrupted")
        if interrupted:
            self.border_subtitle = "⏹ interrupted"
