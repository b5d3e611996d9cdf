"""Voice settings: one frozen dataclass the service, the CLI and `copilot listen` share.

Voice is off unless the user turns it on, and everything here has a default that works
on a laptop with a microphone, so `[voice] enabled = true` is the whole setup.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

SAMPLE_RATE = 16_000
"""What webrtcvad and Whisper both want: 16 kHz mono 16-bit."""

MODES = ("push", "hands-free")
BACKENDS = ("local", "openai", "none")
"""`none`: no speech-to-text, VAD and barge-in only."""


@dataclass(frozen=True, slots=True)
class VoiceConfig:
    """How voice listens, detects speech, transcribes and speaks.

    `confirm_ms` is how much speech turns an onset into a barge-in: long enough that a
    cough or a keyboard click is a false start, short enough that an interruption still
    feels immediate. `offset_ms` of silence ends an utterance in hands-free mode.
    """

    enabled: bool = False
    mode: str = "push"
    send_on_final: bool = False
    speak: bool = False
    vad_aggressiveness: int = 2
    confirm_ms: int = 300
    model_path: str | None = None
    backend: str = "local"
    openai_key_env: str = "OPENAI_API_KEY"
    openai_base_url: str = "https://api.openai.com"
    openai_model: str = "whisper-1"
    frame_ms: int = 20
    onset_ms: int = 40
    false_start_ms: int = 200
    offset_ms: int = 600
    preroll_ms: int = 300
    partial_interval_s: float = 0.7
    input_device: str | int | None = None
    output_device: str | int | None = None
    espeak_voice: str = "en"
    espeak_rate: int = 175

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"voice mode must be one of {', '.join(MODES)}, not {self.mode!r}")
        if self.backend not in BACKENDS:
            raise ValueError(f"voice backend must be one of {', '.join(BACKENDS)}")
        if not 0 <= self.vad_aggressiveness <= 3:
            raise ValueError("vad_aggressiveness must be 0..3")
        if self.frame_ms not in (10, 20, 30):
            raise ValueError("frame_ms must be 10, 20 or 30 (what webrtcvad accepts)")

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any] | object) -> VoiceConfig:
        """Build from a TOML `[voice]` table or any object with same-named attributes.

        Unknown keys are ignored, so an older copilot reads a newer config file.
        """
        names = {f.name for f in fields(cls)}
        if isinstance(settings, Mapping):
            values = {k: v for k, v in settings.items() if k in names}
        else:
            values = {n: getattr(settings, n) for n in names if hasattr(settings, n)}
        return cls(**values)

    @property
    def frame_samples(self) -> int:
        return SAMPLE_RATE * self.frame_ms // 1000

    @property
    def frame_bytes(self) -> int:
        return self.frame_samples * 2
