"""The Sensors manager end to end: real watchers, history file, throttled ContextChanged."""

from __future__ import annotations

import asyncio
from pathlib import Path

from copilot.bus.bus import Bus, Subscription
from copilot.bus.events import ContextChanged, Lane
from copilot.sensors.config import SensorsConfig
from copilot.sensors.manager import Sensors
from tests.sensors.helpers import wait_for


def drain_context(inbox: Subscription) -> list[ContextChanged]:
    out = []
    while (event := inbox.get_nowait()) is not None:
        if isinstance(event, ContextChanged):
            out.append(event)
    return out


async def test_saved_files_and_history_reach_the_block(tmp_path: Path) -> None:
    ws, home = tmp_path / "ws", tmp_path / "home"
    ws.mkdir()
    home.mkdir()
    history = home / ".bash_history"
    history.write_text("old command\n")
    (ws / "AGENTS.md").write_text("Run tests with pytest -q.\n")
    bus = Bus()
    inbox = bus.subscribe("pane", lanes=[Lane.AMBIENT])
    config = SensorsConfig(git=False, tmux=False, budget_tokens=400)
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}
    sensors = Sensors(bus, ws, config, runtime=tmp_path / "rt", env=env, history_paths=[history])
    sensors.history.poll_s = 0.1  # type: ignore[union-attr]
    await sensors.start()
    try:
        assert "Run tests with pytest -q." in sensors.instructions_text()
        (ws / "main.py").write_text("print(1)\n")
        await wait_for(lambda: any(i.key == "files:main.py" for i in sensors.items()))
        with history.open("a") as f:
            f.write("make deploy TOKEN=abcdef123456\n")
        await wait_for(lambda: any("make deploy" in i.key for i in sensors.items()))
        (ws / "AGENTS.md").write_text("Run tests with tox.\n")
        await wait_for(lambda: "tox" in sensors.instructions_text())

        block = sensors.block()
        assert block.tokens <= 400
        assert "saved `main.py`" in block.text or "created `main.py`" in block.text
        assert "from history, exit status unknown" in block.text
        assert "abcdef123456" not in block.text
        assert sensors.context_text() == block.text

        await wait_for(lambda: drain_context(inbox) != [])
        main_key = "files:main.py"
        sensors.mute(main_key)
        await wait_for(lambda: "main.py" not in sensors.block().text)
        changed = []
        await wait_for(lambda: changed.extend(drain_context(inbox)) or changed)
        latest = changed[-1]
        assert "main.py" not in latest.block
        assert latest.tokens == sensors.block().tokens
        muted = [i for i in latest.items if i.key == main_key]
        assert muted and muted[0].muted and not muted[0].included
        sensors.unmute(main_key)
        sensors.pin(main_key)
        assert sensors.items()[0].key == main_key
        assert sensors.items()[0].pinned
    finally:
        await sensors.stop()
    assert not (tmp_path / "rt").exists() or not any((tmp_path / "rt").iterdir())


async def test_context_changed_is_throttled_under_a_burst(tmp_path: Path) -> None:
    bus = Bus()
    inbox = bus.subscribe("pane", lanes=[Lane.AMBIENT], lane_limit=100_000)
    config = SensorsConfig(
        files=False, shell=False, git=False, tmux=False, instructions=False, publish_interval_s=0.2
    )
    sensors = Sensors(bus, tmp_path, config, env={})
    await sensors.start()
    try:
        drain_context(inbox)
        loop = asyncio.get_running_loop()
        started = loop.time()
        for n in range(500):
            sensors.pin(f"files:x{n}")  # each call asks for a publish
            await asyncio.sleep(0)
        await asyncio.sleep(0.5)
        elapsed = loop.time() - started
        published = len(drain_context(inbox))
        # However slow the machine, at most one event per interval (plus the first).
        assert 1 <= published <= elapsed / 0.2 + 2
        assert published < 500
    finally:
        await sensors.stop()


def test_config_from_settings_reads_same_named_fields() -> None:
    class Settings:
        files = False
        budget_tokens = 900
        ignore = ["*.csv"]
        unrelated = "x"

    config = SensorsConfig.from_settings(Settings())
    assert (config.files, config.budget_tokens, config.ignore, config.shell) == (
        False,
        900,
        ("*.csv",),
        True,
    )
