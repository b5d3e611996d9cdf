"""One tool call in the tool pane: what, its status, live output, how it ended."""

from __future__ import annotations

import time

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from copilot.ui.widgets.tool_output_log import ToolOutputLog

#: Lines of live output kept on screen per call (the store keeps everything).
MAX_LINES = 500
#: A line without an end is kept up to this long while it waits for one.
MAX_LINE_CHARS = 4096
#: While output floods in, each write draws only this many of its newest lines (two
#: boxes full: the log shows 12 rows; drawing 60 took ~5 ms of the loop 30 times a second).
FLOOD_LINES = 24
#: Writes closer together than this mean the output is flooding.
FLOOD_GAP_S = 0.25


class ToolEntry(Vertical):
    """The header carries the status as a class: -waiting, -running, -done, -failed,
    -denied, -interrupted. On the header, not the entry: a class change restyles the
    node and everything inside it, and the entry's subtree (header, log, scrollbars)
    took ~4 ms to restyle, twice per command, as the command started and ended.

    How the call ended (exit code, duration, a note) goes on the header line, not
    on a line of its own below the output: a row that appears when the command
    ends lays out the whole screen (~15-25 ms) just then, while the header's
    text changes in place unless it needs another row.
    """

    def __init__(self, call_id: str, tool: str, summary: str, task: str = "") -> None:
        super().__init__(id=None)
        self.call_id = call_id
        self.tool = tool
        self.summary = summary
        self.task_label = task
        self.status = "waiting"
        self._result = ""
        self._header = Static(self._header_text(), classes="tool-header")
        # Displayed from the start (no rows while empty): a log shown only at the first
        # output does not know its width yet, so it renders that output twice and the
        # screen is laid out twice more as the command starts.
        self._output = ToolOutputLog(
            max_lines=MAX_LINES, min_width=1, wrap=True, markup=False, auto_scroll=True
        )
        self._partial = ""
        self._last_write = 0.0

    def compose(self) -> ComposeResult:
        yield self._header
        yield self._output

    def _header_text(self) -> Text:
        text = Text(no_wrap=False)
        if self.task_label:
            text.append(f"[{self.task_label}] ", style="dim")
        text.append(self.tool, style="bold")
        text.append(f"  {self.summary}")
        text.append(f"  {self.status}", style="italic")
        if self._result:
            text.append(f"  {self._result}", style="dim")
        return text

    def set_status(self, status: str, result: str = "") -> None:
        """Restyle and retitle (with how the call ended, if it did); no layout pass
        when the header keeps its height.

        Static.update lays out the whole screen by default (20-50 ms with a long
        conversation), and a status change ("waiting" to "running") rarely moves
        the header onto another row."""
        before = self._header_rows(self._header_text())
        # One restyle, not two: each costs 1.5-2 ms as a command starts and ends.
        self._header.remove_class(f"-{self.status}", update=False)
        self.status = status
        self._result = result
        self._header.add_class(f"-{status}")
        header = self._header_text()
        self._header.update(header, layout=not before or self._header_rows(header) != before)

    def _header_rows(self, header: Text) -> int:
        """Rows the header takes at its current width (0 before its first layout)."""
        width = self._header.content_size.width
        if not width or not self.is_attached:
            return 0
        return len(header.wrap(self.app.console, width))

    def write(self, chunk: str) -> None:
        """Append output; ANSI colours are rendered, partial lines wait for their end."""
        data = self._partial + chunk
        lines = data.split("\n")
        self._partial = lines.pop()[-MAX_LINE_CHARS:]
        if not lines:
            return
        # One write per chunk, and only what the log can keep: a line-per-write
        # loop over 100 MB of `yes` starves the event loop. While output floods
        # in (chunks at the throttle's rate), nobody reads the middle of each
        # chunk as it flies past: draw its newest lines and say what was skipped.
        # Rendering 500 lines 30 times a second kept keys waiting ~100 ms. A chunk
        # holding more lines than the log keeps is a flood by itself: drawing 500
        # of them at once held the loop ~80 ms as `yes` started.
        now = time.monotonic()
        flooding = now - self._last_write < FLOOD_GAP_S or len(lines) > MAX_LINES
        keep = FLOOD_LINES if flooding else MAX_LINES
        self._last_write = now
        # A log that grows changes its virtual size, and Textual lays out the whole
        # screen for that (20-50 ms a time, each write until 500 lines are held).
        # During a flood the log stops growing: it keeps as many rows as it held
        # when the flood began, the oldest scrolling out.
        log = self._output
        log.max_lines = max(len(log.lines), FLOOD_LINES + 1) if flooding else MAX_LINES
        text = Text()
        if len(lines) > keep:
            skipped = len(lines) - keep
            text.append(f"… {skipped:,} lines not drawn (the full output is kept)\n", style="dim")
            lines = lines[-keep:]
        text.append_text(Text.from_ansi("\n".join(lines)))
        log.write(text)

    def finish(self, status: str, exit_code: int | None, duration_s: float, summary: str) -> None:
        if self._partial:
            self._output.write(Text.from_ansi(self._partial))
            self._partial = ""
        # "done" already says exit 0; the shorter the line, the rarer a re-wrap.
        parts = [] if exit_code in (None, 0) else [f"exit {exit_code}"]
        parts.append(f"{duration_s:.2f}s")
        if summary:
            parts.append(summary)
        self.set_status(status, "  ".join(parts))
