"""Pick local or remote voice for this copilot, the way the CLI should.

Over SSH there is no microphone, but `copilot listen` on the laptop may be forwarded
to a socket here; when that socket exists (or one was named), remote voice is used.
"""

from __future__ import annotations

from pathlib import Path

from copilot.bus import Bus
from copilot.voice.config import VoiceConfig
from copilot.voice.remote import RemoteVoice, default_remote_socket
from copilot.voice.service import VoiceService


def open_voice(
    bus: Bus, config: VoiceConfig, remote_socket: Path | str | None = None
) -> VoiceService | RemoteVoice:
    """`RemoteVoice` when a socket is named or the default forwarded one exists,
    else local `VoiceService`. Call `await voice.start()` on what it returns."""
    if remote_socket is not None:
        return RemoteVoice(bus, remote_socket, config)
    default = default_remote_socket()
    if default.is_socket():
        return RemoteVoice(bus, default, config)
    return VoiceService(bus, config)
