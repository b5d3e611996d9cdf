"""The sensors manager: starts what the config turns on, ranks what they see.

Every sensor event reaches the manager through a direct callback (never lost to
a storm on the bus), is redacted and merged into the context store, and causes
a throttled `ContextChanged` (at most ~5/s). A command that fails in the user's
shell also yields a `Hint` and, inside tmux, a capture of the pane it ran in.
The manager is the `ContextSource` the engine asks for the instructions and the
block before each request.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from copilot.bus.bus import Bus
from copilot.bus.events import ContextChanged, Hint, SensorEvent
from copilot.sensors.block import build_block
from copilot.sensors.config import SensorsConfig
from copilot.sensors.files import FileSensor
from copilot.sensors.git import GitSensor
from copilot.sensors.history import HistoryTail
from copilot.sensors.instructions import Instructions
from copilot.sensors.items import ContextBlock, ContextItem
from copilot.sensors.saliency import ContextStore
from copilot.sensors.shell import ShellListener, short_command
from copilot.sensors.tmux import TmuxSensor

#: Exit statuses that mean the user stopped the command (Ctrl+C, Ctrl+Z): no hint.
_USER_STOPPED = frozenset({130, 146, 148})
#: How long `stop()` waits for a sensor task before cancelling it.
_STOP_TIMEOUT_S = 5.0


class Sensors:
    """All ambient sensors of one workspace, and the ranked context they feed."""

    def __init__(
        self,
        bus: Bus,
        workspace: Path,
        config: SensorsConfig | None = None,
        *,
        runtime: Path | None = None,
        env: dict[str, str] | None = None,
        history_paths: list[Path] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bus = bus
        self.workspace = workspace.resolve()
        self.config = config or SensorsConfig()
        self.store = ContextStore(self.config.half_life_s, self.config.max_items, clock)
        self._clock = clock
        cfg, sink = self.config, self._ingest
        self.files = (
            FileSensor(
                bus,
                self.workspace,
                on_event=sink,
                extra_ignores=cfg.ignore,
                bulk_threshold=cfg.bulk_threshold,
            )
            if cfg.files
            else None
        )
        self.shell = (
            ShellListener(bus, self.workspace, on_event=sink, runtime=runtime)
            if cfg.shell
            else None
        )
        self.history = (
            HistoryTail(bus, on_event=sink, paths=history_paths, hooked=self._hooked)
            if cfg.shell
            else None
        )
        self.git = GitSensor(bus, self.workspace, on_event=sink) if cfg.git else None
        self.tmux = TmuxSensor(bus, on_event=sink, env=env) if cfg.tmux else None
        self.instructions = Instructions(self.workspace, env) if cfg.instructions else None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._side_tasks: set[asyncio.Task[Any]] = set()
        self._publish_handle: asyncio.TimerHandle | None = None
        self._last_publish = float("-inf")
        self._failure_panes: dict[str, str] = {}

    def _hooked(self) -> bool:
        return self.shell is not None and self.shell.hooked

    # --- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Start every enabled sensor; returns once they are listening."""
        self._stop.clear()
        if self.shell is not None:
            try:
                await self.shell.start()
            except OSError:
                self.shell = None
        if self.instructions is not None:
            self.instructions.refresh()
        runners = [s.run for s in (self.files, self.history, self.git) if s is not None]
        self._tasks = [asyncio.create_task(run(self._stop)) for run in runners]
        if self.files is not None:
            await self._wait_ready(self.files.ready)
        self._schedule_publish()

    async def look_once(self) -> None:
        """For a run that asks once (`copilot -p`): the git state now, and no watchers.

        Instruction files are read before every request anyway; the files, shell and
        tmux sensors report what happens over time, which a one-shot run does not see.
        """
        if self.git is not None and await self.git.find_repo() is not None:
            await self.git.refresh()

    async def _wait_ready(self, ready: asyncio.Event) -> None:
        waiter = asyncio.create_task(ready.wait())
        await asyncio.wait({waiter, *self._tasks}, return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()

    async def stop(self) -> None:
        """Stop every sensor and remove the shell socket."""
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=_STOP_TIMEOUT_S)
            for task in pending:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        for task in list(self._side_tasks):
            task.cancel()
        await asyncio.gather(*self._side_tasks, return_exceptions=True)
        if self.shell is not None:
            await self.shell.stop()
        if self._publish_handle is not None:
            self._publish_handle.cancel()
            self._publish_handle = None

    # --- what the front ends and the engine call -------------------------------

    def block(self) -> ContextBlock:
        """The block the next request would carry, with every item ranked."""
        return build_block(self.store.ranked(), self.config.budget_tokens)

    def context_text(self) -> str:
        """The block's Markdown ("" when there is nothing to say): for the engine."""
        return self.block().text

    def items(self) -> list[ContextItem]:
        """Every item, ranked, each saying whether the next request includes it."""
        return list(self.block().items)

    def instructions_text(self) -> str:
        """The instruction files as a system-prompt section (re-read if changed)."""
        return self.instructions.text() if self.instructions is not None else ""

    def describe(self, key: str) -> str:
        """An item in full (and the pane a failed command ran in): for "explain" and "open"."""
        by_key = {i.key: i for i in self.store.ranked()}
        item = by_key.get(key)
        if item is None:
            return ""
        parts = [item.summary]
        if item.detail:
            parts.append(item.detail)
        pane = by_key.get(f"tmux:{self._failure_panes.get(key, '')}")
        if pane is not None and pane.detail:
            parts.append(f"Its terminal pane ({pane.summary}):\n{pane.detail}")
        return "\n\n".join(parts)

    def pin(self, key: str) -> None:
        self.store.pin(key)
        self._schedule_publish()

    def unpin(self, key: str) -> None:
        self.store.unpin(key)
        self._schedule_publish()

    def mute(self, key: str) -> None:
        self.store.mute(key)
        self._schedule_publish()

    def unmute(self, key: str) -> None:
        self.store.unmute(key)
        self._schedule_publish()

    async def capture_pane(self, pane_id: str | None = None) -> str:
        """Capture a pane (or all other panes of copilot's window) into the context."""
        if self.tmux is None:
            return ""
        return await self.tmux.capture(pane_id)

    # --- events in -----------------------------------------------------------

    def _ingest(self, event: SensorEvent) -> None:
        data = event.data
        repeat = True
        ts = None
        detail = ""
        if event.sensor == "files":
            kind = "bulk" if event.action == "bulk" else "saved"
            detail = str(data.get("diff", ""))
            if self.git is not None:
                self.git.poke()
            if self.instructions is not None and self.instructions.is_instruction_file(
                self.workspace / event.key
            ):
                self.instructions.refresh()
        elif event.sensor == "shell":
            if event.action == "failed":
                kind = "failed"
            else:
                kind = "history" if data.get("source") == "history" else "command"
            when = data.get("when")
            if isinstance(when, float):
                ts = self._clock() - max(0.0, time.time() - when)
        elif event.sensor == "git":
            kind, repeat, detail = "git", False, str(data.get("detail", ""))
        elif event.sensor == "tmux":
            kind = "pane" if event.action == "failed" else "pane_demand"
            detail = str(data.get("text", ""))
            repeat = False
        else:
            return
        key = self.store.observe(
            event.sensor, event.key, kind, event.summary, detail, repeat=repeat, ts=ts
        )
        if event.sensor == "shell" and event.action == "failed":
            self._on_failure(key, event)
        self._schedule_publish()

    def _on_failure(self, key: str, event: SensorEvent) -> None:
        status = event.data.get("exit")
        command = short_command(str(event.data.get("command", event.key)), 60)
        if status not in _USER_STOPPED:
            self.bus.publish(
                Hint(
                    source="sensors",
                    text=f"`{command}` failed (exit {status}): Ctrl+E to ask about it",
                    action=f"explain:{key}",
                )
            )
        pane = str(event.data.get("pane", ""))
        tmux = self.tmux
        if (
            tmux is not None
            and pane
            and pane != tmux.own_pane
            and tmux.same_server(str(event.data.get("tmux", "")))
        ):
            self._failure_panes[key] = pane
            self._spawn(tmux.capture(pane, reason=f"`{command}` failed"))

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._side_tasks.add(task)
        task.add_done_callback(self._side_tasks.discard)

    # --- ContextChanged, throttled --------------------------------------------

    def _schedule_publish(self) -> None:
        if self._publish_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._publish()
            return
        delay = max(0.0, self._last_publish + self.config.publish_interval_s - loop.time())
        self._publish_handle = loop.call_later(delay, self._publish)

    def _publish(self) -> None:
        self._publish_handle = None
        with contextlib.suppress(RuntimeError):
            self._last_publish = asyncio.get_running_loop().time()
        block = self.block()
        changed = ContextChanged(
            source="sensors", items=block.items, block=block.text, tokens=block.tokens
        )
        self.bus.publish(changed)
