"""Without the extra, PortAudio or a microphone, voice is off with one line saying why,
nothing raises, and importing copilot.voice pulls in no audio library. Each case runs
in a fresh Python process so the missing piece is really missing there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from copilot.bus import Bus
from copilot.bus.events import VoiceStatus
from copilot.voice import VoiceConfig, VoiceService
from tests.voice.helpers import require

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    {prelude}
    from copilot.bus import Bus
    from copilot.voice import VoiceConfig, VoiceService

    async def main():
        bus = Bus()
        sub = bus.subscribe("t")
        status = await VoiceService(bus, VoiceConfig(enabled=True)).start()
        published = [e for e in iter(sub.get_nowait, None)]
        heavy = [m for m in ("sounddevice", "faster_whisper") if m in sys.modules]
        print(json.dumps({{"available": status.available, "detail": status.detail,
                           "published": [type(e).__name__ for e in published],
                           "heavy": heavy}}))

    asyncio.run(main())
    """
)


def _child(prelude: str, env: dict[str, str] | None = None) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD.format(prelude=prelude)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout
    return json.loads(lines[0])


def _one_line(detail: object) -> str:
    assert isinstance(detail, str) and detail and "\n" not in detail
    return detail


def test_missing_extra_is_one_line() -> None:
    out = _child("sys.modules['webrtcvad'] = None")
    assert out["available"] is False
    assert "pip install 'copilot[voice]'" in _one_line(out["detail"])
    assert out["published"] == ["VoiceStatus"]
    assert out["heavy"] == []


def test_missing_portaudio_is_one_line() -> None:
    require("webrtcvad", "sounddevice")
    prelude = "import ctypes.util; ctypes.util.find_library = lambda name: None"
    out = _child(prelude)
    assert out["available"] is False
    assert "libportaudio2" in _one_line(out["detail"])


def test_no_microphone_is_one_line(tmp_path: object) -> None:
    require("sounddevice")
    out = _child("", env={"PULSE_SERVER": f"unix:{tmp_path}/none", "ALSA_CONFIG_PATH": ""})
    assert out["available"] is False
    assert "microphone" in _one_line(out["detail"])
    assert "copilot listen" in str(out["detail"])


def test_importing_voice_loads_no_audio_library() -> None:
    code = (
        "import sys, copilot.voice; "
        "print([m for m in ('numpy', 'sounddevice', 'webrtcvad', 'faster_whisper') "
        "if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


async def test_voice_off_by_default_publishes_why() -> None:
    bus = Bus()
    sub = bus.subscribe("t")
    status = await VoiceService(bus, VoiceConfig()).start()
    assert not status.available and status.mode == "off"
    assert isinstance(sub.get_nowait(), VoiceStatus)


def test_bad_settings_are_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="mode"):
        VoiceConfig(mode="shout")
    assert VoiceConfig.from_settings({"mode": "hands-free", "unknown": 1}).mode == "hands-free"
