"""The status line under Pilot: the state and the message show at any width."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult

from copilot.ui.widgets import StatusLine

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
