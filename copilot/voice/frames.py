"""Where 20 ms frames of 16 kHz mono int16 audio come from.

Every source yields the same thing, exact-size frames as `bytes`, so the VAD, the
transcriber and the barge-in logic run unchanged on a real microphone, on a WAV file
replayed at real-time pace, or on a WAV replayed as fast as the machine allows.

`CallbackSource` is the bridge from an audio thread to asyncio: its `callback` has the
PortAudio signature, only copies the block and hands it to the loop with
`call_soon_threadsafe`, and never blocks. Tests call that same callback from their own
thread with WAV blocks, which exercises exactly the path a microphone takes.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import io
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from copilot.voice.config import SAMPLE_RATE

QUEUE_LIMIT_FRAMES = 500
"""Ten seconds of 20 ms frames: if the loop stalls longer, the oldest audio goes."""


class FrameSource(Protocol):
    """Anything that yields fixed-size PCM frames until it is stopped."""

    def frames(self) -> AsyncIterator[bytes]: ...

    async def stop(self) -> None: ...


class Reframer:
    """Cuts arbitrary blocks into frames of exactly `frame_bytes` (PortAudio may not)."""

    def __init__(self, frame_bytes: int) -> None:
        self.frame_bytes = frame_bytes
        self._pending = bytearray()

    def push(self, block: bytes) -> list[bytes]:
        self._pending += block
        size = self.frame_bytes
        count = len(self._pending) // size
        out = [bytes(self._pending[i * size : (i + 1) * size]) for i in range(count)]
        del self._pending[: count * size]
        return out


class CallbackSource:
    """Frames pushed from another thread by `callback`, read on the loop by `frames()`.

    Must be built on the loop that reads it (it captures the running loop).
    """

    def __init__(self, frame_bytes: int, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self.loop = loop or asyncio.get_running_loop()
        self.dropped = 0
        self._reframer = Reframer(frame_bytes)
        self._queue: collections.deque[bytes] = collections.deque()
        self._ready = asyncio.Event()
        self._closed = False

    def callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        """PortAudio's input callback (runs on its thread): copy, hand over, return."""
        data = bytes(indata)
        with contextlib.suppress(RuntimeError):  # the loop closed under a running stream
            self.loop.call_soon_threadsafe(self._put, data)

    def _put(self, block: bytes) -> None:
        for frame in self._reframer.push(block):
            if len(self._queue) >= QUEUE_LIMIT_FRAMES:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(frame)
        self._ready.set()

    async def frames(self) -> AsyncIterator[bytes]:
        while True:
            while self._queue:
                yield self._queue.popleft()
            if self._closed:
                return
            self._ready.clear()
            await self._ready.wait()

    def close(self) -> None:
        """End `frames()` once the queued frames are read."""
        self._closed = True
        self.loop.call_soon_threadsafe(self._ready.set)

    async def stop(self) -> None:
        self.close()


class ArraySource:
    """Frames from samples in memory, at real-time pace (`speed=1`) or faster.

    Pacing uses absolute deadlines, so a slow iteration does not accumulate drift; with
    `speed=0` frames come as fast as the reader takes them (benchmarks, STT tests).
    """

    def __init__(self, samples: np.ndarray, frame_samples: int, speed: float = 1.0) -> None:
        self.samples = np.asarray(samples, dtype=np.int16)
        self.frame_samples = frame_samples
        self.speed = speed
        self.started_at: float | None = None
        self._stopped = False

    async def frames(self) -> AsyncIterator[bytes]:
        n = self.frame_samples
        count = len(self.samples) // n
        frame_s = n / SAMPLE_RATE
        self.started_at = time.monotonic()
        for i in range(count):
            if self._stopped:
                return
            if self.speed > 0:
                delay = self.started_at + (i + 1) * frame_s / self.speed - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            yield self.samples[i * n : (i + 1) * n].tobytes()

    async def stop(self) -> None:
        self._stopped = True


def resample(samples: np.ndarray, rate: int, target: int = SAMPLE_RATE) -> np.ndarray:
    """Linear-interpolation resampling: enough for speech into VAD and Whisper."""
    if rate == target or len(samples) == 0:
        return samples.astype(np.int16)
    duration = len(samples) / rate
    count = round(duration * target)
    positions = np.arange(count) * (rate / target)
    out = np.interp(positions, np.arange(len(samples)), samples.astype(np.float64))
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def decode_wav(data: bytes) -> tuple[np.ndarray, int]:
    """Mono int16 samples and the rate from a 16-bit WAV, tolerating streamed headers.

    espeak-ng writing to a pipe cannot know the length up front and leaves a huge size
    in the header, so the `data` chunk is found by hand rather than with `wave`.
    """
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file")
    pos = 12
    rate = channels = bits = 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], "little")
        body = pos + 8
        if chunk == b"fmt ":
            channels = int.from_bytes(data[body + 2 : body + 4], "little")
            rate = int.from_bytes(data[body + 4 : body + 8], "little")
            bits = int.from_bytes(data[body + 14 : body + 16], "little")
        elif chunk == b"data":
            if bits != 16 or channels < 1:
                raise ValueError(f"need 16-bit PCM, got {bits}-bit x{channels}")
            payload = data[body : body + min(size, len(data) - body)]
            payload = payload[: len(payload) - len(payload) % (2 * channels)]
            samples = np.frombuffer(payload, dtype="<i2").reshape(-1, channels)
            return samples.mean(axis=1).astype(np.int16) if channels > 1 else samples[:, 0], rate
        pos = body + size + (size & 1)
    raise ValueError("WAV without a data chunk")


def read_wav(path: Path) -> np.ndarray:
    """A WAV file as 16 kHz mono int16, whatever its rate and channel count."""
    samples, rate = decode_wav(Path(path).read_bytes())
    return resample(samples, rate)


def encode_wav(samples: np.ndarray, rate: int = SAMPLE_RATE) -> bytes:
    """16-bit mono WAV bytes (what a transcription API accepts as a file)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(np.asarray(samples, dtype="<i2").tobytes())
    return buffer.getvalue()
