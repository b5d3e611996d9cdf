"""Races (issue 6): typing, streaming, a background task ending, an approval prompt and an
interrupt, all at once, never corrupt state or lose a message.

Hypothesis generates interleavings of user intents against the real engine, the real
SDK and the stand-in server; a stand-in front end answers approval prompts as part of
the interleaving. After each run the engine must settle idle with every message kept.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from copilot.bus.events import (
    ApprovalAnswer,
    ApprovalRequest,
    CancelTask,
    Interrupt,
    Lane,
    StateChanged,
    UserActivity,
    UserInput,
)
from copilot.config import DEFAULT_BACKGROUND_MODEL, DEFAULT_INTERACTION_MODEL, load
from copilot.engine.history import to_api_messages
from copilot.engine.runtime import Runtime
from tests.standin import Reply, StandinServer

steps = st.lists(
    st.one_of(
        st.tuples(st.just("send"), st.sampled_from(["hi", "run it", "delegate", "more"])),
        st.tuples(st.just("interrupt"), st.none()),
        st.tuples(st.just("typing"), st.booleans()),
        st.tuples(st.just("answer"), st.sampled_from(["once", "deny", "scope"])),
        st.tuples(st.just("cancel"), st.none()),
        st.tuples(st.just("wait"), st.integers(0, 60)),
    ),
    min_size=1,
    max_size=14,
)


@pytest.fixture(scope="module")
def server():
    """One stand-in for the module, reached through the SDK's own environment variables."""
    with StandinServer() as srv, pytest.MonkeyPatch.context() as patch:
        patch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        patch.setenv("ANTHROPIC_BASE_URL", srv.base_url)
        patch.setenv("XDG_CONFIG_HOME", "/nonexistent-copilot-config")
        yield srv


def _script(server: StandinServer) -> None:
    server.clear_script()
    server.script_for(
        DEFAULT_INTERACTION_MODEL,
        Reply.text("streaming a while " * 6, tokens_per_s=120),
        Reply.tool_use("run_shell", {"command": "echo raced"}, text_before="Let me run it."),
        Reply.tool_use("delegate", {"task": "background chore"}),
        Reply.text("and more " * 5, tokens_per_s=200),
    )
    server.script_for(DEFAULT_BACKGROUND_MODEL, Reply.text("chore report", tokens_per_s=50))


async def _scenario(server: StandinServer, workspace: Path, plan) -> None:
    errors: list[BaseException] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(
        lambda _loop, ctx: errors.append(ctx.get("exception") or RuntimeError(ctx["message"]))
    )
    config = load(workspace, env={})
    runtime = Runtime(
        config=config, workspace=workspace, db_path=workspace / "db.sqlite", sense=False
    )
    await runtime.start()
    bus = runtime.bus
    prompts = bus.subscribe("front-end", lanes=[Lane.CONTROL])
    pending: list[str] = []
    sent: list[str] = []

    def collect() -> None:
        while (event := prompts.get_nowait()) is not None:
            if isinstance(event, ApprovalRequest):
                pending.append(event.request_id)
            elif isinstance(event, ApprovalAnswer) and event.request_id in pending:
                pending.remove(event.request_id)

    try:
        for kind, value in plan:
            collect()
            if kind == "send":
                text = f"{value} #{len(sent)}"
                sent.append(text)
                bus.publish(UserInput(text=text))
            elif kind == "interrupt":
                bus.publish(Interrupt())
            elif kind == "typing":
                bus.publish(UserActivity(active=value))
            elif kind == "answer" and pending:
                bus.publish(ApprovalAnswer(request_id=pending.pop(0), decision=value))
            elif kind == "cancel":
                bus.publish(CancelTask(task_id="t1"))
            await asyncio.sleep((value or 0) / 1000 if kind == "wait" else 0)
        bus.publish(UserActivity(active=False))
        engine = runtime.engine
        assert engine is not None
        for _ in range(600):
            collect()
            for request_id in list(pending):
                bus.publish(ApprovalAnswer(request_id=request_id, decision="deny"))
                pending.remove(request_id)
            running = engine.tasks.running() if engine.tasks else []
            if (
                not engine.machine.busy
                and not engine.queue
                and not running
                and not engine._results
                and engine._turn is None
            ):
                break
            await asyncio.sleep(0.02)
        else:
            raise AssertionError(f"the engine did not settle: {engine.machine.state}")
        assert errors == []
        stored = await runtime.store.messages(engine.session_id)
        texts = "\n".join(b.get("text", "") for m in stored if m.role == "user" for b in m.content)
        for text in sent:
            assert text in texts, f"lost message {text!r}"
        assert all(m.state == "done" for m in stored)
        api = to_api_messages(stored)
        assert [m["role"] for m in api] == ["user", "assistant"] * (len(api) // 2) + (
            ["user"] if len(api) % 2 else []
        )
        for index, message in enumerate(api):
            calls = [b["id"] for b in message["content"] if b.get("type") == "tool_use"]
            if calls and index + 1 < len(api):
                answered = {b.get("tool_use_id") for b in api[index + 1]["content"]}
                assert set(calls) <= answered
    finally:
        prompts.close()
        await runtime.stop()


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(plan=steps)
def test_interleavings_never_corrupt_state_or_lose_messages(
    server: StandinServer, tmp_path_factory: pytest.TempPathFactory, plan
) -> None:
    workspace = tmp_path_factory.mktemp("race")
    with contextlib.ExitStack():
        _script(server)
        asyncio.run(_scenario(server, workspace, plan))


def test_state_changes_are_published_in_a_legal_order(
    server: StandinServer, tmp_path: Path
) -> None:
    server.clear_script()

    async def run() -> list[str]:
        config = load(tmp_path, env={})
        runtime = Runtime(
            config=config,
            workspace=tmp_path,
            db_path=tmp_path / "db.sqlite",
            sense=False,
            tools=False,
        )
        await runtime.start()
        watch = runtime.bus.subscribe("watch", lanes=[Lane.CONTROL])
        server.script_for(DEFAULT_INTERACTION_MODEL, Reply.stream_forever(tokens_per_s=300))
        before = len(server.requests)
        runtime.bus.publish(UserInput(text="go"))
        await asyncio.to_thread(server.wait_requests, before + 1, 10)
        await asyncio.sleep(0.05)
        runtime.bus.publish(Interrupt())
        seen: list[str] = []
        while not seen or seen[-1] != "idle":
            event = await asyncio.wait_for(watch.get(), 10)
            if isinstance(event, StateChanged):
                seen.append(event.state)
        await runtime.stop()
        await asyncio.to_thread(server.wait_disconnect, 5, request_index=before)
        return seen

    seen = asyncio.run(run())
    assert seen[0] == "streaming" and seen[-1] == "idle"
    assert "interrupted" in seen
