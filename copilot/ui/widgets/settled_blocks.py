"""The settled head of a long streaming answer, drawn as one renderable.

Textual's `Markdown` mounts a widget per heading, paragraph, list and code
fence, and every layout pass arranges them all: an answer of a few hundred
blocks made each pass cost a large fraction of a second, so a fast stream fell
seconds behind and keys waited. Blocks that are complete and well above the
growing tail never change again; `AssistantMessage` moves them, a batch at a
time, into one of these: same Markdown, one widget.

It draws through the line API from lines rendered once per width and style:
as a `Static` the Rich Markdown was rendered twice (once to measure its
height, once to draw), and with its code highlighted that was most of what a
fast stream cost once the blocks no longer became widgets.
"""

from __future__ import annotations

from rich.markdown import Markdown as RichMarkdown
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class SettledBlocks(Widget):
    """Finished blocks of the answer that is still streaming below them."""

    DEFAULT_CSS = """
    SettledBlocks {
        height: auto;
        margin: 0 0 1 0;
    }
    """

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source
        self._lines: list[Strip] = []
        self._drawn_for: tuple[int, Style] | None = None

    def _draw(self, width: int) -> list[Strip]:
        """The rendered lines at `width`, rendered again only when width or style change."""
        style = self.rich_style
        if self._drawn_for != (width, style):
            options = self.app.console_options.update(width=width, highlight=False)
            markdown = RichMarkdown(self.source, code_theme="monokai")
            rows = self.app.console.render_lines(markdown, options, style=style)
            self._lines = [Strip(row, width) for row in rows]
            self._drawn_for = (width, style)
        return self._lines

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._draw(width))

    def render_line(self, y: int) -> Strip:
        lines = self._draw(self.size.width)
        return lines[y] if y < len(lines) else Strip.blank(self.size.width, self.rich_style)
