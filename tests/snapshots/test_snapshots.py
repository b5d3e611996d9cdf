"""Snapshot tests: a fixed scene at fixed sizes, compared with accepted SVGs.

Update after a deliberate visual change with `pytest tests/snapshots --snapshot-update`
and look at the new SVGs before committing them.
"""

from __future__ import annotations

import pytest

from tests.snapshots.snapshot_app import make


@pytest.fixture(autouse=True)
def quiet_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-snapshot")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


async def _settle(pilot) -> None:
    """Wait for the replay and the model load (the bus pump is a worker that never ends)."""
    app = pilot.app
    for _ in range(200):
        if app.query("#input"):
            break
        await pilot.pause(0.05)
    app.prompt.cursor_blink = False
    for _ in range(200):
        if app.runtime.engine is not None and app.status.session and app.query("ApprovalPrompt"):
            break
        await pilot.pause(0.05)
    app.status.session = "3f9c2a71d0be"
    for _ in range(200):
        client = app.runtime.client
        if client is not None and (client.ready or client.problem):
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)
    app.query_one("#conversation").scroll_end(animate=False)
    # The tool pane at its end twice in a row: on a loaded machine a late layout (the
    # prompt's) can still grow it after a single scroll_end.
    tools = app.query_one("#tools")
    steady = 0
    for _ in range(100):
        steady = steady + 1 if tools.scroll_y == tools.max_scroll_y else 0
        if steady == 2:
            break
        tools.scroll_end(animate=False)
        await pilot.pause(0.05)
    await pilot.pause(0.3)


@pytest.mark.parametrize("size", [(120, 34), (80, 24)], ids=["wide", "80x24"])
def test_main_scene(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(make(), terminal_size=size, run_before=_settle)
