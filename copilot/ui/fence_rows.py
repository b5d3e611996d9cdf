"""A growing code fence drawn in chunks of lines, so a line added costs one chunk.

Rich renders a code block whole: Pygments lexes every line and Rich styles and wraps
every line, ~0.5 ms a line here (215 ms at 500 lines). While a model writes a file
out, the block grows a line at a time and was rendered whole at each change, holding
the loop (keys and all) for the whole render. Here the fence's complete lines are
rendered in chunks of `CHUNK_LINES`, each chunk once per width and style; only the
chunk still filling (and the last line, still growing) is rendered again.

Each chunk is lexed on its own, so a construct that spans a chunk's edge (a string or
comment over many lines) may be coloured as plain code while the fence grows. Once it
is complete the fence settles and is rendered whole, as Rich renders it. Everything
else is drawn as Rich's Markdown draws a fence: `Syntax(code, lexer, theme,
word_wrap=True, padding=1)`, the rows of the chunks stacked between its top and
bottom padding rows (`tests/unit/test_fence_rows.py` checks they are the same).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.console import RenderableType
from rich.segment import Segment
from rich.syntax import Syntax

#: Complete lines are rendered in chunks of this many.
CHUNK_LINES = 8

Rows = list[list[Segment]]
#: Renders a renderable to rows at the block's width and style.
RenderRows = Callable[[RenderableType], Rows]


class FenceRows:
    """The rows of one growing fence, its complete chunks kept between renders."""

    def __init__(self) -> None:
        self._chunks: dict[tuple[object, str, str], Rows] = {}

    def render(
        self, lexer: str, code: str, theme: str, key: object, render_rows: RenderRows
    ) -> Rows:
        """The fence's rows, as Rich's Markdown renders `code` in a fence, reusing the
        chunks rendered before with the same `key` (width and style)."""
        lines = code.rstrip().split("\n")
        # The last line may still grow; the chunk it would complete is rendered fresh.
        done = (len(lines) - 1) // CHUNK_LINES * CHUNK_LINES
        chunks: dict[tuple[object, str, str], Rows] = {}
        middle: Rows = []
        for start in range(0, done, CHUNK_LINES):
            text = "\n".join(lines[start : start + CHUNK_LINES])
            index = (key, lexer, text)
            rows = self._chunks.get(index)
            if rows is None:
                rows = render_rows(self._syntax(text, lexer, theme, padding=(0, 1)))
            chunks[index] = rows
            middle.extend(rows)
        self._chunks = chunks
        tail = render_rows(self._syntax("\n".join(lines[done:]), lexer, theme, padding=1))
        return tail[:1] + middle + tail[1:]

    @staticmethod
    def _syntax(text: str, lexer: str, theme: str, *, padding: int | tuple[int, int]) -> Syntax:
        return Syntax(text, lexer, theme=theme, word_wrap=True, padding=padding)
