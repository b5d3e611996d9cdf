"""Audio out through PortAudio, pausable within one audio block.

The output callback copies buffered samples, or silence while paused; so `pause()` is
a flag the very next callback (one 10 ms block later) honours, with nothing to flush
and nothing lost: `resume()` carries on mid-word. `clear()` forgets everything queued.

The callback records when it last wrote sound and when it first wrote silence after a
pause or a clear, so tests and benchmarks can read latencies the way a listener hears
them rather than when a method was called.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any

import numpy as np

BLOCK_MS = 10


class Player:
    """A sounddevice OutputStream fed from an in-memory queue of int16 chunks."""

    def __init__(self, rate: int, device: str | int | None = None) -> None:
        self.rate = rate
        self.device = device
        self.blocksize = rate * BLOCK_MS // 1000
        self.last_sound_at: float | None = None
        self.silent_since: float | None = None
        self._chunks: collections.deque[np.ndarray] = collections.deque()
        self._queued = 0
        self._paused = False
        self._lock = threading.Lock()
        self._stream: Any = None

    def start(self) -> None:
        import sounddevice as sd

        self._stream = sd.OutputStream(
            samplerate=self.rate,
            channels=1,
            dtype="int16",
            blocksize=self.blocksize,
            latency="low",
            device=self.device,
            callback=self._callback,
        )
        self._stream.start()

    def close(self) -> None:
        """Abort (not stop): stop waits for buffers to drain, abort is immediate."""
        if self._stream is not None:
            self._stream.abort()
            self._stream.close()
            self._stream = None

    def feed(self, samples: np.ndarray) -> None:
        with self._lock:
            self._chunks.append(np.asarray(samples, dtype=np.int16))
            self._queued += len(samples)

    def pause(self) -> None:
        with self._lock:
            self._paused = True

    def resume(self) -> None:
        with self._lock:
            self._paused = False

    def clear(self) -> None:
        with self._lock:
            self._chunks.clear()
            self._queued = 0

    @property
    def queued_samples(self) -> int:
        return self._queued

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        out = np.frombuffer(outdata, dtype=np.int16) if isinstance(outdata, bytes) else outdata
        view = out.reshape(-1)
        written = 0
        with self._lock:
            if not self._paused:
                while written < frames and self._chunks:
                    chunk = self._chunks[0]
                    take = min(frames - written, len(chunk))
                    view[written : written + take] = chunk[:take]
                    written += take
                    if take == len(chunk):
                        self._chunks.popleft()
                    else:
                        self._chunks[0] = chunk[take:]
                self._queued -= written
        view[written:] = 0
        now = time.monotonic()
        if written:
            self.last_sound_at = now
            self.silent_since = None
        elif self.silent_since is None:
            self.silent_since = now
