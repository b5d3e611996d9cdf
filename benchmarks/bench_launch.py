"""Launch to first frame: `copilot` started in a pty until its status line is drawn.

The floor (baseline) is the bare `python -c "import textual.app"`: no Textual app can
draw before that import finished, so the ratio shows what copilot adds on top of the
framework it cannot avoid. A second figure times the smallest Textual app (one Static,
`benchmarks/minimal_app.py`) the same way, spawn to its first frame in a pty: what any
Textual app costs here before it draws, against the same floor.

The first frame shows a stand-in for the input box (copilot/ui/widgets/input_shell.py)
and the real one is mounted right after it; a third figure says when the app takes
keys for real: a word typed at spawn is on screen in the input, replayed there.
"""

from __future__ import annotations

import compileall
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import copilot
from benchmarks.figures import Figure, figure, median
from benchmarks.minimal_app import MARK
from benchmarks.pty_app import PtyApp, copilot_argv, terminal_env

GOAL_S = 0.30
FIRST_FRAME_MARK = b"idle"
UNREACHABLE = "http://127.0.0.1:9"
#: Typed at spawn: letters no screen of copilot's shows otherwise.
TYPED_AHEAD = b"qzxq"


def launch_once(folder: Path) -> float:
    """Seconds from spawn to the status line's "idle" in the terminal output."""
    workspace = folder / "workspace"
    workspace.mkdir(exist_ok=True)
    with PtyApp(copilot_argv(workspace), terminal_env(folder, UNREACHABLE)) as app:
        return app.wait_for(FIRST_FRAME_MARK) - app.started


def typed_once(folder: Path) -> float:
    """Seconds from spawn to a word typed at spawn drawn in the real input."""
    workspace = folder / "workspace"
    workspace.mkdir(exist_ok=True)
    with PtyApp(copilot_argv(workspace), terminal_env(folder, UNREACHABLE)) as app:
        app.write(TYPED_AHEAD)  # the terminal echoes it before the app takes the tty over
        app.wait_for(FIRST_FRAME_MARK)
        return app.wait_for(TYPED_AHEAD, since=app.mark) - app.started


def minimal_once(folder: Path) -> float:
    """Seconds from spawn to the minimal Textual app's first frame."""
    argv = [sys.executable, "-m", "benchmarks.minimal_app"]
    with PtyApp(argv, terminal_env(folder, UNREACHABLE)) as app:
        return app.wait_for(MARK.encode()) - app.started


def import_floor_once() -> float:
    """Seconds for a fresh interpreter to import `textual.app` and exit."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import textual.app"], check=True)
    return time.monotonic() - started


def run(quick: bool) -> list[Figure]:
    """Median launch time against the median import floor."""
    runs = 3 if quick else 5
    with tempfile.TemporaryDirectory(prefix="copilot-launch-") as tmp:
        # Bytecode as a regular install has it (pip compiles what it installs, as the
        # floor's Textual was): this editable checkout may run with
        # PYTHONDONTWRITEBYTECODE=1, and would then recompile copilot at every launch.
        compileall.compile_dir(str(Path(copilot.__file__).parent), quiet=1)
        launch_once(Path(tmp))  # warm the page cache once, not counted
        launches: list[float] = []
        floors: list[float] = []
        minimal: list[float] = []
        typed: list[float] = []
        for _ in range(runs):  # interleaved, so a burst of load hits all alike
            launches.append(launch_once(Path(tmp)))
            floors.append(import_floor_once())
            minimal.append(minimal_once(Path(tmp)))
            typed.append(typed_once(Path(tmp)))
    return [
        figure(
            "launch to first frame (median)",
            median(launches),
            "s",
            f"<= {GOAL_S:.2f} s",
            limit=GOAL_S,
            baseline=median(floors),
            note=f"{runs} runs; baseline: python -c 'import textual.app'",
        ),
        figure(
            "launch to a key typed at spawn shown in the input (median)",
            median(typed),
            "s",
            baseline=median(launches),
            note=f"{runs} runs; baseline: launch to first frame, measured alike",
        ),
        figure(
            "minimal Textual app to first frame (median)",
            median(minimal),
            "s",
            baseline=median(floors),
            note=f"{runs} runs; one Static, benchmarks/minimal_app.py; same baseline",
        ),
    ]
