"""The block of a streaming answer that may still grow, drawn as the settled ones are.

An answer's complete blocks are in its `SettledBlocks`; the last block, the one
each fragment extends, is shown here. It is rendered by Rich through the same
line API, at most once a frame, so a fragment costs one parse of the growing block
and nothing is mounted or removed while an answer streams. It also looks the same
before and after it settles.

It is rendered as soon as it changes, where it is, and asks for a layout only when
its height changed: most fragments extend the block's last line. Rendered in the
layout pass instead, every fragment cost a layout of the whole screen (the frame's
largest part at 200 tokens/s, and what a key typed meanwhile waited behind).

A block is rendered whole each time it grows, and most cost ~1 ms; a code fence
costs ~0.5 ms a line through Pygments and Rich (36 ms at 40 lines, 215 ms at 500), so
a growing fence is rendered in chunks of lines, only the last chunk again
(fence_rows.py). Whatever a render costs, a block is re-rendered at most
`RENDER_SHARE` of the time: after a render that took `t`, the next waits until
`t / RENDER_SHARE` has passed since it began, and the block shows its last rendering
meanwhile.
"""

from __future__ import annotations

import time

from rich.segment import Segment
from rich.style import Style
from textual.timer import Timer

from copilot.ui.fence_rows import FenceRows
from copilot.ui.markdown_blocks import fence_code
from copilot.ui.widgets.block_rows import BlockRows, trim_blank

#: The largest share of the time spent re-rendering one growing block.
RENDER_SHARE = 0.25
#: A growing block is re-rendered at most once a frame (Textual draws 60 a second).
MIN_RENDER_GAP_S = 1 / 60
#: A growing code fence, at most 20 times a second: each update lays out and redraws
#: the fence's rows on screen, and a file the model writes out comes ~20 lines a
#: second at 200 tokens/s. At 60 updates a second keys typed meanwhile waited behind
#: them (p50 7-9 against 4-5 ms, p99 25-43 against 20-22).
MIN_FENCE_GAP_S = 1 / 20


class LiveBlock(BlockRows):
    """One block, replaced whole as it grows; `source` is what it shows."""

    def __init__(self) -> None:
        super().__init__()
        self._wanted = ""
        self._next_render = 0.0
        self._catch_up: Timer | None = None
        self._fence = FenceRows()

    @property
    def wanted(self) -> str:
        """The growing block as far as it has come (`source` may show less of it)."""
        return self._wanted

    def show(self, source: str, *, at_once: bool = False) -> None:
        """Draw `source`, the growing block as it is now, instead of what was shown.

        `at_once` when the text shown before moved elsewhere (it settled): the block
        must not show it a moment longer."""
        self._wanted = source
        wait = self._next_render - time.monotonic()
        if wait > 0 and not at_once:
            if self._catch_up is None:
                self._catch_up = self.set_timer(wait, self._caught_up)
            return
        self._replace(source)

    def _caught_up(self) -> None:
        self._catch_up = None
        self._replace(self._wanted)

    def _replace(self, source: str) -> None:
        if source == self.source:
            return
        self._blocks = [source] if source else []
        self._rows, self._drawn = [], 0
        width, height = self.size
        # Not yet laid out (no width): the layout pass renders it.
        self.refresh(layout=not width or len(self._draw(width)) != height)

    def _render_block(self, block: str, width: int, style: Style) -> list[list[Segment]]:
        started = time.monotonic()
        fence = fence_code(block)
        if fence is None:
            rows = super()._render_block(block, width, style)
        else:
            lexer, code = fence
            rows = self._fence.render(
                lexer,
                code,
                self._code_theme(),
                self._key(width),
                self._rows_renderer(width, style),
            )
            rows = trim_blank(rows, style)
        spent = time.monotonic() - started
        gap = MIN_RENDER_GAP_S if fence is None else MIN_FENCE_GAP_S
        self._next_render = started + max(spent / RENDER_SHARE, gap)
        return rows
