"""The conversation pane: an anchored stream of messages and notices."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.scrollbar import ScrollBar
from textual.widget import Widget
from textual.widgets import Static

from copilot.ui.render_cache import release_removed_widgets
from copilot.ui.widgets.notice_line import NoticeLine
from copilot.ui.widgets.quick_scroll_bar import QuickScrollBar
from copilot.ui.widgets.tool_calls_line import ToolCallsLine
from copilot.ui.widgets.user_message import UserMessage

if TYPE_CHECKING:
    from copilot.ui.widgets.assistant_message import AssistantMessage

#: Finished answers kept as they streamed (two widgets each); older ones are frozen into one.
LIVE_ANSWERS = 8
#: Widgets kept mounted at most; older ones leave the screen (never the store).
MAX_WIDGETS = 60


class Conversation(VerticalScroll, can_focus=True):
    """Keeps the newest line in view while anchored (scrolling up releases it)."""

    #: The pane's own rows are background only (no border: conversation.tcss), so
    #: Textual draws them as blank rows instead of each through the styles: the
    #: streaming answer changes the pane's virtual size in most frames, and each
    #: change redrew every row (~2 ms a frame).
    BLANK = True

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._answers: dict[str, AssistantMessage] = {}
        self._finished: list[AssistantMessage] = []
        self._trimmed = 0
        self._earlier = Static("", classes="earlier")
        self._earlier.display = False

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's own property, creating a `QuickScrollBar` instead."""
        if self._vertical_scrollbar is None:
            bar = QuickScrollBar(
                vertical=True, name="vertical", thickness=self.scrollbar_size_vertical
            )
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def on_mount(self) -> None:
        self.anchor()
        self.mount(self._earlier)

    async def mount_item(self, widget: Widget, **where: Widget) -> None:
        """Mount a transcript item, keeping at most `MAX_WIDGETS` on screen."""
        await self.mount(widget, **where)
        items = [child for child in self.children if child is not self._earlier]
        excess = len(items) - MAX_WIDGETS
        if excess <= 0:
            return
        old = [w for w in items[:excess] if w not in self._answers.values()]
        self._finished = [w for w in self._finished if w not in old]
        self._trimmed += len(old)
        await self.remove_children(old)
        release_removed_widgets()
        self._earlier.update(
            f"… {self._trimmed} earlier items are kept in the session store "
            "(/recall searches them; copilot --continue replays the latest)"
        )
        self._earlier.display = True

    async def add_user(self, text: str) -> UserMessage:
        widget = UserMessage(text)
        await self.mount_item(widget)
        return widget

    async def start_answer(self, message_id: str) -> AssistantMessage:
        widget = _answer_class()(message_id)
        self._answers[message_id] = widget
        await self.mount_item(widget)
        return widget

    async def append(self, message_id: str, fragment: str) -> None:
        widget = self._answers.get(message_id) or await self.start_answer(message_id)
        await widget.write(fragment)

    async def finish_answer(
        self, message_id: str, interrupted: bool, calls: Sequence[str] = ()
    ) -> None:
        """End the answer, its tool calls traced under it; one that said nothing leaves.

        The trace stays in the transcript whatever the answer said: the tool pane is
        hidden in a narrow terminal and empty after a resume.
        """
        widget = self._answers.pop(message_id, None)
        if widget is None:
            return
        await widget.finish(interrupted)
        if calls:
            await self.mount(ToolCallsLine(calls), after=widget)
        if not widget.text and not interrupted:
            await widget.remove()
            release_removed_widgets()
            return
        await self._keep_live(widget)

    async def add_tool_calls(self, calls: Sequence[str]) -> ToolCallsLine:
        """The calls of a resumed session's answer that only called tools."""
        widget = ToolCallsLine(calls)
        await self.mount_item(widget)
        return widget

    async def on_unmount(self) -> None:
        await self.stop_streams()

    async def stop_streams(self) -> None:
        """Quitting mid-answer: end the Markdown streams so no task is left pending."""
        for widget in list(self._answers.values()):
            await widget.finish(True)

    async def add_answer(self, markdown: str, interrupted: bool) -> None:
        """A finished answer from a resumed session."""
        widget = _answer_class()("", markdown)
        await self.mount_item(widget)
        await widget.finish(interrupted)
        await self._keep_live(widget)

    async def _keep_live(self, widget: AssistantMessage) -> None:
        """Freeze the oldest live answer once more than `LIVE_ANSWERS` are finished.

        Also lets go of what the answer removed while it streamed (its settled blocks)."""
        self._finished.append(widget)
        while len(self._finished) > LIVE_ANSWERS:
            old = self._finished.pop(0)
            from copilot.ui.widgets.frozen_answer import FrozenAnswer

            frozen = FrozenAnswer(old.text, old.has_class("-interrupted"))
            await self.mount(frozen, after=old)
            await old.remove()
        release_removed_widgets()

    def last_answer(self) -> str:
        """The newest answer's Markdown, as far as it has come ('' before any answer)."""
        from copilot.ui.widgets.frozen_answer import FrozenAnswer

        answer_class = _answer_class()
        for widget in reversed(self.children):
            if isinstance(widget, answer_class) and widget.text:
                return widget.text
            if isinstance(widget, FrozenAnswer):
                return widget.source
        return ""

    async def add_report(self, title: str, lines: list[str]) -> Static:
        """A block of local output (a slash command's answer); never sent to the model."""
        text = Text(title + "\n", style="bold")
        text.append("\n".join(lines) if lines else "(nothing)", style="")
        widget = Static(text, classes="report")
        await self.mount_item(widget)
        return widget

    async def add_table(self, title: str, rows: Sequence[tuple[str, str]]) -> Static:
        """A report in two columns (what to type, what it does), the second wrapping
        under itself so a narrow pane still reads as two columns."""
        table = Table.grid(padding=(0, 2))
        table.add_column(no_wrap=True, style="bold")
        table.add_column(ratio=1)
        for key, what in rows:
            table.add_row(Text(key), Text(what))  # Text: `[code]` is not Rich markup
        widget = Static(Group(Text(title, style="bold"), table), classes="report")
        await self.mount_item(widget)
        return widget

    async def add_notice(self, text: str, level: str = "info") -> NoticeLine:
        widget = NoticeLine(text, level)
        await self.mount_item(widget)
        return widget


def _answer_class() -> type[AssistantMessage]:
    """AssistantMessage, imported on first use: Rich's Markdown and markdown-it
    cost ~50 ms of import that the first frame (an empty conversation) never needs."""
    from copilot.ui.widgets.assistant_message import AssistantMessage

    return AssistantMessage
