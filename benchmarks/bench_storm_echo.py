"""Keystroke echo during a file-event storm (issue 4): the sensors must not take the keyboard.

The whole app (Pilot, the real runtime with its sensors watching the workspace) runs in a
child process; this process makes the storm in the child's workspace with
`bench_sensor_storm.storm` (a large tree copied in, files generated, rewritten, deleted),
as a checkout or a build would from another process. While the storm runs the child posts
keys to the input box and times their echo (`benchmarks/key_echo.py`), reads its own RSS
and the context block's size.

Figures: echo p50/p95 (goal p95 <= 30 ms; baseline: echo before the storm in the same
process), RSS growth (goal <= 20 MB; baseline: RSS before the storm), and the largest
context block seen during and after the storm against its budget.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_memory import rss_mb
from benchmarks.bench_sensor_storm import storm
from benchmarks.figures import Figure, figure
from benchmarks.key_echo import echo_count, echo_figures, echo_while
from benchmarks.pilot_app import running_app, wait_until
from benchmarks.pty_app import REPO_ROOT
from tests.standin import StandinServer

GOAL_ECHO_P95_MS = 30.0
GOAL_RSS_GROWTH_MB = 20.0
BASELINE_KEYS = 60
#: Read the context block's size every this many keys (building it has a cost of its own).
BLOCK_EVERY = 10
#: After the storm: quiet this long before the settled RSS and block are read.
SETTLE_S = 2.0
CHILD_TIMEOUT_S = 300


def _tell(payload: dict[str, Any]) -> None:
    """One JSON line to the parent on the real stdout (a running app captures `print`)."""
    assert sys.__stdout__ is not None
    sys.__stdout__.write(json.dumps(payload) + "\n")
    sys.__stdout__.flush()


async def _session() -> dict[str, Any]:
    """Child: baseline echo, say where the workspace is, echo until told the storm ended."""
    with StandinServer() as srv:
        async with running_app(srv.base_url) as (app, _pilot):
            runtime = app.runtime
            await wait_until(
                lambda: (
                    runtime.sensors is not None
                    and runtime.sensors.files is not None
                    and runtime.sensors.files.ready.is_set()
                )
            )
            sensors = runtime.sensors
            assert sensors is not None
            idle = await echo_count(app, BASELINE_KEYS)
            gc.collect()
            before = rss_mb()
            rss = [before]
            tokens = [sensors.block().tokens]

            def between() -> None:
                rss.append(rss_mb())
                if len(rss) % BLOCK_EVERY == 0:
                    tokens.append(sensors.block().tokens)

            stop = asyncio.create_task(asyncio.to_thread(sys.stdin.readline))
            _tell({"workspace": str(runtime.workspace)})
            during = await echo_while(app, lambda: not stop.done(), between=between)
            await asyncio.sleep(SETTLE_S)
            gc.collect()
            settled = rss_mb()
            tokens.append(sensors.block().tokens)
            return {
                "idle_s": idle,
                "storm_s": during,
                "before_mb": before,
                "peak_mb": max([*rss, settled]),
                "settled_mb": settled,
                "max_tokens": max(tokens),
                "budget": runtime.config.sensors.budget_tokens,
                "items": len(sensors.items()),
            }


def measure(events: int, seconds: float) -> dict[str, Any]:
    """Start the child app, storm its workspace, collect both sides' figures."""
    env = dict(os.environ)
    if os.access("/dev/shm", os.W_OK):
        env["TMPDIR"] = "/dev/shm"  # stress the sensors, not the disk (as bench_sensor_storm)
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bench_storm_echo", "--child"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
        env=env,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f"the storm-echo child exited with {child.wait()}")
        workspace = Path(json.loads(line)["workspace"])
        started = time.monotonic()
        done = asyncio.run(storm(workspace, events, seconds))
        child.stdin.write("stop\n")
        child.stdin.flush()
        out, _ = child.communicate(timeout=CHILD_TIMEOUT_S)
        if child.returncode != 0:
            raise RuntimeError(f"the storm-echo child exited with {child.returncode}")
        result = json.loads(out.strip().splitlines()[-1])
        return {**result, **done, "wall_s": time.monotonic() - started}
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()


def run(quick: bool) -> list[Figure]:
    """Echo during the storm, RSS growth and the context block, with same-run baselines."""
    events, seconds = (10_000, 2.0) if quick else (100_000, 10.0)
    r = measure(events, seconds)
    storm_note = f"{int(r['events']):,} file events in {r['seconds']:.1f}s"
    note = (
        f"{len(r['storm_s']['painted'])} keys during {storm_note}; "
        f"baseline: {len(r['idle_s']['painted'])} keys before it"
    )
    return [
        *echo_figures("file storm", r["storm_s"], r["idle_s"], GOAL_ECHO_P95_MS, note),
        figure(
            "app RSS growth during file storm",
            r["peak_mb"] - r["before_mb"],
            "MB",
            f"<= {GOAL_RSS_GROWTH_MB:g} MB",
            limit=GOAL_RSS_GROWTH_MB,
            baseline=r["before_mb"],
            note=(
                f"peak while it ran and {SETTLE_S:g}s after, minus RSS before (baseline); "
                f"settled +{r['settled_mb'] - r['before_mb']:.1f} MB; {storm_note}"
            ),
        ),
        figure(
            "context block tokens in the app during storm",
            r["max_tokens"],
            "tokens",
            f"<= {r['budget']}",
            limit=r["budget"],
            note=f"largest block seen; {r['items']} items ranked at the end",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", required=True)
    parser.parse_args()
    _tell(asyncio.run(_session()))


if __name__ == "__main__":
    main()
