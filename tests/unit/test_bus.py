"""The bus: priority order, coalescing, bounded lossy lanes, lossless control and user."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from copilot.bus import Bus, Lane
from copilot.bus.events import (
    AssistantDelta,
    Interrupt,
    QueueEdit,
    SensorEvent,
    ToolOutput,
    UserInput,
)


def drain(sub) -> list:
    out = []
    while (event := sub.get_nowait()) is not None:
        out.append(event)
    return out


def test_control_overtakes_a_backlog() -> None:
    bus = Bus()
    sub = bus.subscribe("t")
    for i in range(100):
        bus.publish(SensorEvent(sensor="files", key=f"f{i}"))
    bus.publish(AssistantDelta(message_id="m", text="x"))
    bus.publish(Interrupt())
    events = drain(sub)
    assert isinstance(events[0], Interrupt)
    assert isinstance(events[1], AssistantDelta)
    assert len(events) == 102


def test_deltas_of_one_message_merge_in_order() -> None:
    bus = Bus()
    sub = bus.subscribe("t")
    for fragment in ("Hel", "lo ", "wor", "ld"):
        bus.publish(AssistantDelta(message_id="m1", text=fragment))
    bus.publish(AssistantDelta(message_id="m2", text="other"))
    events = drain(sub)
    assert [(e.message_id, e.text) for e in events] == [("m1", "Hello world"), ("m2", "other")]
    assert sub.counters.coalesced == 3


def test_sensor_events_keep_the_latest_state_per_key() -> None:
    bus = Bus()
    sub = bus.subscribe("t")
    bus.publish(SensorEvent(sensor="files", key="a.py", action="created"))
    bus.publish(SensorEvent(sensor="files", key="b.py", action="modified"))
    bus.publish(SensorEvent(sensor="files", key="a.py", action="deleted"))
    events = drain(sub)
    assert [(e.key, e.action) for e in events] == [("a.py", "deleted"), ("b.py", "modified")]


def test_lossy_lanes_drop_oldest_and_count() -> None:
    bus = Bus(lane_limit=10)
    sub = bus.subscribe("t")
    for i in range(25):
        bus.publish(SensorEvent(sensor="files", key=f"f{i}"))
    events = drain(sub)
    assert [e.key for e in events] == [f"f{i}" for i in range(15, 25)]
    assert sub.counters.dropped[Lane.AMBIENT] == 15


def test_tool_output_chunks_concatenate() -> None:
    bus = Bus()
    sub = bus.subscribe("t")
    for chunk in ("a", "b", "c"):
        bus.publish(ToolOutput(call_id="c1", chunk=chunk))
    assert [e.chunk for e in drain(sub)] == ["abc"]


def test_subscription_filters_lanes_and_close_ends_iteration() -> None:
    async def scenario() -> list:
        bus = Bus()
        sub = bus.subscribe("engine", lanes=(Lane.CONTROL, Lane.USER))
        bus.publish(SensorEvent(sensor="files", key="x"))
        bus.publish(UserInput(text="hi"))
        got = [await sub.get()]
        asyncio.get_running_loop().call_soon(sub.close)
        got.extend([event async for event in sub])
        return got

    got = asyncio.run(scenario())
    assert [type(e) for e in got] == [UserInput]


lossless_events = st.one_of(
    st.builds(Interrupt, reason=st.text(max_size=3)),
    st.builds(UserInput, text=st.text(max_size=5)),
    st.builds(QueueEdit, item_id=st.text(max_size=3)),
)
lossy_events = st.one_of(
    st.builds(SensorEvent, sensor=st.just("files"), key=st.sampled_from("abcdef")),
    st.builds(ToolOutput, call_id=st.sampled_from("xyz"), chunk=st.text(max_size=4)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(lossless_events, lossy_events), max_size=300), st.integers(1, 8))
def test_storm_never_loses_control_or_user_and_keeps_lane_order(events, limit) -> None:
    bus = Bus(lane_limit=limit)
    sub = bus.subscribe("t")
    for event in events:
        bus.publish(event)
    out = drain(sub)
    sent_lossless = [e for e in events if e.lane in (Lane.CONTROL, Lane.USER)]
    got_lossless = [e for e in out if e.lane in (Lane.CONTROL, Lane.USER)]
    for lane in (Lane.CONTROL, Lane.USER):
        assert [e for e in got_lossless if e.lane == lane] == [
            e for e in sent_lossless if e.lane == lane
        ]
    lanes = [e.lane for e in out]
    assert lanes == sorted(lanes)
    for lane in (Lane.TOOL, Lane.AMBIENT):
        got = [e for e in out if e.lane == lane]
        assert len(got) <= limit
        keys = [e.coalesce_key() for e in got]
        assert len(keys) == len(set(keys))
    for event in (e for e in out if e.lane == Lane.AMBIENT):
        latest = [e for e in events if e.coalesce_key() == event.coalesce_key()][-1]
        assert event is latest
    assert sub.counters.delivered == len(out)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=6), min_size=1, max_size=50))
def test_merged_deltas_equal_the_concatenation(fragments) -> None:
    bus = Bus()
    sub = bus.subscribe("t")
    out = []
    for i, fragment in enumerate(fragments):
        bus.publish(AssistantDelta(message_id="m", text=fragment))
        if i % 3 == 0:
            out.extend(drain(sub))
    out.extend(drain(sub))
    assert "".join(e.text for e in out) == "".join(fragments)
