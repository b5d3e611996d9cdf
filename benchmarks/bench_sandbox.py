"""Sandbox overhead per command: bubblewrap `true` against a direct `true`.

Two layers are measured, both as a median over many runs so one slow start on a shared
machine does not decide the figure:
- raw: `bwrap <our full argv> true` against `true`, both via a plain blocking spawn;
  this is the cost of the namespaces, mounts, seccomp filter and Landlock helper
  themselves (the same argv without Landlock is printed beside it, for its share);
- runner: our async runner with the sandbox against the same runner without it, which
  is what a user waits for beyond the command itself (bash start included in both).
The goal (<= 15 ms) applies to the difference, since that is what the sandbox adds.
The runner also searches the workspace for nested repositories before each command
(copilot/sandbox/nested.py); the bench workspace is empty, so that search is timed on
its own over a tree as large as it reads (`SCAN_LIMIT` entries), its worst case.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks.figures import Figure, figure, median
from copilot.sandbox import landlock
from copilot.sandbox.bwrap import (
    PROTECTED_NAMES,
    SandboxSpec,
    available,
    build_argv,
    open_seccomp_fd,
)
from copilot.sandbox.nested import SCAN_LIMIT, find_nested
from copilot.sandbox.runner import run as run_command

GOAL_MS = 15.0


def _timed(action: Callable[[], None], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _raw_sandboxed(spec: SandboxSpec) -> None:
    seccomp_fd = open_seccomp_fd(spec)
    fds = () if seccomp_fd is None else (seccomp_fd,)
    try:
        subprocess.run(
            build_argv(spec, ["true"], seccomp_fd=seccomp_fd),
            check=True,
            pass_fds=fds,
            stdin=subprocess.DEVNULL,
        )
    finally:
        if seccomp_fd is not None:
            os.close(seccomp_fd)


def _runner_samples(spec: SandboxSpec | None, ws: Path, repeat: int) -> list[float]:
    async def measure() -> list[float]:
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = await run_command("true", spec=spec, cwd=ws)
            samples.append((time.perf_counter() - started) * 1000)
            if result.exit_code != 0:
                raise RuntimeError(f"true failed: {result.output()}")
        return samples

    return asyncio.run(measure())


def _large_tree(root: Path) -> None:
    """`SCAN_LIMIT` entries: folders of ten files each, like a mid-size project."""
    for n in range(SCAN_LIMIT // 11):
        folder = root / f"pkg{n // 30}" / f"mod{n}"
        folder.mkdir(parents=True)
        for m in range(10):
            (folder / f"f{m}.py").touch()


def run(quick: bool) -> list[Figure]:
    """Median of 50 runs each (10 when quick) for the raw and the runner layer."""
    status = available()
    if not status.ok:
        raise RuntimeError(f"bubblewrap unavailable: {status.reason}")
    repeat = 10 if quick else 50
    note = f"median of {repeat}"
    state = landlock.status()
    layer = f"ABI {state.abi}" if state.ok else f"off ({state.reason})"
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as folder:
        ws = Path(folder)
        spec = SandboxSpec(workspace=ws)
        direct = median(_timed(lambda: subprocess.run(["true"], check=True), repeat))
        raw = median(_timed(lambda: _raw_sandboxed(spec), repeat))
        bare = SandboxSpec(workspace=ws, landlock=False)
        raw_no_landlock = median(_timed(lambda: _raw_sandboxed(bare), repeat))
        runner_direct = median(_runner_samples(None, ws, repeat))
        runner_sandboxed = median(_runner_samples(spec, ws, repeat))
        tree = ws / "tree"
        _large_tree(tree)
        search = median(_timed(lambda: find_nested([tree], PROTECTED_NAMES), repeat))
    return [
        figure("sandbox: direct true", direct, "ms", note=note),
        figure("sandbox: bwrap true", raw, "ms", baseline=direct, note=note),
        figure(
            "sandbox: bwrap true without Landlock",
            raw_no_landlock,
            "ms",
            baseline=direct,
            note=f"{note}; Landlock: {layer}",
        ),
        figure(
            "sandbox overhead per command (raw)",
            raw - direct,
            "ms",
            f"<= {GOAL_MS:g} ms",
            limit=GOAL_MS,
            note=f"bwrap true minus direct true, {note}",
        ),
        figure(
            "sandbox overhead per command (runner)",
            runner_sandboxed - runner_direct,
            "ms",
            f"<= {GOAL_MS:g} ms",
            limit=GOAL_MS,
            note=f"runner {runner_sandboxed:.1f} ms vs {runner_direct:.1f} ms unsandboxed, {note}",
        ),
        figure(
            "nested-repository search, largest tree",
            search,
            "ms",
            note=f"{SCAN_LIMIT:,} entries (the search's limit), {note}; adds to the runner's",
        ),
    ]


if __name__ == "__main__":
    for row in run(quick="--quick" in sys.argv):
        extra = f"  (x{row['ratio']:.1f} of {row['baseline']:.2f})" if row.get("ratio") else ""
        print(f"{row['name']:<40} {row['value']:8.2f} {row['unit']}  {row['goal']}{extra}")
