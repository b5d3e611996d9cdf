"""Full duplex (issue 6): how fast a delegated request is acknowledged, and what the engine
adds to a model stream.

(a) First visible response. The stand-in scripts each model apart: the interaction model
streams "On it..." and then calls `delegate` in the same reply; the background model
reports; the interaction model acknowledges and later summarises. The figure runs from the
stand-in writing the first text fragment (`StandinServer.sent_times`) to that fragment
being in the answer widget, its Markdown block mounted and a refresh done. Baseline: the
same measurement for a plain answer with no tool call, in the same run.

(b) Engine overhead. The same 200-fragment reply (no pacing) is streamed by the raw SDK
(`AsyncAnthropic().messages.create(stream=True)`, the call copilot makes, from request start
to the stream's end) and through the
headless `Runtime` (no tools, no sensors: from publishing `UserInput` on its bus to
`AssistantDone`, which comes after the answer is stored). Runs alternate between the two
so both see the same machine; the figure is the difference of the medians.

Monotonic clocks are shared by the stand-in's thread and the app, so times compare directly.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from benchmarks.figures import Figure, figure, median, percentile
from benchmarks.pilot_app import answers, isolated, running_app, send, wait_until
from copilot.bus import Subscription
from copilot.bus.events import AssistantDone, StateChanged, UserInput
from copilot.config import DEFAULT_BACKGROUND_MODEL, DEFAULT_INTERACTION_MODEL, load
from copilot.engine.runtime import Runtime
from copilot.ui.app import CopilotApp
from copilot.ui.widgets import AssistantMessage
from tests.standin import Reply, StandinServer

FAST = DEFAULT_INTERACTION_MODEL
STRONG = DEFAULT_BACKGROUND_MODEL
STARTED = "On it: a background task is looking into the flaky test."
GOAL_FIRST_MS = 100.0
GOAL_ADDED_MS = 5.0
FRAGMENTS = 200
POLL_S = 0.0005


def _shown(app: CopilotApp, known: set[int], text: str) -> AssistantMessage | None:
    """A new answer (not in `known`) that holds `text` and has a mounted Markdown block.

    New answers are told by identity, not position: the conversation keeps only the
    latest items mounted, so a count or an index of answers stops meaning anything.
    """
    return next(
        (
            a
            for a in answers(app)
            if id(a) not in known
            and isinstance(a, AssistantMessage)
            and a.text.startswith(text)
            and a.children
        ),
        None,
    )


async def _first_visible(app: CopilotApp, srv: StandinServer, delegate: bool) -> float:
    """Seconds from the stand-in's first text fragment to it being on screen."""
    known = {id(a) for a in answers(app)}
    index = len(srv.requests)
    if delegate:
        srv.script_for(
            FAST,
            Reply.tool_use("delegate", {"task": "find the flaky test"}, text_before=STARTED),
            Reply.text("Started.", tokens_per_s=None),
            Reply.text("The test sleeps.", tokens_per_s=None),
        )
        srv.script_for(STRONG, Reply.text("Report: it sleeps.", tokens_per_s=None))
    else:
        srv.script_for(FAST, Reply.text(STARTED, tokens_per_s=None))
    send(app, "why is CI flaky?")
    first = STARTED[:4]
    await wait_until(lambda: _shown(app, known, first) is not None, interval=POLL_S)
    new = _shown(app, known, first)
    assert new is not None
    await new.wait_for_refresh()
    refreshed = time.monotonic()
    await wait_until(lambda: len(srv.sent_times) > index and bool(srv.sent_times[index]))
    sent = srv.sent_times[index][0]
    requests = 4 if delegate else 1  # delegate, acknowledge, background, summary
    await wait_until(
        lambda: len(srv.responses) >= index + requests and app.state == "idle", interval=0.01
    )
    return refreshed - sent


async def _measure_first(srv: StandinServer, runs: int) -> tuple[list[float], list[float]]:
    async with running_app(srv.base_url) as (app, _pilot):
        await _first_visible(app, srv, delegate=False)  # warm-up: first mounts, SDK pools
        delegated, plain = [], []
        for _ in range(runs):
            delegated.append(await _first_visible(app, srv, delegate=True))
            plain.append(await _first_visible(app, srv, delegate=False))
    background = [r for r in srv.requests if r.body.get("model") == STRONG]
    if len(background) != runs:
        raise RuntimeError(f"{len(background)} background requests for {runs} delegations")
    return delegated, plain


async def _raw_turn(client: Any, srv: StandinServer, reply: Reply) -> float:
    """Seconds for the raw SDK: request start to the end of the stream."""
    srv.script_for(FAST, reply)
    started = time.perf_counter()
    stream = await client.messages.create(
        model=FAST, max_tokens=1024, messages=[{"role": "user", "content": "go"}], stream=True
    )
    async with stream:
        async for _event in stream:
            pass
    return time.perf_counter() - started


async def _engine_turn(
    runtime: Runtime, inbox: Subscription, srv: StandinServer, reply: Reply
) -> float:
    """Seconds for the engine: `UserInput` published to `AssistantDone` received."""
    srv.script_for(FAST, reply)
    started = time.perf_counter()
    runtime.bus.publish(UserInput(text="go"))
    while not isinstance(await inbox.get(), AssistantDone):
        pass
    elapsed = time.perf_counter() - started
    while True:  # the turn closes (compaction check, idle) before the next one starts
        event = await inbox.get()
        if isinstance(event, StateChanged) and event.state == "idle":
            return elapsed


async def _measure_overhead(srv: StandinServer, runs: int) -> tuple[list[float], list[float]]:
    import anthropic

    reply = Reply.text("word " * (FRAGMENTS * 4 // 5), tokens_per_s=None, chunk_chars=4)
    with isolated(srv.base_url) as folder:
        workspace = folder / "workspace"
        runtime = Runtime(
            config=load(workspace, env={}),
            workspace=workspace,
            db_path=Path(folder) / "copilot.db",
            tools=False,
            sense=False,
        )
        inbox = runtime.bus.subscribe("bench")
        await runtime.start()
        client = anthropic.AsyncAnthropic(max_retries=0)
        try:
            problem = await runtime.load_model()
            if problem:
                raise RuntimeError(problem)
            await _raw_turn(client, srv, reply)  # warm-up: imports, first connection
            await _engine_turn(runtime, inbox, srv, reply)
            raw, engine = [], []
            for _ in range(runs):
                raw.append(await _raw_turn(client, srv, reply))
                engine.append(await _engine_turn(runtime, inbox, srv, reply))
        finally:
            await client.close()
            await runtime.stop()
    return raw, engine


def run(quick: bool) -> list[Figure]:
    """First visible response to a delegated request; the engine's added time per turn."""
    runs = 5 if quick else 20
    with StandinServer() as srv:
        delegated, plain = asyncio.run(_measure_first(srv, runs))
    with StandinServer() as srv:
        raw, engine = asyncio.run(_measure_overhead(srv, runs))
    first = [s * 1000 for s in delegated]
    base = [s * 1000 for s in plain]
    added = (median(engine) - median(raw)) * 1000
    note_first = f"{runs} runs each; baseline: a plain answer (no delegate) in the same session"
    note_turn = (
        f"median of {runs} turns, {FRAGMENTS} fragments unpaced; "
        f"raw SDK {median(raw) * 1000:.1f} ms, engine {median(engine) * 1000:.1f} ms"
    )
    return [
        figure(
            "first visible response, delegated request p50",
            percentile(first, 50),
            "ms",
            f"<= {GOAL_FIRST_MS:g} ms",
            limit=GOAL_FIRST_MS,
            baseline=percentile(base, 50),
            note=note_first,
        ),
        figure(
            "first visible response, delegated request p95",
            percentile(first, 95),
            "ms",
            baseline=percentile(base, 95),
            note=note_first,
        ),
        figure(
            "engine added latency per turn",
            added,
            "ms",
            f"<= {GOAL_ADDED_MS:g} ms",
            limit=GOAL_ADDED_MS,
            note=note_turn,
        ),
        figure(
            "engine turn vs raw SDK stream",
            median(engine) * 1000,
            "ms",
            baseline=median(raw) * 1000,
            note=note_turn,
        ),
    ]
