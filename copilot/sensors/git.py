"""The git sensor: branch, dirty files, ahead/behind and the last commits.

Refreshed when something under `.git` changes (a commit, a checkout, a fetch)
and when the files sensor sees the work tree change, debounced. Git runs as a
read-only probe: `--no-optional-locks` (and `GIT_OPTIONAL_LOCKS=0`) so it never
rewrites the index under the user's feet, `core.fsmonitor=false` so a repo's
config cannot make it start a program. Outside a repository the sensor idles.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, awatch

from copilot.bus.bus import Bus
from copilot.sensors.emit import Emitter, EventSink

#: Dirty paths and commits the summary names at most.
DIRTY_SHOWN = 8
COMMITS = 5
GIT_TIMEOUT_S = 10.0

_GIT_ENV = {
    "GIT_OPTIONAL_LOCKS": "0",
    "GIT_TERMINAL_PROMPT": "0",
    "LC_ALL": "C",
}


@dataclass(frozen=True, slots=True)
class GitState:
    """What `git status` and `git log` said."""

    branch: str
    upstream: str
    ahead: int
    behind: int
    dirty: tuple[str, ...]
    commits: tuple[str, ...]

    def summary(self) -> str:
        text = f"git: on `{self.branch}`"
        if self.upstream:
            text += f" (ahead {self.ahead}, behind {self.behind} of `{self.upstream}`)"
        if not self.dirty:
            return text + ", clean"
        text += f", {len(self.dirty)} changed: " + ", ".join(self.dirty[:DIRTY_SHOWN])
        extra = len(self.dirty) - DIRTY_SHOWN
        return text + (f" and {extra} more" if extra > 0 else "")

    def detail(self) -> str:
        """The last commits, one per line."""
        return "\n".join(self.commits)


def parse_status(out: bytes) -> tuple[str, str, int, int, tuple[str, ...]]:
    """Branch, upstream, ahead, behind and dirty paths from `status --porcelain=v2 -z`."""
    branch, upstream, ahead, behind = "(unknown)", "", 0, 0
    dirty: list[str] = []
    fields = out.decode("utf-8", errors="replace").split("\0")
    skip = False
    for field in fields:
        if skip:
            skip = False
            continue
        if field.startswith("# branch.head "):
            branch = field[14:]
        elif field.startswith("# branch.upstream "):
            upstream = field[18:]
        elif field.startswith("# branch.ab "):
            a, _, b = field[12:].partition(" ")
            ahead, behind = abs(int(a)), abs(int(b))
        elif field.startswith("1 "):
            dirty.append(_entry(field[2:4], field.split(" ", 8)[8]))
        elif field.startswith("2 "):
            dirty.append(_entry(field[2:4], field.split(" ", 9)[9]))
            skip = True
        elif field.startswith("u "):
            dirty.append(_entry("U", field.split(" ", 10)[10]))
        elif field.startswith("? "):
            dirty.append(f"{field[2:]} (untracked)")
    return branch, upstream, ahead, behind, tuple(dirty)


def _entry(xy: str, path: str) -> str:
    code = "".join(c for c in xy if c != ".") or "M"
    return f"{path} ({code[0] if len(set(code)) == 1 else code})"


class GitSensor(Emitter):
    """Emits `SensorEvent(sensor="git", key="repo", action="changed")` when the state changes."""

    sensor_name = "git"

    def __init__(
        self,
        bus: Bus,
        workspace: Path,
        *,
        on_event: EventSink | None = None,
        debounce_s: float = 0.3,
    ) -> None:
        super().__init__(bus, on_event)
        self.workspace = workspace.resolve()
        self.debounce_s = debounce_s
        self.state: GitState | None = None
        self.git_dir: Path | None = None
        self._poked = asyncio.Event()

    async def _git(self, *args: str) -> tuple[int, bytes]:
        proc = await asyncio.create_subprocess_exec(
            "git",
            "-C",
            str(self.workspace),
            "-c",
            "core.fsmonitor=false",
            "--no-optional-locks",
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            env={**os.environ, **_GIT_ENV},
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), GIT_TIMEOUT_S)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise
        return proc.returncode or 0, out

    async def find_repo(self) -> Path | None:
        """The repository's git dir, or None when the workspace is not in one."""
        try:
            code, out = await self._git("rev-parse", "--absolute-git-dir")
        except (OSError, TimeoutError):
            return None
        return Path(out.decode().strip()) if code == 0 and out.strip() else None

    async def probe(self) -> GitState | None:
        """Ask git for the current state (None if git fails)."""
        try:
            code, status = await self._git("status", "--porcelain=v2", "--branch", "-z")
            if code != 0:
                return None
            _, log = await self._git("log", f"-{COMMITS}", "--format=%h %s")
        except (OSError, TimeoutError):
            return None
        branch, upstream, ahead, behind, dirty = parse_status(status)
        commits = tuple(log.decode("utf-8", errors="replace").splitlines())
        return GitState(branch, upstream, ahead, behind, dirty, commits)

    def poke(self) -> None:
        """Something may have changed (the work tree, `.git`): refresh soon."""
        self._poked.set()

    async def refresh(self) -> bool:
        """Probe now; emit and return True if the state differs from the last one."""
        state = await self.probe()
        if state is None or state == self.state:
            return False
        self.state = state
        self.emit(
            "repo",
            "changed",
            state.summary(),
            branch=state.branch,
            upstream=state.upstream,
            ahead=state.ahead,
            behind=state.behind,
            dirty=list(state.dirty),
            commits=list(state.commits),
            detail=state.detail(),
        )
        return True

    async def run(self, stop: asyncio.Event) -> None:
        """Idle outside a repository; otherwise refresh on pokes and `.git` changes."""
        self.git_dir = await self.find_repo()
        if self.git_dir is None:
            await stop.wait()
            return
        await self.refresh()
        watcher = asyncio.create_task(self._watch_git_dir(self.git_dir, stop))
        try:
            while not stop.is_set():
                poked = asyncio.create_task(self._poked.wait())
                stopped = asyncio.create_task(stop.wait())
                await asyncio.wait({poked, stopped}, return_when=asyncio.FIRST_COMPLETED)
                poked.cancel()
                stopped.cancel()
                if stop.is_set():
                    break
                await asyncio.sleep(self.debounce_s)
                self._poked.clear()
                await self.refresh()
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher

    async def _watch_git_dir(self, git_dir: Path, stop: asyncio.Event) -> None:
        def relevant(change: Change, path: str) -> bool:
            return "/objects/" not in path and not path.endswith(".lock")

        async for _ in awatch(
            git_dir, watch_filter=relevant, debounce=300, stop_event=stop, rust_timeout=2_000
        ):
            self.poke()
