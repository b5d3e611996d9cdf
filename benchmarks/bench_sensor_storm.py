"""Event storm against the ambient sensors (issue 4: the seed's R0 and R1 risks).

A storm of file events (a large tree copied in, then generated files created,
rewritten and deleted) hits a workspace watched by the real `Sensors`. The
sensors run in a child process so its RSS and CPU are theirs alone; the storm
comes from this process, as a checkout or a generator would from another.

Figures: events generated and their rate, sensor RSS growth (goal <= 20 MB),
the context block's tokens against its budget, and sensor CPU when idle
(goal < 1%). `storm()` is reusable: the UI benchmark runs it while measuring
keystroke echo.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.figures import Figure, figure

#: Where the "large tree" comes from: the installed packages of this venv.
TREE_SOURCE = Path(sys.prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
TICK_S = 0.02
IDLE_S = 3.0
SETTLE_S = 1.5


def _copy_tree(source: Path, target: Path, limit: int) -> int:
    """Copy up to `limit` files of `source` under `target`; returns how many."""
    copied = 0
    for top, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        rel = Path(top).relative_to(source)
        for name in sorted(files):
            if copied >= limit:
                return copied
            dest = target / rel / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            try:
                shutil.copyfile(Path(top, name), dest)
            except OSError:
                continue
            copied += 1
    return copied


def _generate(root: Path, start: int, count: int) -> None:
    """`count` file operations continuing a create/rewrite/delete cycle from `start`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    for op in range(start, start + count):
        cycle, slot = divmod(op, 3000)
        folder = f"{root}/d{slot % 30:02d}"
        path = f"{folder}/f{slot}.txt"
        phase = cycle % 3
        if phase == 2:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            continue
        if op == slot:
            os.makedirs(folder, exist_ok=True)
        fd = os.open(path, flags, 0o644)
        os.write(fd, f"{'generated' if phase == 0 else 'rewritten'} {op}\n".encode() * 4)
        os.close(fd)


async def storm(workspace: Path, events: int, seconds: float) -> dict[str, float]:
    """Make about `events` file events in `workspace` over about `seconds`.

    A quarter comes from copying a large tree in (as a checkout would), the rest
    from files generated, rewritten and deleted at an even pace. The file work
    runs in a thread so the caller's event loop stays free. Returns what was done.
    """
    started = time.monotonic()
    tree = await asyncio.to_thread(_copy_tree, TREE_SOURCE, workspace / "vendor", events // 4)
    remaining = events - tree
    deadline = started + seconds
    done = 0
    while done < remaining:
        left_s = max(TICK_S, deadline - time.monotonic())
        batch = min(remaining - done, max(1, int((remaining - done) * TICK_S / left_s)))
        await asyncio.to_thread(_generate, workspace / "gen", done, batch)
        done += batch
        await asyncio.sleep(TICK_S)
    return {
        "events": float(tree + done),
        "tree_files": float(tree),
        "seconds": time.monotonic() - started,
    }


def _rss_mb(pid: int | str = "self", field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _serve(workspace: Path, budget: int) -> None:
    """Child: run the sensors on `workspace`, report RSS, wait for "report", measure."""
    from copilot.bus.bus import Bus
    from copilot.sensors import Sensors, SensorsConfig

    bus = Bus()
    pane = bus.subscribe("pane")
    runtime = Path(tempfile.mkdtemp(prefix="storm-rt-"))
    config = SensorsConfig(tmux=False, budget_tokens=budget)
    sensors = Sensors(bus, workspace, config, runtime=runtime, history_paths=[])
    ingested = 0
    ingest = sensors._ingest  # count what reaches the manager (the bus inbox may drop)

    def counting(event: Any) -> None:
        nonlocal ingested
        ingested += 1
        ingest(event)

    for sensor in (sensors.files, sensors.shell, sensors.git):
        if sensor is not None:
            sensor.on_event = counting
    await sensors.start()
    print(json.dumps({"ready": True, "rss_mb": _rss_mb()}), flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    # Settle: wait until nothing new has arrived for SETTLE_S.
    last, seen = -1, time.monotonic()
    while time.monotonic() - seen < SETTLE_S:
        if ingested != last:
            last, seen = ingested, time.monotonic()
        await asyncio.sleep(0.1)
    settled_rss = _rss_mb()
    cpu0, wall0 = time.process_time(), time.monotonic()
    await asyncio.sleep(IDLE_S)
    idle_pct = 100 * (time.process_time() - cpu0) / (time.monotonic() - wall0)
    block = sensors.block()
    report = {
        "rss_mb": settled_rss,
        "peak_rss_mb": _rss_mb(field="VmHWM"),
        "idle_cpu_pct": idle_pct,
        "tokens": block.tokens,
        "items": len(block.items),
        "ingested": ingested,
        "dropped": pane.counters.dropped_total,
    }
    await sensors.stop()
    shutil.rmtree(runtime, ignore_errors=True)
    print(json.dumps(report), flush=True)


def measure(events: int, seconds: float, budget: int = 1500) -> dict[str, float]:
    """Run the child sensors, storm them from here, and collect both sides' figures."""
    # On tmpfs when there is one: the storm should stress the sensors, not the disk.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="storm-ws-", dir=shm) as tmp:
        workspace = Path(tmp)
        (workspace / ".gitignore").write_text("*.o\n")
        child = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_sensor_storm", "--serve", tmp, str(budget)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            before = json.loads(child.stdout.readline())
            done = asyncio.run(storm(workspace, events, seconds))
            child.stdin.write("report\n")
            child.stdin.flush()
            after = json.loads(child.stdout.readline())
        finally:
            if child.poll() is None:
                child.stdin.close()
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
    return {**done, "rss_before_mb": before["rss_mb"], **after, "budget": float(budget)}


def run(quick: bool) -> list[Figure]:
    events, seconds = (10_000, 2.0) if quick else (100_000, 10.0)
    r = measure(events, seconds)
    growth = r["rss_mb"] - r["rss_before_mb"]
    peak = r["peak_rss_mb"] - r["rss_before_mb"]
    note = f"{int(r['events'])} events ({int(r['tree_files'])} copied) in {r['seconds']:.1f}s"
    return [
        figure(
            "storm events generated",
            r["events"],
            "events",
            f"{events} in ~{seconds:.0f}s",
            note=f"{r['events'] / r['seconds']:,.0f}/s; {int(r['ingested'])} sensor events",
        ),
        figure(
            "sensor RSS growth after storm",
            growth,
            "MB",
            "<= 20 MB",
            limit=20.0,
            note=f"peak +{peak:.1f} MB; {note}",
        ),
        figure(
            "context block tokens after storm",
            r["tokens"],
            "tokens",
            f"<= {int(r['budget'])}",
            limit=r["budget"],
            note=f"{int(r['items'])} items ranked",
        ),
        figure(
            "sensor CPU when idle",
            r["idle_cpu_pct"],
            "%",
            "< 1%",
            limit=1.0,
            note=f"process CPU time over {IDLE_S:.0f}s idle after the storm",
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", nargs=2, metavar=("WORKSPACE", "BUDGET"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(_serve(Path(args.serve[0]), int(args.serve[1])))
        return
    for row in run(args.quick):
        print(
            f"{row['name']:<36} {row['value']:>12,.2f} {row['unit']:<7} {row['goal']:<18} "
            f"{'ok' if row['ok'] else 'MISSED' if row['ok'] is False else ''}  {row['note']}"
        )


if __name__ == "__main__":
    main()
