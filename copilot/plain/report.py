"""What a headless run writes: the answer as text, one JSON object, or a JSON-lines stream.

stdout carries only what a script asked for (the answer, or JSON); progress a person
watching would want (tool calls, retries, denials, problems) goes to stderr as one line
each, so `copilot -p ... > answer.md` keeps the file clean and the terminal informed.
The JSON shapes are documented in docs/headless.md; they are this module's contract.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, TextIO

from copilot.bus.events import (
    ApprovalRequest,
    AssistantDelta,
    AssistantDone,
    AssistantStarted,
    Event,
    Notice,
    Retrying,
    ToolCallStarted,
    ToolFinished,
    Usage,
)


@dataclass
class ToolRecord:
    """One tool call of the run, as the result reports it."""

    call_id: str
    tool: str
    summary: str
    status: str = "running"
    exit_code: int | None = None
    denied: bool = False


@dataclass
class Result:
    """The whole run, for `--output-format json` and the last line of `stream-json`."""

    session_id: str = ""
    model: str = ""
    text: str = ""
    interrupted: bool = False
    stop_reason: str = ""
    tool_calls: list[ToolRecord] = field(default_factory=list)
    usage: dict[str, int] = field(
        default_factory=lambda: {
            "input_tokens": 0,
            "output_tokens": 0,
            "cache_read_tokens": 0,
            "cache_creation_tokens": 0,
        }
    )
    errors: list[str] = field(default_factory=list)
    exit_code: int = 0
    _reply_usage: dict[str, int] = field(default_factory=dict, repr=False)

    def record(self, event: Event) -> None:
        """Fold one engine event into the result."""
        if isinstance(event, AssistantStarted):
            self.model = event.model or self.model
        elif isinstance(event, AssistantDone):
            for name, value in self._reply_usage.items():
                self.usage[name] += value
            self._reply_usage = {}
            if event.text:
                self.text = f"{self.text}\n\n{event.text}" if self.text else event.text
            self.interrupted = self.interrupted or event.interrupted
            self.stop_reason = event.stop_reason
        elif isinstance(event, ToolCallStarted):
            self.tool_calls.append(ToolRecord(event.call_id, event.tool, event.summary))
        elif isinstance(event, ToolFinished):
            for call in self.tool_calls:
                if call.call_id == event.call_id:
                    call.status, call.exit_code = event.status, event.exit_code
        elif isinstance(event, Usage):
            # A reply reports its usage so far at its start and at its end; the run's
            # usage is the sum of each reply's last report, added when the reply ends.
            self._reply_usage = {name: getattr(event, name) for name in self.usage}
        elif isinstance(event, Notice) and event.level == "error":
            self.errors.append(event.text)

    def denied(self, request: ApprovalRequest) -> None:
        """A call the gate wanted to ask about, refused because nobody can answer."""
        for call in self.tool_calls:
            if call.call_id == request.call_id:
                call.denied = True

    def as_json(self) -> dict[str, Any]:
        fields = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        return {"type": "result", **fields}


def progress_line(event: Event) -> str | None:
    """The one stderr line a person watching a headless run sees for `event`, if any."""
    if isinstance(event, ToolCallStarted):
        return f"→ {event.tool}: {event.summary}" if event.summary else f"→ {event.tool}"
    if isinstance(event, ToolFinished):
        if event.status == "denied":
            return f"  denied: {event.summary}"
        code = "" if event.exit_code is None else f", exit {event.exit_code}"
        return f"  {event.status}{code} ({event.duration_s:.1f}s)"
    if isinstance(event, Retrying):
        return f"copilot: retrying in {event.seconds:.0f}s — {event.reason}"
    if isinstance(event, Notice) and event.level in ("error", "warning"):
        return f"copilot: {event.text}"
    return None


#: Said instead of the denial the model is told, which speaks to the model.
ASK_DENIED = "  denied: it needs approval, and nobody can give it in a headless run"


class TextReport:
    """The answer's text on stdout as it streams; progress on stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self._wrote = False
        self._in_reply = False
        self._line_open = False
        self._asked: set[str] = set()
        #: stdout and stderr both on the terminal: a note must not land mid-line there.
        #: (Into a file or a pipe the answer goes exactly as written.)
        self._one_screen = _is_terminal(out) and _is_terminal(err)

    def event(self, event: Event) -> None:
        if isinstance(event, AssistantDelta) and event.text:
            if self._wrote and not self._in_reply:
                self.out.write("\n")  # a blank line between the replies of one turn
            self.out.write(event.text)
            self.out.flush()
            self._wrote = self._in_reply = True
            self._line_open = not event.text.endswith("\n")
        elif isinstance(event, AssistantDone):
            self._in_reply = False
            if self._line_open:
                self._end_line()
        self._progress(event)

    def denied(self, request: ApprovalRequest) -> None:
        """The gate asked about a call and the run said no for want of anyone to ask."""
        self._asked.add(request.call_id)
        self._note(ASK_DENIED)

    def finish(self, result: Result) -> None:
        if self._line_open:
            self._end_line()
        if result.interrupted:
            self._note("copilot: interrupted; the partial answer is kept")

    def _progress(self, event: Event) -> None:
        if isinstance(event, ToolFinished) and event.call_id in self._asked:
            return  # its denial was said when the gate asked
        line = progress_line(event)
        if line is not None:
            self._note(line)

    def _note(self, line: str) -> None:
        if self._line_open and self._one_screen:
            # The answer's text ends mid-line on the terminal: do not glue the note to it.
            self._end_line()
        print(line, file=self.err, flush=True)

    def _end_line(self) -> None:
        self.out.write("\n")
        self.out.flush()
        self._line_open = False


class JsonReport(TextReport):
    """One JSON object on stdout once the run ends; progress on stderr."""

    def event(self, event: Event) -> None:
        self._progress(event)

    def finish(self, result: Result) -> None:
        if result.interrupted:
            self._note("copilot: interrupted; the partial answer is kept")
        self.out.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
        self.out.flush()


#: stream-json line types, by the engine event they come from.
STREAM_TYPES: dict[type[Event], str] = {
    AssistantStarted: "message_start",
    AssistantDelta: "text",
    AssistantDone: "message_done",
    ToolCallStarted: "tool_start",
    ToolFinished: "tool_done",
    Retrying: "retrying",
    Usage: "usage",
    Notice: "notice",
}
#: Fields of each event that a stream-json line leaves out (bus bookkeeping).
_BOOKKEEPING = frozenset({"source", "session_id", "ts"})


class StreamJsonReport(JsonReport):
    """One JSON object per line as things happen, ending with the `result` object."""

    def event(self, event: Event) -> None:
        kind = STREAM_TYPES.get(type(event))
        if kind is not None:
            self._line({"type": kind, **_fields(event)})
        super().event(event)

    def denied(self, request: ApprovalRequest) -> None:
        self._line(
            {
                "type": "approval_denied",
                "call_id": request.call_id,
                "tool": request.tool,
                "summary": request.summary,
            }
        )
        super().denied(request)

    def _line(self, data: dict[str, Any]) -> None:
        self.out.write(json.dumps(data, ensure_ascii=False) + "\n")
        self.out.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except ValueError:  # closed
        return False


def _fields(event: Event) -> dict[str, Any]:
    return {
        name: getattr(event, name) for name in event.__struct_fields__ if name not in _BOOKKEEPING
    }


FORMATS: dict[str, type[TextReport]] = {
    "text": TextReport,
    "json": JsonReport,
    "stream-json": StreamJsonReport,
}
