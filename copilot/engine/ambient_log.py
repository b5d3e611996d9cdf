"""What the user did (sensor events), kept in the store so `recall` can find it later.

Sensors can fire dozens of times a second (a build rewriting files, a
checkout). Memory needs the episode, not every write: one record per thing
(sensor, key, action) per `KEY_INTERVAL_S`, and at most `PER_MINUTE` records a
minute in all, so an hour of storm adds a bounded, small amount to the database.
What was left out is counted in `skipped`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from copilot.bus import Bus
from copilot.bus.events import Lane, SensorEvent
from copilot.memory.store import Store

#: The same thing happening again within this many seconds is not recorded again.
KEY_INTERVAL_S = 60.0
#: Records per minute at most, whatever the rate of events.
PER_MINUTE = 120
#: Longest summary stored for one event.
SUMMARY_CHARS = 500


class AmbientLog:
    """Follows the ambient lane and records throttled sensor events for the session."""

    def __init__(
        self,
        bus: Bus,
        store: Store,
        session_id: Callable[[], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`clock` is replaceable so a simulated hour can run in seconds."""
        self.store = store
        self._session_id = session_id
        self._clock = clock
        self._inbox = bus.subscribe("ambient-log", lanes=(Lane.AMBIENT,))
        self._last: dict[tuple[str, str, str], float] = {}
        self._minute = 0.0
        self._in_minute = 0
        self.recorded = 0
        self.skipped = 0

    def wanted(self, event: SensorEvent, now: float) -> bool:
        """Whether this event is recorded, by the per-thing and per-minute caps."""
        if now - self._minute >= 60.0:
            self._minute, self._in_minute = now, 0
            self._last = {k: t for k, t in self._last.items() if now - t < KEY_INTERVAL_S}
        key = (event.sensor, event.key, event.action)
        last = self._last.get(key)
        if self._in_minute >= PER_MINUTE or (last is not None and now - last < KEY_INTERVAL_S):
            return False
        self._last[key] = now
        self._in_minute += 1
        return True

    async def run(self) -> None:
        """Record until cancelled."""
        try:
            async for event in self._inbox:
                if not isinstance(event, SensorEvent) or not self._session_id():
                    continue
                if not self.wanted(event, self._clock()):
                    self.skipped += 1
                    continue
                await self.store.add_event(
                    self._session_id(),
                    "sensor",
                    {
                        "sensor": event.sensor,
                        "key": event.key,
                        "action": event.action,
                        "summary": event.summary[:SUMMARY_CHARS],
                    },
                )
                self.recorded += 1
        finally:
            self._inbox.close()
