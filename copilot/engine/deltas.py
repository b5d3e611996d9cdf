"""Answer text on its way to the bus: at most one delta per frame, the first at once.

A fast model stream delivers hundreds of fragments a second, and each one
published is one wake-up of every front end's pump, while no screen shows more
than ~60 frames a second. The batcher publishes a fragment at once when the
last delta went out at least `INTERVAL_S` ago (so the first token never
waits), and otherwise gathers fragments until that interval has passed.
`flush()` sends what waits, before the answer is marked done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from copilot.bus.events import AssistantDelta, Event

#: At most one delta per this interval (about two per 60 Hz frame).
INTERVAL_S = 0.008


class DeltaBatcher:
    """Gathers one answer's text fragments into few `AssistantDelta` events."""

    def __init__(
        self, publish: Callable[[Event], None], message_id: str, interval_s: float = INTERVAL_S
    ) -> None:
        self._publish = publish
        self._message_id = message_id
        self._interval = interval_s
        self._parts: list[str] = []
        self._last = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def add(self, fragment: str) -> None:
        self._parts.append(fragment)
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self.flush()
        elif self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(wait, self.flush)

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._parts:
            return
        text = "".join(self._parts)
        self._parts.clear()
        self._last = time.monotonic()
        self._publish(AssistantDelta(message_id=self._message_id, text=text))
