"""Long sessions headless through the real engine, SDK and stand-in (issue 5).

500 turns in an 8k window: every request within budget, remembered needles in
every request after ten compactions, an early detail found again by the
model's `recall` (no approval asked), recall across sessions of a workspace,
and a kill -9 in the middle of a compaction that loses nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.engine.runtime import Runtime
from copilot.memory import Store
from copilot.memory.facts import remember
from copilot.memory.summaries import compacted_span, latest_summary
from tests.functional.session_driver import (
    Driver,
    FastStandin,
    filler,
    is_summary_request,
    small_config,
)
from tests.standin import Reply
from tests.standin.wire import estimate_tokens

ROOT = Path(__file__).resolve().parents[2]
DETAIL = "The staging database listens on port 6543 in rack zebra42."


def needle(k: int) -> str:
    return f"Needle {k}: the key numbered {k * 7 + 3} opens door {chr(65 + k)}{k}."


@pytest.fixture
def fast(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FastStandin]:
    with FastStandin() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        yield server


def runtime_for(workspace: Path, **kwargs: object) -> Runtime:
    return Runtime(
        config=small_config(workspace),
        workspace=workspace,
        db_path=workspace.parent / "data" / "copilot.db",
        sense=False,
        **kwargs,  # type: ignore[arg-type]
    )


def wait_for_summary_request(server: FastStandin, timeout: float) -> None:
    """Block until the stand-in has received a summarising request."""
    deadline = time.monotonic() + timeout
    while not any(is_summary_request(r.body) for r in server.requests):
        if time.monotonic() > deadline:
            raise TimeoutError("no compaction started")
        time.sleep(0.05)


def tool_result_text(body: dict) -> str:
    blocks = body["messages"][-1]["content"]
    return "\n".join(str(b.get("content")) for b in blocks if b.get("type") == "tool_result")


async def test_500_turns_stay_within_budget_and_keep_what_matters(
    fast: FastStandin, workspace: Path
) -> None:
    runtime = runtime_for(workspace)
    session = await runtime.start()
    assert runtime.engine is not None and runtime.store is not None
    window = runtime.engine.window
    driver = Driver(runtime)
    try:
        for turn in range(3):
            await driver.turn(filler(turn))
        await driver.turn(f"Note for later: {DETAIL}")
        for k in range(20):
            if k % 2:
                fast.script(Reply.tool_use("remember", {"fact": needle(k)}), Reply.text("Noted."))
                await driver.turn(f"Please remember this. {needle(k)}")
            else:
                await remember(runtime.store, str(workspace), needle(k), session_id=session.id)
        tenth = None
        for turn in range(24, 500):
            await driver.turn(filler(turn))
            if tenth is None and len(driver.compactions) >= 10:
                tenth = len(fast.requests)
        fast.script(Reply.tool_use("recall", {"query": "zebra42 staging"}), Reply.text("6543."))
        await driver.turn("Where did I say the staging database was?")
    finally:
        await runtime.stop()

    requests = [r.body for r in fast.requests]
    budget = window.input_budget
    assert budget == 8000 - 1024
    for body in requests:
        assert estimate_tokens(body) <= budget, "what the stand-in counts and reports"
        assert window.counter.estimate(body) <= budget

    assert len(driver.compactions) >= 10
    assert tenth is not None
    later = [b for b in requests[tenth:] if not is_summary_request(b)]
    assert len(later) > 20
    for body in later:
        sent = json.dumps(body["messages"])
        missing = [k for k in range(20) if needle(k) not in sent]
        assert missing == []

    recalled = tool_result_text(requests[-1])
    assert "6543" in recalled and "this session" in recalled
    assert driver.approvals == [], "recall and remember never ask"
    summaries = [b for b in requests if is_summary_request(b)]
    assert all(b["model"] == runtime.config.model.interaction for b in summaries)


async def test_recall_finds_what_an_earlier_session_of_the_workspace_said(
    fast: FastStandin, workspace: Path, tmp_path: Path
) -> None:
    first = runtime_for(workspace)
    earlier = await first.start()
    try:
        await Driver(first).turn("The flaky test is test_frobnicate_widget, it fails on Mondays.")
    finally:
        await first.stop()
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    other = Runtime(
        config=small_config(elsewhere),
        workspace=elsewhere,
        db_path=workspace.parent / "data" / "copilot.db",
        tools=False,
        sense=False,
    )
    await other.start()
    try:
        await Driver(other).turn("In this other project, frobnicate means nothing.")
    finally:
        await other.stop()

    second = runtime_for(workspace)
    now = await second.start()
    try:
        assert now.id != earlier.id
        fast.script(Reply.tool_use("recall", {"query": "frobnicate"}), Reply.text("Mondays."))
        await Driver(second).turn("Which test was flaky again?")
    finally:
        await second.stop()
    recalled = tool_result_text(fast.requests[-1].body)
    assert "test_frobnicate_widget" in recalled
    assert f"session {earlier.id[:8]}" in recalled
    assert "other project" not in recalled


async def test_kill_9_during_a_compaction_loses_nothing(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = workspace.parent / "data" / "copilot.db"
    with FastStandin(hang_summaries=True) as hanging:
        env = {
            **os.environ,
            "ANTHROPIC_API_KEY": "sk-ant-test",
            "ANTHROPIC_BASE_URL": hanging.base_url,
            "PYTHONPATH": str(ROOT),
        }
        child = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.functional.session_driver",
                str(workspace),
                str(db),
                "400",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            await asyncio.to_thread(wait_for_summary_request, hanging, 60.0)
        finally:
            child.send_signal(signal.SIGKILL)
            output = child.communicate(timeout=30)[0].splitlines()
    session_id = output[0].split()[1]
    finished = [line for line in output if line.startswith("turn ")]

    store = await Store.open(db)
    try:
        stored = await store.messages(session_id)
        assert await latest_summary(store, session_id) is None
    finally:
        await store.close()
    users = [m.content[0]["text"] for m in stored if m.role == "user"]
    assert users == [filler(turn) for turn in range(len(finished) + 1)]
    assert len(stored) == 2 * len(users)
    assert all(m.state == "done" and not m.interrupted for m in stored)

    with FastStandin() as fast:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fast.base_url)
        runtime = runtime_for(workspace, resume=session_id, tools=False)
        await runtime.start()
        driver = Driver(runtime)
        try:
            await driver.turn("Carry on.")
            assert runtime.store is not None
            assert driver.compactions
            summary = await latest_summary(runtime.store, session_id)
            assert summary is not None
            span = await compacted_span(runtime.store, summary.id)
        finally:
            await runtime.stop()
    assert span[0].id == stored[0].id
    assert [m.id for m in span] == [m.id for m in stored[: len(span)]]
