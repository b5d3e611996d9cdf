"""Themes: the configured one is in force from the first frame, and switching still works.

The app picks its theme before any CSS is parsed and its stylesheet keeps its
parse cache while the variables stay the same (copilot/ui/stylesheet.py); these
tests hold that to what a user sees: the colours on screen.
"""

from __future__ import annotations

from pathlib import Path

from textual.color import Color

from copilot.ui.app import CopilotApp
from copilot.ui.stylesheet import OnceStylesheet
from copilot.ui.themes import SHIPPED, load_theme
from tests.functional.harness import make_app, notices, wait_for

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
        assert not any("theme" in line for line in notices(app))


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
