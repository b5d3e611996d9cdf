"""One assistant answer, streamed into a Markdown widget fragment by fragment.

The MarkdownStream is created lazily on the first fragment and only ever
appended to: the message is never re-rendered whole per token. A long answer
keeps at most `LIVE_BLOCKS` live Markdown blocks: older ones settle, a batch
at a time, into one `SettledBlocks` widget, so each layout pass stays cheap
however long the answer grows.
"""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownStream

from copilot.ui.widgets.settled_blocks import SettledBlocks

#: Live Markdown blocks a streaming answer may hold before the oldest settle.
LIVE_BLOCKS = 48
#: How many of the newest blocks stay live when the others settle.
KEEP_BLOCKS = 16


class AssistantMessage(Markdown):
    """An answer; `-streaming` while it grows, `-interrupted` if it was cut off."""

    def __init__(self, message_id: str, markdown: str = "", **kwargs: object) -> None:
        super().__init__(markdown, **kwargs)
        self.message_id = message_id
        self._stream: MarkdownStream | None = None
        self._settled = 0
        self.add_class("-streaming")

    async def write(self, fragment: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(fragment)
        # Children are live blocks plus the settled widgets; only the live ones
        # count (else a very long answer would take the lock on every write).
        if len(self.children) - self._settled > LIVE_BLOCKS:
            await self._settle()

    async def _settle(self) -> None:
        """Replace the oldest live blocks with one widget drawing the same source."""
        async with self.lock:
            blocks = [c for c in self.children if isinstance(c, MarkdownBlock)]
            if len(blocks) <= LIVE_BLOCKS:
                return
            head = blocks[:-KEEP_BLOCKS]
            start, end = head[0].source_range[0], head[-1].source_range[1]
            lines = self.source.splitlines(keepends=True)[start:end]
            await self.mount(SettledBlocks("".join(lines)), before=head[0])
            await self.remove_children(head)
            self._settled += 1

    async def finish(self, interrupted: bool) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
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
