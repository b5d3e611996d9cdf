"""Keystroke echo while something else loads the app: the measurement issues 3 and 4 share.

A key is posted as a `Key` event from another thread, as the terminal driver's input
thread delivers it after parsing input, at moments that owe nothing to what the app's
loop is doing. Two times are taken for it:

- painted: until the first frame handed to the terminal after the input box holds the
  key that repaints the input box. This is when the user sees the key; the figures use it.
- refreshed: until the next refresh after that is done (`wait_for_refresh`, as
  `bench_echo.py` measures). Since the screen paints the focused widget before the rest
  (`copilot/ui/main_screen.py`), this also waits for whatever else the frame lays out.

Keys are sampled for as long as a condition holds (a tool's output streaming, a file
storm running) rather than a fixed count, and the input box is emptied now and then so
its own length never becomes the load. The app runs headless: frames are timed where
Textual would write them to the terminal (`App._display`), which the headless driver
skips.
"""

from __future__ import annotations

import asyncio
import string
import time
import weakref
from collections.abc import Callable
from typing import Any

from textual import events
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region

from benchmarks.figures import Figure, figure, percentile
from copilot.ui.app import CopilotApp

LETTERS = string.ascii_lowercase
#: Characters the input box holds at most before it is emptied between two samples.
CLEAR_EVERY = 200
#: Pause before each key: a person types about ten keys a second, not a key per frame.
GAP_S = 0.02

Samples = dict[str, list[float]]


def _repaints(update: object, region: Region) -> bool:
    """Whether a frame's update draws any cell of `region`."""
    if isinstance(update, LayoutUpdate):
        return update.region.overlaps(region)
    if isinstance(update, ChopsUpdate):
        return any(
            region.y <= y < region.bottom and x1 < region.right and x2 >= region.x
            for y, x1, x2 in update.spans
        )
    return False


class FrameWatch:
    """Notes the frames the app hands to the terminal, to time when a region is drawn."""

    def __init__(self, app: CopilotApp) -> None:
        self._waiting: list[tuple[Region, Callable[[], bool], asyncio.Future[float]]] = []
        display = app._display

        def watched(screen: Any, update: Any) -> None:
            display(screen, update)
            if update is None or not self._waiting:
                return
            now = time.perf_counter()
            for region, ready, future in self._waiting:
                if not future.done() and ready() and _repaints(update, region):
                    future.set_result(now)
            self._waiting = [w for w in self._waiting if not w[2].done()]

        app._display = watched  # type: ignore[method-assign]

    @classmethod
    def on(cls, app: CopilotApp) -> FrameWatch:
        """The app's watch (one per app: each would wrap the display again)."""
        if app not in _WATCHES:
            _WATCHES[app] = cls(app)
        return _WATCHES[app]

    def first_frame_drawing(
        self, region: Region, once: Callable[[], bool]
    ) -> asyncio.Future[float]:
        """A future for the time of the first frame that draws part of `region` once
        `once()` holds (asked for before the change it waits for, so none is missed)."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting.append((region, once, future))
        return future


_WATCHES: weakref.WeakKeyDictionary[CopilotApp, FrameWatch] = weakref.WeakKeyDictionary()


def _type_key(loop: asyncio.AbstractEventLoop, app: CopilotApp, letter: str) -> float:
    """In a thread, as the terminal driver's input thread: wait, then post the key.

    A key posted by a task on the app's loop would only ever arrive while the loop is
    between callbacks; a person's key arrives at any moment, also in the middle of a
    long frame, and then waits for the rest of it.
    """
    time.sleep(GAP_S)
    pressed = time.perf_counter()
    asyncio.run_coroutine_threadsafe(app._post_message(events.Key(letter, letter)), loop)
    return pressed


async def echo_once(app: CopilotApp, watch: FrameWatch, letter: str) -> tuple[float, float]:
    """Seconds from typing `letter` to it being painted, and to the refresh after it."""
    prompt = app.prompt
    before = len(prompt.text)
    loop = asyncio.get_running_loop()
    painted = watch.first_frame_drawing(prompt.region, lambda: len(prompt.text) != before)
    pressed = await loop.run_in_executor(None, _type_key, loop, app, letter)
    while len(prompt.text) == before:
        await asyncio.sleep(0.0005)
    await prompt.wait_for_refresh()
    refreshed = time.perf_counter()
    return await painted - pressed, refreshed - pressed


async def echo_while(
    app: CopilotApp,
    going: Callable[[], bool],
    *,
    max_keys: int = 100_000,
    between: Callable[[], None] | None = None,
) -> Samples:
    """Echo samples (`painted`, `refreshed`) taken one after another while `going()`
    holds (at least one).

    `between` runs after each sample, outside the timed part (a memory reading, say).
    """
    watch = FrameWatch.on(app)
    app.prompt.focus()
    samples: Samples = {"painted": [], "refreshed": []}
    while (going() or not samples["painted"]) and len(samples["painted"]) < max_keys:
        if len(app.prompt.text) >= CLEAR_EVERY:
            app.prompt.clear()
        letter = LETTERS[len(samples["painted"]) % len(LETTERS)]
        painted, refreshed = await echo_once(app, watch, letter)
        samples["painted"].append(painted)
        samples["refreshed"].append(refreshed)
        if between is not None:
            between()
    app.prompt.clear()
    return samples


async def echo_count(app: CopilotApp, keys: int) -> Samples:
    """`keys` echo samples with nothing else going on (the baseline)."""
    return await echo_while(app, lambda: True, max_keys=keys)


def echo_figures(
    what: str, during: Samples, idle: Samples, goal_ms: float, note: str
) -> list[Figure]:
    """Echo p50 and p95 (the p95 held to `goal_ms`) and the p95 until the refresh after
    it, each against the same figure for `idle`."""
    ms = {k: [s * 1000 for s in v] for k, v in during.items()}
    base = {k: [s * 1000 for s in v] for k, v in idle.items()}
    painted = [
        figure(
            f"key echo during {what} p{q}",
            percentile(ms["painted"], q),
            "ms",
            f"<= {goal_ms:g} ms" if q == 95 else "",
            limit=goal_ms if q == 95 else None,
            baseline=percentile(base["painted"], q),
            note=note,
        )
        for q in (50, 95)
    ]
    return [
        *painted,
        figure(
            f"key echo during {what} p95, until the refresh after it",
            percentile(ms["refreshed"], 95),
            "ms",
            baseline=percentile(base["refreshed"], 95),
            note="the same keys, timed until the frame that follows the echo is done",
        ),
    ]
