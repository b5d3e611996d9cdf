"""Voice test fixtures: the `voice` marker and one private PulseAudio per session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.voice.helpers import PulseAudio, pulseaudio, require


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "voice: slow voice tests (real PortAudio, PulseAudio, Whisper, espeak-ng)"
    )


@pytest.fixture(scope="session")
def pulse() -> Iterator[PulseAudio]:
    """PulseAudio with a FIFO microphone and a FIFO speaker; PortAudio points at it."""
    require("numpy", "sounddevice", binaries=("pulseaudio",))
    with pulseaudio() as server:
        yield server
