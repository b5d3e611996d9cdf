"""One assistant answer, streamed in fragment by fragment.

Fragments are appended, never re-rendered whole. Only the answer's last
Markdown block (the one that may still grow) is redrawn as fragments come
(`LiveBlock`): when a new block begins, every block before it is complete and
moves into the answer's one `SettledBlocks`, drawn once through the line API.
Both are rendered by Rich. Textual's `Markdown` mounted a widget per heading,
paragraph, list item and code fence and remounted the growing block's widgets
as it grew and settled, inside batch updates that held every frame back
(14 ms a block at 200 tok/s, up to 30); here a fragment changes two widgets'
text and nothing is mounted, so keys typed while an answer streams wait for
no batch.

Fragments wait in `_pending` while blocks that settle are rendered, so however
fast they come, each draw takes all of them.
"""

from __future__ import annotations

import asyncio

from textual.app import ComposeResult
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from copilot.ui.markdown_blocks import continues_list, split_blocks, split_complete
from copilot.ui.widgets.live_block import LiveBlock
from copilot.ui.widgets.settled_blocks import SettledBlocks


class AssistantMessage(Widget):
    """An answer; `-streaming` while it grows, `-interrupted` if it was cut off."""

    DEFAULT_CSS = """
    AssistantMessage {
        height: auto;
        layout: vertical;
        color: $foreground;
        overflow-y: hidden;
    }
    """

    def __init__(self, message_id: str, markdown: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.message_id = message_id
        self._settled = SettledBlocks(markdown)
        self._live = LiveBlock()
        self._head = markdown
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._finishing = False
        self._drawer: asyncio.Task[None] | None = None
        self.add_class("-streaming")

    def compose(self) -> ComposeResult:
        yield self._settled
        yield self._live

    @property
    def source(self) -> str:
        """The block still growing, as far as the live block shows it."""
        return self._live.source

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
        """Draw what waits, until `finish` and nothing is left.

        A draw is synchronous (the blocks that settle are rendered before, in
        `prepare`), so no frame shows half of one, and none is held back for it."""
        while self._pending or not self._finishing:
            if not self._pending:
                await self._wake.wait()
                self._wake.clear()
                continue
            text = "".join(self._pending)
            self._pending.clear()
            source = self._live.wanted + text
            # Once the stream has ended nothing more can extend the last block.
            done, live = (split_blocks(source), "") if self._finishing else split_complete(source)
            if done:
                await self._settle(done)
            self._show_live(live, settled=bool(done))

    async def _settle(self, done: list[str]) -> None:
        """Render the complete blocks `done` (a turn of the loop each), then settle them."""
        await self._settled.prepare(done)
        self._settled.extend(done)
        self._head += "".join(done)

    def _show_live(self, live: str, *, settled: bool) -> None:
        """Show the growing block (at once if what it showed has just `settled`); an item
        continuing a tight list joins it, as it will once settled (no blank row between)."""
        self._live.show(live, at_once=settled)
        last = self._settled.last_block
        joined = bool(live and last and continues_list(last, live))
        margin = 0 if joined else 1
        if self._settled.styles.margin.bottom != margin:
            self._settled.styles.margin = (0, 0, margin, 0)

    async def finish(self, interrupted: bool) -> None:
        if self._drawer is not None:
            self._finishing = True
            self._wake.set()
            await self._drawer
            self._drawer = None
        if growing := self._live.wanted:
            # Drawn before the end came: one block, now complete.
            await self._settle([growing])
            self._show_live("", settled=True)
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
