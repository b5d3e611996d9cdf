"""One assistant answer, streamed into a Markdown widget fragment by fragment.

Fragments are appended, never re-rendered whole. Textual's `Markdown` mounts a
widget per heading, paragraph, list item and code fence (about 1.5 ms each
here), so two things keep a long or fast answer cheap:

- A long answer keeps at most `LIVE_BLOCKS` live Markdown blocks: older ones
  settle, a batch at a time, into one `SettledBlocks` widget, so each layout
  pass stays cheap however long the answer grows.
- When the drawing falls behind the stream (more than `BEHIND_CHARS` wait to be
  drawn at once), the complete blocks among them are not mounted first and
  settled later: they settle at once, and only the newest block is mounted.
  A fast stream then costs a Rich render per batch instead of a widget tree per
  block, and the screen catches up instead of falling further behind.

Fragments wait in `_pending` while a batch is drawn (as Textual's
`MarkdownStream` does), so however fast they come, each draw takes all of them.
"""

from __future__ import annotations

import asyncio

from markdown_it import MarkdownIt
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock

from copilot.ui.widgets.settled_blocks import SettledBlocks

#: Live Markdown blocks a streaming answer may hold before the oldest settle.
LIVE_BLOCKS = 48
#: How many of the newest blocks stay live when the others settle.
KEEP_BLOCKS = 16
#: Characters waiting to be drawn at once that mean the drawing is behind.
BEHIND_CHARS = 500


class AssistantMessage(Markdown):
    """An answer; `-streaming` while it grows, `-interrupted` if it was cut off."""

    def __init__(self, message_id: str, markdown: str = "", **kwargs: object) -> None:
        super().__init__(markdown, **kwargs)
        self.message_id = message_id
        self._head = ""
        self._pending: list[str] = []
        self._wake = asyncio.Event()
        self._finishing = False
        self._drawer: asyncio.Task[None] | None = None
        self._settled = 0
        self.add_class("-streaming")

    @property
    def text(self) -> str:
        """The answer drawn so far: what settled on catching up, then `source`."""
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
            if len(text) > BEHIND_CHARS:
                await self._catch_up(text)
            else:
                await self.append(text)
            # Children are live blocks plus the settled widgets; only the live
            # ones count (else a very long answer would settle on every batch).
            if len(self.children) - self._settled > LIVE_BLOCKS:
                await self._settle()

    def _live(self) -> list[MarkdownBlock]:
        return [c for c in self.children if isinstance(c, MarkdownBlock)]

    async def _settle(self) -> None:
        """Replace the oldest live blocks with one widget drawing the same source."""
        async with self.lock:
            blocks = self._live()
            if len(blocks) <= LIVE_BLOCKS:
                return
            head = blocks[:-KEEP_BLOCKS]
            start, end = head[0].source_range[0], head[-1].source_range[1]
            lines = self.source.splitlines(keepends=True)[start:end]
            await self.mount(SettledBlocks("".join(lines)), before=head[0])
            await self.remove_children(head)
            self._settled += 1

    async def _catch_up(self, text: str) -> None:
        """Settle every complete block of the live part plus `text`; mount only the last.

        The Markdown then starts over from that last block (`update("")`, then
        `append`), and what settled moves from `source` to `_head`.
        """
        lines = (self.source + text).splitlines(keepends=True)
        live = self._live()
        start = live[0].source_range[0] if live else 0
        tokens = MarkdownIt("gfm-like").parse("".join(lines[start:]))
        starts = [t.map[0] for t in tokens if t.level == 0 and t.map is not None]
        if len(starts) < 2:
            await self.append(text)
            return
        cut = start + starts[-1]
        settled = SettledBlocks("".join(lines[start:cut]))
        # One visual step: no frame may show the new settled text above the old blocks.
        with self.app.batch_update():
            await (self.mount(settled, before=live[0]) if live else self.mount(settled))
            self._settled += 1
            self._head += "".join(lines[:cut])
            await self.update("")
            await self.append("".join(lines[cut:]))

    async def finish(self, interrupted: bool) -> None:
        if self._drawer is not None:
            self._finishing = True
            self._wake.set()
            await self._drawer
            self._drawer = None
            await self._settle()
        self._mark(streaming=False, interrupted=interrupted)
        if interrupted:
            self.border_subtitle = "⏹ interrupted"

    def _mark(self, *, streaming: bool, interrupted: bool) -> None:
        """Set the state classes and restyle this widget alone.

        A class change normally restyles the whole subtree: for a long answer,
        hundreds of Markdown blocks, which took ~2 s at the end of a big answer
        (every key waited). Only the answer's own border depends on these
        classes (conversation.tcss), so only the answer needs its styles again.
        """
        self.set_class(streaming, "-streaming", update=False)
        self.set_class(interrupted, "-interrupted", update=False)
        self.app.stylesheet.update_nodes([self], animate=False)
