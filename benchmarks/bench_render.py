"""Render keep-up: 2,000 tokens/s of mixed Markdown into the app, and how far it lags.

The stand-in runs as its own process so the CPU figure is the app's alone. The app's
figure is the time from the server writing the last fragment to that fragment being in
the answer's Markdown and a refresh done, plus the process's CPU use (CPU seconds per
wall second) over the stream.

The last token alone is one reading per run, and it is whatever backlog is left at that
moment; so the same run also times every fragment (`FrameLog`): from the server writing
it to the first frame handed to the terminal that draws the conversation once the
answer's text includes it (the frame renders the widgets as they are then), reported as
p50 and p95 over all fragments.

The baseline, in the same run, is the naive way other chat TUIs render: one Markdown
widget updated with the whole text so far on every fragment (`await md.update(full)`),
fed by the same SDK from the same server. Its cost grows with the square of the answer's
length, so it usually cannot keep up at all; then it is given up on after a grace period
and its lag is reported as a lower bound with how much of the text it had shown.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from bisect import bisect_left
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual._compositor import ChopsUpdate
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from benchmarks.figures import Figure, figure, percentile
from benchmarks.pilot_app import answers, isolated, running_app, send, wait_until
from tests.e2e.standin_process import StandinProcess
from tests.standin.markdown_feed import markdown_section

TOKENS_PER_S = 2000
CHUNK_CHARS = 4
GOAL_LAG_MS = 100.0
POLL_S = 0.005


@dataclass
class Outcome:
    """One renderer's run: when the end was shown, what CPU it took, how far it got."""

    shown_at: float
    cpu_per_wall: float
    shown_fraction: float
    #: (monotonic time, length of the answer's text) at each frame drawing the answer.
    frames: list[tuple[float, int]] = field(default_factory=list)

    @property
    def caught_up(self) -> bool:
        return self.shown_fraction >= 1.0


def mixed_markdown(seconds: float) -> str:
    """Sections of headings, lists and code fences: `seconds` worth of fragments."""
    wanted = int(seconds * TOKENS_PER_S * CHUNK_CHARS)
    parts: list[str] = []
    length = 0
    number = 1
    while length < wanted:
        parts.append(markdown_section(number))
        length += len(parts[-1])
        number += 1
    return "".join(parts)


def _shown(source: str | None, text: str) -> float:
    return min(1.0, len(source or "") / len(text))


class FrameLog:
    """Frames handed to the terminal that draw the conversation, with how much of the
    answer's text the widgets held then (partial draws of the input do not count)."""

    def __init__(self, app: Any) -> None:
        self.frames: list[tuple[float, int]] = []
        self.answer: Any = None
        display = app._display
        conversation = app.conversation

        def watched(screen: Any, update: Any) -> None:
            display(screen, update)
            if self.answer is not None and _draws(update, conversation.region):
                self.frames.append((time.monotonic(), len(self.answer.text)))

        app._display = watched


def _draws(update: Any, region: Any) -> bool:
    """Whether a frame draws part of `region` (a full frame draws everything)."""
    if not isinstance(update, ChopsUpdate):
        return update is not None
    return any(region.y <= y < region.bottom and x1 < region.right for y, x1, _ in update.spans)


def fragment_lags(frames: list[tuple[float, int]], sent: list[float], text: str) -> list[float]:
    """Seconds from each fragment's send to the first frame drawing the text up to its end."""
    shown = [length for _, length in frames]
    ends = [min(len(text), (i + 1) * CHUNK_CHARS) for i in range(len(sent))]
    lags = []
    running = 0
    for end, sent_at in zip(ends, sent, strict=True):
        running = max(running, bisect_left(shown, end, lo=running))
        if running == len(frames):
            break
        lags.append(frames[running][0] - sent_at)
    return lags


async def _ours(base_url: str, text: str, timeout: float) -> Outcome:
    async with running_app(base_url) as (app, _pilot):
        log = FrameLog(app)
        started, cpu_started = time.monotonic(), time.process_time()
        send(app, "render a long answer")
        await wait_until(lambda: bool(answers(app)), timeout)
        answer = log.answer = answers(app)[-1]
        await wait_until(lambda: _shown(answer.text, text) >= 1.0, timeout, POLL_S)
        await answer.wait_for_refresh()
        shown_at = time.monotonic()
        cpu = (time.process_time() - cpu_started) / (shown_at - started)
        # Leave only once the turn has ended: quitting mid-turn trips an app bug (the bus
        # pump renders into a screen already gone), which is not what this measures.
        await wait_until(lambda: app.state == "idle", timeout)
        return Outcome(shown_at, cpu, 1.0, log.frames)


class NaiveApp(App[None]):
    """A chat pane that re-renders the whole answer per fragment (the thing to avoid)."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url
        self.markdown = Markdown()
        self.stop_requested = False
        """Set to end the stream between two updates: cancelling one mid-mount leaves
        Textual's teardown with a cancelled child task."""

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.anchor()
            yield self.markdown

    async def stream(self) -> None:
        import anthropic

        client = anthropic.AsyncAnthropic(base_url=self.base_url, max_retries=0)
        full = ""
        try:
            async with client.messages.stream(
                model="claude-standin",
                max_tokens=64000,
                messages=[{"role": "user", "content": "render a long answer"}],
            ) as stream:
                async for fragment in stream.text_stream:
                    if self.stop_requested:
                        break
                    full += fragment
                    await self.markdown.update(full)
        finally:
            await client.close()


async def _naive(base_url: str, text: str, timeout: float) -> Outcome:
    app = NaiveApp(base_url)
    async with app.run_test(size=(120, 40)):
        started, cpu_started = time.monotonic(), time.process_time()
        worker = app.run_worker(app.stream())
        try:
            await wait_until(lambda: _shown(app.markdown.source, text) >= 1.0, timeout, POLL_S)
            await app.markdown.wait_for_refresh()
        except TimeoutError:
            pass
        shown_at = time.monotonic()
        cpu = (time.process_time() - cpu_started) / (shown_at - started)
        fraction = _shown(app.markdown.source, text)
        app.stop_requested = True
        await worker.wait()
        return Outcome(shown_at, cpu, fraction)


def run(quick: bool) -> list[Figure]:
    """Lag of the last token and CPU, ours against the whole-message re-render."""
    seconds = 3.0 if quick else 20.0
    grace = 2.0 if quick else 10.0
    text = mixed_markdown(seconds)
    reply = {"kind": "text", "text": text, "tokens_per_s": TOKENS_PER_S, "chunk_chars": CHUNK_CHARS}
    with (
        tempfile.TemporaryDirectory(prefix="copilot-render-") as tmp,
        StandinProcess(Path(tmp), [reply, reply]) as srv,
    ):
        ours = asyncio.run(_ours(srv.base_url, text, seconds * 3 + 30))
        ours_sent = srv.wait_response(0)["sent_times"]
        ours_last_sent = ours_sent[-1]
        with isolated(srv.base_url):
            naive = asyncio.run(_naive(srv.base_url, text, seconds + grace))
        naive_last_sent = srv.wait_response(1)["sent_times"][-1]
    lag_ms = (ours.shown_at - ours_last_sent) * 1000
    naive_lag_ms = (naive.shown_at - naive_last_sent) * 1000
    naive_note = (
        "naive caught up"
        if naive.caught_up
        else f"naive gave up: showed {naive.shown_fraction:.0%} of the text, lag is a lower bound"
    )
    fragments = len(text) // CHUNK_CHARS
    lags = [lag * 1000 for lag in fragment_lags(ours.frames, ours_sent, text)]
    lag_note = f"{len(lags)} of {len(ours_sent)} fragments, each to the frame that drew it"
    return [
        figure(
            "render lag of the last token",
            lag_ms,
            "ms",
            f"<= {GOAL_LAG_MS:g} ms",
            limit=GOAL_LAG_MS,
            baseline=naive_lag_ms,
            note=f"{fragments} fragments over {seconds:g} s; {naive_note}",
        ),
        figure("render lag per fragment p50", percentile(lags, 50), "ms", note=lag_note),
        figure("render lag per fragment p95", percentile(lags, 95), "ms", note=lag_note),
        figure(
            "render CPU (cpu s / wall s)",
            ours.cpu_per_wall * 100,
            "%",
            baseline=naive.cpu_per_wall * 100,
            note="baseline: whole message re-rendered per token",
        ),
    ]
