"""The Messages API on the wire: SSE events, message JSON, error bodies and HTTP framing.

Field by field this follows `anthropic/types/raw_*` and `Message`, so the SDK's stream
accumulator builds the same final `Message` it would from the real API. Pure functions: the
server decides when to send, this module decides what the bytes are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from itertools import chain
from typing import Any

from tests.standin.markdown_feed import endless_markdown
from tests.standin.replies import EndlessMarkdown, Reply, TextPart, ToolCall

CHARS_PER_TOKEN = 4


@dataclass(frozen=True)
class WireEvent:
    """One SSE event; `fragment` marks the content deltas that pacing and faults count."""

    name: str
    data: Mapping[str, Any]
    fragment: bool = False

    def encode(self) -> bytes:
        """The event as SSE text: `event:` line, one `data:` line, blank line."""
        return sse_bytes(self.name, _dumps(self.data))


@dataclass(frozen=True)
class MessageContext:
    """Per-request facts the events carry: ids, the model asked for, the input size.

    As the API reports them, `input_tokens` is only the part after the last prompt-cache
    breakpoint; the cached prefix is counted in `cache_read_tokens` (found in the cache)
    and `cache_creation_tokens` (written to it), see `cache_split`.
    """

    message_id: str
    model: str
    input_tokens: int
    request_index: int
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0

    def tool_id(self, block_index: int, call: ToolCall) -> str:
        """The scripted id, or one that is stable for this request and block."""
        return call.call_id or f"toolu_standin_{self.request_index:04d}_{block_index}"


def sse_bytes(event: str, data: str) -> bytes:
    """Raw SSE framing, also used to send deliberately broken data lines."""
    return f"event: {event}\ndata: {data}\n\n".encode()


def estimate_tokens(body: Mapping[str, Any]) -> int:
    """A deterministic token estimate: JSON length of messages and system over four."""
    payload = {"system": body.get("system"), "messages": body.get("messages", [])}
    return max(1, len(_dumps(payload)) // CHARS_PER_TOKEN)


#: The API caches no prefix shorter than this (Sonnet and Opus; Haiku's is larger).
MIN_CACHEABLE_TOKENS = 1024


def cache_split(body: Mapping[str, Any], cached: set[str]) -> tuple[int, int]:
    """`(read, written)`: tokens of the prompt-cache prefix found in `cached` and added to it.

    Like the API: the prefix runs through the last block marked `cache_control`
    (system blocks, then message blocks); the longest earlier prefix seen at any block
    boundary is read, the rest up to the breakpoint is written, and nothing shorter
    than `MIN_CACHEABLE_TOKENS` is cached. Prefixes are compared without their
    `cache_control` marks, which move from request to request.
    """
    system = body.get("system") or []
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else list(system)
    for message in body.get("messages", []):
        content = message.get("content", [])
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        blocks += [{"role": message.get("role"), **block} for block in content]
    marks = [i for i, block in enumerate(blocks) if "cache_control" in block]
    if not marks:
        return 0, 0
    digest = hashlib.sha256()
    keys: list[str] = []
    tokens: list[int] = []
    chars = 0
    for block in blocks[: marks[-1] + 1]:
        text = _dumps({k: v for k, v in block.items() if k != "cache_control"})
        digest.update(text.encode())
        keys.append(digest.hexdigest())
        chars += len(text)
        tokens.append(chars // CHARS_PER_TOKEN)
    if tokens[-1] < MIN_CACHEABLE_TOKENS:
        return 0, 0
    hits = [i for i, key in enumerate(keys) if key in cached]
    read = tokens[hits[-1]] if hits else 0
    cached.update(keys[i] for i in marks if tokens[i] >= MIN_CACHEABLE_TOKENS)
    return read, tokens[-1] - read


def chunk_text(text: str, size: int) -> list[str]:
    """`text` cut into pieces of at most `size` characters."""
    return [text[i : i + size] for i in range(0, len(text), size)]


def stream_events(reply: Reply, ctx: MessageContext) -> Iterator[WireEvent]:
    """Every SSE event of a streamed reply, in API order; endless replies never finish."""
    yield WireEvent(
        "message_start",
        {"type": "message_start", "message": _message(ctx, [], None, output_tokens=1)},
    )
    output_chars = 0
    for index, block in enumerate(reply.blocks):
        yield WireEvent(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": index,
                "content_block": _start(block, index, ctx),
            },
        )
        if index == 0:
            yield WireEvent("ping", {"type": "ping"})
        if isinstance(block, ToolCall):
            yield _delta(index, {"type": "input_json_delta", "partial_json": ""}, fragment=False)
            for piece in chunk_text(_dumps(block.input), reply.chunk_chars):
                output_chars += len(piece)
                yield _delta(index, {"type": "input_json_delta", "partial_json": piece})
        else:
            for piece in _text_pieces(block, reply.chunk_chars):
                output_chars += len(piece)
                yield _delta(index, {"type": "text_delta", "text": piece})
        yield WireEvent("content_block_stop", {"type": "content_block_stop", "index": index})
    yield WireEvent(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
            "usage": {"output_tokens": _tokens(output_chars)},
        },
    )
    yield WireEvent("message_stop", {"type": "message_stop"})


def message_json(reply: Reply, ctx: MessageContext) -> dict[str, Any]:
    """The complete `Message` a non-streaming request gets."""
    content: list[dict[str, Any]] = []
    output_chars = 0
    for index, block in enumerate(reply.blocks):
        if isinstance(block, ToolCall):
            content.append({**_start(block, index, ctx), "input": dict(block.input)})
            output_chars += len(_dumps(block.input))
        elif isinstance(block, TextPart):
            content.append({"type": "text", "text": block.text})
            output_chars += len(block.text)
    return _message(ctx, content, reply.stop_reason, output_tokens=_tokens(output_chars))


def error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    """Anthropic's error shape, as both HTTP error bodies and `event: error` carry it."""
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }


def http_head(status: int, headers: Iterable[tuple[str, str]]) -> bytes:
    """Status line and headers of an HTTP/1.1 response."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Overloaded" if status == 529 else "Error"
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")


def http_chunk(payload: bytes) -> bytes:
    """One chunk of a chunked body; an empty payload is the terminating chunk."""
    return f"{len(payload):x}\r\n".encode() + payload + b"\r\n"


def _message(
    ctx: MessageContext,
    content: list[dict[str, Any]],
    stop_reason: str | None,
    *,
    output_tokens: int,
) -> dict[str, Any]:
    return {
        "id": ctx.message_id,
        "type": "message",
        "role": "assistant",
        "model": ctx.model,
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {
            "input_tokens": ctx.input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": ctx.cache_creation_tokens,
            "cache_read_input_tokens": ctx.cache_read_tokens,
            "service_tier": "standard",
        },
    }


def _start(
    block: TextPart | ToolCall | EndlessMarkdown, index: int, ctx: MessageContext
) -> dict[str, Any]:
    if isinstance(block, ToolCall):
        return {
            "type": "tool_use",
            "id": ctx.tool_id(index, block),
            "name": block.name,
            "input": {},
        }
    return {"type": "text", "text": ""}


def _text_pieces(block: TextPart | EndlessMarkdown, size: int) -> Iterator[str]:
    if isinstance(block, TextPart):
        return iter(chunk_text(block.text, size))
    return chain.from_iterable(chunk_text(section, size) for section in endless_markdown())


def _delta(index: int, delta: Mapping[str, Any], *, fragment: bool = True) -> WireEvent:
    return WireEvent(
        "content_block_delta",
        {"type": "content_block_delta", "index": index, "delta": delta},
        fragment=fragment,
    )


def _tokens(chars: int) -> int:
    return max(1, -(-chars // CHARS_PER_TOKEN))


def _dumps(data: Any) -> str:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False)
