"""A real tmux server with two panes: a failing command in the other pane becomes context."""

from __future__ import annotations

import os
import shlex
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.bus.bus import Bus
from copilot.bus.events import Hint, Lane
from copilot.sensors.config import SensorsConfig
from copilot.sensors.manager import Sensors
from tests.sensors.helpers import require, wait_for, write_hook

pytestmark = pytest.mark.tmux


class Server:
    """One private tmux server (`tmux -L <unique>`), killed at the end."""

    def __init__(self) -> None:
        self.name = f"copilot-test-{uuid.uuid4().hex[:8]}"
        self.env = {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}

    def __call__(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.name, "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
            env=self.env,
        )
        return out.stdout.strip()


@pytest.fixture
def tmux() -> Iterator[Server]:
    require("tmux")
    server = Server()
    yield server
    subprocess.run(["tmux", "-L", server.name, "kill-server"], capture_output=True, check=False)


async def test_failing_command_in_the_other_pane_is_captured(tmux: Server, tmp_path: Path) -> None:
    workspace, home, runtime = tmp_path / "ws", tmp_path / "home", tmp_path / "rt"
    workspace.mkdir()
    home.mkdir()
    hook = write_hook("bash", home)
    hook.write_text("PS1='ready> '\n" + hook.read_text())
    own = tmux("new-session", "-d", "-P", "-F", "#{pane_id}", "-x", "120", "-y", "40", "sleep 600")
    shell = shlex.join(
        [
            "env",
            f"HOME={home}",
            f"COPILOT_RUNTIME_DIR={runtime}",
            f"HISTFILE={home / '.history'}",
            "bash",
            "--noprofile",
            "--rcfile",
            str(hook),
            "-i",
        ]
    )
    other = tmux("split-window", "-P", "-F", "#{pane_id}", "-t", own, "-c", str(workspace), shell)
    socket = tmux("display-message", "-p", "-t", own, "#{socket_path}")
    env = {"TMUX": f"{socket},1,0", "TMUX_PANE": own, "HOME": str(home)}

    bus = Bus()
    hints = bus.subscribe("hints", lanes=[Lane.AMBIENT])
    config = SensorsConfig(files=False, git=False, instructions=False)
    sensors = Sensors(bus, workspace, config, runtime=runtime, env=env, history_paths=[])
    await sensors.start()
    try:
        await wait_for(lambda: "ready>" in tmux("capture-pane", "-p", "-t", other))
        tmux("send-keys", "-t", other, "ls /no-such-dir-for-copilot", "Enter")
        pane_key = f"tmux:{other}"
        await wait_for(lambda: any(i.key == pane_key for i in sensors.items()))
        items = {i.key: i for i in sensors.items()}
        failed = items["shell:ls /no-such-dir-for-copilot"]
        assert failed.summary.startswith("`ls /no-such-dir-for-copilot` failed (exit 2")
        assert "No such file or directory" in items[pane_key].detail
        assert "\x1b" not in items[pane_key].detail
        block = sensors.block()
        assert "No such file or directory" in block.text
        assert block.text.index("failed (exit 2") < block.text.index(f"tmux pane {other}")
        assert "No such file or directory" in sensors.describe(failed.key)

        seen = []
        while (event := hints.get_nowait()) is not None:
            seen.append(event)
        hint = [e for e in seen if isinstance(e, Hint)]
        assert hint and hint[-1].action == f"explain:{failed.key}"
        assert (
            hint[-1].text == "`ls /no-such-dir-for-copilot` failed (exit 2): Ctrl+E to ask about it"
        )

        tmux("send-keys", "-t", other, "echo on-demand-marker", "Enter")
        await wait_for(lambda: "on-demand-marker" in tmux("capture-pane", "-p", "-t", other))
        text = await sensors.capture_pane()
        assert f"--- pane {other}" in text and "on-demand-marker" in text
        assert own not in text
        assert "on-demand-marker" in sensors.block().text
    finally:
        await sensors.stop()


async def test_outside_tmux_the_sensor_does_nothing(tmp_path: Path) -> None:
    config = SensorsConfig(files=False, git=False, shell=False, instructions=False)
    sensors = Sensors(Bus(), tmp_path, config, env={})
    await sensors.start()
    try:
        assert await sensors.capture_pane() == ""
        assert sensors.items() == []
    finally:
        await sensors.stop()
