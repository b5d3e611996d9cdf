"""How a sensor hands out what it saw: to the bus, and to its owner directly.

The bus's ambient lane may drop events under a storm (by design: a slow pane
must not grow a backlog). The manager must not lose a failed command to that,
so it takes every event through a direct callback as well.
"""

from __future__ import annotations

from collections.abc import Callable

from copilot.bus.bus import Bus
from copilot.bus.events import SensorEvent

EventSink = Callable[[SensorEvent], None]


class Emitter:
    """Base of the sensors: publish on the bus, then tell the owner."""

    sensor_name = ""

    def __init__(self, bus: Bus, on_event: EventSink | None = None) -> None:
        self.bus = bus
        self.on_event = on_event

    def emit(self, key: str, action: str, summary: str, **data: object) -> SensorEvent:
        event = SensorEvent(
            source=f"sensors.{self.sensor_name}",
            sensor=self.sensor_name,
            key=key,
            action=action,
            summary=summary,
            data=dict(data),
        )
        self.bus.publish(event)
        if self.on_event is not None:
            self.on_event(event)
        return event
