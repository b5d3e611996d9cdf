"""Ambient context under Pilot: sensors feed the pane and the request, pins and mutes work."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.functional.harness import answers, hit, make_app, send, turn_over, wait_for
from tests.standin import Reply, StandinServer


@pytest.fixture
def runtime_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "run"
    monkeypatch.setenv("COPILOT_RUNTIME_DIR", str(folder))
    monkeypatch.delenv("TMUX", raising=False)
    return folder


def context_text(server: StandinServer, index: int) -> str:
    last = server.requests[index].body["messages"][-1]["content"]
    return "\n".join(b.get("text", "") for b in last if b.get("type") == "text")


async def test_a_saved_file_reaches_the_pane_and_the_next_request(
    online: StandinServer, workspace: Path, runtime_dir: Path
) -> None:
    (workspace / "AGENTS.md").write_text("Always answer in haiku.\n")
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.runtime.sensors is not None, "sensors")
        await pilot.pause(0.5)
        (workspace / "notes.py").write_text("print('hello')\n")
        pane = app.query_one("ContextPane")
        await wait_for(
            pilot,
            lambda: any("notes.py" in item.summary for item in pane.items),
            "the saved file in the context pane",
        )
        assert pane.tokens > 0
        online.script(Reply.text("noted"))
        await send(pilot, "what did I just do?")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
    request = online.requests[0].body
    assert "notes.py" in context_text(online, 0)
    assert "Always answer in haiku." in request["system"][0]["text"]
    assert "notes.py" not in request["system"][0]["text"]


async def test_mute_keeps_an_item_out_of_the_request(
    online: StandinServer, workspace: Path, runtime_dir: Path
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.runtime.sensors is not None, "sensors")
        await pilot.pause(0.5)
        (workspace / "secret_plan.txt").write_text("step one\n")
        pane = app.query_one("ContextPane")
        await wait_for(
            pilot, lambda: any("secret_plan" in i.summary for i in pane.items), "the item"
        )
        index = next(n for n, i in enumerate(pane.items) if "secret_plan" in i.summary)
        await hit(pilot, "f4")
        await wait_for(pilot, lambda: app.focused is pane.query_one("OptionList"), "focus")
        await hit(pilot, *["down"] * index, "m")
        await wait_for(
            pilot,
            lambda: any(i.muted and "secret_plan" in i.summary for i in pane.items),
            "the item muted",
        )
        assert "secret_plan" not in app.runtime.sensors.context_text()
        app.prompt.focus()
        online.script(Reply.text("ok"))
        await send(pilot, "hi")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        await hit(pilot, "f4")
        await wait_for(pilot, lambda: app.focused is pane.query_one("OptionList"), "focus")
        await hit(pilot, "v")
        await wait_for(pilot, lambda: bool(app.query(".report")), "the block report")
    assert "secret_plan" not in context_text(online, 0)


async def test_remember_and_recall_commands(
    online: StandinServer, workspace: Path, runtime_dir: Path
) -> None:
    online.script(Reply.text("the deploy key lives in vault path ops/deploy"))
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: app.runtime.engine is not None, "the engine")
        await send(pilot, "/remember tabs not spaces in Makefiles")
        await send(pilot, "where is the deploy key?")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        await send(pilot, "/recall deploy key")
        report = str(app.query(".report").last().render())
        assert "vault path ops" in report and "this session" in report
        online.script(Reply.text("ok"))
        await send(pilot, "thanks")
        await wait_for(pilot, lambda: len(online.requests) == 2 and turn_over(app), "turn")
    first_user = online.requests[1].body["messages"][0]["content"]
    assert any("tabs not spaces in Makefiles" in b.get("text", "") for b in first_user)


async def test_the_compaction_marker_expands_to_the_original_turns(
    online: StandinServer, workspace: Path, runtime_dir: Path
) -> None:
    from copilot.bus.events import CompactionDone

    online.script(Reply.text("the answer about the parser"))
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "tell me about the parser")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        stored = await app.runtime.store.messages(app.runtime.session_id)
        app.runtime.bus.publish(
            CompactionDone(
                summary="- goal: understand the parser",
                first_message_id=stored[0].id,
                last_message_id=stored[-1].id,
                tokens_before=9000,
                tokens_after=800,
            )
        )
        await wait_for(pilot, lambda: bool(app.query("CompactionMarker")), "the marker")
        marker = app.query_one("CompactionMarker")
        assert "understand the parser" in str(marker.render())
        marker.focus()
        await hit(pilot, "enter")
        await wait_for(pilot, lambda: marker.expanded, "the expansion")
        shown = str(marker.render())
        assert "user: tell me about the parser" in shown
        assert "assistant: the answer about the parser" in shown
