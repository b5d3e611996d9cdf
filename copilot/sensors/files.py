"""The files sensor: what the user created, saved and deleted in the workspace.

watchfiles batches raw notifications; each batch is reduced to one event per
path (created, modified or deleted) with a short diff for small text files.
A batch touching many files at once (a checkout, a generator, `npm install`
outside the ignore list) becomes one "bulk" event per folder instead, which is
both what the user would say ("I regenerated the client") and what keeps a
storm of 100k events cheap. A burst longer than one batch keeps folding into
its folder's bulk event for `BULK_HOLD_S`, so its tail does not come out as
dozens of single-file events.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter, defaultdict
from pathlib import Path

from watchfiles import Change, awatch

from copilot.bus.bus import Bus
from copilot.sensors.emit import Emitter, EventSink
from copilot.sensors.ignore import IgnoreRules
from copilot.sensors.redact import is_secret_file
from copilot.sensors.textdiff import Baselines, diff_text, read_small_text

#: After a bulk event, further changes in that folder join it for this long.
BULK_HOLD_S = 2.0

#: An event a batch comes to: key, action, summary, data.
Found = tuple[str, str, str, dict[str, object]]


class FileSensor(Emitter):
    """Watches `workspace` and emits `SensorEvent(sensor="files")` per changed path."""

    sensor_name = "files"

    def __init__(
        self,
        bus: Bus,
        workspace: Path,
        *,
        on_event: EventSink | None = None,
        extra_ignores: tuple[str, ...] = (),
        bulk_threshold: int = 50,
        debounce_ms: int = 300,
    ) -> None:
        super().__init__(bus, on_event)
        self.workspace = workspace.resolve()
        self.rules = IgnoreRules(self.workspace, extra_ignores)
        self.baselines = Baselines()
        self.bulk_threshold = bulk_threshold
        self.debounce_ms = debounce_ms
        self._bulk_until: dict[str, float] = {}
        #: Set once the watcher is installed; tests and the manager wait on it.
        self.ready = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set.

        Each batch is sorted out in a thread. A batch can hold tens of thousands of
        changes (a checkout, a generator): the ignore rules for every path, a stat
        for most, small files read and diffed. On the event loop that held it
        0.2-0.6 s at a time, and a key typed meanwhile waited that long to show;
        from a thread, the loop gets the interpreter back every few milliseconds.
        The events are handed out on the loop (the bus is not thread-safe).
        """
        await asyncio.to_thread(self.rules.load)
        watcher = awatch(
            self.workspace,
            watch_filter=None,
            debounce=self.debounce_ms,
            step=50,
            stop_event=stop,
            yield_on_timeout=True,
            rust_timeout=2_000,
        )
        async for changes in watcher:
            self.ready.set()
            if changes:
                self._hand_out(await asyncio.to_thread(self._reduce, changes))

    def handle(self, changes: set[tuple[Change, str]]) -> None:
        """Reduce one watchfiles batch to events and hand them out (public so a storm
        can be replayed)."""
        self._hand_out(self._reduce(changes))

    def _hand_out(self, found: list[Found]) -> None:
        for key, action, summary, data in found:
            self.emit(key, action, summary, **data)

    def _reduce(self, changes: set[tuple[Change, str]]) -> list[Found]:
        """The events one batch comes to; touches only this sensor's own state."""
        found: list[Found] = []
        per_path: dict[str, set[Change]] = defaultdict(set)
        reload_rules = False
        for change, path in changes:
            rel = self.rules.relative(path)
            if rel is None:
                continue
            if self.rules.is_rules_file(rel):
                reload_rules = True
            per_path[rel].add(change)
        if reload_rules:
            self.rules.load()
        paths = {
            rel: seen
            for rel, seen in per_path.items()
            if not self.rules.ignored(rel, gone=Change.deleted in seen)
        }
        if len(paths) > self.bulk_threshold:
            self._bulk(paths, found)
            return found
        now = time.monotonic()
        held = {
            rel: seen for rel, seen in paths.items() if self._bulk_until.get(_folder(rel), 0) > now
        }
        if held:
            self._bulk(held, found)
        for rel, seen in sorted(paths.items()):
            if rel not in held:
                self._one(rel, seen, found)
        return found

    def _one(self, rel: str, seen: set[Change], found: list[Found]) -> None:
        path = self.workspace / rel
        exists = os.path.lexists(path)
        if not exists:
            self.baselines.drop(rel)
            if Change.added in seen and Change.deleted not in seen:
                return
            found.append((rel, "deleted", f"deleted `{rel}`", {"path": rel}))
            return
        if path.is_dir():
            return
        known = rel in self.baselines
        action = "created" if Change.added in seen and not known else "modified"
        verb = "created" if action == "created" else "saved"
        if is_secret_file(rel):
            summary = f"{verb} `{rel}` (contents withheld)"
            found.append((rel, action, summary, {"path": rel, "secret": True}))
            return
        text = read_small_text(path)
        if text is None:
            size = _size(path)
            summary = f"{verb} `{rel}` (binary or large, {size} bytes)"
            found.append((rel, action, summary, {"path": rel, "size": size}))
            return
        old = self.baselines.get(rel)
        self.baselines.put(rel, text)
        lines = text.count("\n") + (not text.endswith("\n") and bool(text))
        if old is None:
            summary = f"{verb} `{rel}` ({lines} line{'' if lines == 1 else 's'})"
            found.append((rel, action, summary, {"path": rel, "lines": lines}))
            return
        diff = diff_text(old, text)
        if not diff.added and not diff.removed:
            return
        summary = f"{verb} `{rel}` (+{diff.added} -{diff.removed} lines)"
        data = {"path": rel, "added": diff.added, "removed": diff.removed, "diff": diff.hunk}
        found.append((rel, action, summary, data))

    def _bulk(self, paths: dict[str, set[Change]], found: list[Found]) -> None:
        groups: dict[str, Counter[str]] = defaultdict(Counter)
        for rel, seen in paths.items():
            folder = _folder(rel)
            path = self.workspace / rel
            if Change.deleted in seen and not os.path.lexists(path):
                self.baselines.drop(rel)
                groups[folder]["deleted"] += 1
            elif path.is_dir():
                continue
            elif Change.added in seen:
                groups[folder]["created"] += 1
            else:
                groups[folder]["modified"] += 1
        now = time.monotonic()
        self._bulk_until = {f: t for f, t in self._bulk_until.items() if t > now}
        hold_until = now + BULK_HOLD_S
        for folder, counts in groups.items():
            self._bulk_until[folder] = hold_until
            total = sum(counts.values())
            parts = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
            where = "the workspace root" if folder == "." else f"`{folder}/`"
            summary = f"{total} files changed under {where} ({parts})"
            found.append(
                (f"{folder}/*", "bulk", summary, {"folder": folder, "count": total, **counts})
            )


def _folder(rel: str) -> str:
    """The folder a bulk event is named for: at most two levels deep."""
    return "/".join(rel.split("/")[:-1][:2]) or "."


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
