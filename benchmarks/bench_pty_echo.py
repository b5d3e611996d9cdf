"""Key echo through a real terminal during 100 MB of tool output: the cross-check.

`bench_tool_output.py` times keys inside the process (posted from a thread as the
terminal driver posts them, timed to the frame handed to the terminal). This runs the
real `copilot` in a pseudo-terminal instead (`benchmarks/pty_app.py`): the stand-in asks
for `yes | head -c 100M`, the benchmark types `y` once the approval's key guard has
passed, and while the command runs it types a capital letter every ~20 ms and times it
from the byte written to the letter coming back in the terminal's output. That adds
what the in-process figure leaves out: Textual's input thread and parser, encoding each
frame for the terminal, its writer thread, and the pty itself. Baseline: the same keys
typed into the idle app, in the same run. No goal of its own; issue 3's goal is on
the in-process figure.

The letters never appear in anything else on screen (`yes` prints `y`; the header,
status line and context pane of an empty workspace with its own HOME hold no capitals
from this set), so the first one after the key is its echo.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.figures import Figure, figure, percentile
from benchmarks.pty_app import PtyApp, copilot_argv, terminal_env
from tests.standin import Reply, StandinServer

LETTERS = b"QXZJKVWB"
GAP_S = 0.02
ECHO_TIMEOUT_S = 2.0
STEP_TIMEOUT_S = 30.0
#: The approval prompt ignores keys for its first 300 ms; wait a little longer.
GUARD_S = 0.45
BASELINE_KEYS = 40
#: After the first frame the app still loads the SDK and warms up (~1 s here): the idle
#: baseline is taken once that is over, as a user finds the app a few seconds in.
SETTLE_S = 3.0
CLEAR_LINE = b"\x15"


def _type(app: PtyApp, index: int) -> float:
    """Type one letter; seconds until it is echoed."""
    letter = LETTERS[index % len(LETTERS) : index % len(LETTERS) + 1]
    mark = app.mark
    typed = app.write(letter)
    return app.wait_for(letter, ECHO_TIMEOUT_S, since=mark) - typed


def _round(app: PtyApp, srv: StandinServer, megabytes: int) -> list[float]:
    """Ask for the command, approve it, type while it runs."""
    srv.clear_script()
    srv.script(
        Reply.tool_use("run_shell", {"command": f"yes | head -c {megabytes}M"}),
        Reply.text("Done."),
    )
    mark = app.mark
    app.write(b"print a lot\r")
    app.wait_for(b"once", STEP_TIMEOUT_S, since=mark)
    time.sleep(GUARD_S)
    mark = app.mark
    app.write(b"y")
    app.wait_for(b"running", STEP_TIMEOUT_S, since=mark)
    samples: list[float] = []
    while not app.seen(b"done", since=mark):
        samples.append(_type(app, len(samples)))
        time.sleep(GAP_S)
    app.wait_for(b"Done.", STEP_TIMEOUT_S, since=mark)
    app.write(CLEAR_LINE)
    return samples


def measure(megabytes: int, rounds: int, baseline_keys: int) -> tuple[list[float], list[float]]:
    """Echo samples while the rounds ran, and with the app idle before them."""
    with StandinServer() as srv, tempfile.TemporaryDirectory(prefix="copilot-pty-") as tmp:
        folder = Path(tmp)
        (folder / "workspace").mkdir()
        (folder / "home").mkdir()
        env = terminal_env(folder, srv.base_url) | {"HOME": str(folder / "home")}
        with PtyApp(copilot_argv(folder / "workspace"), env) as app:
            app.wait_for(b"idle", STEP_TIMEOUT_S)
            time.sleep(SETTLE_S)
            idle = []
            for index in range(baseline_keys):
                idle.append(_type(app, index))
                time.sleep(GAP_S)
            app.write(CLEAR_LINE)
            during = [s for _ in range(rounds) for s in _round(app, srv, megabytes)]
    return during, idle


def run(quick: bool) -> list[Figure]:
    """Echo p50/p95 through the pty during the output, against the idle app."""
    megabytes, rounds, baseline_keys = (20, 1, 10) if quick else (100, 6, BASELINE_KEYS)
    during, idle = measure(megabytes, rounds, baseline_keys)
    ms = [s * 1000 for s in during]
    base = [s * 1000 for s in idle]
    note = (
        f"{len(ms)} keys through a pty over {rounds} x `yes | head -c {megabytes}M`; "
        f"baseline: {len(base)} keys, idle; cross-check of bench_tool_output"
    )
    what = f"{megabytes} MB tool output"
    return [
        figure(
            f"pty key echo during {what} p{q}",
            percentile(ms, q),
            "ms",
            baseline=percentile(base, q),
            note=note,
        )
        for q in (50, 95)
    ]
