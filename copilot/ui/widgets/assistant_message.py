"""One assistant answer, streamed into a Markdown widget fragment by fragment.

The MarkdownStream is created lazily on the first fragment and only ever
appended to: the message is never re-rendered whole per token, so cost stays
linear in its length.
"""

from __future__ import annotations

from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownStream


class AssistantMessage(Markdown):
    """An answer; `-streaming` while it grows, `-interrupted` if it was cut off."""

    def __init__(self, message_id: str, markdown: str = "", **kwargs: object) -> None:
        super().__init__(markdown, **kwargs)
        self.message_id = message_id
        self._stream: MarkdownStream | None = None
        self.add_class("-streaming")

    async def write(self, fragment: str) -> None:
        if self._stream is None:
            self._stream = Markdown.get_stream(self)
        await self._stream.write(fragment)

    async def finish(self, interrupted: bool) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        self.remove_class("-streaming")
        self.set_class(interrupted, "-interrupted")
        if interrupted:
            self.border_subtitle = "⏹ interrupted"
