"""The live tool pane: one entry per tool call, newest at the bottom."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import VerticalScroll
from textual.widgets import Static

from copilot.bus.events import ApprovalRequest

if TYPE_CHECKING:
    # Loaded with the first call: the first frame shows neither (~4 ms of imports,
    # RichLog's rich.pretty among them).
    from copilot.ui.widgets.approval_prompt import ApprovalPrompt
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
        from copilot.ui.widgets.tool_entry import ToolEntry

        self._empty.display = False
        entry = ToolEntry(call_id, tool, summary, task)
        self.entries[call_id] = entry
        await self.mount(entry)
        entry.set_status("waiting")
        return entry

    def entry(self, call_id: str) -> ToolEntry | None:
        return self.entries.get(call_id)

    async def ask(self, request: ApprovalRequest) -> ApprovalPrompt:
        """Mount the prompt right under its call's entry (or at the end)."""
        from copilot.ui.widgets.approval_prompt import ApprovalPrompt

        self._empty.display = False
        prompt = ApprovalPrompt(request)
        entry = self.entries.get(request.call_id)
        if entry is not None:
            await self.mount(prompt, after=entry)
        else:
            await self.mount(prompt)
        prompt.scroll_visible(top=True, animate=False)
        return prompt

    def prompt(self, request_id: str) -> ApprovalPrompt | None:
        from copilot.ui.widgets.approval_prompt import ApprovalPrompt

        for prompt in self.query(ApprovalPrompt):
            if prompt.request.request_id == request_id:
                return prompt
        return None
