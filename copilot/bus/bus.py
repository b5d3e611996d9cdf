"""The in-process bus: publish is synchronous and never blocks the publisher.

Each subscriber owns one bounded inbox with a deque per lane. `get()` always
serves the most urgent non-empty lane, so an interrupt overtakes a backlog of
deltas or file events. Coalescible events merge with a waiting event of the
same key; lossy lanes drop their oldest entry when full and count it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from copilot.bus.events import LOSSLESS_LANES, Event, Lane

#: Default bound on waiting events per lossy lane (tool, ambient) per subscriber.
DEFAULT_LANE_LIMIT = 1024


@dataclass(slots=True)
class Counters:
    """What the bus did to keep a slow subscriber bounded."""

    delivered: int = 0
    coalesced: int = 0
    dropped: dict[Lane, int] = field(default_factory=lambda: {lane: 0 for lane in Lane})

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())


class _Slot:
    """A waiting event; a mutable box so a merge can replace it in place."""

    __slots__ = ("event", "key", "live")

    def __init__(self, event: Event, key: Hashable | None) -> None:
        self.event = event
        self.key = key
        self.live = True


class Subscription:
    """One subscriber's inbox. Iterate it, or `await get()`."""

    def __init__(
        self,
        bus: Bus,
        name: str,
        lanes: Iterable[Lane] | None,
        lane_limit: int,
    ) -> None:
        self.name = name
        self.lanes = frozenset(lanes) if lanes is not None else frozenset(Lane)
        self.counters = Counters()
        self._bus = bus
        self._limit = lane_limit
        self._queues: dict[Lane, deque[_Slot]] = {lane: deque() for lane in Lane}
        self._index: dict[Lane, dict[Hashable, _Slot]] = {lane: {} for lane in Lane}
        self._sizes: dict[Lane, int] = {lane: 0 for lane in Lane}
        self._ready = asyncio.Event()
        self._closed = False

    def offer(self, event: Event) -> None:
        """Queue an event for this subscriber (called by the bus)."""
        lane = event.lane
        if self._closed or lane not in self.lanes:
            return
        key = event.coalesce_key()
        if key is not None:
            waiting = self._index[lane].get(key)
            if waiting is not None and waiting.live:
                waiting.event = waiting.event.merge(event)
                self.counters.coalesced += 1
                return
        slot = _Slot(event, key)
        queue = self._queues[lane]
        if lane not in LOSSLESS_LANES and self._sizes[lane] >= self._limit:
            self._drop_oldest(lane)
        queue.append(slot)
        self._sizes[lane] += 1
        if key is not None:
            self._index[lane][key] = slot
        self._ready.set()

    def _drop_oldest(self, lane: Lane) -> None:
        queue = self._queues[lane]
        while queue:
            slot = queue.popleft()
            if slot.live:
                self._forget(lane, slot)
                self.counters.dropped[lane] += 1
                return

    def _forget(self, lane: Lane, slot: _Slot) -> None:
        slot.live = False
        self._sizes[lane] -= 1
        if slot.key is not None and self._index[lane].get(slot.key) is slot:
            del self._index[lane][slot.key]

    def get_nowait(self) -> Event | None:
        """The most urgent waiting event, or None when the inbox is empty."""
        for lane in Lane:
            queue = self._queues[lane]
            while queue:
                slot = queue.popleft()
                if slot.live:
                    self._forget(lane, slot)
                    self.counters.delivered += 1
                    return slot.event
        self._ready.clear()
        return None

    async def get(self) -> Event:
        """Wait for the most urgent event. Raises `asyncio.CancelledError` on close."""
        while True:
            event = self.get_nowait()
            if event is not None:
                return event
            if self._closed:
                raise asyncio.CancelledError(f"subscription {self.name} closed")
            await self._ready.wait()

    def pending(self) -> int:
        """How many events wait (after coalescing)."""
        return sum(self._sizes.values())

    def close(self) -> None:
        """Stop receiving; a waiting `get()` ends."""
        self._closed = True
        self._ready.set()
        self._bus.unsubscribe(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Event:
        try:
            return await self.get()
        except asyncio.CancelledError:
            if self._closed:
                raise StopAsyncIteration from None
            raise


class Bus:
    """Fan-out of events to subscribers. The transport other buses can mimic."""

    def __init__(self, lane_limit: int = DEFAULT_LANE_LIMIT) -> None:
        self._subscriptions: list[Subscription] = []
        self._lane_limit = lane_limit
        self.published = 0

    def subscribe(
        self,
        name: str,
        lanes: Iterable[Lane] | None = None,
        lane_limit: int | None = None,
    ) -> Subscription:
        """A new inbox that sees every event published from now on."""
        sub = Subscription(self, name, lanes, lane_limit or self._lane_limit)
        self._subscriptions.append(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    def publish(self, event: Event) -> None:
        """Deliver to every inbox. Never blocks, never raises for a slow reader."""
        self.published += 1
        for sub in tuple(self._subscriptions):
            sub.offer(event)
