"""The live tool pane: one entry per tool call, newest at the bottom."""

from __future__ import annotations

from textual.containers import VerticalScroll
from textual.widgets import Static

from copilot.ui.widgets.tool_entry import ToolEntry


class ToolPane(VerticalScroll):
    """Entries by call id; prompts for approval are mounted beside their entry."""

    BORDER_TITLE = "tools"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.entries: dict[str, ToolEntry] = {}
        self._empty = Static("No tool calls yet.", classes="empty")

    def compose(self):  # type: ignore[override]
        yield self._empty

    def on_mount(self) -> None:
        self.anchor()

    async def start(self, call_id: str, tool: str, summary: str, task: str = "") -> ToolEntry:
        self._empty.display = False
        entry = ToolEntry(call_id, tool, summary, task)
        self.entries[call_id] = entry
        await self.mount(entry)
        entry.set_status("waiting")
        return entry

    def entry(self, call_id: str) -> ToolEntry | None:
        return self.entries.get(call_id)
