"""Fixtures for the end-to-end tests: a rig per test, torn down whatever happens."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.rig import Rig
from tests.e2e.standin_process import StandinProcess
from tests.e2e.tmux import Tmux, base_environment

MakeRig = Callable[..., Rig]


@pytest.fixture(autouse=True)
def _needs_tmux() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux)")


@pytest.fixture
def make_rig(tmp_path: Path) -> Iterator[MakeRig]:
    """`make_rig(replies, api_key=True, by_model=None)`: start the stand-in and a tmux server.

    `by_model` maps a model id to its own reply specs (two scripted models at once).

    The finaliser kills the tmux server (and with it every copilot it ran) and stops the
    stand-in, so a failing test leaves no process behind.
    """
    started: list[tuple[StandinProcess, Tmux]] = []

    def make(
        replies: list[dict[str, Any]],
        *,
        api_key: bool = True,
        by_model: dict[str, list[dict[str, Any]]] | None = None,
    ) -> Rig:
        standin = StandinProcess(tmp_path / "standin", replies, by_model).__enter__()
        workspace = tmp_path / "workspace"
        data_dir = tmp_path / "data"
        workspace.mkdir()
        home = tmp_path / "home"  # so sensors read no real shell history or dotfiles
        home.mkdir()
        env = base_environment() | {
            "ANTHROPIC_BASE_URL": standin.base_url,
            "COPILOT_DATA_DIR": str(data_dir),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "HOME": str(home),
            "TERM": "xterm-256color",
        }
        if api_key:
            env["ANTHROPIC_API_KEY"] = "sk-ant-standin"
        tmux = Tmux(tmp_path, env)
        started.append((standin, tmux))
        return Rig(tmp_path, standin, tmux, workspace.resolve(), data_dir)

    yield make
    for standin, tmux in started:
        tmux.kill()
        standin.stop()
