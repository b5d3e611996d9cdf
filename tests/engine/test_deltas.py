"""The delta batcher: the first fragment goes out at once, the rest at most once a frame."""

from __future__ import annotations

import asyncio

from copilot.bus.events import AssistantDelta, Event
from copilot.engine.deltas import DeltaBatcher


async def test_first_fragment_at_once_then_gathered_until_flushed() -> None:
    sent: list[Event] = []
    batcher = DeltaBatcher(sent.append, "m1", interval_s=60.0)
    batcher.add("Hel")
    assert [e.text for e in sent if isinstance(e, AssistantDelta)] == ["Hel"]
    for fragment in ("lo", ", ", "world"):
        batcher.add(fragment)
    assert len(sent) == 1, "fragments inside the interval went out one by one"
    batcher.flush()
    batcher.flush()
    assert [(e.message_id, e.text) for e in sent if isinstance(e, AssistantDelta)] == [
        ("m1", "Hel"),
        ("m1", "lo, world"),
    ]


async def test_waiting_fragments_go_out_when_the_interval_ends() -> None:
    sent: list[Event] = []
    batcher = DeltaBatcher(sent.append, "m2", interval_s=0.02)
    batcher.add("a")
    batcher.add("b")
    batcher.add("c")
    def delivered() -> str:
        return "".join(e.text for e in sent if isinstance(e, AssistantDelta))

    for _ in range(200):  # no flush() here: the timer must send what waits
        if delivered() == "abc":
            break
        await asyncio.sleep(0.01)
    assert delivered() == "abc"
