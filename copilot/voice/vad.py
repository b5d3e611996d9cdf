"""Voice activity endpointing: onset, confirmation, false start and offset from frames.

webrtcvad classifies each frame as voiced or not; `Endpointer` turns that stream of
booleans into the four moments barge-in and transcription care about:

- `onset`: a few voiced frames in a row (tens of ms). Cheap and early, often wrong:
  barge-in only *pauses* speech output on it.
- `confirmed`: enough voiced frames since the onset (`confirm_ms`, ~300 ms) that it is
  speech and not a cough or a click: barge-in interrupts the turn.
- `false_start`: the sound stopped before confirmation: barge-in resumes.
- `offset`: a confirmed utterance was followed by `offset_ms` of silence.

The state machine is pure (no audio library), so its rules are tested with plain lists.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from copilot.voice.activity import CONFIRMED, FALSE_START, OFFSET, ONSET
from copilot.voice.config import SAMPLE_RATE, VoiceConfig

SILENCE, PENDING, SPEECH = "silence", "pending", "speech"


@dataclass(frozen=True, slots=True)
class EndpointRules:
    """Thresholds in frames, derived once from the config's milliseconds."""

    onset_frames: int
    confirm_frames: int
    false_start_frames: int
    offset_frames: int

    @classmethod
    def from_config(cls, config: VoiceConfig) -> EndpointRules:
        def frames(ms: int) -> int:
            return max(1, math.ceil(ms / config.frame_ms))

        return cls(
            onset_frames=frames(config.onset_ms),
            confirm_frames=frames(config.confirm_ms),
            false_start_frames=frames(config.false_start_ms),
            offset_frames=frames(config.offset_ms),
        )


class Endpointer:
    """Feeds on one voiced/unvoiced decision per frame; returns the transition, if any.

    Confirmation counts voiced frames, not elapsed time, so a short burst with a long
    reverberant tail does not add up to speech; short gaps inside words (stops,
    breaths) neither reset the count nor end the onset.
    """

    def __init__(self, rules: EndpointRules) -> None:
        self.rules = rules
        self.state = SILENCE
        self._voiced_run = 0
        self._voiced = 0
        self._silent_run = 0

    def reset(self) -> None:
        self.state = SILENCE
        self._voiced_run = self._voiced = self._silent_run = 0

    def step(self, voiced: bool) -> str | None:
        rules = self.rules
        if self.state == SILENCE:
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run >= rules.onset_frames:
                self.state, self._voiced, self._silent_run = PENDING, self._voiced_run, 0
                return ONSET
            return None
        if voiced:
            self._silent_run = 0
            self._voiced += 1
            if self.state == PENDING and self._voiced >= rules.confirm_frames:
                self.state = SPEECH
                return CONFIRMED
            return None
        self._silent_run += 1
        if self.state == PENDING and self._silent_run >= rules.false_start_frames:
            self.reset()
            return FALSE_START
        if self.state == SPEECH and self._silent_run >= rules.offset_frames:
            self.reset()
            return OFFSET
        return None

    def finish(self) -> str | None:
        """The input ended (push-to-talk released): close whatever is open."""
        state = self.state
        self.reset()
        return {PENDING: FALSE_START, SPEECH: OFFSET}.get(state)


def frame_level(frame: bytes) -> float:
    """Loudness in 0..1: RMS in dBFS mapped from -60 dB (0) to 0 dB (1), for a meter."""
    samples = np.frombuffer(frame, dtype=np.int16).astype(np.float32)
    if samples.size == 0:
        return 0.0
    rms = float(np.sqrt(np.mean(samples * samples))) / 32768.0
    if rms <= 1e-6:
        return 0.0
    return min(1.0, max(0.0, (20.0 * math.log10(rms) + 60.0) / 60.0))


def webrtc_classifier(aggressiveness: int) -> Callable[[bytes], bool]:
    """webrtcvad's per-frame decision at 16 kHz (microseconds per frame)."""
    import webrtcvad

    vad = webrtcvad.Vad(aggressiveness)

    def is_speech(frame: bytes) -> bool:
        return bool(vad.is_speech(frame, SAMPLE_RATE))

    return is_speech
