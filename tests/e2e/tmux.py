"""A private tmux server for end-to-end tests: start panes, type, read the screen.

Each test gets its own server (`tmux -L <unique>`) with its own config file, so nothing
the developer runs in their own tmux is touched and no option leaks between tests. The
config fixes what would otherwise vary by machine: TERM inside panes, no status bar (the
pane is the whole window), no escape delay, and panes that stay after their command
exits so a crash leaves its last screen to read.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

CONFIG = """\
set -g default-terminal xterm-256color
set -g status off
set -sg escape-time 0
set -g remain-on-exit on
set -g history-limit 5000
"""
POLL_S = 0.05


class Tmux:
    """One private tmux server; `kill()` ends it and every pane in it."""

    def __init__(self, folder: Path, env: Mapping[str, str]) -> None:
        self.socket = f"copilot-e2e-{uuid.uuid4().hex[:10]}"
        self.config = folder / "tmux.conf"
        self.config.write_text(CONFIG, encoding="utf-8")
        self.env = {k: v for k, v in env.items() if k not in ("TMUX", "TMUX_PANE")}
        self._sessions = 0

    def run(self, *args: str) -> str:
        """Run one tmux command against this server; returns its stdout."""
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", str(self.config), *args],
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def start(self, command: Sequence[str], *, cwd: Path, size: tuple[int, int] = (120, 40)) -> str:
        """Run `command` (exec'd directly, no shell) in a new session; returns its pane id."""
        self._sessions += 1
        width, height = size
        out = self.run(
            "new-session",
            "-d",
            "-P",
            "-F",
            "#{pane_id}",
            "-s",
            f"s{self._sessions}",
            "-x",
            str(width),
            "-y",
            str(height),
            "-c",
            str(cwd),
            *command,
        )
        return out.strip()

    def send(self, pane: str, *keys: str) -> None:
        """Key names as tmux spells them (`Enter`, `C-c`, `Escape`)."""
        self.run("send-keys", "-t", pane, *keys)

    def type(self, pane: str, text: str) -> None:
        """Literal text, no key-name lookup."""
        self.run("send-keys", "-t", pane, "-l", text)

    def screen(self, pane: str) -> str:
        """The visible screen as plain text, one line per row."""
        return self.run("capture-pane", "-p", "-t", pane)

    def pane_pid(self, pane: str) -> int:
        """The pid of the command running in the pane (it is exec'd, not under a shell)."""
        return int(self.run("display", "-p", "-t", pane, "#{pane_pid}").strip())

    def pane_dead(self, pane: str) -> bool:
        """Whether the pane's command has exited (the pane stays: remain-on-exit)."""
        return self.run("display", "-p", "-t", pane, "#{pane_dead}").strip() == "1"

    def wait_dead(self, pane: str, timeout: float = 20.0) -> None:
        """Poll until the pane's command has exited (tmux notices a kill a little later)."""
        deadline = time.monotonic() + timeout
        while not self.pane_dead(pane):
            if time.monotonic() > deadline:
                raise AssertionError(f"pane {pane} still running after {timeout}s")
            time.sleep(POLL_S)

    def resize(self, pane: str, width: int, height: int) -> None:
        """Resize the pane's window, as a user dragging their terminal would."""
        self.run("resize-window", "-t", pane, "-x", str(width), "-y", str(height))

    def wait_for(self, pane: str, text: str, timeout: float = 20.0) -> str:
        """Poll the screen until `text` is on it; returns that screen.

        On timeout the error carries the last screen, the one thing that explains a
        failure in a terminal test.
        """
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(pane)
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} not on screen after {timeout}s:\n{screen}")
            time.sleep(POLL_S)

    def kill(self) -> None:
        """End the server and every process in its panes."""
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            env=self.env,
            capture_output=True,
            check=False,
            timeout=30,
        )


def base_environment() -> dict[str, str]:
    """The test process's environment minus what would point copilot at a real account."""
    blocked = ("ANTHROPIC_", "COPILOT_", "XDG_")
    return {k: v for k, v in os.environ.items() if not k.startswith(blocked)}
