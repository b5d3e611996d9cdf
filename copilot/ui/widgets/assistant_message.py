"""One assistant answer, streamed into a Markdown widget fragment by fragment.

Fragments are appended, never re-rendered whole. Only the answer's last
Markdown block (the one that may still grow) is a live Textual block: when a
new block begins, every block before it is complete and moves into the
answer's one `SettledBlocks`, drawn once through the line API. Textual's
`Markdown` mounts a widget per heading, paragraph, list item and code fence,
and each one costs every later layout and repaint; with them settled, a frame
of a streaming answer arranges two widgets, not dozens, and keys typed while
it streams are echoed in the next frame instead of waiting behind a long one.

Fragments wait in `_pending` while a batch is drawn (as Textual's
`MarkdownStream` does), so however fast they come, each draw takes all of them.
When the answer ends, its last block settles too.
"""

from __future__ import annotations

import asyncio
import time

from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import Markdown

from copilot.ui.markdown_blocks import split_blocks, split_complete
from copilot.ui.widgets.settled_blocks import SettledBlocks

#: While fragments keep coming, the next batch waits for a frame once the answer has
#: gone this long without being drawn.
MAX_UNDRAWN_S = 1 / 30


class AssistantMessage(Markdown):
    """An answer; `-streaming` while it grows, `-interrupted` if it was cut off."""

    def __init__(self, message_id: str, markdown: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.message_id = message_id
        self._settled = SettledBlocks(markdown)
        self._head = markdown
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._finishing = False
        self._drawer: asyncio.Task[None] | None = None
        #: When a frame last drew this answer (`render_lines`).
        self._drawn_at = 0.0
        self.add_class("-streaming")

    def compose(self) -> ComposeResult:
        yield self._settled

    @property
    def text(self) -> str:
        """The answer drawn so far: the settled blocks, then the live one (`source`)."""
        return self._head + self.source

    async def write(self, fragment: str) -> None:
        if not fragment:
            return
        self._pending.append(fragment)
        self._wake.set()
        if self._drawer is None:
            self._drawer = asyncio.create_task(self._draw(), name="answer-draw")
        await asyncio.sleep(0)

    async def _draw(self) -> None:
        """Draw what waits, batch after batch, until `finish` and nothing is left."""
        while self._pending or not self._finishing:
            if not self._pending:
                await self._wake.wait()
                self._wake.clear()
                continue
            text = "".join(self._pending)
            self._pending.clear()
            source = self.source + text
            # Once the stream has ended nothing more can extend the last block:
            # it settles with the rest, not mounted as a live block to be removed.
            done, live = (split_blocks(source), "") if self._finishing else split_complete(source)
            if done:
                await self._settle(done, live)
            else:
                await self.append(text)
            if (
                self._pending
                and not self._finishing
                and time.monotonic() - self._drawn_at > MAX_UNDRAWN_S
            ):
                # More came while this batch was drawn. Each batch holds every frame
                # back until it ends (Textual appends in a batch update), and batches
                # back to back left the screen one frame in ~0.4 s at 2,000 tok/s: the
                # answer showed up to a second and a half behind. When the answer has
                # not been on screen for a while, let the screen draw it first (not
                # once the stream has ended: then the next batch is the last).
                await self.wait_for_refresh()

    async def _settle(self, done: list[str], live: str) -> None:
        """Move the complete blocks `done` into the settled ones; `live` is the new live block."""
        # One visual step: no frame shows a block both settled and live. Not
        # `update(live)`: it leaves the Markdown's parse mark on the last line,
        # and the next `append` would then rebuild the live block from that line
        # alone (a list would lose every item but the last).
        await self._settled.prepare(done)
        with self.app.batch_update():
            self._settled.extend(done)
            self._head += "".join(done)
            await self.update("")
            if live:
                await self.append(live)

    async def finish(self, interrupted: bool) -> None:
        if self._drawer is not None:
            self._finishing = True
            self._wake.set()
            await self._drawer
            self._drawer = None
        if self.source:
            # Each batch leaves at most one block live, so what is left is one block.
            await self._settle([self.source], "")
        self._mark(streaming=False, interrupted=interrupted)
        if interrupted:
            self.border_subtitle = "⏹ interrupted"

    def render_lines(self, crop: Region) -> list[Strip]:
        """The answer's own rows (its border and background; the blocks draw over them).

        A growing answer changes height with each new line, and Textual then redraws
        every visible row of it, ~40 rows through its styles for a frame while an
        answer streams (3-5 ms of each). Below the top edge and above the bottom edge
        (border, outline, padding) every row is the same, so one is drawn and repeated.
        """
        self._drawn_at = time.monotonic()
        styles = self.styles
        top = bool(styles.border_top[0]) + bool(styles.outline_top[0]) + styles.padding.top
        bottom = (
            bool(styles.border_bottom[0]) + bool(styles.outline_bottom[0]) + styles.padding.bottom
        )
        start = max(crop.y, top)
        end = min(crop.bottom, self.size.height - bottom)
        if end - start < 2:
            return super().render_lines(crop)
        x, width = crop.x, crop.width
        draw = super().render_lines
        above = draw(Region(x, crop.y, width, start - crop.y)) if start > crop.y else []
        below = draw(Region(x, end, width, crop.bottom - end)) if crop.bottom > end else []
        return [*above, *draw(Region(x, start, width, 1)) * (end - start), *below]

    def _mark(self, *, streaming: bool, interrupted: bool) -> None:
        """Set the state classes and restyle this widget alone.

        A class change normally restyles the whole subtree; only the answer's
        own border depends on these classes (conversation.tcss), so only the
        answer needs its styles again.
        """
        self.set_class(streaming, "-streaming", update=False)
        self.set_class(interrupted, "-interrupted", update=False)
        self.app.stylesheet.update_nodes([self], animate=False)
