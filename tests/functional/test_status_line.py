"""The status line under Pilot: the state and the message show at any width."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from copilot.ui.widgets import StatusLine
from tests.functional.harness import make_app, send, turn_over, wait_for
from tests.standin import Reply, StandinServer

TCSS = Path(__file__).parents[2] / "copilot" / "ui" / "widgets" / "status_line.tcss"


class StatusApp(App[None]):
    CSS_PATH = [TCSS]

    def compose(self) -> ComposeResult:
        yield StatusLine()


async def drawn(width: int, message: str) -> str:
    app = StatusApp()
    async with app.run_test(size=(width, 3)) as pilot:
        status = app.query_one(StatusLine)
        status.state = "retrying"
        status.model = "claude-haiku-5-5"
        status.tokens_in, status.tokens_out = 12_345, 678
        status.context = "2,375/200,000"
        status.session = "3ebaa4dd-0000"
        status.message = message
        await pilot.pause()
        return status.render_line(0).text.rstrip()


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (140, " retrying   claude-haiku-5-5  in 12,345 out 678  ctx 2,375/200,000  3ebaa4dd  "),
        (100, " retrying   claude-haiku-5-5  in 12,345 out 678  "),
        (80, " retrying   claude-haiku-5-5  "),
        (60, " retrying   "),
    ],
)
async def test_fields_that_stay_the_same_give_way_to_the_message(width: int, shown: str) -> None:
    message = "retrying in 3s — Rate limited (429): slow down"
    assert await drawn(width, message) == shown + message


async def test_a_message_wider_than_the_row_is_cut_at_its_end() -> None:
    row = await drawn(40, "retrying in 3s — Rate limited (429): slow down")
    assert row == " retrying   retrying in 3s — Rate limit…"


async def test_without_a_message_everything_shows_at_a_common_width() -> None:
    row = await drawn(100, "")
    assert row == " retrying   claude-haiku-5-5  in 12,345 out 678  ctx 2,375/200,000  3ebaa4dd"


async def test_output_tokens_are_estimated_while_an_answer_streams(
    online: StandinServer, workspace: Path
) -> None:
    """The API counts output tokens when an answer ends; until then, "out ~N"."""
    online.script(Reply.text("word " * 400, tokens_per_s=100))
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await send(pilot, "talk for a while")
        await wait_for(pilot, lambda: app.status.tokens_out_estimate > 20, "an estimate")
        assert " out ~" in str(app.status.render())
        await wait_for(pilot, lambda: turn_over(app), "the end of the answer")
        shown = str(app.status.render())
        assert app.status.tokens_out_estimate == 0 and " out ~" not in shown
        assert f" out {app.status.tokens_out:,} " in shown and app.status.tokens_out > 1
