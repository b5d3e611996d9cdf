"""The stand-in server, exercised through the real Anthropic SDK over loopback."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest

from tests.standin import Reply, StandinServer, ToolCall
from tests.standin.replies import FAULT_TEXT
from tests.standin.wire import chunk_text

REPO_ROOT = Path(__file__).resolve().parents[2]
MODEL = "claude-standin-test"
HELLO = [{"role": "user", "content": "hello"}]


@pytest.fixture
async def client(standin: StandinServer) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """An SDK client that never retries, so each call is exactly one request."""
    sdk = anthropic.AsyncAnthropic(api_key="test", base_url=standin.base_url, max_retries=0)
    yield sdk
    await sdk.close()


async def stream_text(sdk: anthropic.AsyncAnthropic, messages: Any = HELLO) -> list[str]:
    """Stream one answer and return its text fragments as the SDK delivered them."""
    async with sdk.messages.stream(model=MODEL, max_tokens=256, messages=messages) as stream:
        return [fragment async for fragment in stream.text_stream]


async def test_text_streams_in_fragments_and_final_message_is_complete(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    text = "# Title\n\nSome **bold** text and a list:\n\n- one\n- two\n"
    standin.script(Reply.text(text, chunk_chars=5))
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        fragments = [fragment async for fragment in stream.text_stream]
        final = await stream.get_final_message()

    assert fragments == chunk_text(text, 5)
    assert [block.type for block in final.content] == ["text"]
    assert final.content[0].text == text
    assert final.id == "msg_standin_0000"
    assert final.model == MODEL
    assert final.role == "assistant"
    assert final.stop_reason == "end_turn"
    assert final.usage.output_tokens == len(text) // 4 + 1
    assert final.usage.input_tokens > 0
    assert len(standin.sent_times[0]) == len(fragments)
    assert standin.wait_response(0).outcome == "complete"


async def test_request_is_recorded_with_body_and_headers(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    await stream_text(client)
    [record] = standin.wait_requests(1)
    assert record.index == 0
    assert record.path == "/v1/messages"
    assert record.body["model"] == MODEL
    assert record.body["messages"] == HELLO
    assert record.body["stream"] is True
    assert record.headers["authorization"] == "Bearer test"
    assert "anthropic-version" in record.headers
    assert record.arrived <= time.monotonic()


async def test_empty_queue_echoes_last_user_text(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    messages = [
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": [{"type": "text", "text": "second question"}]},
    ]
    assert "".join(await stream_text(client, messages)) == "You said: second question"


async def test_echo_includes_tool_result_text(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    messages = [
        {"role": "user", "content": "list files"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "shell", "input": {}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.py b.py"}],
        },
    ]
    assert "".join(await stream_text(client, messages)) == "You said: a.py b.py"


async def test_scripted_replies_are_taken_in_order_then_echo(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.text("one"), Reply.text("two"))
    assert standin.pending == 2
    answers = ["".join(await stream_text(client)) for _ in range(3)]
    assert answers == ["one", "two", "You said: hello"]
    assert standin.pending == 0
    assert [r.index for r in standin.requests] == [0, 1, 2]


async def test_non_streaming_request_gets_a_message(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.tool_use("read_file", {"path": "x.py"}, text_before="Reading."))
    message = await client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert message.stop_reason == "tool_use"
    assert message.content[0].type == "text"
    assert message.content[0].text == "Reading."
    tool = message.content[1]
    assert tool.type == "tool_use"
    assert (tool.name, tool.input, tool.id) == (
        "read_file",
        {"path": "x.py"},
        "toolu_standin_0000_1",
    )


async def test_tool_use_input_streams_as_json_partials_and_arrives_parsed(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    arguments = {"command": "pytest -x -q tests/unit", "timeout_s": 30, "env": {"CI": "1"}}
    standin.script(
        Reply.tool_use("shell", arguments, text_before="Running tests.", call_id="toolu_x")
    )
    partials: list[str] = []
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        async for event in stream:
            if event.type == "input_json":
                partials.append(event.partial_json)
        final = await stream.get_final_message()

    assert len(partials) > 5
    assert json.loads("".join(partials)) == arguments
    assert final.stop_reason == "tool_use"
    assert final.content[0].type == "text"
    assert final.content[0].text == "Running tests."
    tool = final.content[1]
    assert tool.type == "tool_use"
    assert (tool.id, tool.name, tool.input) == ("toolu_x", "shell", arguments)


async def test_several_tool_calls_in_one_reply(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(
        Reply.tools(
            [
                ToolCall("read_file", {"path": "a.py"}),
                {"name": "grep", "input": {"pattern": "TODO"}},
            ]
        )
    )
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        final = await stream.get_final_message()
    calls = [(b.id, b.name, b.input) for b in final.content if b.type == "tool_use"]
    assert calls == [
        ("toolu_standin_0000_0", "read_file", {"path": "a.py"}),
        ("toolu_standin_0000_1", "grep", {"pattern": "TODO"}),
    ]
    assert final.stop_reason == "tool_use"


@pytest.mark.parametrize(
    ("status", "error_type", "exception"),
    [
        (401, "authentication_error", anthropic.AuthenticationError),
        (429, "rate_limit_error", anthropic.RateLimitError),
        (529, "overloaded_error", anthropic.OverloadedError),
        (500, "api_error", anthropic.InternalServerError),
    ],
)
async def test_error_status_maps_to_sdk_exception(
    standin: StandinServer,
    client: anthropic.AsyncAnthropic,
    status: int,
    error_type: str,
    exception: type[anthropic.APIStatusError],
) -> None:
    standin.script(Reply.error(status, error_type, "scripted failure", retry_after=7))
    with pytest.raises(exception) as caught:
        await stream_text(client)
    err = caught.value
    assert type(err) is exception
    assert err.status_code == status
    assert err.type == error_type
    assert err.api_message == "scripted failure"
    assert err.request_id == "req_standin_0000"
    assert err.response.headers["retry-after"] == "7"
    assert standin.wait_response(0).outcome == "http_error"


async def test_sdk_retries_after_rate_limit_and_then_succeeds(standin: StandinServer) -> None:
    standin.script(
        Reply.error(429, "rate_limit_error", "slow down", retry_after=0.01), Reply.text("ok")
    )
    sdk = anthropic.AsyncAnthropic(api_key="test", base_url=standin.base_url, max_retries=1)
    try:
        assert "".join(await stream_text(sdk)) == "ok"
    finally:
        await sdk.close()
    second = standin.wait_requests(2)[1]
    assert second.headers["x-stainless-retry-count"] == "1"


async def test_reset_mid_stream_raises_read_error(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.reset_after(3))
    received: list[str] = []
    with pytest.raises(httpx2.ReadError):
        async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
            async for fragment in stream.text_stream:
                received.append(fragment)
    assert received == chunk_text(FAULT_TEXT, 4)[:3]
    assert standin.wait_response(0).outcome == "reset"
    assert standin.disconnects == []


def test_reset_is_a_tcp_rst_not_a_clean_close(standin: StandinServer) -> None:
    """A FIN would read as b"" (end of stream); only an RST raises ConnectionResetError."""
    standin.script(Reply.reset_after(1))
    body = json.dumps({"model": MODEL, "stream": True, "messages": HELLO}).encode()
    head = f"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n\r\n"
    with socket.create_connection(("127.0.0.1", standin.port), timeout=10) as sock:
        sock.sendall(head.encode() + body)
        standin.wait_response(0)
        with pytest.raises(ConnectionResetError):
            while sock.recv(65536):
                pass


async def test_malformed_data_line_raises_json_decode_error(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.malformed_after(2, text="abcdefghijklmnop"))
    received: list[str] = []
    with pytest.raises(json.JSONDecodeError):
        async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
            async for fragment in stream.text_stream:
                received.append(fragment)
    assert received == ["abcd", "efgh"]
    assert standin.wait_response(0).outcome == "malformed"


async def test_error_event_mid_stream_raises_api_status_error(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.error_event_after(1))
    with pytest.raises(anthropic.APIStatusError) as caught:
        await stream_text(client)
    assert caught.value.type == "overloaded_error"
    assert caught.value.status_code == 200
    assert standin.wait_response(0).outcome == "error_event"


async def test_fault_with_more_fragments_than_text_strikes_before_message_delta(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.malformed_after(100, text="short"))
    with pytest.raises(json.JSONDecodeError):
        await stream_text(client)
    assert len(standin.wait_response(0).sent_times) == 2


async def test_closing_the_stream_early_is_detected_as_a_disconnect(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.stream_forever(tokens_per_s=500.0))
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        async for _ in stream.text_stream:
            if len(standin.sent_times[0]) >= 10:
                break
        closed_at = time.monotonic()
    detected = await asyncio.to_thread(standin.wait_disconnect, 10.0)
    assert detected >= closed_at
    [record] = standin.disconnects
    assert record.request_index == 0
    assert record.fragments_sent >= 10
    assert standin.wait_response(0).outcome == "disconnected"


async def test_hang_stalls_until_the_client_leaves(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.text("warm-up"), Reply.hang_after(2))
    await stream_text(client)
    received: list[str] = []

    async def consume() -> None:
        async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
            async for fragment in stream.text_stream:
                received.append(fragment)

    task = asyncio.create_task(consume())
    await asyncio.to_thread(standin.wait_requests, 2)
    while len(received) < 2:
        await asyncio.sleep(0.01)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.to_thread(standin.wait_disconnect, 10.0, request_index=1)
    assert received == chunk_text(FAULT_TEXT, 4)[:2]
    assert [d.request_index for d in standin.disconnects] == [1]


async def test_stream_forever_mixes_markdown_constructs(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.stream_forever(tokens_per_s=None, chunk_chars=16))
    text = ""
    async with client.messages.stream(model=MODEL, max_tokens=256, messages=HELLO) as stream:
        async for fragment in stream.text_stream:
            text += fragment
            if "## Section 3" in text:
                break
    assert "## Section 1\n" in text
    assert "\n- item 1.1" in text
    assert "```python\ndef step_1" in text


async def test_tokens_per_second_spaces_fragments_at_least_that_far_apart(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    tokens_per_s = 200.0
    standin.script(Reply.text("x" * 40, tokens_per_s=tokens_per_s, chunk_chars=4))
    await stream_text(client)
    sent = standin.wait_response(0).sent_times
    assert len(sent) == 10
    assert sent[-1] - sent[0] >= (len(sent) - 1) / tokens_per_s - 0.001


async def test_count_tokens_is_deterministic_and_takes_no_reply(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.text("kept"))
    first = await client.messages.count_tokens(model=MODEL, messages=HELLO, system="be brief")
    second = await client.messages.count_tokens(model=MODEL, messages=HELLO, system="be brief")
    payload = {"system": "be brief", "messages": HELLO}
    assert first.input_tokens == second.input_tokens
    assert first.input_tokens == len(json.dumps(payload, separators=(",", ":"))) // 4
    assert standin.pending == 1
    assert standin.requests == []
    assert [r.index for r in standin.token_count_requests] == [0, 1]


async def test_non_streaming_request_for_a_stream_only_reply_is_refused(
    standin: StandinServer, client: anthropic.AsyncAnthropic
) -> None:
    standin.script(Reply.hang_after(1))
    with pytest.raises(anthropic.BadRequestError):
        await client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)


async def test_unknown_path_is_not_found(client: anthropic.AsyncAnthropic) -> None:
    with pytest.raises(anthropic.NotFoundError):
        await client.models.list()


def test_waits_time_out_with_a_clear_error(standin: StandinServer) -> None:
    with pytest.raises(TimeoutError):
        standin.wait_requests(1, timeout=0.05)
    with pytest.raises(TimeoutError):
        standin.wait_disconnect(timeout=0.05)
    with pytest.raises(TimeoutError):
        standin.wait_response(0, timeout=0.05)


def test_from_spec_mirrors_the_builders() -> None:
    assert Reply.from_spec({"kind": "text", "text": "hi", "tokens_per_s": 50}) == Reply.text(
        "hi", tokens_per_s=50
    )
    assert Reply.from_spec(
        {"kind": "tools", "calls": [{"name": "a", "input": {"x": 1}}], "text_before": "t"}
    ) == Reply.tools([ToolCall("a", {"x": 1})], text_before="t")
    assert Reply.from_spec({"kind": "reset_after", "n_fragments": 3}) == Reply.reset_after(3)
    assert Reply.from_spec(
        {"kind": "error", "status": 429, "error_type": "rate_limit_error", "message": "m"}
    ) == Reply.error(429, "rate_limit_error", "m")
    with pytest.raises(ValueError, match="unknown reply kind"):
        Reply.from_spec({"kind": "nonsense"})


def test_invalid_reply_settings_are_rejected() -> None:
    with pytest.raises(ValueError):
        Reply.text("x", chunk_chars=0)
    with pytest.raises(ValueError):
        Reply.text("x", tokens_per_s=0)
    with pytest.raises(ValueError):
        Reply.reset_after(-1)


def test_cli_serves_the_script_and_logs_what_it_saw(tmp_path: Path) -> None:
    ready = tmp_path / "ready"
    log = tmp_path / "log.jsonl"
    script = tmp_path / "script.json"
    script.write_text(
        json.dumps(
            [
                {"kind": "text", "text": "from the script", "tokens_per_s": 1000},
                {"kind": "tool_use", "name": "shell", "input": {"cmd": "ls"}},
            ]
        )
    )
    command = [sys.executable, "-m", "tests.standin", "--port", "0", "--ready-file", str(ready)]
    command += ["--script", str(script), "--log", str(log)]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None, "stand-in CLI exited before it was ready"
            assert time.monotonic() < deadline, "stand-in CLI never wrote its ready file"
            time.sleep(0.02)
        base_url = ready.read_text().strip()
        assert base_url.startswith("http://127.0.0.1:")
        sdk = anthropic.Anthropic(api_key="test", base_url=base_url, max_retries=0)
        with sdk.messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream:
            assert stream.get_final_text() == "from the script"
        tool = sdk.messages.create(model=MODEL, max_tokens=64, messages=HELLO).content[0]
        assert tool.type == "tool_use"
        assert tool.input == {"cmd": "ls"}
        sdk.close()
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert stdout.strip() == base_url
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(line["event"], line.get("index", line.get("request_index"))) for line in lines] == [
        ("request", 0),
        ("response", 0),
        ("request", 1),
        ("response", 1),
    ]
    assert lines[0]["body"]["messages"] == HELLO
    assert len(lines[1]["sent_times"]) == len(chunk_text("from the script", 4))


async def test_stop_ends_a_hanging_stream_without_logging_errors(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = StandinServer().start()
    server.script(Reply.hang_after(2))
    sdk = anthropic.AsyncAnthropic(api_key="test", base_url=server.base_url, max_retries=0)
    received: list[str] = []

    async def consume() -> None:
        async with sdk.messages.stream(model=MODEL, max_tokens=64, messages=HELLO) as stream:
            async for fragment in stream.text_stream:
                received.append(fragment)

    task = asyncio.create_task(consume())
    try:
        while len(received) < 2:
            await asyncio.sleep(0.01)
        server.stop()
        with pytest.raises(httpx2.RemoteProtocolError):
            await task
    finally:
        server.stop()
        await sdk.close()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "raw",
    [
        b"POST /v1/messages HTTP/1.1\r\nContent-Length: 3\r\n\r\n{x}",
        b"POST /v1/messages HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]",
        b"hello there\r\n\r\n",
    ],
)
def test_requests_it_cannot_read_get_invalid_request_error(
    standin: StandinServer, raw: bytes
) -> None:
    with socket.create_connection(("127.0.0.1", standin.port), timeout=10) as sock:
        sock.sendall(raw)
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ")
    assert json.loads(body)["error"]["type"] == "invalid_request_error"
    assert standin.requests == []
