"""The line-mode transcript: the engine's events as lines in the terminal's own scrollback.

Nothing here is redrawn: each line is written once, above the prompt, so the terminal
keeps all of it (scrollback, search, copy), which a full-screen app cannot offer. The
answer is written line by line as the model streams it: a line is held (`partial`, which
the prompt shows above itself as it grows) until it is complete, so a note that arrives
meanwhile (a queued message, a tool call) goes above it instead of cutting it in two.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable

from copilot.bus.events import (
    ApprovalRequest,
    AssistantDelta,
    AssistantDone,
    Event,
    Hint,
    MessageCommitted,
    QueueChanged,
    TaskUpdate,
    ToolFinished,
    ToolOutput,
)
from copilot.engine.calls import call_lines
from copilot.engine.pasted import excerpt
from copilot.memory.records import StoredMessage
from copilot.plain.report import progress_line
from copilot.sandbox.answers import choices, question
from copilot.sensors.tmux import strip_ansi

#: The marks in front of the user's messages and of the prompt.
USER_MARK = "› "
#: A queued message is shown by its first line, cut to this many characters.
QUEUED_CHARS = 60
#: Lines of a tool's output shown under it when it ends (the model reads all of it),
#: each cut to this many characters.
OUTPUT_TAIL_LINES = 8
OUTPUT_LINE_CHARS = 200


class Transcript:
    """Writes what the engine says through `write` (the prompt's stdout proxy)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        #: The answer's line in progress: not in the scrollback until it is complete.
        self.partial = ""
        #: Messages typed at an idle prompt: the prompt line already shows them.
        self.typed: list[str] = []
        #: The last lines of each running call's output, and its line in progress.
        self._tails: dict[str, deque[str]] = {}
        self._pending: dict[str, str] = {}
        #: Each background task's last status shown.
        self._task_status: dict[str, str] = {}

    def event(self, event: Event) -> None:
        if isinstance(event, AssistantDelta) and event.text:
            done, newline, self.partial = (self.partial + event.text).rpartition("\n")
            if newline:
                self._write(done + newline)
        elif isinstance(event, AssistantDone):
            if self.partial:
                self._write(self.partial + "\n")
                self.partial = ""
            if event.interrupted:
                self.line("[interrupted: the partial answer is kept]")
            self._write("\n")
        elif isinstance(event, MessageCommitted) and event.role != "assistant":
            if event.text in self.typed:
                self.typed.remove(event.text)
            else:  # sent from the queue, or a background task's result
                self.user(event.text, "" if event.role == "user" else "[task] ")
        elif isinstance(event, QueueChanged) and event.items:
            shown = "; ".join(_short(item.text) for item in event.items)
            self.line(f"  queued ({len(event.items)}): {shown}")
        elif isinstance(event, Hint):
            self.line(f"hint: {event.text}")
        elif isinstance(event, ToolOutput):
            self._take_output(event)
        elif isinstance(event, TaskUpdate):
            # A task's steps come many times a second; its start and its end are news.
            if self._task_status.get(event.task_id) != event.status:
                self._task_status[event.task_id] = event.status
                self.line(
                    f"[task {event.task_id}] {event.status} ({event.elapsed_s:.0f}s): {event.goal}"
                )
        else:
            if isinstance(event, ToolFinished):
                self._show_output(event.call_id)
            text = progress_line(event)
            if text is not None:
                self.line(text)

    def replay(self, messages: Iterable[StoredMessage]) -> None:
        """A resumed session's messages, as the app shows them."""
        for message in messages:
            text = message.text
            if message.role == "user" and text:
                self.user(text)
            elif message.role == "assistant":
                if text:
                    self.line(text)
                if message.interrupted:
                    self.line("[interrupted: the partial answer is kept]")
                for call in call_lines(message.content):
                    self.line(f"→ {call}")
                self._write("\n")

    def question(self, request: ApprovalRequest, full_diff: bool = False) -> None:
        """An approval request, with the keys that answer it."""
        where = f"[{request.task}] " if request.task else ""
        warning = "" if request.sandboxed else "  (sandbox unavailable: would run UNSANDBOXED)"
        self.line(f"{where}Allow {request.tool}?{warning}")
        asked = question(request, full_diff)
        self.line(_indented(asked.summary))
        for text in (asked.detail, asked.reason, *asked.diff):
            if text:
                self.line(_indented(text))
        if asked.hidden:
            self.line(f"  … {asked.hidden} more lines (d)")
        keys = "   ".join(f"[{c.key}] {c.label}" for c in choices(request))
        self.line(f"  {keys}")

    def _take_output(self, event: ToolOutput) -> None:
        """Keep the last lines of a call's output (a line redrawn with \\r counts once)."""
        text = self._pending.pop(event.call_id, "") + strip_ansi(event.chunk)
        *lines, rest = text.split("\n")
        tail = self._tails.setdefault(event.call_id, deque(maxlen=OUTPUT_TAIL_LINES))
        tail.extend(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)
        self._pending[event.call_id] = rest[-OUTPUT_LINE_CHARS:]

    def _show_output(self, call_id: str) -> None:
        tail = self._tails.pop(call_id, deque())
        rest = self._pending.pop(call_id, "").rsplit("\r", 1)[-1]
        if rest:
            tail.append(rest)
        for line in tail:
            self.line(f"  │ {line[:OUTPUT_LINE_CHARS]}")

    def user(self, text: str, label: str = "") -> None:
        """A message the user sent (a long one, such as a paste, in part)."""
        shown, note = excerpt(text)
        self.line(f"{label or USER_MARK}{shown}" + (f"\n{note}" if note else ""))

    def line(self, text: str) -> None:
        """One whole line (above the answer's line in progress, if any)."""
        self._write(text + "\n")


def _short(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else ""
    return first if len(first) <= QUEUED_CHARS else first[: QUEUED_CHARS - 1] + "…"


def _indented(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())
