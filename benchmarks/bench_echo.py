"""Keystroke echo: from a key press to the character in the input box and on screen.

Each key is posted as a `Key` event (what the terminal driver delivers after parsing)
and timed until the input box holds it and the next refresh after that has happened
(`wait_for_refresh`), the method issue 2 names. Measured while 200 tokens/s of Markdown
stream into the conversation, and, as the baseline, with nothing streaming.

That method posts each key from a task on the app's loop, so a key only ever arrives
between two callbacks and never waits for the rest of a long frame or batch update.
The same stream is therefore measured a second way, as `bench_tool_output.py` does
(`benchmarks/key_echo.py`: keys posted from another thread as Textual's input thread
posts them, timed to the frame that draws them). That figure has no goal of its own;
it is the one a person typing sees.

A third figure times keys (issue 2's method) while the answer is one long Python code
fence, a file written out: a fence is the costly kind of block to render (~0.5-0.8 ms a
line), drawn in chunks while it grows (fence_rows.py).

All run in one app against the stand-in in its own process, as a real API server
is: a stand-in thread in the app's process took the GIL from the app for its own
work (~14 ms at a time, 140 times in 8 s of streaming) and its delays were measured
as the app's.
"""

from __future__ import annotations

import asyncio
import string
import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure, figure, percentile
from benchmarks.key_echo import echo_count
from benchmarks.pilot_app import post_key, running_app, send, wait_until
from copilot.ui.app import CopilotApp
from tests.e2e.standin_process import StandinProcess

TOKENS_PER_S = 200
GOAL_P95_MS = 16.0
#: The typed keys start once the answer has been streaming this long.
STREAM_FIRST_S = 1.0
#: A second answer is one long Python code fence (a file written out), rendered whole
#: each time it grows; keys start once it is ~80 lines long.
FENCE = "Here it is:\n\n```python\n" + "".join(
    f"    value_{i} = compute(x, y, {i})  # step {i}\n" for i in range(2000)
)
FENCE_FIRST_S = 5.0
LETTERS = string.ascii_lowercase


async def _echo_samples(app: CopilotApp, keys: int) -> list[float]:
    prompt = app.prompt
    prompt.focus()
    samples: list[float] = []
    for i in range(keys):
        letter = LETTERS[i % len(LETTERS)]
        before = len(prompt.text)
        pressed = time.perf_counter()
        post_key(app, letter, letter)
        while len(prompt.text) == before:
            await asyncio.sleep(0)
        await prompt.wait_for_refresh()
        samples.append(time.perf_counter() - pressed)
    prompt.clear()
    return samples


async def _measure(base_url: str, keys: int) -> dict[str, tuple[list[float], list[float]]]:
    """(streaming, idle) samples for each method, from one app."""
    async with running_app(base_url) as (app, _pilot):
        idle = await _echo_samples(app, keys)
        idle_typed = await echo_count(app, keys)
        send(app, "stream while I type")
        await asyncio.sleep(STREAM_FIRST_S)
        streaming = await _echo_samples(app, keys)
        typed = await echo_count(app, keys)
        app.action_interrupt()
        await wait_until(lambda: app.state == "idle")
        send(app, "write the file out")
        await asyncio.sleep(FENCE_FIRST_S)
        fence = await _echo_samples(app, keys)
        app.action_interrupt()
        await wait_until(lambda: app.state == "idle")
    return {
        "posted": (streaming, idle),
        "typed": (typed["painted"], idle_typed["painted"]),
        "fence": (fence, idle),
    }


def run(quick: bool) -> list[Figure]:
    """Echo p50 and p95 while streaming, against the same with the app idle."""
    keys = 30 if quick else 100
    reply = {"kind": "stream_forever", "tokens_per_s": TOKENS_PER_S}
    fence = {"kind": "text", "text": FENCE, "tokens_per_s": TOKENS_PER_S, "chunk_chars": 4}
    with (
        tempfile.TemporaryDirectory(prefix="copilot-echo-") as tmp,
        StandinProcess(Path(tmp), [reply, fence]) as srv,
    ):
        samples = asyncio.run(_measure(srv.base_url, keys))
    ms, base = ([s * 1000 for s in part] for part in samples["posted"])
    typed, typed_base = ([s * 1000 for s in part] for part in samples["typed"])
    in_fence, _ = ([s * 1000 for s in part] for part in samples["fence"])
    note = f"{keys} keys, {TOKENS_PER_S} tok/s streaming; baseline: no stream"
    return [
        figure("key echo p50", percentile(ms, 50), "ms", baseline=percentile(base, 50), note=note),
        figure(
            "key echo p95",
            percentile(ms, 95),
            "ms",
            f"<= {GOAL_P95_MS:g} ms",
            limit=GOAL_P95_MS,
            baseline=percentile(base, 95),
            note=note,
        ),
        figure(
            "key echo p95, typed from a thread, to the frame",
            percentile(typed, 95),
            "ms",
            baseline=percentile(typed_base, 95),
            note=f"{keys} keys as the terminal's input thread posts them, {TOKENS_PER_S} tok/s "
            "(benchmarks/key_echo.py)",
        ),
        figure(
            "key echo p95 while a long code fence streams",
            percentile(in_fence, 95),
            "ms",
            baseline=percentile(base, 95),
            note=f"{keys} keys, issue 2's method, from {FENCE_FIRST_S:g} s into one Python "
            f"fence at {TOKENS_PER_S} tok/s (~80 lines on); baseline: no stream",
        ),
    ]
