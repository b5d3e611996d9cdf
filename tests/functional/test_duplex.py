"""Full duplex under Pilot: delegated work runs in the background while the talk goes on."""

from __future__ import annotations

from pathlib import Path

from copilot.config import DEFAULT_BACKGROUND_MODEL, DEFAULT_INTERACTION_MODEL
from copilot.engine.tasks import BACKGROUND_SYSTEM
from tests.functional.harness import (
    answer_text,
    answers,
    hit,
    input_ready,
    make_app,
    send,
    turn_over,
    type_and_send,
    wait_for,
)
from tests.standin import Reply, StandinServer

FAST = DEFAULT_INTERACTION_MODEL
STRONG = DEFAULT_BACKGROUND_MODEL


def tasks_view(app):
    return app.query_one("TasksView")


async def test_a_delegated_task_reports_back_at_the_next_boundary(
    online: StandinServer, workspace: Path
) -> None:
    online.script_for(
        FAST,
        Reply.tool_use("delegate", {"task": "find the flaky test", "context": "pytest -x"}),
        Reply.text("On it: a background task is looking."),
        Reply.text("The flaky test is test_clock: it sleeps."),
    )
    online.script_for(STRONG, Reply.text("Report: test_clock sleeps 1s.", tokens_per_s=4))
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "why is CI flaky?")
        await wait_for(
            pilot,
            lambda: "On it: a background task is looking." in answer_text(app),
            "the interaction model's answer",
        )
        await wait_for(pilot, lambda: tasks_view(app).display, "the tasks view")
        assert "t1" in tasks_view(app).tasks
        await wait_for(pilot, lambda: tasks_view(app).tasks["t1"].status == "done", "the task")
        await wait_for(pilot, lambda: len(answers(app)) == 2 and turn_over(app), "weaving")
        assert answer_text(app)[-1] == "The flaky test is test_clock: it sleeps."
        assert app.query(".report")
    bodies = [r.body for r in online.requests]
    background = [b for b in bodies if b["model"] == STRONG]
    assert len(background) == 1
    assert background[0]["system"][0]["text"] == BACKGROUND_SYSTEM
    assert "find the flaky test" in background[0]["messages"][0]["content"][0]["text"]
    woven = [b for b in bodies if b["model"] == FAST][-1]["messages"][-1]["content"]
    assert any("test_clock sleeps 1s" in b.get("text", "") for b in woven)
    assert any(t["name"] == "delegate" for t in bodies[0]["tools"])


async def test_interrupt_stops_the_turn_but_never_the_task(
    online: StandinServer, workspace: Path
) -> None:
    online.script_for(
        FAST,
        Reply.tool_use("delegate", {"task": "long job"}),
        Reply.stream_forever(tokens_per_s=50),
    )
    online.script_for(STRONG, Reply.hang_after(2, text="working on it slowly"))
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await input_ready(pilot)
        await type_and_send(pilot, "start the long job")
        await wait_for(pilot, lambda: "t1" in tasks_view(app).tasks, "the task")
        await wait_for(pilot, lambda: len(answers(app)) == 1 and answer_text(app)[-1], "text")
        await hit(pilot, "ctrl+c")
        await wait_for(pilot, lambda: turn_over(app), "idle")
        assert tasks_view(app).tasks["t1"].status == "running"
        assert len(online.disconnects) == 1
        tasks_view(app).focus()
        await wait_for(pilot, lambda: app.focused is tasks_view(app), "focus on tasks")
        await hit(pilot, "c")
        await wait_for(pilot, lambda: tasks_view(app).confirming == "t1", "the confirmation")
        await hit(pilot, "y")
        await wait_for(pilot, lambda: tasks_view(app).tasks["t1"].status == "cancelled", "cancel")
        await wait_for(pilot, lambda: len(online.disconnects) == 2, "the task's stream closed")


async def test_a_finished_task_waits_while_the_user_types(
    online: StandinServer, workspace: Path
) -> None:
    online.script_for(
        FAST,
        Reply.tool_use("delegate", {"task": "quick job"}),
        Reply.text("Started."),
        Reply.text("The job is done."),
    )
    online.script_for(STRONG, Reply.text("done quickly", tokens_per_s=2))
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "do the job")
        await wait_for(
            pilot,
            lambda: "Started." in answer_text(app),
            "the first answer",
        )
        typed = ""
        while (
            tasks_view(app).tasks.get("t1") is None or tasks_view(app).tasks["t1"].status != "done"
        ):
            assert len(typed) < 400
            typed += "z"
            await hit(pilot, "z")
        for _ in range(5):
            await hit(pilot, "z")
        assert len(answers(app)) == 1, "the result must wait while the user types"
        await wait_for(
            pilot,
            lambda: len(answers(app)) == 2 and answer_text(app)[-1] == "The job is done.",
            "the result after typing stops",
        )
        assert app.prompt.text.startswith("zzz")
