"""Keystroke echo while something else loads the app: the measurement issues 3 and 4 share.

A key is posted as a `Key` event (what the terminal driver delivers after parsing input)
and timed until the input box holds it and the next refresh after that is done
(`wait_for_refresh`), as `bench_echo.py` does it. Here keys are sampled for as long as a
condition holds (a tool's output streaming, a file storm running) rather than a fixed
count, and the input box is emptied now and then so its own length never becomes the load.
"""

from __future__ import annotations

import asyncio
import string
import time
from collections.abc import Callable

from benchmarks.pilot_app import post_key
from copilot.ui.app import CopilotApp

LETTERS = string.ascii_lowercase
#: Characters the input box holds at most before it is emptied between two samples.
CLEAR_EVERY = 200
#: Pause between samples: a person types about ten keys a second, not a key per frame.
GAP_S = 0.02


async def echo_once(app: CopilotApp, letter: str) -> float:
    """Seconds from posting `letter` to it being in the input box and refreshed."""
    prompt = app.prompt
    before = len(prompt.text)
    pressed = time.perf_counter()
    post_key(app, letter, letter)
    while len(prompt.text) == before:
        await asyncio.sleep(0)
    await prompt.wait_for_refresh()
    return time.perf_counter() - pressed


async def echo_while(
    app: CopilotApp,
    going: Callable[[], bool],
    *,
    max_keys: int = 100_000,
    between: Callable[[], None] | None = None,
) -> list[float]:
    """Echo samples taken one after another while `going()` holds (at least one).

    `between` runs after each sample, outside the timed part (a memory reading, say).
    """
    app.prompt.focus()
    samples: list[float] = []
    while (going() or not samples) and len(samples) < max_keys:
        if len(app.prompt.text) >= CLEAR_EVERY:
            app.prompt.clear()
        samples.append(await echo_once(app, LETTERS[len(samples) % len(LETTERS)]))
        if between is not None:
            between()
        await asyncio.sleep(GAP_S)
    app.prompt.clear()
    return samples


async def echo_count(app: CopilotApp, keys: int) -> list[float]:
    """`keys` echo samples with nothing else going on (the baseline)."""
    return await echo_while(app, lambda: True, max_keys=keys)
