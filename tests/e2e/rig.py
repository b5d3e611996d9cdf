"""One end-to-end setup: a stand-in process, a private tmux server, throwaway folders.

Everything copilot could read or write outside the test is pointed into the test's temp
folder: its database (`COPILOT_DATA_DIR`), the user config (`XDG_CONFIG_HOME`), the
workspace. The API key and base URL are the only way copilot learns about the stand-in,
exactly as a user's environment would tell the real SDK.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.standin_process import StandinProcess
from tests.e2e.tmux import POLL_S, Tmux

#: A cell that starts a message's left bar, with the 256-colour foreground it is drawn in.
BAR = re.compile(r"\x1b\[38;5;(\d+)m\u2588")


def copilot_command() -> list[str]:
    """The installed console script beside this interpreter (what a user runs)."""
    script = shutil.which("copilot", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "copilot"]


@dataclass
class Rig:
    """The folders, the stand-in and the tmux server of one test."""

    folder: Path
    standin: StandinProcess
    tmux: Tmux
    workspace: Path
    data_dir: Path

    @property
    def db_path(self) -> Path:
        """Where copilot keeps its sessions for this test."""
        return self.data_dir / "copilot.db"

    def launch(self, *args: str, size: tuple[int, int] = (120, 40)) -> str:
        """Start `copilot -C <workspace> ARGS` in a new tmux session; returns the pane."""
        command = [*copilot_command(), "-C", str(self.workspace), *args]
        return self.tmux.start(command, cwd=self.workspace, size=size)

    def say(self, pane: str, text: str) -> None:
        """Type `text`, wait until the input box shows it, then press Enter.

        Waiting before Enter is deliberate: the app's Enter is a priority binding, handled
        before key presses still queued for the input box, so text typed in one burst and
        followed at once by Enter can be sent cut short (reported as a bug). A person
        sees their text before pressing Enter; so does this.
        """
        self.tmux.type(pane, text)
        self.tmux.wait_for(pane, text)
        self.tmux.send(pane, "Enter")

    def run_cli(self, *args: str) -> str:
        """Run a copilot subcommand (`sessions`) in a new pane from the workspace.

        A shell wraps it and then waits on `cat`, so the pane lives on with the output and
        an `[exit N]` line: tmux can lose the output of a pane whose command exits at once.
        """
        shell = '"$@"; echo "[exit $?]"; exec cat'
        return self.tmux.start(
            ["sh", "-c", shell, "sh", *copilot_command(), *args], cwd=self.workspace
        )

    def bar_colours(self, pane: str, text: str) -> set[str]:
        """Colours of the message bars on rows containing `text` (from a colour capture).

        The bar is how the app marks what kind of message a row belongs to (user, answer,
        streaming, interrupted), so comparing bar colours is comparing those marks.
        """
        screen = self.tmux.run("capture-pane", "-p", "-e", "-t", pane)
        colours: set[str] = set()
        for row in screen.splitlines():
            plain = re.sub(r"\x1b\[[0-9;]*m", "", row)
            match = BAR.search(row)
            if text in plain and match:
                colours.add(match.group(1))
        return colours

    def wait_bar(self, pane: str, text: str, timeout: float = 20.0) -> set[str]:
        """Poll until a message bar is drawn on a row containing `text`; its colours.

        A message shows once the store has it, which on a loaded machine can be after
        the state line already reads idle again (a turn without a key ends at once).
        """
        deadline = time.monotonic() + timeout
        while not (colours := self.bar_colours(pane, text)):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"no message bar beside {text!r} after {timeout}s:\n{self.tmux.screen(pane)}"
                )
            time.sleep(POLL_S)
        return colours
