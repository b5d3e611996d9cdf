"""The shell hooks in real interactive bash, zsh and fish, reporting to a real listener."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from copilot.bus.bus import Bus
from copilot.bus.events import SensorEvent
from copilot.sensors.shell import ShellListener
from tests.sensors.helpers import PtyShell, require, shell_argv, shell_env, wait_for, write_hook

SHELLS = ["bash", "zsh", "fish"]


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path, Path]:
    workspace, home, runtime = tmp_path / "ws", tmp_path / "home", tmp_path / "rt"
    (workspace / "sub").mkdir(parents=True)
    home.mkdir()
    return workspace, home, runtime


@pytest.mark.parametrize("shell", SHELLS)
async def test_hook_reports_commands_status_cwd_and_duration(
    shell: str, places: tuple[Path, Path, Path]
) -> None:
    require(shell)
    workspace, home, runtime = places
    got: list[SensorEvent] = []
    bus = Bus()
    inbox = bus.subscribe("test")
    listener = ShellListener(bus, workspace, on_event=got.append, runtime=runtime)
    await listener.start()
    hook = write_hook(shell, home)
    env = shell_env(home, runtime, TMUX_PANE="%7", TMUX="/tmp/tmux-test/sock,1,0")
    try:
        async with PtyShell(shell_argv(shell, hook, home), workspace / "sub", env) as sh:
            sh.send("false")
            await wait_for(lambda: len(got) >= 1)
            sh.send("sleep 0.3")
            await wait_for(lambda: len(got) >= 2)
            sh.send("echo 'two words' | cat")
            await wait_for(lambda: len(got) >= 3)
    finally:
        await listener.stop()
    failed, slept, piped = got[:3]
    assert (failed.action, failed.key, failed.data["exit"]) == ("failed", "false", 1)
    assert failed.data["cwd"] == str(workspace / "sub")
    assert failed.data["pane"] == "%7"
    assert failed.data["tmux"].startswith("/tmp/tmux-test/sock")
    assert failed.data["shell"] == shell
    assert failed.summary.startswith("`false` failed (exit 1")
    assert "in `sub/`" in failed.summary
    assert (slept.action, slept.data["exit"]) == ("command", 0)
    assert slept.data["duration_s"] >= 0.25
    assert piped.data["command"] == "echo 'two words' | cat"
    assert inbox.pending() >= 3
    assert not listener.socket_path.exists() and not listener.link_path.exists()


@pytest.mark.parametrize("shell", SHELLS)
async def test_commands_hidden_by_a_leading_space_are_not_sent(
    shell: str, places: tuple[Path, Path, Path]
) -> None:
    require(shell)
    workspace, home, runtime = places
    got: list[SensorEvent] = []
    listener = ShellListener(Bus(), workspace, on_event=got.append, runtime=runtime)
    await listener.start()
    hook = write_hook(shell, home)
    if shell == "bash":
        hook.write_text("HISTCONTROL=ignorespace\n" + hook.read_text())
    elif shell == "zsh":
        hook.write_text("setopt hist_ignore_space\n" + hook.read_text())
    try:
        async with PtyShell(
            shell_argv(shell, hook, home), workspace, shell_env(home, runtime)
        ) as sh:
            sh.send(" echo hidden-secret")
            sh.send("echo visible")
            await wait_for(lambda: any(e.key == "echo visible" for e in got))
    finally:
        await listener.stop()
    assert [e.key for e in got] == ["echo visible"]


def _execs(trace: str) -> list[str]:
    return re.findall(r'execve\("([^"]+)"', trace)


@pytest.mark.parametrize("shell", SHELLS)
async def test_without_copilot_the_prompt_spawns_no_process(
    shell: str, places: tuple[Path, Path, Path]
) -> None:
    """The no-copilot path is pure builtins: measured as "no execve", not by timing."""
    require(shell)
    require("strace")
    workspace, home, runtime = places
    runtime.mkdir()  # a copilot ran once: the folder exists, but nothing listens here
    hook = write_hook(shell, home)
    argv = shell_argv(shell, hook, home)

    async def run_traced(name: str) -> str:
        trace = home / f"{name}.trace"
        strace = ["strace", "-f", "-qq", "-s", "512", "-e", "trace=execve,fork,vfork", "-o"]
        strace.append(str(trace))
        async with PtyShell([*strace, *argv], workspace, shell_env(home, runtime)) as sh:
            for line in ("cd sub", ":", "cd ..", "false", ":"):
                sh.send(line)
            sh.send('echo done""-ok')
            await wait_for(lambda: b"done-ok" in sh.output)
        return trace

    quiet = (await run_traced("quiet")).read_text()
    assert _execs(quiet) == [_execs(quiet)[0]], _execs(quiet)
    assert "fork(" not in quiet

    listener = ShellListener(Bus(), workspace, runtime=runtime)
    got: list[SensorEvent] = []
    listener.on_event = got.append
    await listener.start()
    try:
        busy = await run_traced("busy")
        await wait_for(lambda: any(e.key == 'echo done""-ok' for e in got))
    finally:
        await listener.stop()
    assert any("shell_report.py" in line for line in busy.read_text().splitlines())


async def test_a_stale_socket_is_replaced(places: tuple[Path, Path, Path]) -> None:
    workspace, _, runtime = places
    first = ShellListener(Bus(), workspace, runtime=runtime)
    await first.start()
    second = ShellListener(Bus(), workspace, runtime=runtime)
    await second.start()
    await first.stop()  # must not remove the socket the second one now owns
    assert second.socket_path.exists() and second.link_path.exists()
    await second.stop()
    assert not second.socket_path.exists()


async def test_garbage_on_the_socket_is_ignored(places: tuple[Path, Path, Path]) -> None:
    workspace, _, runtime = places
    got: list[SensorEvent] = []
    listener = ShellListener(Bus(), workspace, on_event=got.append, runtime=runtime)
    await listener.start()
    try:
        for payload in (
            b"not json\n",
            b"[1,2]\n",
            b'{"command": ""}\n',
            b'{"command":"ok","status":0}\n',
        ):
            _, writer = await asyncio.open_unix_connection(str(listener.socket_path))
            writer.write(payload)
            await writer.drain()
            writer.close()
        await wait_for(lambda: len(got) == 1)
    finally:
        await listener.stop()
    assert got[0].key == "ok"
