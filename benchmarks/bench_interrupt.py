"""Interrupt latency: from the key to the stand-in seeing the client's connection close.

Measured while 200 tokens/s of Markdown stream in, three ways:

- in-process under Pilot, the key posted as a `Key` event (what the terminal driver
  does after parsing input), for Ctrl+C and Esc: the app's and engine's own cost;
- through a real pty, bytes typed into the terminal, for Ctrl+C and Esc: adds the input
  parser, and for Esc the `ESCDELAY` wait (copilot sets 25 ms unless the user did);
- the baseline: the raw SDK client closing its own stream (`await stream.close()`), the
  floor no app built on the SDK can go below.

The end point is the server's own detection time (`StandinServer.wait_disconnect`): the
moment the model provider would stop generating.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure, figure, percentile
from benchmarks.pilot_app import answers, post_key, running_app, send, wait_until
from benchmarks.pty_app import PtyApp, copilot_argv, terminal_env
from tests.standin import Reply, StandinServer

TOKENS_PER_S = 200
FRAGMENTS_BEFORE_KEY = 20
"""Fragments streamed before the key: the answer is well under way, not just starting."""
DISCONNECT_TIMEOUT_S = 10.0
GOALS_MS = {"ctrl+c": 15.0, "escape": 40.0}
PTY_BYTES = {"ctrl+c": b"\x03", "escape": b"\x1b"}
PILOT_KEYS = {"ctrl+c": None, "escape": "\x1b"}


def _streamed(srv: StandinServer, index: int) -> bool:
    sent = srv.sent_times
    return len(sent) > index and len(sent[index]) >= FRAGMENTS_BEFORE_KEY


async def _pilot_samples(srv: StandinServer, keys: list[str], runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {key: [] for key in keys}
    async with running_app(srv.base_url) as (app, _pilot):
        for round_number in range(runs):
            for key in keys:
                srv.script(Reply.stream_forever(tokens_per_s=TOKENS_PER_S))
                index = len(srv.requests)
                send(app, f"stream {round_number} {key}")
                await wait_until(lambda i=index: _streamed(srv, i))
                await wait_until(lambda: bool(answers(app) and answers(app)[-1].text))
                pressed = time.monotonic()
                post_key(app, key, PILOT_KEYS[key])
                detected = await asyncio.to_thread(
                    srv.wait_disconnect, DISCONNECT_TIMEOUT_S, request_index=index
                )
                samples[key].append(detected - pressed)
                await wait_until(lambda: app.state == "idle")
    return samples


async def _sdk_close_samples(srv: StandinServer, runs: int) -> list[float]:
    import anthropic

    client = anthropic.AsyncAnthropic(api_key="sk-ant-bench", base_url=srv.base_url)
    samples: list[float] = []
    try:
        for _ in range(runs):
            srv.script(Reply.stream_forever(tokens_per_s=TOKENS_PER_S))
            index = len(srv.requests)
            async with client.messages.stream(
                model="claude-standin",
                max_tokens=1024,
                messages=[{"role": "user", "content": "stream"}],
            ) as stream:
                fragments = 0
                async for event in stream:
                    fragments += event.type == "content_block_delta"
                    if fragments >= FRAGMENTS_BEFORE_KEY:
                        break
                closing = time.monotonic()
                await stream.close()
            detected = await asyncio.to_thread(
                srv.wait_disconnect, DISCONNECT_TIMEOUT_S, request_index=index
            )
            samples.append(detected - closing)
    finally:
        await client.close()
    return samples


def _pty_samples(srv: StandinServer, keys: list[str], runs: int) -> dict[str, list[float]]:
    samples: dict[str, list[float]] = {key: [] for key in keys}
    with tempfile.TemporaryDirectory(prefix="copilot-interrupt-") as tmp:
        folder = Path(tmp)
        (folder / "workspace").mkdir()
        argv = copilot_argv(folder / "workspace")
        with PtyApp(argv, terminal_env(folder, srv.base_url)) as app:
            app.wait_for(b"idle")
            for round_number in range(runs):
                for key in keys:
                    srv.script(Reply.stream_forever(tokens_per_s=TOKENS_PER_S))
                    index = len(srv.requests)
                    text = f"pty {round_number} {key}".encode()
                    mark = app.mark
                    app.write(text)
                    app.wait_for(text, since=mark)  # the input box shows it: Enter is safe
                    app.write(b"\r")
                    deadline = time.monotonic() + DISCONNECT_TIMEOUT_S
                    while not _streamed(srv, index):
                        if time.monotonic() > deadline:
                            raise TimeoutError(f"request {index} did not stream")
                        time.sleep(0.001)
                    mark = app.mark
                    pressed = app.write(PTY_BYTES[key])
                    detected = srv.wait_disconnect(DISCONNECT_TIMEOUT_S, request_index=index)
                    samples[key].append(detected - pressed)
                    app.wait_for(b" idle ", since=mark)
    return samples


def _figures(
    label: str, samples: list[float], goal_ms: float, baseline: list[float]
) -> list[Figure]:
    ms = [s * 1000 for s in samples]
    base_ms = [s * 1000 for s in baseline]
    note = f"{len(ms)} runs, {TOKENS_PER_S} tok/s streaming"
    return [
        figure(
            f"{label} p50",
            percentile(ms, 50),
            "ms",
            f"<= {goal_ms:g} ms",
            limit=goal_ms,
            baseline=percentile(base_ms, 50),
            note=note + "; baseline: SDK stream.close()",
        ),
        figure(
            f"{label} p95",
            percentile(ms, 95),
            "ms",
            baseline=percentile(base_ms, 95),
            note=note,
        ),
    ]


def run(quick: bool) -> list[Figure]:
    """Ctrl+C and Esc, in-process and through a pty, against the SDK's own close."""
    runs = 5 if quick else 20
    keys = list(GOALS_MS)
    with StandinServer() as srv:
        baseline = asyncio.run(_sdk_close_samples(srv, runs))
        pilot = asyncio.run(_pilot_samples(srv, keys, runs))
        pty = _pty_samples(srv, keys, runs)
    figures = []
    for key in keys:
        figures += _figures(f"interrupt {key} (posted key)", pilot[key], GOALS_MS[key], baseline)
    for key in keys:
        figures += _figures(f"interrupt {key} (pty bytes)", pty[key], GOALS_MS[key], baseline)
    return figures
