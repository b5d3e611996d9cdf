"""Slash commands under Pilot: answered in the conversation, never sent to the model."""

from __future__ import annotations

from pathlib import Path

from copilot.ui import commands
from tests.functional.harness import make_app, send, wait_for


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
