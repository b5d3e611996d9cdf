"""`copilot -p`: spawn to the first byte of the answer on stdout, against the SDK's import.

A headless run cannot answer before the SDK is imported (a fresh interpreter's
`import anthropic`, timed to a byte it writes right after, is the baseline): the ratio
says what the rest costs (copilot's imports, the store, git, the request through the
stand-in, the first fragment to stdout). A second figure is the whole run, to the exit,
for a short answer.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure, figure, median
from benchmarks.pty_app import copilot_argv, terminal_env
from tests.e2e.standin_process import StandinProcess

ANSWER = "Headless answers stream to stdout as they come."


def first_byte_and_exit(folder: Path, base_url: str) -> tuple[float, float]:
    """Seconds from spawn to the first byte on stdout, and to the exit."""
    workspace = folder / "workspace"
    workspace.mkdir(exist_ok=True)
    argv = [*copilot_argv(workspace), "-p", "say something"]
    started = time.monotonic()
    process = subprocess.Popen(
        argv,
        env=terminal_env(folder, base_url),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert process.stdout is not None
    first = os.read(process.stdout.fileno(), 1)
    first_at = time.monotonic()
    rest = process.stdout.read()
    if process.wait(60) != 0 or (first + rest).decode() != ANSWER + "\n":
        raise RuntimeError(f"copilot -p ended with {process.returncode}: {first + rest!r}")
    return first_at - started, time.monotonic() - started


def import_sdk_once() -> float:
    """Seconds from spawn to a byte on stdout written right after `import anthropic`
    (timed like the answer's first byte: the interpreter's teardown is not counted)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-c", "import anthropic, os; os.write(1, b'x')"],
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    os.read(process.stdout.fileno(), 1)
    imported = time.monotonic() - started
    process.wait(60)
    return imported


def run(quick: bool) -> list[Figure]:
    runs = 2 if quick else 7
    with tempfile.TemporaryDirectory(prefix="copilot-headless-") as tmp:
        folder = Path(tmp)
        replies = [{"kind": "text", "text": ANSWER, "tokens_per_s": None}] * (runs + 1)
        with StandinProcess(folder / "standin", replies) as standin:
            first_byte_and_exit(folder, standin.base_url)  # warm the page cache, not counted
            firsts: list[float] = []
            exits: list[float] = []
            floors: list[float] = []
            for _ in range(runs):  # interleaved, so a burst of load hits all alike
                first, done = first_byte_and_exit(folder, standin.base_url)
                firsts.append(first)
                exits.append(done)
                floors.append(import_sdk_once())
    note = f"{runs} runs; baseline: import anthropic in a fresh interpreter"
    return [
        figure(
            "copilot -p: spawn to the answer's first byte (median)",
            median(firsts),
            "s",
            baseline=median(floors),
            note=note,
        ),
        figure(
            "copilot -p: spawn to exit, short answer (median)",
            median(exits),
            "s",
            baseline=median(floors),
            note=note,
        ),
    ]
