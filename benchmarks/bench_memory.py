"""Resident memory after a 500-message session (250 exchanges), against the idle app.

The session runs in a child process (`python -m benchmarks.bench_memory --child N`) so the
figure is a copilot process's memory, not the harness's with whatever other benchmarks
left behind; the stand-in runs in a process of its own for the same reason. Each
exchange goes through the input box, the engine, the real SDK and the store, and every
message stays mounted in the conversation, as in a long session.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure, figure
from benchmarks.pilot_app import answers, running_app, send, wait_until
from benchmarks.pty_app import REPO_ROOT
from tests.e2e.standin_process import StandinProcess

GOAL_MB = 120.0
FILLER = "Please look at the parser and tell me why the last token goes missing. " * 2
CHILD_TIMEOUT_S = 3600
POLL_S = 0.005
PACE_SAMPLE = 10
"""Exchanges averaged at the start and at the end of the session for the pace figure."""


def rss_mb() -> float:
    """This process's resident set size now (not the peak), in MiB."""
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


async def session(base_url: str, exchanges: int) -> dict[str, float]:
    """Run the exchanges; RSS of the started idle app and after the last answer.

    Also the wall time of the first and the last few exchanges: memory is not the only
    thing a long session can grow, and this run is the one that sees it.
    """
    durations: list[float] = []
    async with running_app(base_url) as (app, pilot):
        await pilot.pause()
        gc.collect()
        idle = rss_mb()
        for number in range(exchanges):
            started = time.monotonic()
            send(app, f"message {number}: {FILLER}")
            await wait_until(
                lambda n=number: (
                    len(app.runtime.engine.history) >= 2 * (n + 1)
                    and not answers(app)[-1].has_class("-streaming")
                    and app.state == "idle"
                ),
                interval=POLL_S,
            )
            durations.append(time.monotonic() - started)
        await pilot.pause()
        gc.collect()
        edge = max(1, min(PACE_SAMPLE, len(durations) // 2))
        return {
            "idle_mb": idle,
            "after_mb": rss_mb(),
            "messages": 2.0 * exchanges,
            "first_s": statistics.mean(durations[:edge]),
            "last_s": statistics.mean(durations[-edge:]),
        }


def _child(exchanges: int) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="copilot-memory-") as tmp,
        StandinProcess(Path(tmp)) as srv,
    ):
        print(json.dumps(asyncio.run(session(srv.base_url, exchanges))))


def run(quick: bool) -> list[Figure]:
    """RSS after the session, with the idle app as the baseline."""
    exchanges = 10 if quick else 250
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_memory", "--child", str(exchanges)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=CHILD_TIMEOUT_S,
    )
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"the memory child exited with {done.returncode}: {last[0]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    messages = int(result["messages"])
    return [
        figure(
            f"RSS after {messages} messages",
            result["after_mb"],
            "MB",
            f"<= {GOAL_MB:g} MB (500 messages)",
            limit=GOAL_MB,
            baseline=result["idle_mb"],
            note="baseline: the app idle after start" + ("; quick run" if quick else ""),
        ),
        figure(
            f"exchange time at {messages} messages",
            result["last_s"],
            "s",
            baseline=result["first_s"],
            note="mean of the last exchanges (up to 10); baseline: the first ones",
        ),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="child process of bench_memory")
    parser.add_argument("--child", type=int, required=True, metavar="EXCHANGES")
    _child(parser.parse_args().child)
