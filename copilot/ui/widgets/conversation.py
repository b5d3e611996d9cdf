"""The conversation pane: an anchored stream of messages and notices."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from copilot.ui.widgets.assistant_message import AssistantMessage
from copilot.ui.widgets.notice_line import NoticeLine
from copilot.ui.widgets.user_message import UserMessage


class Conversation(VerticalScroll, can_focus=True):
    """Keeps the newest line in view while anchored (scrolling up releases it)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._answers: dict[str, AssistantMessage] = {}

    def on_mount(self) -> None:
        self.anchor()

    async def add_user(self, text: str) -> UserMessage:
        widget = UserMessage(text)
        await self.mount(widget)
        return widget

    async def start_answer(self, message_id: str) -> AssistantMessage:
        widget = AssistantMessage(message_id)
        self._answers[message_id] = widget
        await self.mount(widget)
        return widget

    async def append(self, message_id: str, fragment: str) -> None:
        widget = self._answers.get(message_id) or await self.start_answer(message_id)
        await widget.write(fragment)

    async def finish_answer(self, message_id: str, interrupted: bool) -> None:
        widget = self._answers.pop(message_id, None)
        if widget is not None:
            await widget.finish(interrupted)

    async def add_answer(self, markdown: str, interrupted: bool) -> None:
        """A finished answer from a resumed session."""
        widget = AssistantMessage("", markdown)
        await self.mount(widget)
        await widget.finish(interrupted)

    async def add_report(self, title: str, lines: list[str]) -> Static:
        """A block of local output (a slash command's answer); never sent to the model."""
        text = Text(title + "\n", style="bold")
        text.append("\n".join(lines) if lines else "(nothing)", style="")
        widget = Static(text, classes="report")
        await self.mount(widget)
        return widget

    async def add_notice(self, text: str, level: str = "info") -> NoticeLine:
        widget = NoticeLine(text, level)
        await self.mount(widget)
        return widget
