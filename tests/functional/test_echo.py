"""Typing is drawn first: a key reaches the terminal before the rest of the frame.

Frames here are slowed to two a second (Textual's frame period), so that between a key
and the next frame nothing but the echo can be drawn; what reaches the terminal is
noted where Textual hands it over (`App._display`, which the headless driver skips).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import textual.screen
from textual import events
from textual._compositor import ChopsUpdate
from textual.geometry import Region
from textual.widgets import Static

from copilot.ui.app import CopilotApp
from copilot.ui.widgets import StatusLine
from copilot.ui.widgets.tool_pane import ToolPane
from tests.functional.harness import input_ready, make_app, wait_for

FRAME_PERIOD_S = 0.5


class Frames:
    """Each update handed to the terminal, with `probe()` read at that moment."""

    def __init__(self, app: CopilotApp, probe: Any) -> None:
        self.seen: list[tuple[Any, Any]] = []
        display = app._display

        def watched(screen: Any, update: Any) -> None:
            if update is not None:
                self.seen.append((update, probe()))
            display(screen, update)

        app._display = watched  # type: ignore[method-assign]

    def drawing(self, region: Region) -> list[tuple[Any, Any]]:
        """The updates that draw part of `region`, in order."""
        return [(u, p) for u, p in self.seen if any(_rows_in(u, region))]


def _rows_in(update: Any, region: Region) -> list[tuple[int, int, int]]:
    """The spans of a partial update that fall on `region`."""
    spans = update.spans if isinstance(update, ChopsUpdate) else []
    return [
        (y, x1, x2)
        for y, x1, x2 in spans
        if region.y <= y < region.bottom and x1 < region.right and x2 >= region.x
    ]


def _inside(update: Any, region: Region) -> bool:
    """Whether a partial update draws nothing outside `region`."""
    return isinstance(update, ChopsUpdate) and all(
        region.y <= y < region.bottom and region.x <= x1 and x2 <= region.right
        for y, x1, x2 in update.spans
    )


def _key(key: str) -> events.Key:
    """A key as the terminal driver delivers it."""
    return events.Key(key, key if len(key) == 1 else None)


@pytest.fixture
def slow_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", FRAME_PERIOD_S)


async def _just_after_a_frame(pilot: Any, app: CopilotApp, frames: Frames) -> None:
    """Wait for a quiet screen, then make a frame happen: the next is a period away."""
    screen = app.screen
    await wait_for(
        pilot,
        lambda: not (screen._layout_required or screen._dirty_widgets or screen._repaint_required),
        "a settled screen",
    )
    before = len(frames.seen)
    app.query_one(StatusLine).refresh()
    await wait_for(pilot, lambda: len(frames.seen) > before, "a frame")


async def test_a_key_is_drawn_before_a_layout_elsewhere(workspace: Path, slow_frames: None) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        arrived = Static("a line that needs a layout to be placed")
        frames = Frames(app, lambda: bool(arrived.region))
        await _just_after_a_frame(pilot, app, frames)
        frames.seen.clear()
        await app.query_one(ToolPane).mount(arrived)
        app.post_message(_key("q"))
        await wait_for(pilot, lambda: app.prompt.text == "q", "the key in the input")
        await wait_for(pilot, lambda: bool(arrived.region), "the layout")
        await pilot.pause()
        prompt = app.prompt.region
        drawn = frames.drawing(prompt)
        assert drawn, "the input was never drawn after the key"
        first, placed = drawn[0]
        assert not placed, "the key waited for the layout of the tool pane"
        assert _inside(first, prompt), "the echo frame drew more than the input"
        assert any(p for _, p in frames.seen), "the layout never reached the terminal"


async def test_a_key_that_grows_the_input_is_drawn_with_its_new_size(
    workspace: Path, slow_frames: None
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await input_ready(pilot)
        await pilot.pause()
        rows = app.prompt.region.height
        frames = Frames(app, lambda: app.prompt.region.height)
        app.prompt.insert("one line")
        await _just_after_a_frame(pilot, app, frames)
        frames.seen.clear()
        app.post_message(_key("ctrl+j"))
        await wait_for(pilot, lambda: app.prompt.region.height == rows + 1, "a taller input")
        await pilot.pause()
        drawn = frames.drawing(app.prompt.region)
        assert drawn and drawn[0][1] == rows + 1, "the input was drawn at its old size"


async def test_a_key_is_drawn_while_a_batch_update_holds_the_rest(
    workspace: Path, slow_frames: None
) -> None:
    # A streaming answer appends and settles its Markdown inside batch updates (a
    # quarter of the time, up to ~65 ms at once), which hold back every frame.
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        holding = [False]
        frames = Frames(app, lambda: holding[0])
        await _just_after_a_frame(pilot, app, frames)
        frames.seen.clear()
        with app.batch_update():
            holding[0] = True
            app.post_message(_key("q"))
            await wait_for(pilot, lambda: app.prompt.text == "q", "the key in the input")
            await pilot.pause(0.1)
            holding[0] = False
        await wait_for(pilot, lambda: bool(frames.drawing(app.prompt.region)), "the key")
        first, held = frames.drawing(app.prompt.region)[0]
        assert held, "the key was drawn only once the batch was over"
        assert _inside(first, app.prompt.region), "the batch's widgets were drawn with it"


@pytest.fixture
def very_slow_frames(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textual.screen, "UPDATE_PERIOD", 4 * FRAME_PERIOD_S)


async def _typed_and_drawn(app: CopilotApp, frames: Frames, key: str) -> None:
    """Post `key` and poll, without the Pilot (its pause draws a frame), until its echo
    has reached the terminal."""
    frames.seen.clear()
    app.post_message(_key(key))
    while not frames.drawing(app.prompt.region):
        await asyncio.sleep(0.01)


async def test_the_inputs_refresh_wait_ends_with_its_own_drawing_not_the_next_frame(
    workspace: Path, very_slow_frames: None
) -> None:
    # The stream keeps dirtying the screen; Textual would run a refresh wait only after
    # the frame timer's next tick (two seconds away here) and that whole frame.
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await input_ready(pilot)
        await pilot.pause()
        app.prompt.cursor_blink = False
        frames = Frames(app, lambda: None)
        await _just_after_a_frame(pilot, app, frames)
        await _just_after_a_frame(pilot, app, frames)
        await _typed_and_drawn(app, frames, "q")
        frames.seen.clear()
        status = app.query_one(StatusLine)
        status.refresh()
        await asyncio.wait_for(app.prompt.wait_for_refresh(), textual.screen.UPDATE_PERIOD / 2)
        assert not frames.drawing(status.region), "the wait waited for the next frame"


async def test_a_changed_widget_still_waits_for_the_frame_that_draws_it(
    workspace: Path, slow_frames: None
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        status = app.query_one(StatusLine)
        frames = Frames(app, lambda: None)
        await _just_after_a_frame(pilot, app, frames)
        frames.seen.clear()
        status.refresh()
        await status.wait_for_refresh()
        assert frames.drawing(status.region), "the wait ended before the status line was drawn"
        frames.seen.clear()
        app.prompt.insert("one line")
        app.prompt.insert("\n")
        await app.prompt.wait_for_refresh()
        drawn = frames.drawing(app.prompt.region)
        assert drawn, "the wait ended before the taller input was drawn"
