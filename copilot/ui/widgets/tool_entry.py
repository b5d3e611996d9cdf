"""One tool call in the tool pane: what, its status, live output, how it ended."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog, Static

#: Lines of live output kept on screen per call (the store keeps everything).
MAX_LINES = 500
#: A line without an end is kept up to this long while it waits for one.
MAX_LINE_CHARS = 4096


class ToolEntry(Vertical):
    """Status classes: -waiting, -running, -done, -failed, -denied, -interrupted."""

    def __init__(self, call_id: str, tool: str, summary: str, task: str = "") -> None:
        super().__init__(id=None)
        self.call_id = call_id
        self.tool = tool
        self.summary = summary
        self.task_label = task
        self.status = "waiting"
        self._header = Static(self._header_text(), classes="tool-header")
        self._output = RichLog(max_lines=MAX_LINES, wrap=True, markup=False, auto_scroll=True)
        self._output.display = False
        self._footer = Static("", classes="tool-footer")
        self._footer.display = False
        self._partial = ""

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._output
        yield self._footer

    def _header_text(self) -> Text:
        text = Text(no_wrap=False)
        if self.task_label:
            text.append(f"[{self.task_label}] ", style="dim")
        text.append(self.tool, style="bold")
        text.append(f"  {self.summary}")
        text.append(f"  {self.status}", style="italic")
        return text

    def set_status(self, status: str) -> None:
        self.remove_class(f"-{self.status}")
        self.status = status
        self.add_class(f"-{status}")
        self._header.update(self._header_text())

    def write(self, chunk: str) -> None:
        """Append output; ANSI colours are rendered, partial lines wait for their end."""
        self._output.display = True
        data = self._partial + chunk
        lines = data.split("\n")
        self._partial = lines.pop()[-MAX_LINE_CHARS:]
        if lines:
            # One write per chunk, and only what the log can keep: a line-per-write
            # loop over 100 MB of `yes` starves the event loop.
            self._output.write(Text.from_ansi("\n".join(lines[-MAX_LINES:])))

    def finish(self, status: str, exit_code: int | None, duration_s: float, summary: str) -> None:
        if self._partial:
            self._output.write(Text.from_ansi(self._partial))
            self._partial = ""
        self.set_status(status)
        parts = []
        if exit_code is not None:
            parts.append(f"exit {exit_code}")
        parts.append(f"{duration_s:.2f}s")
        if summary:
            parts.append(summary)
        self._footer.update(Text("  ".join(parts), style="dim"))
        self._footer.display = True
