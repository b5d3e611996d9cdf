"""The git sensor on a real temporary repository."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from copilot.bus.bus import Bus
from copilot.bus.events import SensorEvent
from copilot.sensors.git import GitSensor
from tests.sensors.helpers import require, wait_for

GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "T",
    "GIT_AUTHOR_EMAIL": "t@example.com",
    "GIT_COMMITTER_NAME": "T",
    "GIT_COMMITTER_EMAIL": "t@example.com",
    "GIT_CONFIG_GLOBAL": "/dev/null",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, env=GIT_ENV, capture_output=True)


def make_repo(path: Path) -> Path:
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "a.py").write_text("a = 1\n")
    git(path, "add", "a.py")
    git(path, "commit", "-q", "-m", "first commit")
    return path


async def test_state_then_refresh_on_commit_and_work_tree_change(tmp_path: Path) -> None:
    require("git")
    repo = make_repo(tmp_path / "repo")
    got: list[SensorEvent] = []
    sensor = GitSensor(Bus(), repo, on_event=got.append, debounce_s=0.05)
    stop = asyncio.Event()
    task = asyncio.create_task(sensor.run(stop))
    try:
        await wait_for(lambda: got)
        first = got[-1]
        assert (first.sensor, first.key, first.action) == ("git", "repo", "changed")
        assert first.data["branch"] == "main"
        assert first.data["dirty"] == []
        assert first.data["commits"][0].endswith("first commit")
        assert first.summary == "git: on `main`, clean"

        (repo / "b.py").write_text("b = 2\n")
        git(repo, "add", "b.py")
        git(repo, "commit", "-q", "-m", "second commit")
        await wait_for(lambda: got[-1].data["commits"][0].endswith("second commit"))
        assert len(got[-1].data["commits"]) == 2

        (repo / "a.py").write_text("a = 3\n")  # the work tree: the files sensor pokes
        sensor.poke()
        await wait_for(lambda: got[-1].data["dirty"] == ["a.py (M)"])
        assert "1 changed: a.py (M)" in got[-1].summary
        count = len(got)
        sensor.poke()
        await asyncio.sleep(0.5)
        assert len(got) == count  # an unchanged state is not emitted again
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
    assert not (repo / ".git" / "index.lock").exists()


async def test_no_repository_means_idle(tmp_path: Path) -> None:
    require("git")
    got: list[SensorEvent] = []
    sensor = GitSensor(Bus(), tmp_path, on_event=got.append)
    stop = asyncio.Event()
    task = asyncio.create_task(sensor.run(stop))
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.wait_for(task, 30)
    assert sensor.git_dir is None
    assert got == []
