"""Markdown blocks drawn as one widget: rendered by Rich once, drawn through the line API.

Textual's `Markdown` mounts a widget per heading, paragraph, list item and
code fence, and every layout pass arranges and every scroll repaints them all.
While an answer streams, that made each frame cost tens of milliseconds and
keys waited behind it. An answer is drawn instead as two of these: its
complete blocks (`SettledBlocks`) and the block still growing (`LiveBlock`).

Each block is rendered by Rich once per width and style and kept as rows of
segments (the line API): a new block costs one block's render, however long
the answer. Rows become `Strip`s only when drawn: a `Strip` carries seven
caches of its own, too much to keep for every line of a long answer.
Blocks are rendered one at a time, so Rich's uneven spacing between elements
is evened out to one blank row between blocks (none between the items of a
tight list, which are blocks of their own: markdown_blocks.py).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from copilot.ui.answer_style import CODE_THEMES, theme_for
from copilot.ui.block_markdown import BlockMarkdown
from copilot.ui.markdown_blocks import continues_list, split_blocks
from copilot.ui.plain_rows import finished, plain


class BlockRows(Widget):
    """Markdown blocks in order, drawn from rows rendered once per width and style."""

    DEFAULT_CSS = """
    BlockRows {
        height: auto;
    }
    """

    def __init__(self, source: str = "") -> None:
        super().__init__()
        self._blocks: list[str] = split_blocks(source)
        self._rows: list[list[Segment]] = []
        self._drawn = 0
        self._drawn_for: tuple[int, Style, str] | None = None
        self._repaint_rows: list[list[Segment]] | None = None
        self._prepared: dict[str, list[list[Segment]]] = {}
        self._prepared_for: tuple[int, Style, str] | None = None
        #: The rows last drawn (each with its strip), by row number, while the key is
        #: `_drawn_for`.
        self._visible: dict[int, tuple[list[Segment], Strip]] = {}

    @property
    def source(self) -> str:
        return "".join(self._blocks)

    def _key(self, width: int) -> tuple[int, Style, str]:
        return (width, self.rich_style, self.app.theme)

    def _render_block(self, block: str, width: int, style: Style) -> list[list[Segment]]:
        """One block's rows, without the blank rows Rich puts around some elements."""
        return markdown_rows(self._rows_renderer(width, style), block, self._code_theme(), style)

    def _code_theme(self) -> str:
        return CODE_THEMES[self.app.current_theme.dark]

    def _rows_renderer(
        self, width: int, style: Style
    ) -> Callable[[RenderableType], list[list[Segment]]]:
        """A function rendering a renderable's rows by the app's console at `width` on
        `style`, in the answers' Rich theme. Everything it needs from Textual is taken
        now: it reads nothing of the app's, so it may run in another thread (a Rich
        console's theme stack is kept per thread)."""
        console = self.app.console
        options = self.app.console_options.update(width=max(width, 1), highlight=False)
        theme = theme_for(self.app)

        def render(renderable: RenderableType) -> list[list[Segment]]:
            with console.use_theme(theme):
                return console.render_lines(renderable, options, style=style)

        return render

    def _draw(self, width: int) -> list[list[Segment]]:
        """The rows at `width`, rendering only blocks not yet rendered at this width and style."""
        key = self._key(width)
        if self._drawn_for != key:
            self._rows, self._drawn, self._drawn_for = [], 0, key
            self._visible = {}
        if self._prepared_for != key:
            self._prepared, self._prepared_for = {}, None
        style = key[1]
        for number in range(self._drawn, len(self._blocks)):
            block = self._blocks[number]
            rows = self._prepared.pop(block, None)
            if rows is None:
                rows = self._render_block(block, width, style)
            if not rows:
                continue
            if self._rows and not (number and continues_list(self._blocks[number - 1], block)):
                self._rows.append([Segment(" " * width, style)])
            self._rows.extend(rows)
        self._drawn = len(self._blocks)
        return self._rows

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        # Kept per width in Textual's own cache, which every refresh clears (as adding
        # blocks does): every layout asks every answer in the conversation, and the
        # rows' lookup works out this widget's style through all its ancestors.
        cached_width, height = self._content_height_cache
        if cached_width == width:
            return height
        height = len(self._draw(width))
        self._content_height_cache = (width, height)
        return height

    def render_lines(self, crop: Region) -> list[Strip]:
        # The rows are looked up once per repaint, not once per line: the lookup
        # asks for this widget's style, which Textual works out by walking every
        # ancestor's styles (~25 times a frame while an answer streamed, ~5 ms).
        self._repaint_rows = self._draw(self.size.width)
        try:
            if plain(self.styles):  # not FrozenAnswer: it has a border
                return self._visible_strips(crop, self._repaint_rows)
            return super().render_lines(crop)
        finally:
            self._repaint_rows = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        rows = self._repaint_rows if self._repaint_rows is not None else self._draw(width)
        return Strip(rows[y], width) if y < len(rows) else Strip.blank(width, self.rich_style)

    def _visible_strips(self, crop: Region, rows: list[list[Segment]]) -> list[Strip]:
        """The rows in `crop`, reusing the strips of the last draw for rows unchanged.

        A row drawn before is the same row while it is the same object: rows only
        ever follow the ones drawn (for one width and style), and a growing fence
        keeps the rows of its complete lines when its last lines are rendered again.
        Textual's styles would redraw every visible row whenever the widget grows,
        which it does with each block an answer settles while the screen follows the
        answer (~1-2 ms a frame). Only the rows on screen are kept: a `Strip` is too
        heavy to keep for every row of an answer.
        """
        width = self.size.width
        filters = self.get_line_filters()
        _, background = self.background_colors
        kept, visible = self._visible, {}
        strips = []
        for y in crop.line_range:
            row = rows[y] if y < len(rows) else None
            row_before, strip = kept.get(y, (None, None))
            if strip is None or row_before is not row:
                strip = self.render_line(y)
            if row is not None:
                visible[y] = (row, strip)
            strips.append(finished(strip, filters, background, crop, width))
        self._visible = visible
        return strips


def markdown_rows(
    render: Callable[[RenderableType], list[list[Segment]]],
    block: str,
    code_theme: str,
    style: Style,
) -> list[list[Segment]]:
    """A Markdown block's rows through `render` (a `BlockRows._rows_renderer`), without
    the blank rows Rich puts around some elements."""
    return trim_blank(render(BlockMarkdown(block, code_theme)), style)


def trim_blank(rows: list[list[Segment]], style: Style) -> list[list[Segment]]:
    """Rows without the empty ones Rich puts before and after some elements.

    A row of spaces on a background of its own (a code block's padding) is
    drawn, so it is kept.
    """

    def blank(row: list[Segment]) -> bool:
        return all(
            not seg.text.strip() and (seg.style is None or seg.style.bgcolor == style.bgcolor)
            for seg in row
        )

    start, end = 0, len(rows)
    while start < end and blank(rows[start]):
        start += 1
    while end > start and blank(rows[end - 1]):
        end -= 1
    return rows[start:end]
