"""Optional voice: capture, VAD, speech-to-text, barge-in, speech out, and SSH relay.

Importing this package needs no audio library: numpy, webrtcvad, sounddevice and
faster-whisper are imported only when a `VoiceService` starts, so copilot without the
`voice` extra runs unchanged and `VoiceService.start()` says in one line what is missing.
"""

from copilot.voice.config import VoiceConfig
from copilot.voice.factory import open_voice
from copilot.voice.listen import listen_main
from copilot.voice.remote import RemoteVoice, default_remote_socket
from copilot.voice.service import VoiceService

__all__ = [
    "RemoteVoice",
    "VoiceConfig",
    "VoiceService",
    "default_remote_socket",
    "listen_main",
    "open_voice",
]
