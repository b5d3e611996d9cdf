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

    def _keep(self, change: Change, path: str) -> bool:
        rel = self.rules.relative(path)
        if rel is None:
            return False
        return self.rules.is_rules_file(rel) or not self.rules.ignored(
            rel, gone=change == Change.deleted
        )

    async def run(self, stop: asyncio.Event) -> None:
        """Watch until `stop` is set."""
        await asyncio.to_thread(self.rules.load)
        watcher = awatch(
            self.workspace,
            watch_filter=self._keep,
            debounce=self.debounce_ms,
            step=50,
            stop_event=stop,
            yield_on_timeout=True,
            rust_timeout=2_000,
        )
        async for changes in watcher:
            self.ready.set()
            if changes:
                self.handle(changes)

    def handle(self, changes: set[tuple[Change, str]]) -> None:
        """Reduce one watchfiles batch to events (public so a storm can be replayed)."""
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
            self._emit_bulk(paths)
            return
        now = time.monotonic()
        held = {
            rel: seen for rel, seen in paths.items() if self._bulk_until.get(_folder(rel), 0) > now
        }
        if held:
            self._emit_bulk(held)
        for rel, seen in sorted(paths.items()):
            if rel not in held:
                self._emit_one(rel, seen)

    def _emit_one(self, rel: str, seen: set[Change]) -> None:
        path = self.workspace / rel
        exists = os.path.lexists(path)
        if not exists:
            self.baselines.drop(rel)
            if Change.added in seen and Change.deleted not in seen:
                return
            self.emit(rel, "deleted", f"deleted `{rel}`", path=rel)
            return
        if path.is_dir():
            return
        known = rel in self.baselines
        action = "created" if Change.added in seen and not known else "modified"
        verb = "created" if action == "created" else "saved"
        if is_secret_file(rel):
            self.emit(rel, action, f"{verb} `{rel}` (contents withheld)", path=rel, secret=True)
            return
        text = read_small_text(path)
        if text is None:
            size = _size(path)
            self.emit(
                rel, action, f"{verb} `{rel}` (binary or large, {size} bytes)", path=rel, size=size
            )
            return
        old = self.baselines.get(rel)
        self.baselines.put(rel, text)
        lines = text.count("\n") + (not text.endswith("\n") and bool(text))
        if old is None:
            self.emit(rel, action, f"{verb} `{rel}` ({lines} lines)", path=rel, lines=lines)
            return
        diff = diff_text(old, text)
        if not diff.added and not diff.removed:
            return
        self.emit(
            rel,
            action,
            f"{verb} `{rel}` (+{diff.added} -{diff.removed} lines)",
            path=rel,
            added=diff.added,
            removed=diff.removed,
            diff=diff.hunk,
        )

    def _emit_bulk(self, paths: dict[str, set[Change]]) -> None:
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
            self.emit(
                f"{folder}/*",
                "bulk",
                f"{total} files changed under {where} ({parts})",
                folder=folder,
                count=total,
                **dict(counts),
            )


def _folder(rel: str) -> str:
    """The folder a bulk event is named for: at most two levels deep."""
    return "/".join(rel.split("/")[:-1][:2]) or "."


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
