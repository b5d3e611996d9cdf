"""Saliency: which of the things the sensors saw matter most right now.

A failed command outranks a file the user saved, which outranks a git change,
which outranks a command that simply worked. Everything fades with a half-life,
so the block follows the user's attention. The same thing seen again merges into
one item with a counter instead of crowding the others out. Pins and mutes are
the user's word and override the score.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from copilot.sensors.items import ContextItem
from copilot.sensors.redact import redact

#: Base weight per kind of observation; the order is the product decision.
WEIGHTS: dict[str, float] = {
    "pane_demand": 1.2,  # the user asked for a pane: they want it in the next request
    "failed": 1.0,  # a command that failed in the user's shell
    "pane": 0.9,  # a pane captured because a command there failed
    "saved": 0.7,  # a file the user created, saved or deleted
    "git": 0.5,  # branch, dirty files, new commits
    "bulk": 0.4,  # many files at once (checkout, generator): one item per folder
    "command": 0.3,  # a command that succeeded
    "history": 0.25,  # a command read from a history file (no exit status known)
}

#: Each doubling of the repeat count adds this fraction to the score.
_REPEAT_BOOST = 0.2


@dataclass(slots=True)
class _Entry:
    key: str
    sensor: str
    kind: str
    summary: str
    detail: str
    last_ts: float
    count: int = 1


class ContextStore:
    """The bounded, ranked set of observations behind the context pane and block."""

    def __init__(
        self,
        half_life_s: float = 600.0,
        max_items: int = 200,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.half_life_s = half_life_s
        self.max_items = max_items
        self._clock = clock
        self._entries: dict[str, _Entry] = {}
        self._pinned: set[str] = set()
        self._muted: set[str] = set()

    def observe(
        self,
        sensor: str,
        thing: str,
        kind: str,
        summary: str,
        detail: str = "",
        *,
        repeat: bool = True,
        ts: float | None = None,
    ) -> str:
        """Record an observation and return its item key (`sensor:thing`).

        `repeat=False` is for state sensors (git): a new state replaces the old
        one without counting as a repetition.
        """
        key = f"{sensor}:{thing}"
        now = self._clock() if ts is None else ts
        entry = self._entries.get(key)
        summary, detail = redact(summary), redact(detail)
        if entry is None:
            self._entries[key] = _Entry(key, sensor, kind, summary, detail, now)
            if len(self._entries) > self.max_items * 5 // 4:
                self._evict(now)
        else:
            entry.kind, entry.summary, entry.detail, entry.last_ts = kind, summary, detail, now
            if repeat:
                entry.count += 1
        return key

    def forget(self, key: str) -> None:
        """Drop an item (e.g. a deleted pane); pins and mutes on the key stay."""
        self._entries.pop(key, None)

    def pin(self, key: str) -> None:
        self._muted.discard(key)
        self._pinned.add(key)

    def unpin(self, key: str) -> None:
        self._pinned.discard(key)

    def mute(self, key: str) -> None:
        self._pinned.discard(key)
        self._muted.add(key)

    def unmute(self, key: str) -> None:
        self._muted.discard(key)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def _score(self, entry: _Entry, now: float) -> float:
        age = max(0.0, now - entry.last_ts)
        decay = 0.5 ** (age / self.half_life_s) if self.half_life_s > 0 else 1.0
        boost = 1.0 + _REPEAT_BOOST * math.log2(entry.count)
        return WEIGHTS.get(entry.kind, 0.1) * decay * boost

    def _evict(self, now: float) -> None:
        """Keep the `max_items` best entries; pinned ones are never evicted."""
        ranked = sorted(
            self._entries.values(),
            key=lambda e: (e.key in self._pinned, self._score(e, now)),
            reverse=True,
        )
        self._entries = {e.key: e for e in ranked[: self.max_items]}

    def ranked(self) -> list[ContextItem]:
        """Every item, pinned first, then by score; muted ones are listed but flagged."""
        now = self._clock()
        items = [
            ContextItem(
                key=e.key,
                sensor=e.sensor,
                summary=e.summary,
                score=round(self._score(e, now), 4),
                age_s=max(0.0, now - e.last_ts),
                pinned=e.key in self._pinned,
                muted=e.key in self._muted,
                detail=e.detail,
                count=e.count,
            )
            for e in self._entries.values()
        ]
        items.sort(key=lambda i: (i.pinned, not i.muted, i.score), reverse=True)
        return items
