"""The throttle between fast text (answer fragments, tool output) and the bus."""

from __future__ import annotations

import asyncio

from copilot.engine.throttle import Throttle


async def test_first_text_goes_at_once_then_gathers_until_flushed() -> None:
    sent: list[str] = []
    throttle = Throttle(sent.append, interval_s=60.0)
    throttle.add("Hel")
    assert sent == ["Hel"]
    for fragment in ("lo", ", ", "world"):
        throttle.add(fragment)
    assert sent == ["Hel"], "text inside the interval went out piece by piece"
    throttle.flush()
    throttle.flush()
    assert sent == ["Hel", "lo, world"]


async def test_waiting_text_goes_out_when_the_interval_ends() -> None:
    sent: list[str] = []
    throttle = Throttle(sent.append, interval_s=0.02)
    for fragment in ("a", "b", "c"):
        throttle.add(fragment)
    for _ in range(200):  # no flush() here: the timer must send what waits
        if "".join(sent) == "abc":
            break
        await asyncio.sleep(0.01)
    assert "".join(sent) == "abc"


async def test_with_a_tail_only_the_newest_whole_lines_are_sent() -> None:
    sent: list[str] = []
    throttle = Throttle(sent.append, interval_s=60.0, tail=20)
    throttle.add("first\n")
    for n in range(100):
        throttle.add(f"line {n:03}\n")
    throttle.flush()
    assert sent[0] == "first\n"
    assert sent[1].startswith("…\n")
    assert sent[1].endswith("line 098\nline 099\n")
    assert len(sent[1]) <= 20 + 2
