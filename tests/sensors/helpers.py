"""Helpers for the sensor tests that drive real shells, tmux and the file system."""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import shutil
import termios
from collections.abc import Callable
from pathlib import Path

import pytest

from copilot.sensors.hook import render_hook

#: Generous: the machine is shared and slow; tests wait for events, never time them.
WAIT_S = 30.0


async def wait_for(condition: Callable[[], object], timeout: float = WAIT_S) -> None:
    """Poll `condition` until it is truthy; fail the test after `timeout`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            pytest.fail(f"condition not met within {timeout}s")
        await asyncio.sleep(0.05)


def _controlling_tty() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def shell_argv(shell: str, hook: Path, home: Path) -> list[str]:
    """The command line that starts `shell` interactively with only our hook loaded."""
    if shell == "bash":
        return ["bash", "--noprofile", "--rcfile", str(hook), "-i"]
    if shell == "zsh":
        (home / ".zshrc").write_text(f"source {hook}\n")
        return ["zsh", "-i"]
    prompt = "function fish_prompt; echo '> '; end; function fish_greeting; end"
    return ["fish", "--no-config", "-i", "-C", f"{prompt}; source {hook}"]


class PtyShell:
    """An interactive shell on a real pseudo-terminal, as a user would have it."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.argv, self.cwd, self.env = argv, cwd, env
        self.output = bytearray()
        self.proc: asyncio.subprocess.Process | None = None
        self._master = -1

    async def __aenter__(self) -> PtyShell:
        master, slave = pty.openpty()
        self._master = master
        self.proc = await asyncio.create_subprocess_exec(
            *self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            preexec_fn=_controlling_tty,
        )
        os.close(slave)
        asyncio.get_running_loop().add_reader(master, self._drain)
        return self

    def _drain(self) -> None:
        try:
            self.output += os.read(self._master, 65536)
        except OSError:
            asyncio.get_running_loop().remove_reader(self._master)

    def send(self, line: str) -> None:
        os.write(self._master, line.encode() + b"\n")

    async def __aexit__(self, *exc: object) -> None:
        assert self.proc is not None
        if self.proc.returncode is None:
            self.send("exit")
            try:
                await asyncio.wait_for(self.proc.wait(), WAIT_S)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        asyncio.get_running_loop().remove_reader(self._master)
        os.close(self._master)


def shell_env(home: Path, runtime: Path, **extra: str) -> dict[str, str]:
    """A clean environment: our HOME, our runtime dir, no user rc files."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "TERM": "xterm-256color",
        "COPILOT_RUNTIME_DIR": str(runtime),
        "ZDOTDIR": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "HISTFILE": str(home / ".history"),
    }
    env.update(extra)
    return env


def write_hook(shell: str, where: Path) -> Path:
    hook = where / f"hook.{shell}"
    hook.write_text(render_hook(shell))
    return hook


def require(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed (apt-get install -y {tool})")
