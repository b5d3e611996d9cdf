"""The microphone: a PortAudio input stream at 16 kHz mono int16, one frame per block.

The PortAudio callback is `CallbackSource.callback`: copy the block, hand it to the
loop, return. Nothing in it waits on a lock the loop holds, allocates much, or logs.
"""

from __future__ import annotations

import asyncio
from typing import Any

from copilot.voice.config import SAMPLE_RATE, VoiceConfig
from copilot.voice.frames import CallbackSource


class MicrophoneSource(CallbackSource):
    """Frames from the default (or configured) input device."""

    def __init__(self, config: VoiceConfig, loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config.frame_bytes, loop)
        self.config = config
        self._stream: Any = None

    async def open(self) -> None:
        """Open and start the stream off the loop (ALSA can take tens of ms to open)."""
        await asyncio.to_thread(self._open)

    def _open(self) -> None:
        import sounddevice as sd

        stream = sd.RawInputStream(
            samplerate=SAMPLE_RATE,
            channels=1,
            dtype="int16",
            blocksize=self.config.frame_samples,
            latency="low",
            device=self.config.input_device,
            callback=self.callback,
        )
        stream.start()
        self._stream = stream

    async def stop(self) -> None:
        """Abort, not stop: PortAudio's stop waits for buffers and can hang on ALSA/pulse."""
        stream, self._stream = self._stream, None
        if stream is not None:
            await asyncio.to_thread(_abort, stream)
        self.close()


def _abort(stream: Any) -> None:
    stream.abort()
    stream.close()
