"""Slash commands under Pilot: answered in the conversation, never sent to the model."""

from __future__ import annotations

from pathlib import Path

from copilot.ui import commands
from tests.functional.harness import (
    answers,
    input_ready,
    make_app,
    notices,
    send,
    turn_over,
    wait_for,
)
from tests.standin import Reply, StandinServer


async def test_help_lists_every_row_in_two_columns_that_wrap_under_themselves(
    workspace: Path,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(64, 40)) as pilot:
        await send(pilot, "/help")
        await wait_for(pilot, lambda: bool(app.query(".report")), "the help report")
        report = app.query(".report").last()
        await pilot.pause()
        lines = [report.render_line(y).text for y in range(report.size.height)]
    text = "\n".join(lines)
    width = max(len(key) for key, _ in commands.HELP)
    for key, what in commands.HELP:
        assert key in text and what[:8] in text
    # A description too long for the row continues under its own column.
    gate = next(i for i, line in enumerate(lines) if "/audit" in line)
    column = lines[gate].index("the gate's")
    assert column >= width
    assert lines[gate + 1][:column].strip() == "", "the wrapped part starts under the key column"
    assert lines[gate + 1][column:].strip() != ""


async def test_copy_puts_the_last_answer_or_its_code_on_the_clipboard(
    online: StandinServer, workspace: Path
) -> None:
    answer = "Run this:\n\n```sh\nmake test\n```\n\nThen this:\n\n```sh\nmake lint\n```\n"
    online.script(Reply.text(answer))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "/copy")
        await wait_for(pilot, lambda: "No answer to copy yet." in notices(app), "the notice")
        await send(pilot, "how do I test?")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        await send(pilot, "/copy")
        assert app.clipboard == answer
        assert app.status.message == f"Copied the last answer ({len(answer):,} characters)"
        await send(pilot, "/copy code")
        assert app.clipboard == "make lint\n"


async def test_ctrl_e_without_a_failure_to_explain_is_the_inputs_end_of_line(
    workspace: Path,
) -> None:
    """Ctrl+E is a priority binding (the input took it before), active only with a hint."""
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await input_ready(pilot)
        await pilot.press(*"abc", "home")
        assert app.prompt.cursor_location == (0, 0)
        await pilot.press("ctrl+e")
        assert app.prompt.cursor_location == (0, 3)
        assert app.runtime.engine is None or not app.runtime.engine.history
