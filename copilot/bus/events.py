"""The typed vocabulary of the micro-turn bus.

Every component talks to every other through these small records. Each kind
declares its priority lane once, as a class attribute, so a publisher cannot
put an interrupt behind a storm of file events by mistake. Kinds that arrive at
a high rate declare how they coalesce (`coalesce_key` + `merge`), so a slow
subscriber receives the latest state instead of an unbounded backlog.

The records are msgspec Structs rather than slots dataclasses: a dataclass
builds its methods by compiling source at import, ~20 ms for these ~30 kinds
on the launch path, where msgspec builds a Struct class in C (~2 ms for all).
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from enum import IntEnum
from typing import Any, ClassVar

from msgspec import Struct, field
from msgspec.structs import replace


class Lane(IntEnum):
    """Priority lanes, most urgent first. Lower value is served first."""

    CONTROL = 0
    USER = 1
    ASSISTANT = 2
    TOOL = 3
    AMBIENT = 4


#: Lanes whose events are never dropped, whatever the load.
LOSSLESS_LANES = frozenset({Lane.CONTROL, Lane.USER, Lane.ASSISTANT})


class Event(Struct, kw_only=True):
    """Base of every bus event: where it came from, when, and for which session."""

    lane: ClassVar[Lane] = Lane.AMBIENT
    source: str = ""
    session_id: str = ""
    ts: float = field(default_factory=time.monotonic)

    @property
    def kind(self) -> str:
        """A stable name for the kind, used by the store and the audit log."""
        return type(self).__name__

    def coalesce_key(self) -> Hashable | None:
        """Events with equal non-None keys may be merged while they wait."""
        return None

    def merge(self, newer: Event) -> Event:
        """Combine this waiting event with a newer one of the same key.

        The default keeps the latest state, which is right for sensors; kinds
        whose payload accumulates (text deltas, output chunks) override it.
        """
        return newer


# --- control lane -----------------------------------------------------------


class Interrupt(Event, kw_only=True):
    """Stop the foreground turn now (Ctrl+C, Esc, voice barge-in)."""

    lane: ClassVar[Lane] = Lane.CONTROL
    reason: str = "user"


class StateChanged(Event, kw_only=True):
    """The engine's turn state or the floor changed."""

    lane: ClassVar[Lane] = Lane.CONTROL
    state: str = "idle"
    floor: str = "idle"


class ApprovalRequest(Event, kw_only=True):
    """The engine asks whichever front end is attached to allow a tool call.

    `scope_label` says in words what "allow for a scope" would cover; an empty
    label means that answer is not offered (interpreters, wrappers, paths).
    """

    lane: ClassVar[Lane] = Lane.CONTROL
    request_id: str = ""
    call_id: str = ""
    tool: str = ""
    summary: str = ""
    detail: str = ""
    diff: str = ""
    reason: str = ""
    scope_label: str = ""
    sandboxed: bool = True
    task: str = ""


class ApprovalAnswer(Event, kw_only=True):
    """A front end's answer: `once`, `scope`, `deny` or `unsandboxed`."""

    lane: ClassVar[Lane] = Lane.CONTROL
    request_id: str = ""
    decision: str = "deny"
    reason: str = ""


class Quit(Event, kw_only=True):
    """The user asked to leave; subscribers finish what they must persist."""

    lane: ClassVar[Lane] = Lane.CONTROL


# --- user lane --------------------------------------------------------------


class UserInput(Event, kw_only=True):
    """A message the user sent (typed, pasted or spoken)."""

    lane: ClassVar[Lane] = Lane.USER
    text: str = ""
    via: str = "keyboard"


class QueueEdit(Event, kw_only=True):
    """Edit (`text` set) or remove (`text` None) a queued message."""

    lane: ClassVar[Lane] = Lane.USER
    item_id: str = ""
    text: str | None = None


class QueuedItem(Struct, frozen=True):
    """One message waiting for the current turn to end."""

    item_id: str
    text: str


class QueueChanged(Event, kw_only=True):
    """The visible queue of messages typed while the assistant worked."""

    lane: ClassVar[Lane] = Lane.USER
    items: tuple[QueuedItem, ...] = ()


class UserActivity(Event, kw_only=True):
    """The user is typing or speaking; proactive output must wait."""

    lane: ClassVar[Lane] = Lane.USER
    active: bool = True

    def coalesce_key(self) -> Hashable | None:
        return "user-activity"


class MessageCommitted(Event, kw_only=True):
    """A user message is stored and part of the history."""

    lane: ClassVar[Lane] = Lane.USER
    message_id: str = ""
    role: str = "user"
    text: str = ""


# --- assistant lane ---------------------------------------------------------


class AssistantStarted(Event, kw_only=True):
    """A new assistant message begins streaming."""

    lane: ClassVar[Lane] = Lane.ASSISTANT
    message_id: str = ""
    model: str = ""


class AssistantDelta(Event, kw_only=True):
    """A fragment of assistant text; consecutive fragments merge while waiting."""

    lane: ClassVar[Lane] = Lane.ASSISTANT
    message_id: str = ""
    text: str = ""

    def coalesce_key(self) -> Hashable | None:
        return ("delta", self.message_id)

    def merge(self, newer: Event) -> Event:
        assert isinstance(newer, AssistantDelta)
        return replace(self, text=self.text + newer.text, ts=newer.ts)


class AssistantDone(Event, kw_only=True):
    """The assistant message is stored; `interrupted` marks a partial answer."""

    lane: ClassVar[Lane] = Lane.ASSISTANT
    message_id: str = ""
    text: str = ""
    interrupted: bool = False
    stop_reason: str = ""
    calls: tuple[str, ...] = ()
    """One line per tool call the message made (`calls.call_lines`)."""


class Notice(Event, kw_only=True):
    """One line for the conversation: an error, a hint or an instruction."""

    lane: ClassVar[Lane] = Lane.ASSISTANT
    level: str = "info"
    text: str = ""


class Retrying(Event, kw_only=True):
    """The model call failed transiently; a retry happens in `seconds`."""

    lane: ClassVar[Lane] = Lane.ASSISTANT
    attempt: int = 1
    seconds: float = 0.0
    reason: str = ""


class Usage(Event, kw_only=True):
    """Token counts of the latest request, for the status line."""

    lane: ClassVar[Lane] = Lane.ASSISTANT
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    context_tokens: int = 0
    context_window: int = 0

    @property
    def prompt_tokens(self) -> int:
        """The whole request: uncached input plus the cached prefix read or written."""
        return self.input_tokens + self.cache_read_tokens + self.cache_creation_tokens

    def coalesce_key(self) -> Hashable | None:
        return "usage"


# --- tool lane --------------------------------------------------------------


class ToolCallStarted(Event, kw_only=True):
    """The model asked for a tool; the tool pane opens an entry for it."""

    lane: ClassVar[Lane] = Lane.TOOL
    call_id: str = ""
    tool: str = ""
    summary: str = ""
    arguments: dict[str, Any] = field(default_factory=dict)
    task: str = ""


class ToolStatus(Event, kw_only=True):
    """waiting, running, done, failed, denied or interrupted."""

    lane: ClassVar[Lane] = Lane.TOOL
    call_id: str = ""
    status: str = "running"
    detail: str = ""

    def coalesce_key(self) -> Hashable | None:
        return ("tool-status", self.call_id)


class ToolOutput(Event, kw_only=True):
    """A chunk of a tool's output (may hold ANSI colour); chunks merge while waiting."""

    lane: ClassVar[Lane] = Lane.TOOL
    call_id: str = ""
    chunk: str = ""

    def coalesce_key(self) -> Hashable | None:
        return ("tool-output", self.call_id)

    def merge(self, newer: Event) -> Event:
        assert isinstance(newer, ToolOutput)
        return replace(self, chunk=self.chunk + newer.chunk, ts=newer.ts)


class ToolFinished(Event, kw_only=True):
    """A tool call ended; its result is already stored."""

    lane: ClassVar[Lane] = Lane.TOOL
    call_id: str = ""
    status: str = "done"
    exit_code: int | None = None
    duration_s: float = 0.0
    summary: str = ""


# --- ambient lane -----------------------------------------------------------


class SensorEvent(Event, kw_only=True):
    """Something a sensor noticed. `key` identifies the thing (a path, a pane).

    `sensor` names the producer (files, shell, git, tmux, instructions);
    `action` what happened (created, modified, deleted, command, failed, ...);
    `data` carries the details a saliency scorer and the context pane need.
    """

    lane: ClassVar[Lane] = Lane.AMBIENT
    sensor: str = ""
    key: str = ""
    action: str = ""
    summary: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def coalesce_key(self) -> Hashable | None:
        return ("sensor", self.sensor, self.key)


class ContextChanged(Event, kw_only=True):
    """The ranked ambient context that the next request would carry changed."""

    lane: ClassVar[Lane] = Lane.AMBIENT
    items: tuple[Any, ...] = ()
    block: str = ""
    tokens: int = 0

    def coalesce_key(self) -> Hashable | None:
        return "context"


class Hint(Event, kw_only=True):
    """A proactive one-liner (e.g. a failed command); never takes focus."""

    lane: ClassVar[Lane] = Lane.AMBIENT
    text: str = ""
    action: str = ""

    def coalesce_key(self) -> Hashable | None:
        return "hint"


# --- voice (user lane: a speaking user holds the floor like a typing one) -----


class VoiceActivity(Event, kw_only=True):
    """Speech detection: `onset` (maybe speech), `confirmed` (speech), `offset`, `false_start`."""

    lane: ClassVar[Lane] = Lane.USER
    state: str = "onset"
    level: float = 0.0


class Transcript(Event, kw_only=True):
    """Speech-to-text: partials replace each other while they wait; `final` ends an utterance."""

    lane: ClassVar[Lane] = Lane.USER
    utterance_id: str = ""
    text: str = ""
    final: bool = False

    def coalesce_key(self) -> Hashable | None:
        return None if self.final else ("transcript", self.utterance_id)


class VoiceStatus(Event, kw_only=True):
    """Whether voice is available, and if not, the one line saying why."""

    lane: ClassVar[Lane] = Lane.AMBIENT
    available: bool = False
    mode: str = "off"
    detail: str = ""


# --- background tasks -----------------------------------------------------------


class TaskUpdate(Event, kw_only=True):
    """A background task's state: goal, status, current step, elapsed time."""

    lane: ClassVar[Lane] = Lane.TOOL
    task_id: str = ""
    goal: str = ""
    status: str = "running"
    step: str = ""
    elapsed_s: float = 0.0
    result: str = ""

    def coalesce_key(self) -> Hashable | None:
        return None if self.status in ("done", "failed", "cancelled") else ("task", self.task_id)


class CancelTask(Event, kw_only=True):
    """Cancel one background task (its own key; a plain interrupt never does this)."""

    lane: ClassVar[Lane] = Lane.CONTROL
    task_id: str = ""


class Heartbeat(Event, kw_only=True):
    """While anything runs, at least every 200 ms: what is running, for the status line."""

    lane: ClassVar[Lane] = Lane.AMBIENT
    running: tuple[str, ...] = ()

    def coalesce_key(self) -> Hashable | None:
        return "heartbeat"


class CompactionDone(Event, kw_only=True):
    """Older turns were summarised; the transcript shows a marker that expands to them."""

    lane: ClassVar[Lane] = Lane.ASSISTANT
    summary: str = ""
    first_message_id: str = ""
    last_message_id: str = ""
    tokens_before: int = 0
    tokens_after: int = 0
