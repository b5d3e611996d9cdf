"""The micro-turn event bus: typed events on priority lanes, coalescing, bounded inboxes."""

from copilot.bus.bus import Bus, Counters, Subscription
from copilot.bus.events import Event, Lane

__all__ = ["Bus", "Counters", "Event", "Lane", "Subscription"]
