"""The stand-in Anthropic Messages API server: real HTTP on loopback for the real SDK.

It runs its own event loop in its own thread, so it serves the same way whether the client
is a pytest-asyncio test, a Textual app on its own loop, or copilot started as a subprocess.
Every method meant for tests is thread-safe and blocking-with-timeout rather than async, so
no caller has to share a loop with it. (From a coroutine, wrap the blocking waits in
`asyncio.to_thread` when the client runs on that same loop.)
"""

from __future__ import annotations

import asyncio
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Any

from tests.standin.http_request import MAX_HEAD_BYTES, BadRequest, HttpRequest, read_request
from tests.standin.records import (
    DisconnectRecord,
    Outcome,
    Record,
    RequestRecord,
    ResponseRecord,
)
from tests.standin.replies import Fault, HttpError, Reply
from tests.standin.wire import (
    MessageContext,
    WireEvent,
    cache_split,
    error_body,
    estimate_tokens,
    http_chunk,
    http_head,
    message_json,
    sse_bytes,
    stream_events,
)

MESSAGES_PATH = "/v1/messages"
COUNT_TOKENS_PATH = "/v1/messages/count_tokens"
START_TIMEOUT_S = 10.0
MALFORMED_DATA = '{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":'
"""An SSE data line cut off mid-object: what a proxy truncating a line would leave."""


class StandinServer:
    """A scripted Messages API on `127.0.0.1`; use as `with StandinServer() as srv: ...`.

    `listener`, when given, is called on the server thread with every record as it happens
    (the CLI uses it to append the `--log` file).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        listener: Callable[[Record], None] | None = None,
    ) -> None:
        self._host = host
        self._requested_port = port
        self._listener = listener
        self._cond = threading.Condition()
        self._replies: deque[Reply] = deque()
        self._model_replies: dict[str, deque[Reply]] = {}
        self._requests: list[RequestRecord] = []
        self._token_count_requests: list[RequestRecord] = []
        self._disconnects: list[DisconnectRecord] = []
        self._responses: list[ResponseRecord] = []
        self._sent_times: list[list[float]] = []
        #: Prompt-cache prefixes seen (wire.cache_split); only the server's loop uses it.
        self._prompt_cache: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._port = 0

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (the ephemeral one when constructed with `port=0`)."""
        return self._port

    @property
    def base_url(self) -> str:
        """What to pass as the SDK's `base_url`."""
        return f"http://{self._host}:{self._port}"

    def start(self) -> StandinServer:
        """Bind and serve on a new thread; returns once the socket is listening."""
        if self._thread is not None:
            raise RuntimeError("StandinServer already started")
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="standin", daemon=True)
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), loop)
        try:
            future.result(START_TIMEOUT_S)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Abort open connections, close the socket and end the thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            asyncio.run_coroutine_threadsafe(self._shutdown(), loop).result(START_TIMEOUT_S)
            loop.call_soon_threadsafe(loop.stop)
        thread.join(START_TIMEOUT_S)
        loop.close()
        self._loop = None
        self._thread = None

    def script(self, *replies: Reply) -> None:
        """Queue replies; each `/v1/messages` request takes the next one, in order."""
        with self._cond:
            self._replies.extend(replies)

    def clear_script(self) -> None:
        """Drop every reply not yet taken (shared and per-model queues)."""
        with self._cond:
            self._replies.clear()
            self._model_replies.clear()

    def script_for(self, model: str, *replies: Reply) -> None:
        """Queue replies for requests naming `model` only (two scripted models at once).

        A request for a model with its own queue takes from it; other requests
        take from the shared queue of `script()`.
        """
        with self._cond:
            self._model_replies.setdefault(model, deque()).extend(replies)

    @property
    def pending(self) -> int:
        """Scripted replies not taken yet."""
        with self._cond:
            return len(self._replies)

    @property
    def requests(self) -> list[RequestRecord]:
        """`/v1/messages` requests in arrival order (a snapshot)."""
        with self._cond:
            return list(self._requests)

    @property
    def token_count_requests(self) -> list[RequestRecord]:
        """`/v1/messages/count_tokens` requests in arrival order (a snapshot)."""
        with self._cond:
            return list(self._token_count_requests)

    @property
    def disconnects(self) -> list[DisconnectRecord]:
        """Clients that left mid-response, in detection order (a snapshot)."""
        with self._cond:
            return list(self._disconnects)

    @property
    def responses(self) -> list[ResponseRecord]:
        """Finished `/v1/messages` responses, in the order they ended (a snapshot)."""
        with self._cond:
            return list(self._responses)

    @property
    def sent_times(self) -> list[list[float]]:
        """Per request index, the monotonic time each fragment was written so far."""
        with self._cond:
            return [list(times) for times in self._sent_times]

    def wait_requests(self, n: int, timeout: float = 10.0) -> list[RequestRecord]:
        """Block until at least `n` `/v1/messages` requests arrived; returns them all."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= n, timeout):
                raise TimeoutError(f"{len(self._requests)} of {n} requests after {timeout}s")
            return list(self._requests)

    def wait_disconnect(self, timeout: float = 10.0, *, request_index: int | None = None) -> float:
        """Block until a client left mid-response; returns the monotonic detection time.

        With `request_index`, waits for that request's disconnect; without, for the first.
        """
        with self._cond:
            found = self._cond.wait_for(lambda: self._find_disconnect(request_index), timeout)
            if found is None:
                raise TimeoutError(f"no disconnect (request {request_index}) after {timeout}s")
            return found.detected

    def wait_response(self, request_index: int, timeout: float = 10.0) -> ResponseRecord:
        """Block until the response to `request_index` ended, however it ended."""
        with self._cond:
            found = self._cond.wait_for(lambda: self._find_response(request_index), timeout)
            if found is None:
                raise TimeoutError(f"response {request_index} not finished after {timeout}s")
            return found

    def _find_disconnect(self, request_index: int | None) -> DisconnectRecord | None:
        return next(
            (d for d in self._disconnects if request_index in (None, d.request_index)), None
        )

    def _find_response(self, request_index: int) -> ResponseRecord | None:
        return next((r for r in self._responses if r.request_index == request_index), None)

    def _record(self, record: Record) -> None:
        with self._cond:
            if isinstance(record, RequestRecord) and record.path == MESSAGES_PATH:
                self._requests.append(record)
                self._sent_times.append([])
            elif isinstance(record, RequestRecord):
                self._token_count_requests.append(record)
            elif isinstance(record, DisconnectRecord):
                self._disconnects.append(record)
            else:
                self._responses.append(record)
            self._cond.notify_all()
        if self._listener is not None:
            self._listener(record)

    def _note_sent(self, request_index: int) -> int:
        with self._cond:
            times = self._sent_times[request_index]
            times.append(time.monotonic())
            return len(times)

    def _fragments_sent(self, request_index: int) -> int:
        with self._cond:
            return len(self._sent_times[request_index])

    def _finish(self, request_index: int, outcome: Outcome) -> None:
        with self._cond:
            sent = tuple(self._sent_times[request_index])
        self._record(ResponseRecord(request_index, outcome, sent))

    def _take_reply(self, body: dict[str, Any]) -> Reply:
        with self._cond:
            own = self._model_replies.get(str(body.get("model", "")))
            if own:
                return own.popleft()
            if self._replies:
                return self._replies.popleft()
        return Reply.echo(body)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(
            self._serve_connection, self._host, self._requested_port, limit=MAX_HEAD_BYTES
        )
        self._port = self._server.sockets[0].getsockname()[1]

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def _serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            request = await read_request(reader)
            if request is not None:
                await self._route(request, reader, writer)
        except BadRequest as err:
            await _send_json(writer, 400, error_body("invalid_request_error", str(err), "req_bad"))
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            # Only `stop()` cancels a connection. Ending quietly matters: asyncio's stream
            # callback reports a cancelled connection task as an error in the log.
            writer.transport.abort()
        finally:
            self._connections.discard(task)
            writer.close()

    async def _route(
        self, request: HttpRequest, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        known = request.path in (MESSAGES_PATH, COUNT_TOKENS_PATH)
        if not known or request.method != "POST":
            message = f"{request.method} {request.path} is not served by the stand-in"
            await _send_json(writer, 404, error_body("not_found_error", message, "req_unknown"))
            return
        try:
            body = json.loads(request.body)
        except ValueError as err:
            problem = f"request body is not JSON: {err}"
            await _send_json(writer, 400, error_body("invalid_request_error", problem, "req_bad"))
            return
        if not isinstance(body, dict):
            problem = "request body must be a JSON object"
            await _send_json(writer, 400, error_body("invalid_request_error", problem, "req_bad"))
            return
        if request.path == COUNT_TOKENS_PATH:
            self._record(_request_record(len(self.token_count_requests), request, body))
            await _send_json(writer, 200, {"input_tokens": estimate_tokens(body)})
            return
        # Indexes cannot race: records are only appended here, on the server's one loop.
        index = len(self.requests)
        self._record(_request_record(index, request, body))
        await self._answer(index, body, self._take_reply(body), reader, writer)

    async def _answer(
        self,
        index: int,
        body: dict[str, Any],
        reply: Reply,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        request_id = f"req_standin_{index:04d}"
        if reply.http_error is not None:
            await _send_error(writer, reply.http_error, request_id)
            self._finish(index, "http_error")
            return
        read, written = cache_split(body, self._prompt_cache)
        ctx = MessageContext(
            message_id=f"msg_standin_{index:04d}",
            model=str(body.get("model", "claude-standin")),
            input_tokens=max(1, estimate_tokens(body) - read - written),
            request_index=index,
            cache_read_tokens=read,
            cache_creation_tokens=written,
        )
        if body.get("stream"):
            await self._stream(ctx, reply, request_id, reader, writer)
        elif reply.fault is not None or reply.is_endless:
            problem = "the stand-in's scripted reply only works with stream=true"
            await _send_json(writer, 400, error_body("invalid_request_error", problem, request_id))
            self._finish(index, "http_error")
        else:
            await _send_json(writer, 200, message_json(reply, ctx), request_id)
            self._finish(index, "complete")

    async def _stream(
        self,
        ctx: MessageContext,
        reply: Reply,
        request_id: str,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        """Send the events while a second task watches the socket for the client leaving.

        The watcher is what makes disconnect detection prompt: it wakes on EOF/RST even
        while the sender sleeps between fragments or hangs on purpose.
        """
        index = ctx.request_index
        sender = asyncio.create_task(self._send_stream(ctx, reply, request_id, writer))
        watcher = asyncio.create_task(_watch_for_eof(reader))
        try:
            await asyncio.wait({sender, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, watcher):
                if not task.done():
                    task.cancel()
            await asyncio.gather(sender, watcher, return_exceptions=True)
        if sender.done() and not sender.cancelled():
            error = sender.exception()
            if error is None:
                self._finish(index, sender.result())
                return
            if not isinstance(error, ConnectionError):
                raise error
            detected = time.monotonic()
        else:
            detected = watcher.result()
        self._record(DisconnectRecord(index, detected, self._fragments_sent(index)))
        self._finish(index, "disconnected")

    async def _send_stream(
        self, ctx: MessageContext, reply: Reply, request_id: str, writer: asyncio.StreamWriter
    ) -> Outcome:
        writer.write(http_head(200, _stream_headers(request_id)))
        await writer.drain()
        loop = asyncio.get_running_loop()
        first_fragment_at: float | None = None
        sent = 0
        for event in stream_events(reply, ctx):
            if reply.fault is not None and _fault_strikes(reply.fault, event, sent):
                return await _break_stream(reply.fault, writer, request_id)
            if event.fragment and reply.tokens_per_s is not None:
                if first_fragment_at is None:
                    first_fragment_at = loop.time()
                due = first_fragment_at + sent / reply.tokens_per_s
                await asyncio.sleep(max(0.0, due - loop.time()))
            writer.write(http_chunk(event.encode()))
            await writer.drain()
            if event.fragment:
                sent = self._note_sent(ctx.request_index)
        writer.write(http_chunk(b""))
        await writer.drain()
        return "complete"


def _fault_strikes(fault: Fault, event: WireEvent, sent: int) -> bool:
    """A fault strikes before fragment number `after`, or before `message_delta` when the
    reply had fewer fragments: a faulty reply never completes normally."""
    return event.name == "message_delta" or (event.fragment and sent >= fault.after)


async def _break_stream(fault: Fault, writer: asyncio.StreamWriter, request_id: str) -> Outcome:
    if fault.kind == "reset":
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
        return "reset"
    if fault.kind == "hang":
        await asyncio.Event().wait()
    if fault.kind == "malformed":
        writer.write(http_chunk(sse_bytes("content_block_delta", MALFORMED_DATA)))
        outcome: Outcome = "malformed"
    else:
        body = error_body(fault.error_type, fault.message, request_id)
        writer.write(http_chunk(sse_bytes("error", json.dumps(body))))
        outcome = "error_event"
    writer.write(http_chunk(b""))
    await writer.drain()
    return outcome


async def _watch_for_eof(reader: asyncio.StreamReader) -> float:
    """Return the monotonic time the client closed or reset its end of the connection."""
    try:
        while await reader.read(65536):
            pass
    except ConnectionError:
        pass
    return time.monotonic()


def _request_record(index: int, request: HttpRequest, body: Any) -> RequestRecord:
    return RequestRecord(index, request.path, dict(request.headers), body, time.monotonic())


def _stream_headers(request_id: str) -> Iterator[tuple[str, str]]:
    yield "content-type", "text/event-stream; charset=utf-8"
    yield "cache-control", "no-cache"
    yield "transfer-encoding", "chunked"
    yield "connection", "close"
    yield "request-id", request_id


async def _send_json(
    writer: asyncio.StreamWriter,
    status: int,
    data: Any,
    request_id: str = "req_standin",
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> None:
    payload = json.dumps(data).encode()
    headers = (
        ("content-type", "application/json"),
        ("content-length", str(len(payload))),
        ("connection", "close"),
        ("request-id", request_id),
        *extra_headers,
    )
    writer.write(http_head(status, headers) + payload)
    await writer.drain()


async def _send_error(writer: asyncio.StreamWriter, error: HttpError, request_id: str) -> None:
    extra = () if error.retry_after is None else (("retry-after", f"{error.retry_after:g}"),)
    body = error_body(error.error_type, error.message, request_id)
    await _send_json(writer, error.status, body, request_id, extra)
