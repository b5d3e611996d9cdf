"""100 MB of tool output (issue 3): the app stays responsive and its memory stays flat.

The model (the stand-in) asks for `yes | head -c 100M` through the real `run_shell` tool;
the real gate prompts, the benchmark answers `y` once the prompt's key guard has passed,
and the command runs in real bubblewrap while its output streams into the tool pane.
Meanwhile keys are posted to the input box and their echo timed (`benchmarks/key_echo.py`).
Full mode does this for several rounds in one session, so the echo figure has enough
samples and the memory figure sees repeated output.

Each round is given a time window: a command still running at its end is interrupted
(Ctrl+C), and the figures say how much of the output had streamed by then. An app that
cannot keep up therefore yields a bounded run with an honest figure, not a hang.

The app runs in a child process (`python -m benchmarks.bench_tool_output --child ...`) so
its RSS is copilot's alone. Baselines from the same run: echo with no output running, and
the RSS of the same process just before the first command was asked for.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import time
from typing import Any

from benchmarks.bench_memory import rss_mb
from benchmarks.figures import Figure, figure
from benchmarks.key_echo import echo_count, echo_figures, echo_while
from benchmarks.pilot_app import post_key, running_app, send, wait_until
from benchmarks.pty_app import REPO_ROOT
from copilot.ui.app import CopilotApp
from copilot.ui.widgets import ApprovalPrompt, ToolEntry
from tests.standin import Reply, StandinServer

GOAL_ECHO_P95_MS = 30.0
GOAL_RSS_GROWTH_MB = 50.0
BASELINE_KEYS = 60
CHILD_TIMEOUT_S = 900
MB = 1024 * 1024


def _output_bytes(app: CopilotApp) -> int:
    """Bytes of tool output the session stored so far (every byte the command printed)."""
    assert app.runtime.store is not None
    folder = app.runtime.store.path.parent / "tool-output"
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


async def _round(
    app: CopilotApp, srv: StandinServer, megabytes: int, window_s: float, peak: list[float]
) -> dict[str, Any]:
    """Ask for the command, approve it, sample echo while it runs (at most `window_s`)."""
    srv.clear_script()
    srv.script(
        Reply.tool_use("run_shell", {"command": f"yes | head -c {megabytes}M"}),
        Reply.text("Done."),
    )
    requests = len(srv.requests)
    entries = set(app.query(ToolEntry))
    stored = _output_bytes(app)
    send(app, "print a lot")
    await wait_until(lambda: any(not p.answered for p in app.query(ApprovalPrompt)))
    prompt = next(p for p in app.query(ApprovalPrompt) if not p.answered)
    await wait_until(lambda: not prompt.guarded and app.focused is prompt)
    post_key(app, "y", "y")
    await wait_until(lambda: bool(set(app.query(ToolEntry)) - entries))
    entry = next(iter(set(app.query(ToolEntry)) - entries))
    await wait_until(lambda: entry.status != "waiting")
    started = time.monotonic()
    deadline = started + window_s
    samples = await echo_while(
        app,
        lambda: entry.status == "running" and time.monotonic() < deadline,
        between=lambda: peak.append(rss_mb()),
    )
    seconds = time.monotonic() - started
    finished = entry.status != "running"
    if not finished:
        app.action_interrupt()
    await wait_until(
        lambda: (
            entry.status != "running"
            and app.state == "idle"
            and (not finished or len(srv.requests) >= requests + 2)
        )
    )
    return {
        "echo_s": samples,
        "seconds": seconds,
        "finished": finished and entry.status == "done",
        "streamed_mb": (_output_bytes(app) - stored) / MB,
    }


async def _session(megabytes: int, rounds: int, window_s: float) -> dict[str, Any]:
    """Child: baseline echo and RSS, then the rounds in one session."""
    with StandinServer() as srv:
        async with running_app(srv.base_url) as (app, _pilot):
            idle = await echo_count(app, BASELINE_KEYS)
            gc.collect()
            before = rss_mb()
            peak = [before]
            done = [await _round(app, srv, megabytes, window_s, peak) for _ in range(rounds)]
            gc.collect()
            return {"idle_s": idle, "rounds": done, "before_mb": before, "peak_mb": max(peak)}


def run(quick: bool) -> list[Figure]:
    """Echo p50/p95 during the output and RSS growth, against the idle app."""
    megabytes, rounds, window_s = (20, 1, 3.0) if quick else (100, 3, 20.0)
    args = [str(megabytes), str(rounds), str(window_s)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_tool_output", "--child", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=CHILD_TIMEOUT_S,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the tool-output child exited with {done.returncode}: {last[0]}")
    r = json.loads(done.stdout.strip().splitlines()[-1])
    during = {
        kind: [s for rnd in r["rounds"] for s in rnd["echo_s"][kind]]
        for kind in ("painted", "refreshed")
    }
    keys, idle_keys = len(during["painted"]), len(r["idle_s"]["painted"])
    finished = sum(rnd["finished"] for rnd in r["rounds"])
    streamed = sum(rnd["streamed_mb"] for rnd in r["rounds"])
    seconds = sum(rnd["seconds"] for rnd in r["rounds"])
    what = f"{megabytes} MB tool output"
    note = (
        f"{keys} keys over {rounds} x `yes | head -c {megabytes}M` (bwrap, approved): "
        f"{finished}/{rounds} finished within {window_s:g}s, {streamed:.0f} MB streamed in "
        f"{seconds:.1f}s; baseline: {idle_keys} keys, nothing running"
    )
    return [
        *echo_figures(what, during, r["idle_s"], GOAL_ECHO_P95_MS, note),
        figure(
            f"RSS growth during {what}",
            r["peak_mb"] - r["before_mb"],
            "MB",
            f"<= {GOAL_RSS_GROWTH_MB:g} MB",
            limit=GOAL_RSS_GROWTH_MB,
            baseline=r["before_mb"],
            note=f"peak of {keys} readings while output ran, minus RSS before (baseline)",
        ),
        figure(
            "tool output throughput to the screen",
            streamed / seconds if seconds else float("nan"),
            "MB/s",
            note=f"{streamed:.0f} MB in {seconds:.1f}s while keys were echoed",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=3, metavar=("MB", "ROUNDS", "WINDOW_S"), required=True)
    args = parser.parse_args()
    megabytes, rounds, window_s = int(args.child[0]), int(args.child[1]), float(args.child[2])
    print(json.dumps(asyncio.run(_session(megabytes, rounds, window_s))))


if __name__ == "__main__":
    main()
