"""Complete Markdown blocks of an answer, drawn as one widget.

A block that is complete never changes again, so `AssistantMessage` moves each
one here the moment the next block begins; only the block still growing is
redrawn as fragments come (`LiveBlock`). Blocks that settle together are
rendered before they are shown, one per turn of the event loop (`prepare`).
"""

from __future__ import annotations

import asyncio

from copilot.ui.markdown_blocks import fence_code
from copilot.ui.widgets.block_rows import BlockRows, markdown_rows

#: A fence of at least this many lines settles through a thread (~20-30 ms of rendering).
THREAD_FENCE_LINES = 40


class SettledBlocks(BlockRows):
    """Finished blocks of an answer, in order; more can be added at the end."""

    DEFAULT_CSS = """
    SettledBlocks {
        margin: 0 0 1 0;
    }
    """

    @property
    def last_block(self) -> str:
        """The block settled last ("" before any)."""
        return self._blocks[-1] if self._blocks else ""

    def extend(self, blocks: list[str]) -> None:
        """Add complete blocks after the others; only they are rendered anew."""
        if blocks:
            self._blocks.extend(blocks)
            self.refresh(layout=True)

    async def prepare(self, blocks: list[str]) -> None:
        """Render `blocks` before they are added, one per turn of the event loop.

        Blocks are otherwise rendered in the layout pass that first shows them. When
        an answer comes faster than the app draws, dozens settle at once (~2-3 ms
        each through Rich, more with code), and that one pass held the loop for
        hundreds of milliseconds, keys and all. Rendered here, between other work,
        the pass finds them ready. Nothing is prepared before the first layout (the
        width is not known yet), and a width or style change drops what was prepared.

        A long code fence (a file the model wrote out) is rendered in a thread: whole,
        as it is drawn from then on, it takes ~0.5-0.8 ms a line (a quarter of a
        second at 400 lines), and the loop gets the interpreter back every few
        milliseconds meanwhile instead of stalling for all of it. The fence stays
        drawn as it grew (`LiveBlock`) until then.
        """
        width = self.size.width
        if not width:
            return
        key = self._key(width)
        if self._prepared_for != key:
            self._prepared, self._prepared_for = {}, key
        for block in blocks:
            if block not in self._prepared:
                if _long_fence(block):
                    render, code_theme = self._rows_renderer(width, key[1]), self._code_theme()
                    rows = await asyncio.to_thread(markdown_rows, render, block, code_theme, key[1])
                    if self._prepared_for != key:
                        return  # the width or style changed meanwhile: the rows are stale
                else:
                    rows = self._render_block(block, width, key[1])
                self._prepared[block] = rows
            await asyncio.sleep(0)


def _long_fence(block: str) -> bool:
    fence = fence_code(block)
    return fence is not None and fence[1].count("\n") >= THREAD_FENCE_LINES
