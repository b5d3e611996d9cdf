"""The context pane under Pilot: one row per item, each naming its sensor once."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import OptionList

from copilot.sensors.items import ContextItem
from copilot.ui.widgets import ContextPane

TCSS = Path(__file__).parents[2] / "copilot" / "ui" / "widgets" / "context_pane.tcss"


class PaneApp(App[None]):
    CSS_PATH = [TCSS]

    def compose(self) -> ComposeResult:
        yield ContextPane()


def rows(app: PaneApp) -> list[str]:
    option_list = app.query_one(OptionList)
    height = option_list.scrollable_content_region.height
    return [option_list.render_line(y).text.rstrip() for y in range(height)]


async def test_each_item_is_one_row_that_names_its_sensor_once() -> None:
    items = (
        ContextItem(
            "git:repo", "git", "git: on `main`, 1 changed: out.txt (untracked)", 1, 3, included=True
        ),
        ContextItem("files:a.py", "files", "saved `a.py` (+2 -0 lines)", 0.5, 61),
        ContextItem("shell:last", "shell", "ran `pytest` (ok, 2.1s) in " + "deep/" * 20, 0.2, 5),
    )
    app = PaneApp()
    async with app.run_test(size=(50, 12)) as pilot:
        pane = app.query_one(ContextPane)
        pane.show(items, "block", 1042)
        await pilot.pause()
        drawn = rows(app)
        footer = pane.query_one(".context-footer").render_line(0).text.strip()
    assert footer == "next request: 1 item, 1,042 tokens · v view"
    assert drawn[:3] == [
        "  3s git: on `main`, 1 changed: out.txt (untr…",
        "  1m files: saved `a.py` (+2 -0 lines)",
        "  5s shell: ran `pytest` (ok, 2.1s) in deep/d…",
    ]
    assert drawn[3:] == [""] * (len(drawn) - 3)
