"""One assistant answer, streamed into a Markdown widget fragment by fragment.

The MarkdownStream is created lazily on the first fragment and only ever
appended to: the message is never re-rendered whole per token, so cost stays
linear in its length. Fragments are handed to it at most `FLUSH_HZ` times a
second: each append re-lays out the growing block, and a faster stream would
spend the frames the user's keystrokes need.
"""

from __future__ import annotations

from textual.timer import Timer
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream

#: Appends to the Markdown per second, at most, while an answer streams.
FLUSH_HZ = 30


class AssistantMessage(Markdown):
    """An answer; `-streaming` while it grows, `-interrupted` if it was cut off."""

    def __init__(self, message_id: str, markdown: str = "", **kwargs: object) -> None:
        super().__init__(markdown, **kwargs)
        self.message_id = message_id
        self._stream: MarkdownStream | None = None
        self._pending: list[str] = []
        self._flush_timer: Timer | None = None
        self.add_class("-streaming")

    async def write(self, fragment: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
            await self._stream.write(fragment)
            return
        self._pending.append(fragment)
        if self._flush_timer is None:
            self._flush_timer = self.set_timer(1 / FLUSH_HZ, self._flush)

    async def _flush(self) -> None:
        self._flush_timer = None
        if self._pending and self._stream is not None:
            text = "".join(self._pending)
            self._pending.clear()
            await self._stream.write(text)

    async def finish(self, interrupted: bool) -> None:
        if self._flush_timer is not None:
            self._flush_timer.stop()
        await self._flush()
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        self.remove_class("-streaming")
        self.set_class(interrupted, "-interrupted")
        if interrupted:
            self.border_subtitle = "⏹ interrupted"
