"""The context window and compaction against a real store, bus, SDK and the stand-in."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from copilot.bus import Bus
from copilot.bus.events import SensorEvent, TaskUpdate
from copilot.config import ModelConfig
from copilot.engine.ambient_log import AmbientLog
from copilot.engine.compaction import SUMMARY_TOOL, fit, normalise, render
from copilot.engine.context_window import ContextWindow
from copilot.memory import Store
from copilot.memory.facts import remember
from copilot.memory.records import StoredMessage
from copilot.memory.summaries import compacted_span, latest_summary
from copilot.models.anthropic_client import AnthropicClient
from tests.standin import Reply, StandinServer
from tests.standin.wire import estimate_tokens

WS = "/home/dev/project"
SYSTEM = "You are copilot."


def small(base_url: str, **changes: object) -> ModelConfig:
    """An 8k window so a few dozen turns pass the threshold."""
    settings: dict = {
        "context_window": 8000,
        "max_tokens": 1024,
        "api_key": "sk-ant-test",
        "base_url": base_url,
        "keep_turns": 2,
        "max_attempts": 1,
    }
    settings.update(changes)
    return ModelConfig(**settings)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "copilot.db")
    yield opened
    await opened.close()


class Rig:
    """A window with its own client, closed by the fixture."""

    def __init__(self, store: Store, config: ModelConfig) -> None:
        self.bus = Bus()
        self.client = AnthropicClient(config)
        self.window = ContextWindow(self.bus, store, self.client, config, WS)

    async def close(self) -> None:
        await self.window.close()
        await self.client.close()


@pytest.fixture
async def rigs() -> AsyncIterator[list[Rig]]:
    made: list[Rig] = []
    yield made
    for rig in made:
        await rig.close()


async def chat(store: Store, session_id: str, turns: int, size: int = 400) -> list[StoredMessage]:
    history = []
    for turn in range(turns):
        words = f"turn{turn} " + "lorem ipsum " * (size // 12)
        history.append(
            await store.add_message(session_id, "user", [{"type": "text", "text": words}])
        )
        history.append(
            await store.add_message(
                session_id, "assistant", [{"type": "text", "text": f"reply{turn} " + "ok " * 20}]
            )
        )
    return history


def texts(params: dict) -> str:
    return json.dumps(params["messages"])


async def test_pinned_facts_and_tasks_lead_the_first_message(
    store: Store, rigs: list[Rig], standin: StandinServer
) -> None:
    rig = Rig(store, small(standin.base_url))
    rigs.append(rig)
    session = await store.create_session(WS, "m")
    history = await chat(store, session.id, 2)
    history.append(await store.add_message(session.id, "user", [{"type": "text", "text": "and?"}]))
    await remember(store, WS, "Deploys go through make ship", session_id=session.id)
    await remember(store, WS, "Never touch vendor/", session_id=session.id, source="model")
    rig.bus.publish(TaskUpdate(task_id="t1", goal="Run the slow test suite", step="tests/unit"))
    params = await rig.window.request(session.id, SYSTEM, history, [], ambient="now: idle")
    first = params["messages"][0]["content"]
    assert first[0]["text"].startswith("<memory>")
    for needle in ("Deploys go through make ship", "Never touch vendor/", "Run the slow test"):
        assert needle in first[0]["text"]
    assert first[1]["text"].startswith("turn0 ")
    assert params["messages"][-1]["content"][-1]["text"] == "now: idle"
    assert params["system"][0]["text"] == SYSTEM


async def test_a_huge_tool_result_is_cut_in_the_request_only(
    store: Store, rigs: list[Rig], standin: StandinServer
) -> None:
    rig = Rig(store, small(standin.base_url))
    rigs.append(rig)
    session = await store.create_session(WS, "m")
    huge = "line of build output\n" * 20_000
    history = [
        await store.add_message(session.id, "user", [{"type": "text", "text": "build it"}]),
        await store.add_message(
            session.id,
            "assistant",
            [{"type": "tool_use", "id": "c1", "name": "run_shell", "input": {"command": "make"}}],
        ),
        await store.add_message(
            session.id, "user", [{"type": "tool_result", "tool_use_id": "c1", "content": huge}]
        ),
    ]
    params = await rig.window.request(session.id, SYSTEM, history, [])
    assert rig.window.counter.estimate(params) <= rig.window.input_budget
    assert estimate_tokens(params) <= rig.window.input_budget
    result = params["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and "cut to fit" in result["content"]
    stored = await store.messages(session.id)
    assert stored[-1].content[0]["content"] == huge


async def test_without_a_compaction_the_oldest_turns_are_left_out(
    store: Store, rigs: list[Rig], standin: StandinServer
) -> None:
    rig = Rig(store, small(standin.base_url))
    rigs.append(rig)
    session = await store.create_session(WS, "m")
    history = await chat(store, session.id, 60)
    params = await rig.window.request(session.id, SYSTEM, history, [])
    assert rig.window.counter.estimate(params) <= rig.window.input_budget
    body = texts(params)
    assert "turn59 " in body and "turn0 " not in body
    assert "earlier messages are left out" in params["messages"][0]["content"][0]["text"]
    assert [m["role"] for m in params["messages"]][::2] == ["user"] * len(params["messages"][::2])


async def test_below_the_threshold_nothing_is_compacted(
    store: Store, rigs: list[Rig], standin: StandinServer
) -> None:
    rig = Rig(store, small(standin.base_url))
    rigs.append(rig)
    session = await store.create_session(WS, "m")
    history = await chat(store, session.id, 3)
    assert await rig.window.after_turn(session.id, SYSTEM, history, []) is None
    assert standin.requests == [] and standin.token_count_requests == []


async def test_compaction_summarises_older_turns_with_the_fast_model(
    store: Store, rigs: list[Rig], standin: StandinServer
) -> None:
    config = small(standin.base_url)
    rig = Rig(store, config)
    rigs.append(rig)
    session = await store.create_session(WS, "m")
    history = await chat(store, session.id, 60)
    standin.script(
        Reply.tool_use(
            SUMMARY_TOOL,
            {
                "goals": ["Fix the flaky parser test"],
                "decisions": ["Use tree-sitter instead of regexes"],
                "files": ["src/parser.py"],
                "open_questions": [],
                "preferences": ["Short answers"],
            },
        )
    )
    done = await rig.window.after_turn(session.id, SYSTEM, history, [])
    assert done is not None
    assert done.first_message_id == history[0].id
    assert done.tokens_after < done.tokens_before
    assert "Fix the flaky parser test" in done.summary
    [summarising] = standin.requests
    assert summarising.body["model"] == config.interaction
    assert summarising.body["tool_choice"] == {"type": "tool", "name": SUMMARY_TOOL}
    assert estimate_tokens(summarising.body) <= rig.window.input_budget
    assert "turn0 " in json.dumps(summarising.body["messages"])
    assert standin.token_count_requests, "the exact count decided it"

    stored = await latest_summary(store, session.id)
    assert stored is not None and stored.last_message_id == done.last_message_id
    span = await compacted_span(store, stored.id)
    assert [m.id for m in span] == [m.id for m in history[: len(span)]]
    kept = history[len(span) :]
    assert len(kept) == 4, "keep_turns=2 keeps two user turns and their answers"

    params = await rig.window.request(session.id, SYSTEM, history, [])
    memory = params["messages"][0]["content"][0]["text"]
    assert "## Goals\n- Fix the flaky parser test" in memory
    assert "Use tree-sitter" in memory and "src/parser.py" in memory
    body = texts(params)
    assert "turn0 " not in body and "turn58 " in body and "turn59 " in body

    fresh = Rig(store, config)
    rigs.append(fresh)
    resumed = await fresh.window.request(session.id, SYSTEM, await store.messages(session.id), [])
    assert resumed["messages"] == params["messages"], "a resumed session starts from the summary"


async def test_an_unreachable_model_gives_a_plain_summary(
    store: Store, rigs: list[Rig], monkeypatch: pytest.MonkeyPatch
) -> None:
    rig = Rig(store, small(closed_port_url()))
    rigs.append(rig)
    session = await store.create_session(WS, "m")
    history = await chat(store, session.id, 60)
    done = await rig.window.after_turn(session.id, SYSTEM, history, [])
    assert done is not None
    stored = await latest_summary(store, session.id)
    assert stored is not None and stored.body["fallback"] is True
    assert stored.body["goals"][-1].startswith("turn57 ")
    params = await rig.window.request(session.id, SYSTEM, history, [])
    assert rig.window.counter.estimate(params) <= rig.window.threshold


def test_a_summary_is_normalised_and_cut_to_its_budget() -> None:
    body = normalise({"goals": "one goal", "files": [f"f{i}.py" for i in range(50)], "x": 1})
    assert body["goals"] == ["one goal"] and len(body["files"]) == 12
    assert body["decisions"] == [] and body["notes"] == ""
    long = normalise({"goals": ["g" * 300] * 12, "notes": "n" * 1500})
    cut = fit(long, 1000)
    assert len(render(cut)) <= 1000
    assert cut["notes"] == "" and cut["goals"]
    assert render(normalise({})) == "(nothing of note yet)"


async def test_sensor_events_are_recorded_for_recall_once_per_thing_a_minute(
    store: Store,
) -> None:
    bus = Bus()
    session = await store.create_session(WS, "m")
    clock = [0.0]
    log = AmbientLog(bus, store, lambda: session.id, lambda: clock[0])
    recording = asyncio.create_task(log.run())

    async def happens(at: float, summary: str) -> None:
        """One event, taken by the log before the next (waiting ones would merge)."""
        seen = log.recorded + log.skipped
        clock[0] = at
        bus.publish(SensorEvent(sensor="shell", key="make", action="failed", summary=summary))
        while log.recorded + log.skipped == seen:
            await asyncio.sleep(0.01)

    try:
        for second in range(3):
            await happens(float(second), f"make: E4{second}")
        await happens(61.0, "make: E99")
    finally:
        recording.cancel()
    assert (log.recorded, log.skipped) == (2, 2)
    [hit] = await store.search("E99", workspace=WS)
    assert hit["kind"] == "sensor" and hit["session_id"] == session.id
    assert await store.search("E41", workspace=WS) == []
