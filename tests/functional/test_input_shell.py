"""The first frame's stand-in input looks exactly like the real one, and nothing typed
into it is lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widget import Widget

from copilot.ui import themes
from copilot.ui.widgets import InputShell
from copilot.ui.widgets.prompt_input import PromptInput
from tests.functional.harness import answers, make_app, turn_over, wait_for
from tests.standin import Reply, StandinServer

WIDGETS = Path(__file__).parents[2] / "copilot" / "ui" / "widgets"


class Box(App[None]):
    CSS_PATH = [WIDGETS / "input_shell.tcss", WIDGETS / "prompt_input.tcss"]

    def __init__(self, theme: str) -> None:
        super().__init__(ansi_color=theme.startswith("ansi"))
        for loaded in themes.discover()[0]:
            self.register_theme(loaded)
        self.theme = theme

    def compose(self) -> ComposeResult:
        with Vertical(id="main"):
            yield InputShell(id="input-shell")


def cells(widget: Widget) -> list[list[tuple[str, object]]]:
    """Each row of the widget as (character, colours and attributes) per cell."""
    rows = []
    for y in range(widget.size.height):
        row = []
        for segment in widget.render_line(y):
            text, style, _ = segment
            look = None
            if style is not None:
                look = (
                    style.color,
                    style.bgcolor,
                    style.bold,
                    style.dim,
                    style.italic,
                    style.reverse,
                    style.underline,
                )
            row += [(char, look) for char in text]
        rows.append(row)
    return rows


@pytest.mark.parametrize(
    "theme", ["copilot-dark", "copilot-light", "textual-dark", "solarized-light", "ansi-dark"]
)
async def test_the_stand_in_draws_as_the_empty_focused_input(theme: str) -> None:
    app = Box(theme)
    async with app.run_test(size=(70, 10)) as pilot:
        shell = app.query_one(InputShell)
        shell.focus()
        await pilot.pause()
        before = cells(shell)
        prompt = PromptInput(id="input")
        await app.query_one("#main").mount(prompt, after=shell)
        await shell.remove()
        prompt.focus()
        await pilot.pause()
        after = cells(prompt)
    assert before == after


async def test_keys_and_a_paste_typed_before_the_input_arrives_are_replayed(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.text("hello back"))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        shell = app.query_one(InputShell)
        for key, character in (("h", "h"), ("i", "i"), ("space", " ")):
            shell.post_message(events.Key(key, character))
        shell.post_message(events.Paste("there"))
        shell.post_message(events.Key("enter", "\r"))
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        assert not app.query(InputShell)
        assert app.focused is app.prompt and app.prompt.text == ""
    assert online.requests[0].body["messages"][0]["content"][0]["text"] == "hi there"
