"""The Anthropic Messages API through the official SDK, streamed.

The SDK is imported lazily (`import anthropic` costs ~0.7 s) so the first
frame is not held back by it. Credentials and the base URL are read by the SDK
itself (`ANTHROPIC_API_KEY`, `ANTHROPIC_AUTH_TOKEN`, `ANTHROPIC_BASE_URL`,
profiles): we pass nothing unless the user's own config sets a value, so the
SDK's rules hold exactly.

Retries are ours, not the SDK's (`max_retries=0`), so the user sees a
countdown, and so a retry never happens once text has been shown: a stream
that breaks mid-answer keeps its partial text and ends with one clear line.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from copilot.config import ModelConfig, user_config_dir
from copilot.models.reply import ModelError, Reply


def no_key_hint() -> str:
    """How to add a key, naming the config file this run reads (XDG_CONFIG_HOME moves it)."""
    path = user_config_dir() / "config.toml"
    home = Path.home()
    shown = f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)
    return (
        "No API key: set ANTHROPIC_API_KEY (export ANTHROPIC_API_KEY=sk-ant-...) and restart, "
        f"or put api_key under [model] in {shown}."
    )


def _cached(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Mark the last block as a prompt-cache breakpoint (the prefix up to it)."""
    if not blocks:
        return blocks
    marked = [dict(b) for b in blocks]
    marked[-1]["cache_control"] = {"type": "ephemeral"}
    return marked


def build_params(
    config: ModelConfig,
    system: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]],
    model: str | None = None,
    ambient: str = "",
) -> dict[str, Any]:
    """The request body: system and history prefix marked for prompt caching.

    The ambient block changes every request, so it goes after the last
    breakpoint: the cached prefix of the next request stays byte-identical.
    """
    history = [dict(m) for m in messages]
    if history:
        last = history[-1]
        content = last["content"]
        if isinstance(content, str):
            content = [{"type": "text", "text": content}]
        content = _cached(content)
        if ambient and last["role"] == "user":
            content.append({"type": "text", "text": ambient})
        history[-1] = {**last, "content": content}
    params: dict[str, Any] = {
        "model": model or config.name,
        "max_tokens": config.max_tokens,
        "messages": history,
    }
    if system:
        params["system"] = _cached([{"type": "text", "text": system}])
    if tools:
        params["tools"] = tools
    return params


class AnthropicClient:
    """One SDK client per app; `stream()` runs one request with our retry loop."""

    def __init__(self, config: ModelConfig) -> None:
        self.config = config
        self._client: Any = None
        self._sdk: Any = None
        self._transport_error: type[Exception] = OSError
        self._load_lock = asyncio.Lock()
        self.problem: str | None = None

    async def load(self) -> str | None:
        """Import the SDK off the event loop and build the client.

        Returns the one-line problem when the client cannot be used (no key).
        """
        async with self._load_lock:
            if self._client is not None or self.problem is not None:
                return self.problem
            self._sdk, self._transport_error = await asyncio.to_thread(_import_sdk)
            kwargs: dict[str, Any] = {"max_retries": 0}
            if self.config.api_key:
                kwargs["api_key"] = self.config.api_key
            if self.config.base_url:
                kwargs["base_url"] = self.config.base_url
            client = self._sdk.AsyncAnthropic(**kwargs)
            if client.api_key is None and client.auth_token is None and client.credentials is None:
                self.problem = no_key_hint()
                await client.close()
                return self.problem
            self._client = client
            return None

    @property
    def ready(self) -> bool:
        return self._client is not None

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()

    async def stream(
        self,
        params: dict[str, Any],
        reply: Reply,
        on_text: Callable[[str], None],
        on_retry: Callable[[int, float, str], None],
        on_usage: Callable[[Reply], None],
        on_tool: Callable[[dict[str, Any]], None] | None = None,
    ) -> Reply:
        """Stream one reply into `reply`, retrying transient failures before any output."""
        problem = await self.load()
        if problem:
            raise ModelError(problem, retryable=False)
        attempt = 0
        while True:
            attempt += 1
            try:
                await self._stream_once(params, reply, on_text, on_usage, on_tool)
                return reply
            except ModelError as exc:
                started = bool(reply.blocks)
                if started or not exc.retryable or attempt >= self.config.max_attempts:
                    raise
                delay = self._delay(attempt, exc.retry_after)
                on_retry(attempt, delay, exc.message)
                await asyncio.sleep(delay)

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.config.retry_cap_s)
        base = self.config.retry_base_s * 2 ** (attempt - 1)
        return min(base * (0.8 + 0.4 * random.random()), self.config.retry_cap_s)

    async def _stream_once(
        self,
        params: dict[str, Any],
        reply: Reply,
        on_text: Callable[[str], None],
        on_usage: Callable[[Reply], None],
        on_tool: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        sdk = self._sdk
        tools: dict[int, _ToolBlock] = {}
        index_map: dict[int, int] = {}
        try:
            # The raw event stream, not `messages.stream()`: that helper rebuilds a
            # snapshot of the whole message on every event, which cost 13 ms per 200
            # fragments here, on the loop that also draws the screen; `_apply`
            # already keeps the one copy we need.
            stream = await self._client.messages.create(**params, stream=True)
            async with stream:
                async for event in stream:
                    _apply(event, reply, tools, index_map, on_text, on_usage, on_tool)
        except (asyncio.CancelledError, ModelError):
            raise
        except sdk.APIStatusError as exc:
            raise _status_error(exc) from None
        except (sdk.APIConnectionError, self._transport_error) as exc:
            raise ModelError(_connection_message(exc, bool(reply.blocks)), retryable=True) from None
        except (ValueError, KeyError, TypeError) as exc:
            raise ModelError(
                f"The API sent a malformed stream ({type(exc).__name__}); "
                "the partial answer is kept.",
                retryable=False,
            ) from None
        except sdk.APIError as exc:
            raise ModelError(
                f"The API stream failed: {_one_line(str(exc))}", retryable=False
            ) from None


def _import_sdk() -> tuple[Any, type[Exception]]:
    """The SDK module, and the transport error its stream raises unwrapped.

    Errors while a stream is being read (a reset, a server that stops
    mid-answer) reach us as the HTTP library's own `TransportError`, not as
    `APIConnectionError`.
    """
    import anthropic
    import httpx2

    _build_event_decoder(anthropic)
    return anthropic, httpx2.TransportError


def _build_event_decoder(anthropic: Any) -> None:
    """Have the SDK build its decoder of stream events now, off the event loop.

    The SDK builds it (a pydantic TypeAdapter over every kind of stream event, 50-90 ms
    here) on meeting the first event of the first answer in a process, on the loop that
    draws the screen: the first answer of every session waited for it. This decodes one
    event the way the stream does (`construct_type` with the stream's event type). The
    function is the SDK's own but private: if a later SDK moves it, nothing is built
    here and the first answer pays as before.
    """
    try:
        from anthropic._models import construct_type
    except ImportError:
        return
    construct_type(value={"type": "message_stop"}, type_=anthropic.types.RawMessageStreamEvent)


@dataclass(slots=True)
class _ToolBlock:
    """A tool call while its input streams in as pieces of JSON."""

    id: str
    name: str
    pieces: list[str] = field(default_factory=list)


def _apply(
    event: Any,
    reply: Reply,
    tools: dict[int, _ToolBlock],
    index_map: dict[int, int],
    on_text: Callable[[str], None],
    on_usage: Callable[[Reply], None],
    on_tool: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """Fold one raw stream event into the reply, calling back for text, tools and usage.

    `on_tool` gets each tool call the moment its block is complete, so the
    engine can start it while the rest of the message still streams.
    """
    kind = event.type
    if kind == "message_start":
        usage = event.message.usage
        reply.input_tokens = usage.input_tokens or 0
        reply.cache_read_tokens = getattr(usage, "cache_read_input_tokens", 0) or 0
        reply.cache_creation_tokens = getattr(usage, "cache_creation_input_tokens", 0) or 0
        on_usage(reply)
    elif kind == "content_block_start":
        block = event.content_block
        if block.type == "text":
            index_map[event.index] = reply.start_text()
            if block.text:
                reply.add_text(block.text, index_map[event.index])
                on_text(block.text)
        elif block.type == "tool_use":
            tools[event.index] = _ToolBlock(block.id, block.name)
            index_map[event.index] = -1
    elif kind == "content_block_delta":
        delta = event.delta
        if delta.type == "text_delta":
            position = index_map.get(event.index)
            if position is None or position < 0:
                position = index_map[event.index] = reply.start_text()
            reply.add_text(delta.text, position)
            on_text(delta.text)
        elif delta.type == "input_json_delta":
            tool = tools.get(event.index)
            if tool is not None:
                tool.pieces.append(delta.partial_json)
    elif kind == "content_block_stop":
        tool = tools.pop(event.index, None)
        if tool is not None:
            raw = "".join(tool.pieces)
            call = {
                "type": "tool_use",
                "id": tool.id,
                "name": tool.name,
                "input": json.loads(raw) if raw else {},
            }
            reply.blocks.append(call)
            if on_tool is not None:
                on_tool(call)
    elif kind == "message_delta":
        reply.stop_reason = event.delta.stop_reason or ""
        reply.output_tokens = event.usage.output_tokens or 0
        on_usage(reply)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]


#: In-stream `event: error` arrives with HTTP status 200; its type says what it is.
_STREAM_ERROR_STATUS = {
    "overloaded_error": 529,
    "rate_limit_error": 429,
    "api_error": 500,
    "authentication_error": 401,
    "permission_error": 403,
}


def _status_error(exc: Any) -> ModelError:
    status = exc.status_code
    if status < 400:
        status = _STREAM_ERROR_STATUS.get(exc.type or "", 500)
    api_message = _one_line(exc.api_message or "") or "no details"
    retry_after: float | None = None
    header = exc.response.headers.get("retry-after")
    if header:
        try:
            retry_after = float(header)
        except ValueError:
            retry_after = None
    if status == 401:
        message = f"The API rejected the key (401): {api_message}. Check ANTHROPIC_API_KEY."
        return ModelError(message, retryable=False, status=status)
    if status == 403:
        return ModelError(f"Permission denied (403): {api_message}", retryable=False, status=status)
    if status == 429:
        return ModelError(
            f"Rate limited (429): {api_message}",
            retryable=True,
            status=status,
            retry_after=retry_after,
        )
    if status == 529:
        return ModelError(
            f"The API is overloaded (529): {api_message}",
            retryable=True,
            status=status,
            retry_after=retry_after,
        )
    if status >= 500:
        return ModelError(
            f"The API failed ({status}): {api_message}",
            retryable=True,
            status=status,
            retry_after=retry_after,
        )
    return ModelError(
        f"The API refused the request ({status}): {api_message}", retryable=False, status=status
    )


def _connection_message(exc: Any, started: bool) -> str:
    cause = exc.__cause__ or exc.__context__ or exc
    detail = _one_line(str(cause))
    if detail in ("", "Connection error."):
        detail = type(cause).__name__
    where = (
        "the connection broke mid-answer; the partial answer is kept"
        if started
        else "cannot reach the API"
    )
    return f"Network: {where} ({detail})."
