"""Context that never explodes (issue 5): a long session under a sensor storm.

500 turns in an 8k window through the real engine, SDK and store, and between
them one simulated hour of sensor events at 20 events/s, recorded for recall
by the real `AmbientLog` (its clock is simulated, so the hour runs in seconds).
The session runs in a child process so RSS is a copilot process's own; the
stand-in (instant echoes, instant summaries) runs in this one.

Figures: the largest request against the input budget, compactions, RSS growth
after warm-up and at the end, and database growth per simulated hour.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.figures import Figure, figure

REPO_ROOT = Path(__file__).resolve().parents[1]
EVENTS_PER_S = 20
WARM_UP_SHARE = 0.2
CHILD_TIMEOUT_S = 600
RSS_GROWTH_GOAL = 10.0
RSS_GOAL_MB = 150.0


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def sensor_events(start: int, count: int, clock_s: float) -> list:
    """A storm's mix: rewrites over a pool of files, shell commands, git changes."""
    from copilot.bus.events import SensorEvent

    events = []
    for n in range(start, start + count):
        kind = n % 10
        if kind < 7:
            path = f"src/pkg{n % 17}/module{n % 300}.py"
            events.append(
                SensorEvent(sensor="files", key=path, action="modified", summary=f"saved `{path}`")
            )
        elif kind < 9:
            command = f"pytest tests/test_{n % 40}.py -k case{n % 7}"
            events.append(
                SensorEvent(
                    sensor="shell",
                    key=command,
                    action="failed" if n % 3 else "command",
                    summary=f"`{command}` exited {n % 3} at {clock_s:.0f}s",
                )
            )
        else:
            events.append(
                SensorEvent(sensor="git", key="repo", action="changed", summary=f"{n % 9} changed")
            )
    return events


async def _child(turns: int, hours: float, workspace: Path, db: Path) -> dict[str, float]:
    from copilot.engine.ambient_log import AmbientLog
    from copilot.engine.runtime import Runtime
    from copilot.memory.retention import file_bytes
    from tests.functional.session_driver import Driver, filler, small_config

    runtime = Runtime(
        config=small_config(workspace), workspace=workspace, db_path=db, tools=False, sense=False
    )
    await runtime.start()
    assert runtime.engine is not None and runtime.store is not None
    simulated = 0.0
    ambient = AmbientLog(runtime.bus, runtime.store, lambda: runtime.session_id, lambda: simulated)
    recording = asyncio.create_task(ambient.run())
    driver = Driver(runtime)
    per_turn = int(EVENTS_PER_S * hours * 3600 / turns)
    step_s = hours * 3600 / turns
    warm_turn = int(turns * WARM_UP_SHARE)
    db_start = file_bytes(db)
    warm_rss = db_warm = 0.0
    for turn in range(turns):
        for event in sensor_events(turn * per_turn, per_turn, simulated):
            runtime.bus.publish(event)
        simulated += step_s
        await driver.turn(filler(turn))
        if turn == warm_turn:
            gc.collect()
            warm_rss, db_warm = rss_mb(), float(file_bytes(db))
    gc.collect()
    end_rss = rss_mb()
    result = {
        "warm_rss_mb": warm_rss,
        "end_rss_mb": end_rss,
        "budget": float(runtime.engine.window.input_budget),
        "compactions": float(len(driver.compactions)),
        "db_start_mb": db_start / 2**20,
        "db_warm_mb": db_warm / 2**20,
        "db_end_mb": file_bytes(db) / 2**20,
        "recorded": float(ambient.recorded),
        "skipped": float(ambient.skipped),
        "events": float(per_turn * turns),
    }
    recording.cancel()
    await runtime.stop()
    return result


def run(quick: bool) -> list[Figure]:
    from tests.functional.session_driver import FastStandin, is_summary_request
    from tests.standin.wire import estimate_tokens

    turns, hours = (120, 0.25) if quick else (500, 1.0)
    with tempfile.TemporaryDirectory(prefix="bench-context-") as tmp, FastStandin() as server:
        workspace = Path(tmp) / "ws"
        workspace.mkdir()
        env = {
            **os.environ,
            "ANTHROPIC_API_KEY": "sk-ant-bench",
            "ANTHROPIC_BASE_URL": server.base_url,
            "XDG_CONFIG_HOME": str(Path(tmp) / "xdg"),
            "PYTHONPATH": str(REPO_ROOT),
        }
        command = [sys.executable, "-m", "benchmarks.bench_context", "--child"]
        args = [str(turns), str(hours), str(workspace), str(Path(tmp) / "data" / "copilot.db")]
        done = subprocess.run(
            command + args,
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT_S,
            check=True,
        )
        report = json.loads(done.stdout.strip().splitlines()[-1])
        bodies = [r.body for r in server.requests]
    budget = report["budget"]
    largest = max(estimate_tokens(b) for b in bodies)
    growth = 100 * (report["end_rss_mb"] / report["warm_rss_mb"] - 1)
    per_hour = (report["db_end_mb"] - report["db_start_mb"]) / hours
    summaries = sum(1 for b in bodies if is_summary_request(b))
    note = f"{turns} turns, {report['events']:.0f} sensor events over {hours:g} simulated h"
    return [
        figure(
            "context largest request",
            largest,
            "tokens",
            f"<= {budget:.0f} (8k window less the answer)",
            limit=budget,
            note=f"{len(bodies)} requests, {summaries} of them summaries",
        ),
        figure(
            "context compactions",
            report["compactions"],
            "",
            note=note,
        ),
        figure(
            "context RSS growth after warm-up",
            growth,
            "%",
            f"<= {RSS_GROWTH_GOAL:g} %",
            limit=RSS_GROWTH_GOAL,
            note=f"{report['warm_rss_mb']:.1f} -> {report['end_rss_mb']:.1f} MB",
        ),
        figure(
            "context RSS at the end",
            report["end_rss_mb"],
            "MB",
            f"<= {RSS_GOAL_MB:g} MB",
            limit=RSS_GOAL_MB,
        ),
        figure(
            "context database growth per hour",
            per_hour,
            "MB/h",
            note=(
                f"{report['recorded']:.0f} sensor records kept, {report['skipped']:.0f} "
                "throttled; messages included"
            ),
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=4, metavar=("TURNS", "HOURS", "WORKSPACE", "DB"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.child:
        turns, hours, workspace, db = args.child
        result = asyncio.run(_child(int(turns), float(hours), Path(workspace), Path(db)))
        print(json.dumps(result), flush=True)
        return
    for row in run(args.quick):
        print(row)


if __name__ == "__main__":
    main()
