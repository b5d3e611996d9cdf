"""A growing fence drawn in chunks looks as Rich draws it whole, and only its end is redone."""

from __future__ import annotations

import io

import pytest
from rich.console import Console, RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax

from copilot.ui.block_markdown import BlockMarkdown
from copilot.ui.fence_rows import CHUNK_LINES, FenceRows
from copilot.ui.markdown_blocks import fence_code
from copilot.ui.widgets.block_rows import trim_blank

STYLE = Style(color="white", bgcolor="black")
CODE = "".join(
    f"def step_{i}(values: list[int]) -> int:  # a comment long enough to wrap at forty\n"
    f"    return sum(v * {i} for v in values)\n\n"
    for i in range(20)
)


def rows_of(renderable: RenderableType, width: int) -> list[list[Segment]]:
    console = Console(
        file=io.StringIO(), width=width, force_terminal=True, color_system="truecolor"
    )
    return console.render_lines(renderable, console.options, style=STYLE)


@pytest.mark.parametrize("width", [40, 100])
@pytest.mark.parametrize("lines", [1, CHUNK_LINES, CHUNK_LINES + 1, 3 * CHUNK_LINES + 5, 60])
def test_a_fence_in_chunks_draws_as_rich_draws_it_whole(width: int, lines: int) -> None:
    code = "".join(CODE.splitlines(keepends=True)[:lines])
    for block in (f"```python\n{code}", f"```python\n{code}```\n"):
        fence = fence_code(block)
        assert fence is not None
        lexer, content = fence
        chunked = FenceRows().render(
            lexer, content, "monokai", width, lambda r, w=width: rows_of(r, w)
        )
        whole = rows_of(BlockMarkdown(block, "monokai"), width)
        assert trim_blank(chunked, STYLE) == trim_blank(whole, STYLE)


def test_a_line_added_renders_only_the_chunk_still_filling() -> None:
    rendered: list[int] = []

    def counting(renderable: RenderableType) -> list[list[Segment]]:
        assert isinstance(renderable, Syntax)
        rendered.append(renderable.code.count("\n") + 1)
        return rows_of(renderable, 80)

    fence = FenceRows()
    lines = CODE.splitlines(keepends=True)
    fence.render("python", "".join(lines[:50]), "monokai", 80, counting)
    assert sum(rendered) == 50
    rendered.clear()
    # Two more lines (the last one not blank: a fence's trailing blank lines are dropped).
    fence.render("python", "".join(lines[:52]), "monokai", 80, counting)
    assert rendered == [52 - 51 // CHUNK_LINES * CHUNK_LINES], "complete chunks were rendered again"
    rendered.clear()
    fence.render("python", "".join(lines[:52]), "monokai", 120, counting)
    assert sum(rendered) == 52, "chunks of another width were reused"
