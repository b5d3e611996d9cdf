"""Where older turns were compacted: the summary, and on Enter the original turns.

The originals never left the store; expanding reads them back, so the user can
check what a summary left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Static


class CompactionMarker(Static, can_focus=True):
    """Collapsed: a one-line header and the summary. Expanded: the turns it replaced."""

    BINDINGS = [Binding("enter,o", "toggle", "Expand", id="compaction-expand")]

    @dataclass
    class ExpandRequested(Message):
        """Load the original messages between these ids (inclusive)."""

        marker: CompactionMarker
        first_id: str
        last_id: str

    def __init__(self, header: str, summary: str, first_id: str, last_id: str) -> None:
        super().__init__(classes="report compaction")
        self.header = header
        self.summary = summary
        self.first_id = first_id
        self.last_id = last_id
        self.expanded = False
        self.update(self._collapsed())

    def _collapsed(self) -> Text:
        text = Text(f"{self.header}  (Enter: show the original turns)\n", style="bold")
        text.append("\n".join(self.summary.splitlines()[:12]))
        return text

    def action_toggle(self) -> None:
        if self.expanded:
            self.expanded = False
            self.update(self._collapsed())
        else:
            self.post_message(self.ExpandRequested(self, self.first_id, self.last_id))

    def on_click(self) -> None:
        self.action_toggle()

    def expand(self, lines: list[str]) -> None:
        self.expanded = True
        text = Text(f"{self.header}  (Enter: collapse)\n", style="bold")
        text.append("\n".join(lines) if lines else "(the original turns are not in the store)")
        self.update(text)
