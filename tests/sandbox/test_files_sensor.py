"""The files sensor beside real sandboxed commands: it reports their work, not ours."""

import asyncio
from pathlib import Path

import pytest

from copilot.bus.bus import Bus
from copilot.bus.events import SensorEvent
from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.runner import run
from copilot.sensors.files import FileSensor
from tests.sensors.helpers import wait_for

pytestmark = pytest.mark.sandbox


async def test_the_sandbox_masks_are_not_reported(ws: Path, env: dict[str, str]) -> None:
    """bubblewrap makes empty `.git` and `.copilot` mount points, removed afterwards."""
    got: list[SensorEvent] = []
    sensor = FileSensor(Bus(), ws, on_event=got.append, debounce_ms=50)
    stop = asyncio.Event()
    task = asyncio.create_task(sensor.run(stop))
    try:
        await wait_for(sensor.ready.is_set)
        for n in range(3):
            result = await run(
                f"echo {n} > out.txt; sleep 0.2", spec=SandboxSpec(workspace=ws), env=env
            )
            assert result.exit_code == 0, result.output()
            await asyncio.sleep(0.2)
        (ws / "visible.txt").write_text("seen\n")
        await wait_for(lambda: any(e.key == "visible.txt" for e in got))
        await asyncio.sleep(0.3)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert not (ws / ".git").exists() and not (ws / ".copilot").exists()
    assert {e.key for e in got} == {"out.txt", "visible.txt"}
