"""What the stand-in answers: one frozen `Reply` per request, built by small class methods.

A test scripts the model's behaviour as data, in the order the requests will arrive, so the
same script can be built in Python (`Reply.text(...)`) or loaded from JSON by the CLI
(`Reply.from_spec({"kind": "text", ...})`): the JSON `kind` is the builder's name and the
other keys are its keyword arguments, so the two forms cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

StopReason = Literal["end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal"]
FaultKind = Literal["reset", "malformed", "hang", "error_event"]

FAULT_TEXT = (
    "## Working on it\n\n"
    "First I will read the file, then I will look for the failing test and explain what "
    "goes wrong. The failure comes from the parser: it drops the last token when the input "
    "ends without a newline. Here is the part that matters:\n\n"
    "```python\ndef parse(text):\n    return text.split()\n```\n\n"
    "- it keeps whitespace out\n- it never sees the final token\n"
)
"""Long enough (about 90 fragments of 4 characters) that a fault after a few fragments
always interrupts a stream that still had more to say."""


@dataclass(frozen=True)
class TextPart:
    """A text content block, streamed as `text_delta` fragments."""

    text: str


@dataclass(frozen=True)
class ToolCall:
    """A `tool_use` content block; `call_id=None` lets the server assign a stable id."""

    name: str
    input: Mapping[str, Any] = field(default_factory=dict)
    call_id: str | None = None


@dataclass(frozen=True)
class EndlessMarkdown:
    """A text block that never ends: Markdown streamed until the client goes away."""


Block = TextPart | ToolCall | EndlessMarkdown


@dataclass(frozen=True)
class HttpError:
    """An API error answered instead of a message, in Anthropic's JSON error shape."""

    status: int
    error_type: str
    message: str
    retry_after: float | None = None


@dataclass(frozen=True)
class Fault:
    """Something that breaks a stream once `after` fragments were sent.

    `reset` aborts the TCP connection (RST), `malformed` sends an SSE data line that is not
    JSON, `hang` stops sending and waits for the client to leave, `error_event` sends the
    `event: error` the real API uses for failures after the stream started.
    """

    kind: FaultKind
    after: int
    error_type: str = "overloaded_error"
    message: str = "Overloaded"


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one `POST /v1/messages`.

    A fragment is one `content_block_delta`; `tokens_per_s` paces fragments (one fragment
    counts as one token), `None` sends them as fast as the socket takes them.
    """

    blocks: tuple[Block, ...] = ()
    stop_reason: StopReason = "end_turn"
    tokens_per_s: float | None = None
    chunk_chars: int = 4
    http_error: HttpError | None = None
    fault: Fault | None = None

    def __post_init__(self) -> None:
        if self.chunk_chars < 1:
            raise ValueError(f"chunk_chars must be at least 1, got {self.chunk_chars}")
        if self.tokens_per_s is not None and self.tokens_per_s <= 0:
            raise ValueError(f"tokens_per_s must be positive or None, got {self.tokens_per_s}")
        if self.fault is not None and self.fault.after < 0:
            raise ValueError(f"a fault needs a fragment count >= 0, got {self.fault.after}")

    @property
    def is_endless(self) -> bool:
        """True when the reply streams until the client disconnects."""
        return any(isinstance(block, EndlessMarkdown) for block in self.blocks)

    @classmethod
    def text(
        cls,
        text: str,
        *,
        tokens_per_s: float | None = 200.0,
        chunk_chars: int = 4,
        stop_reason: StopReason = "end_turn",
    ) -> Reply:
        """A plain answer: one text block split into `chunk_chars`-sized fragments, paced
        like a fast model by default so a UI under test sees a stream, not one burst."""
        return cls(
            blocks=(TextPart(text),),
            stop_reason=stop_reason,
            tokens_per_s=tokens_per_s,
            chunk_chars=chunk_chars,
        )

    @classmethod
    def tool_use(
        cls,
        name: str,
        input: Mapping[str, Any],
        *,
        text_before: str = "",
        call_id: str | None = None,
        tokens_per_s: float | None = None,
        chunk_chars: int = 4,
    ) -> Reply:
        """One tool call, optionally after some text; its input streams as JSON partials."""
        return cls.tools(
            [ToolCall(name, input, call_id)],
            text_before=text_before,
            tokens_per_s=tokens_per_s,
            chunk_chars=chunk_chars,
        )

    @classmethod
    def tools(
        cls,
        calls: Sequence[ToolCall | Mapping[str, Any]],
        *,
        text_before: str = "",
        tokens_per_s: float | None = None,
        chunk_chars: int = 4,
    ) -> Reply:
        """Several tool calls in one answer (mappings take `ToolCall`'s field names)."""
        tool_calls = tuple(c if isinstance(c, ToolCall) else ToolCall(**c) for c in calls)
        if not tool_calls:
            raise ValueError("Reply.tools needs at least one call")
        text_blocks: tuple[Block, ...] = (TextPart(text_before),) if text_before else ()
        return cls(
            blocks=text_blocks + tool_calls,
            stop_reason="tool_use",
            tokens_per_s=tokens_per_s,
            chunk_chars=chunk_chars,
        )

    @classmethod
    def error(
        cls,
        status: int,
        error_type: str,
        message: str,
        retry_after: float | None = None,
    ) -> Reply:
        """An HTTP error response, e.g. `Reply.error(429, "rate_limit_error", "slow down")`."""
        return cls(http_error=HttpError(status, error_type, message, retry_after))

    @classmethod
    def reset_after(
        cls, n_fragments: int, *, text: str = FAULT_TEXT, tokens_per_s: float | None = None
    ) -> Reply:
        """Stream `n_fragments` of `text`, then abort the connection with a TCP RST."""
        return cls._faulty(Fault("reset", n_fragments), text, tokens_per_s)

    @classmethod
    def malformed_after(
        cls, n_fragments: int, *, text: str = FAULT_TEXT, tokens_per_s: float | None = None
    ) -> Reply:
        """Stream `n_fragments` of `text`, then an SSE data line that is not valid JSON."""
        return cls._faulty(Fault("malformed", n_fragments), text, tokens_per_s)

    @classmethod
    def hang_after(
        cls, n_fragments: int, *, text: str = FAULT_TEXT, tokens_per_s: float | None = None
    ) -> Reply:
        """Stream `n_fragments` of `text`, then send nothing until the client disconnects."""
        return cls._faulty(Fault("hang", n_fragments), text, tokens_per_s)

    @classmethod
    def error_event_after(
        cls,
        n_fragments: int,
        *,
        error_type: str = "overloaded_error",
        message: str = "Overloaded",
        text: str = FAULT_TEXT,
        tokens_per_s: float | None = None,
    ) -> Reply:
        """Stream `n_fragments`, then an in-stream `event: error` (how the API reports
        overload once a 200 response has begun)."""
        fault = Fault("error_event", n_fragments, error_type, message)
        return cls._faulty(fault, text, tokens_per_s)

    @classmethod
    def stream_forever(cls, *, tokens_per_s: float | None = 100.0, chunk_chars: int = 4) -> Reply:
        """Endless Markdown (headings, lists, code fences) for interrupt and throughput runs."""
        return cls(blocks=(EndlessMarkdown(),), tokens_per_s=tokens_per_s, chunk_chars=chunk_chars)

    @classmethod
    def _faulty(cls, fault: Fault, text: str, tokens_per_s: float | None) -> Reply:
        return cls(blocks=(TextPart(text),), tokens_per_s=tokens_per_s, fault=fault)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Reply:
        """Build a reply from JSON data: `{"kind": <builder name>, **builder kwargs}`."""
        arguments = dict(spec)
        kind = arguments.pop("kind", None)
        builder = _BUILDERS.get(kind) if isinstance(kind, str) else None
        if builder is None:
            raise ValueError(f"unknown reply kind {kind!r}; expected one of {sorted(_BUILDERS)}")
        return builder(**arguments)

    @classmethod
    def echo(cls, body: Mapping[str, Any]) -> Reply:
        """The default when no reply is scripted: `You said: <last user text>`."""
        return cls.text(f"You said: {last_user_text(body)}")


_BUILDERS = {
    "text": Reply.text,
    "tool_use": Reply.tool_use,
    "tools": Reply.tools,
    "error": Reply.error,
    "reset_after": Reply.reset_after,
    "malformed_after": Reply.malformed_after,
    "hang_after": Reply.hang_after,
    "error_event_after": Reply.error_event_after,
    "stream_forever": Reply.stream_forever,
}


def last_user_text(body: Mapping[str, Any]) -> str:
    """All text in the last user message, including text inside tool results.

    Tool results count because after a tool call the last user turn holds only them, and an
    echo of the result is what lets a test see that the result reached the model.
    """
    messages = body.get("messages") or []
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            return "\n".join(_texts(message.get("content")))
    return ""


def _texts(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    found: list[str] = []
    for block in content if isinstance(content, list) else []:
        if not isinstance(block, Mapping):
            continue
        if block.get("type") == "text":
            found.append(str(block.get("text", "")))
        elif block.get("type") == "tool_result":
            found.extend(_texts(block.get("content")))
    return found
