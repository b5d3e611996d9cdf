"""Barge-in through real PortAudio: a PulseAudio pipe source is the microphone and a
pipe sink the speaker. The assistant "speaks" (espeak-ng into the sink) while the
engine state says it streams; speech written into the microphone pauses it, then
interrupts; a cough pauses and resumes; Ctrl+C's Interrupt silences it.

Latencies are printed (the benchmark holds the goals); the assertions are about order
and outcome, never about how many milliseconds something took.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from copilot.bus import Bus
from copilot.bus.events import (
    AssistantDelta,
    AssistantStarted,
    Interrupt,
    StateChanged,
    VoiceActivity,
)
from copilot.voice import VoiceConfig, VoiceService
from tests.voice.helpers import PulseAudio, burst, drain, require, speech, wait_for

ANSWER = " ".join(
    f"This is sentence number {n} of a long answer that keeps the speaker busy." for n in range(8)
)

pytestmark = pytest.mark.voice


async def _until(predicate: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.01)


@pytest.fixture
async def speaking(pulse: PulseAudio) -> AsyncIterator[tuple[Bus, VoiceService]]:
    """Voice on, speech out on, the assistant streaming and audibly speaking."""
    require("webrtcvad", binaries=("espeak-ng",))
    bus = Bus()
    config = VoiceConfig(enabled=True, mode="hands-free", speak=True, backend="none")
    service = VoiceService(bus, config)
    status = await service.start()
    assert status.available and "speech out off" not in status.detail, status.detail
    assert service.speaker is not None
    bus.publish(StateChanged(state="streaming", floor="assistant"))
    bus.publish(AssistantStarted(message_id="m1"))
    bus.publish(AssistantDelta(message_id="m1", text=ANSWER))
    await _until(lambda: pulse.last_sound() is not None)
    try:
        yield bus, service
    finally:
        await service.stop()


async def test_speech_pauses_then_interrupts(speaking: tuple[Bus, VoiceService], pulse) -> None:
    bus, service = speaking
    sub = bus.subscribe("test")
    await asyncio.to_thread(pulse.play_into_mic, speech(lead_s=0.2, tail_s=0.2))
    seen = await wait_for(sub, lambda e: isinstance(e, Interrupt))
    assert seen[-1].reason == "voice"  # type: ignore[attr-defined]
    seen += drain(sub)  # the control lane overtakes: voice events come after
    states = [e.state for e in seen if isinstance(e, VoiceActivity)]
    assert states == ["onset", "confirmed"]
    assert service.barge is not None
    [mark] = service.barge.marks
    assert mark.paused is not None and mark.interrupted is not None
    assert mark.onset_event <= mark.paused <= mark.interrupted
    await asyncio.sleep(1.0)
    last = pulse.last_sound()
    assert last is not None and last < mark.interrupted + 0.5
    assert service.speaker is not None and not service.speaker.speaking
    print(
        f"\nonset->paused {1000 * (mark.paused - mark.onset_event):.1f} ms (call), "
        f"onset->interrupt {1000 * (mark.interrupted - mark.onset_event):.0f} ms, "
        f"sink silent {1000 * (last - mark.onset_event):.0f} ms after onset"
    )


async def test_a_cough_pauses_and_resumes(speaking: tuple[Bus, VoiceService], pulse) -> None:
    bus, service = speaking
    sub = bus.subscribe("test")
    await asyncio.to_thread(pulse.play_into_mic, burst(ms=150, lead_s=0.1, tail_s=0.5))
    seen = await wait_for(sub, lambda e: isinstance(e, VoiceActivity) and e.state == "false_start")
    seen += drain(sub)
    assert not any(isinstance(e, Interrupt) for e in seen)
    assert service.barge is not None
    [mark] = service.barge.marks
    assert mark.paused is not None and mark.resumed is not None and mark.interrupted is None
    await _until(lambda: (pulse.last_sound() or 0) > mark.resumed)  # it speaks again


async def test_ctrl_c_silences_speech(speaking: tuple[Bus, VoiceService], pulse) -> None:
    bus, service = speaking
    pressed = time.monotonic()
    bus.publish(Interrupt(reason="user"))
    assert service.speaker is not None
    await _until(lambda: service.speaker is not None and service.speaker.stopped_at is not None)
    await asyncio.sleep(1.0)
    last = pulse.last_sound()
    assert last is not None and last < pressed + 0.5
    print(f"\ninterrupt->sink silent {1000 * (last - pressed):.0f} ms")
