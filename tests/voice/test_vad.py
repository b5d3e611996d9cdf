"""VAD endpointing: the pure rules, then the capture callback driven by WAV blocks
from another thread at real-time pace, exactly as PortAudio would drive it."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from copilot.bus.events import UserActivity, VoiceActivity
from copilot.voice.activity import CONFIRMED, FALSE_START, OFFSET, ONSET
from copilot.voice.config import VoiceConfig
from copilot.voice.vad import Endpointer, EndpointRules
from tests.voice.helpers import burst, drain, new_bus, require, speech

RULES = EndpointRules(onset_frames=2, confirm_frames=5, false_start_frames=3, offset_frames=4)


def _run(pattern: str) -> list[tuple[int, str]]:
    endpointer = Endpointer(RULES)
    out = []
    for index, mark in enumerate(pattern):
        transition = endpointer.step(mark == "x")
        if transition:
            out.append((index, transition))
    return out


def test_onset_confirm_offset() -> None:
    assert _run("..xxxxxx....") == [(3, ONSET), (6, CONFIRMED), (11, OFFSET)]


def test_a_short_burst_is_a_false_start() -> None:
    assert _run("..xxx...") == [(3, ONSET), (7, FALSE_START)]


def test_short_gaps_inside_speech_neither_reset_nor_end_it() -> None:
    assert _run("xx.x.xx...x...") == [(1, ONSET), (6, CONFIRMED)]


def test_a_single_voiced_frame_is_not_an_onset() -> None:
    assert _run(".x.x.x.x") == []


def test_finish_closes_what_is_open() -> None:
    endpointer = Endpointer(RULES)
    for voiced in (True, True, True):
        endpointer.step(voiced)
    assert endpointer.finish() == FALSE_START
    assert endpointer.finish() is None


def test_rules_come_from_milliseconds() -> None:
    rules = EndpointRules.from_config(VoiceConfig(frame_ms=20, confirm_ms=300, onset_ms=40))
    assert (rules.onset_frames, rules.confirm_frames, rules.offset_frames) == (2, 15, 30)


async def _drive_callback(samples: object, config: VoiceConfig) -> list[VoiceActivity]:
    """Feed the PortAudio-style callback from a thread at real-time pace."""
    from copilot.voice.frames import CallbackSource
    from copilot.voice.pipeline import VoicePipeline
    from copilot.voice.vad import webrtc_classifier

    bus, sub = new_bus()
    source = CallbackSource(config.frame_bytes)
    pipeline = VoicePipeline(bus, config, webrtc_classifier(config.vad_aggressiveness), None)
    task = asyncio.create_task(pipeline.run(source))

    def portaudio() -> None:
        block = config.frame_samples
        started = time.monotonic()
        for i in range(0, len(samples) - block + 1, block):  # type: ignore[arg-type]
            delay = started + i / 16_000 - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            source.callback(samples[i : i + block], block, None, None)  # type: ignore[index]
        source.close()

    thread = threading.Thread(target=portaudio)
    thread.start()
    await asyncio.wait_for(task, 30)
    thread.join()
    await pipeline.drain()
    assert source.dropped == 0
    return [e for e in drain(sub) if isinstance(e, VoiceActivity)]


@pytest.mark.voice
async def test_speech_through_the_callback_onsets_confirms_and_ends() -> None:
    require("numpy", "webrtcvad", binaries=("espeak-ng",))
    config = VoiceConfig(enabled=True, mode="hands-free")
    states = [e.state for e in await _drive_callback(speech(), config)]
    assert states[:2] == [ONSET, CONFIRMED]
    assert states[-1] == OFFSET
    assert FALSE_START not in states[:2]


@pytest.mark.voice
async def test_a_cough_through_the_callback_is_a_false_start() -> None:
    require("numpy", "webrtcvad")
    config = VoiceConfig(enabled=True, mode="hands-free")
    events = await _drive_callback(burst(ms=150), config)
    assert [e.state for e in events] == [ONSET, FALSE_START]
    assert events[0].level > 0.3


@pytest.mark.voice
async def test_push_to_talk_only_listens_while_held() -> None:
    require("numpy", "webrtcvad", binaries=("espeak-ng",))
    from copilot.voice.pipeline import VoicePipeline
    from copilot.voice.vad import webrtc_classifier

    config = VoiceConfig(enabled=True, mode="push")
    bus, sub = new_bus()
    pipeline = VoicePipeline(bus, config, webrtc_classifier(2), None)
    samples = speech(lead_s=0.2, tail_s=0.2)
    frames = [samples[i : i + 320].tobytes() for i in range(0, len(samples) - 319, 320)]
    for frame in frames:
        pipeline.feed(frame)
    assert drain(sub) == []
    pipeline.set_listening(True)
    for frame in frames:
        pipeline.feed(frame)
    pipeline.set_listening(False)
    await pipeline.drain()
    events = drain(sub)
    states = [e.state for e in events if isinstance(e, VoiceActivity)]
    assert states[:2] == [ONSET, CONFIRMED]
    assert states[-1] == OFFSET
    assert any(isinstance(e, UserActivity) and not e.active for e in events)
