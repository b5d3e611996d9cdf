"""Themes: the configured one is in force from the first frame, and switching still works.

The app picks its theme before any CSS is parsed and its stylesheet keeps its
parse cache while the variables stay the same (copilot/ui/stylesheet.py); these
tests hold that to what a user sees: the colours on screen.
"""

from __future__ import annotations

from pathlib import Path

from textual.color import Color
from textual.geometry import Offset

from copilot.ui.app import CopilotApp
from copilot.ui.stylesheet import OnceStylesheet
from copilot.ui.themes import SHIPPED, load_theme
from tests.functional.harness import input_ready, make_app, notices, wait_for

DARK = load_theme(SHIPPED / "copilot-dark.toml")
LIGHT = load_theme(SHIPPED / "copilot-light.toml")


def background(app: CopilotApp) -> Color:
    return app.screen.styles.background


async def test_configured_theme_is_on_screen_at_start(workspace: Path) -> None:
    app = make_app(workspace, flags={"ui": {"theme": "copilot-light"}})
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "copilot-light"
        assert background(app) == Color.parse(LIGHT.background)
        assert not any("theme '" in line for line in notices(app))  # no 'theme … not found'


async def test_unknown_theme_says_so_and_uses_the_default(workspace: Path) -> None:
    app = make_app(workspace, flags={"ui": {"theme": "no-such-theme"}})
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(
            pilot,
            lambda: any("theme 'no-such-theme' not found" in line for line in notices(app)),
            "the missing-theme notice",
        )
        assert app.theme != "no-such-theme"


async def test_switching_theme_recolours_the_screen(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        assert background(app) == Color.parse(DARK.background)
        app.theme = "copilot-light"
        await pilot.pause()
        assert background(app) == Color.parse(LIGHT.background)
        app.theme = "copilot-dark"
        await pilot.pause()
        assert background(app) == Color.parse(DARK.background)


def test_same_variables_do_not_reparse() -> None:
    sheet = OnceStylesheet(variables={"accent": "red"})
    sheet.add_source("Widget { color: $accent; }", read_from=("test", "a"))
    sheet.parse()
    first = sheet.rules[0]
    sheet.set_variables({"accent": "red"})
    sheet.reparse()
    assert sheet.rules[0] is first
    sheet.add_source("Static { color: $accent; }", read_from=("test", "b"))
    sheet.reparse()
    assert sheet.rules[0] is first  # The unchanged source came from the cache.
    assert len(sheet.rules) == 2


def test_new_variables_reparse_with_them() -> None:
    sheet = OnceStylesheet(variables={"accent": "red"})
    sheet.add_source("Widget { color: $accent; }", read_from=("test", "a"))
    sheet.parse()
    sheet.set_variables({"accent": "blue"})
    sheet.reparse()
    assert sheet.rules[0].styles.color == Color.parse("blue")


async def test_the_input_takes_its_styles_from_css_after_a_restyle_not_at_every_key(
    workspace: Path,
) -> None:
    # PromptInput keeps its TextArea theme between draws (deriving it was two thirds
    # of drawing the input after a key) and takes it again when restyled.
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await input_ready(pilot)
        prompt = app.prompt
        await pilot.press("a")
        await pilot.pause()
        derived = []
        fill = prompt._theme.apply_css
        prompt._theme.apply_css = lambda widget: (derived.append(widget), fill(widget))
        for key in "bcd":
            await pilot.press(key)
            await pilot.pause()
        assert prompt.text == "abcd"
        assert derived == [], "the theme was taken from CSS again at a key"
        cursor = prompt.content_region.offset + Offset(len(prompt.text), 0)
        dark_cursor = app.screen.get_style_at(*cursor)
        app.theme = "copilot-light"
        await pilot.press("e")
        await pilot.pause()
        light_cursor = app.screen.get_style_at(*cursor + Offset(1, 0))
        assert light_cursor == prompt._theme.cursor_style, "the cursor kept its old styles"
        assert light_cursor != dark_cursor
