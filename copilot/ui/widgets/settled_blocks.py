"""The settled head of a long streaming answer, drawn as one renderable.

Textual's `Markdown` mounts a widget per heading, paragraph, list and code
fence, and every layout pass arranges them all: an answer of a few hundred
blocks made each pass cost a large fraction of a second, so a fast stream fell
seconds behind and keys waited. Blocks that are complete and well above the
growing tail never change again; `AssistantMessage` moves them, a batch at a
time, into one of these: same Markdown, one widget.
"""

from __future__ import annotations

from rich.markdown import Markdown as RichMarkdown
from textual.widgets import Static


class SettledBlocks(Static):
    """Finished blocks of the answer that is still streaming below them."""

    DEFAULT_CSS = """
    SettledBlocks {
        margin: 0 0 1 0;
    }
    """

    def __init__(self, source: str) -> None:
        super().__init__(RichMarkdown(source, code_theme="monokai"))
        self.source = source
