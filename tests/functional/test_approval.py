"""The inline approval prompt under Pilot, against the real gate, sandbox and tools."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from copilot.bus.events import ApprovalRequest
from copilot.ui.widgets import ApprovalPrompt, ToolCallsLine, ToolEntry
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


def prompts(app) -> list[ApprovalPrompt]:
    return [p for p in app.query(ApprovalPrompt) if not p.answered]


def entry(app, index: int = 0) -> ToolEntry:
    return list(app.query(ToolEntry))[index]


def tool_results(server: StandinServer, request: int) -> list[dict]:
    last = server.requests[request].body["messages"][-1]
    return [b for b in last["content"] if b.get("type") == "tool_result"]


async def wait_past_guard(prompt: ApprovalPrompt) -> None:
    while prompt.guarded:
        await asyncio.sleep(0.05)


async def test_y_runs_the_command_in_the_sandbox_and_returns_its_output(
    online: StandinServer, workspace: Path
) -> None:
    online.script(
        Reply.tool_use("run_shell", {"command": "echo hello-from-sandbox; echo $COPILOT_SANDBOX"}),
        Reply.text("It printed hello."),
    )
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "say hello")
        await wait_for(pilot, lambda: bool(prompts(app)), "the prompt")
        prompt = prompts(app)[0]
        assert "echo hello-from-sandbox" in prompt.request.summary
        body = prompt.query(Static).first()
        shown = " ".join(body.render_line(y).text.strip() for y in range(body.size.height))
        assert prompt.request.reason and shown.count(prompt.request.reason) == 1, shown
        await wait_for(pilot, lambda: app.focused is prompt, "focus on the prompt")
        await wait_past_guard(prompt)
        hops: list[object] = []
        app.watch(app.screen, "focused", lambda widget: hops.append(widget), init=False)
        await hit(pilot, "y")
        await wait_for(pilot, lambda: entry(app).status == "done", "the command to finish")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 1, "answer")
        # Straight back to the input: no stop on the tool output as the prompt goes.
        assert hops == [app.prompt]
        # The reply that only called the tool leaves its trace, not an empty answer.
        (trace,) = app.query(ToolCallsLine)
        assert trace.calls == ("run_shell  echo hello-from-sandbox; echo $COPILOT_SANDBOX",)
        assert answer_text(app) == ["It printed hello."]
    again = make_app(workspace, continue_last=True)
    async with again.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: bool(answers(again)), "the replayed transcript")
        assert [t.calls for t in again.query(ToolCallsLine)] == [trace.calls]
        assert answer_text(again) == ["It printed hello."]
    results = tool_results(online, 1)
    assert results[0]["is_error"] is False
    assert "hello-from-sandbox" in results[0]["content"]
    assert "1" in results[0]["content"].split("hello-from-sandbox", 1)[1]


async def test_n_with_a_reason_denies_and_tells_the_model(
    online: StandinServer, workspace: Path
) -> None:
    target = workspace / "keep.txt"
    target.write_text("precious\n")
    online.script(
        Reply.tool_use("run_shell", {"command": "rm keep.txt"}),
        Reply.text("Understood."),
    )
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "clean up")
        await wait_for(pilot, lambda: bool(prompts(app)), "the prompt")
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "n")
        await hit(pilot, *"keep it", "enter")
        await wait_for(pilot, lambda: entry(app).status == "denied", "denied status")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 1, "answer")
    assert target.read_text() == "precious\n"
    result = tool_results(online, 1)[0]
    assert result["is_error"] is True
    assert "keep it" in result["content"]


async def test_an_answer_that_spoke_and_called_a_tool_keeps_the_call_in_the_transcript(
    online: StandinServer, workspace: Path
) -> None:
    online.script(
        Reply.tool_use("run_shell", {"command": "echo spoke"}, text_before="I'll look."),
        Reply.text("Done."),
    )
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "look around")
        await wait_for(pilot, lambda: bool(prompts(app)), "the prompt")
        await wait_for(pilot, lambda: app.focused is prompts(app)[0], "focus on the prompt")
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "y")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 2, "answers")
        order = [type(w).__name__ for w in app.conversation.children if w.display]
        assert order[-3:] == ["AssistantMessage", "ToolCallsLine", "AssistantMessage"]
        (trace,) = app.query(ToolCallsLine)
        assert trace.calls == ("run_shell  echo spoke",)
    again = make_app(workspace, continue_last=True)
    async with again.run_test(size=(130, 40)) as pilot:
        await wait_for(pilot, lambda: len(answers(again)) == 2, "the replayed transcript")
        assert [t.calls for t in again.query(ToolCallsLine)] == [trace.calls]
        assert answer_text(again) == ["I'll look.", "Done."]


async def test_keys_right_after_the_prompt_appears_and_enter_never_approve(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.tool_use("run_shell", {"command": "touch made.txt"}), Reply.text("ok"))
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "make a file")
        await wait_for(pilot, lambda: bool(prompts(app)), "the prompt")
        prompt = prompts(app)[0]
        await wait_for(pilot, lambda: app.focused is prompt, "focus on the prompt")
        prompt.shown_at = asyncio.get_running_loop().time() + 3600  # far inside the guard
        await hit(pilot, "y", "a", "enter")
        assert not prompt.answered
        prompt.shown_at = 0.0
        await hit(pilot, "enter")
        assert not prompt.answered
        assert not (workspace / "made.txt").exists()
        await hit(pilot, "h")  # no answer, and the decision keeps the focus
        await pilot.pause()
        assert app.focused is prompt and app.prompt.text == ""
        await hit(pilot, "y")
        await wait_for(pilot, lambda: (workspace / "made.txt").exists(), "the file")
        await wait_for(pilot, lambda: turn_over(app), "idle")


async def test_a_grants_the_scope_for_the_rest_of_the_session(
    online: StandinServer, workspace: Path
) -> None:
    online.script(
        Reply.tool_use("run_shell", {"command": "ls"}),
        Reply.tool_use("run_shell", {"command": "ls -la"}),
        Reply.tool_use("run_shell", {"command": "ls && touch evil.txt"}),
        Reply.text("done"),
    )
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "look around")
        await wait_for(pilot, lambda: bool(prompts(app)), "the first prompt")
        prompt = prompts(app)[0]
        assert prompt.request.scope_label
        await wait_past_guard(prompt)
        await hit(pilot, "a")
        await wait_for(
            pilot,
            lambda: len(app.query(ToolEntry)) == 3 and bool(prompts(app)),
            "a prompt for the compound only",
        )
        assert entry(app, 1).status == "done"
        assert "touch evil.txt" in prompts(app)[0].request.summary
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "n", "enter")
        await wait_for(pilot, lambda: turn_over(app), "idle")
    assert not (workspace / "evil.txt").exists()


async def test_a_write_shows_its_diff_and_interrupt_withdraws_the_prompt(
    online: StandinServer, workspace: Path
) -> None:
    (workspace / "app.py").write_text("print('old')\n")
    online.script(
        Reply.tool_use("edit_file", {"path": "app.py", "old": "old", "new": "new"}),
        Reply.text("unused"),
    )
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "edit it")
        await wait_for(pilot, lambda: bool(prompts(app)), "the prompt")
        diff = prompts(app)[0].request.diff
        assert "-print('old')" in diff and "+print('new')" in diff
        await hit(pilot, "ctrl+c")
        await wait_for(pilot, lambda: turn_over(app), "idle")
        await wait_for(pilot, lambda: not prompts(app), "the prompt withdrawn")
        assert entry(app).status == "interrupted"
    assert (workspace / "app.py").read_text() == "print('old')\n"


async def test_focus_stays_in_the_input_while_the_user_types(
    online: StandinServer, workspace: Path
) -> None:
    online.script(
        Reply.tool_use(
            "run_shell", {"command": "pwd"}, text_before="Let me look. ", tokens_per_s=5
        ),
        Reply.text("ok"),
    )
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await input_ready(pilot)  # the first frame's stand-in holds keys, then replays them
        await type_and_send(pilot, "where am i")
        typed = ""
        while not prompts(app):
            assert len(typed) < 200, "the prompt never came"
            typed += "x"
            await hit(pilot, "x")
        await wait_for(pilot, lambda: "F3" in app.status.message, "the hint to press F3")
        assert app.focused is app.prompt
        await hit(pilot, *"yan")
        assert app.prompt.text == typed + "yan"
        assert not prompts(app)[0].answered
        await hit(pilot, "f3")
        await wait_for(pilot, lambda: app.focused is prompts(app)[0], "focus on the prompt")
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "y")
        await wait_for(pilot, lambda: turn_over(app), "idle")
        assert app.prompt.text == typed + "yan"


async def test_narrow_terminal_opens_the_side_for_the_prompt(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.tool_use("run_shell", {"command": "pwd"}), Reply.text("ok"))
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "where")
        await wait_for(pilot, lambda: bool(prompts(app)), "the prompt")
        await pilot.pause()
        assert prompts(app)[0].region.width > 0
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "y")
        await wait_for(pilot, lambda: turn_over(app), "idle")
        assert not app.screen.has_class("-side-open")


async def test_slash_audit_and_mode(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.tool_use("run_shell", {"command": "uname"}), Reply.text("ok"))
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await send(pilot, "which os")
        await wait_for(pilot, lambda: bool(prompts(app)), "the prompt")
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "y")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 1, "answer")
        await send(pilot, "/audit")
        report = str(app.query(".report").last().render())
        assert (
            "run_shell" in report and "uname" in report and "allowed" in report and "once" in report
        )
        await send(pilot, "/mode read-only")
        assert app.runtime.policy.mode == "read-only"
        await send(pilot, "/nonsense")
        assert len(online.requests) == 2


async def test_a_tool_starts_while_the_rest_of_the_message_streams(
    online: StandinServer, workspace: Path
) -> None:
    online.script(
        Reply.tools(
            [
                {"name": "run_shell", "input": {"command": "echo first"}},
                {"name": "run_shell", "input": {"command": "echo second"}},
            ],
            tokens_per_s=8,
        ),
        Reply.text("both ran"),
    )
    app = make_app(workspace)
    async with app.run_test(size=(130, 40)) as pilot:
        await input_ready(pilot)
        await type_and_send(pilot, "run two things")
        await wait_for(pilot, lambda: bool(prompts(app)), "the first prompt")
        assert "echo first" in prompts(app)[0].request.summary
        assert app.state == "streaming", "the first call is asked about while the reply streams"
        await wait_for(pilot, lambda: app.focused is prompts(app)[0], "focus")
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "y")
        await wait_for(pilot, lambda: entry(app).status == "done", "the first call done")
        await wait_for(pilot, lambda: bool(prompts(app)), "the second prompt")
        await wait_for(pilot, lambda: app.focused is prompts(app)[0], "focus")
        await wait_past_guard(prompts(app)[0])
        await hit(pilot, "y")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 1, "answer")
        (trace,) = app.query(ToolCallsLine)
        assert trace.calls == ("run_shell  echo first", "run_shell  echo second")
    contents = sorted(r["content"] for r in tool_results(online, 1))
    assert "first" in contents[0] and "second" in contents[1]


@pytest.mark.parametrize("width", [30, 44, 90])
async def test_a_narrow_prompt_wraps_between_answers_never_inside_one(width: int) -> None:
    request = ApprovalRequest(
        request_id="r1",
        tool="edit_file",
        summary="src/parse.py",
        diff="--- a\n+++ b\n",
        scope_label="writes under src/",
    )

    class One(App[None]):
        def compose(self) -> ComposeResult:
            yield ApprovalPrompt(request)

    app = One()
    async with app.run_test(size=(width, 30)) as pilot:
        await pilot.pause()
        keys = app.query_one(".approval-keys")
        lines = [keys.render_line(y).text.strip() for y in range(keys.size.height)]
    answers = ["y once", "a always: writes under src/", "n deny", "d diff"]
    found = [a for line in lines for a in answers if a in line]
    assert sorted(found) == sorted(answers), lines
