"""Speech out: the answer read aloud sentence by sentence while it streams.

Each finished sentence is synthesised by espeak-ng (`--stdout`, a WAV on a pipe) in its
own process group and queued on the `Player`. Barge-in calls `pause()` at voice onset
and `resume()` after a false start; an `Interrupt` on the bus (Ctrl+C, Esc, confirmed
speech) and `stop()` kill the synthesiser's group and drop everything queued at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import time

from copilot.bus import Bus
from copilot.bus.events import AssistantDelta, AssistantDone, AssistantStarted, Interrupt, Lane
from copilot.voice.frames import decode_wav
from copilot.voice.player import Player
from copilot.voice.sentences import SentenceSplitter

ESPEAK_RATE = 22_050
"""espeak-ng's native output rate: the player runs at it, so nothing is resampled."""


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng") or shutil.which("espeak")


class Speaker:
    """Subscribes to the assistant's text and speaks it; pausable and stoppable."""

    def __init__(self, bus: Bus, player: Player, voice: str = "en", rate: int = 175) -> None:
        binary = espeak_binary()
        if binary is None:
            raise FileNotFoundError("espeak-ng is not installed")
        self.bus = bus
        self.player = player
        self.binary = binary
        self.voice = voice
        self.rate = rate
        self.stopped_at: float | None = None
        self._splitter = SentenceSplitter()
        self._sentences: asyncio.Queue[str] = asyncio.Queue()
        self._process: asyncio.subprocess.Process | None = None
        self._generation = 0
        self._inbox = bus.subscribe("voice-speaker", lanes=(Lane.CONTROL, Lane.ASSISTANT))
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self.player.start()
        self._tasks = [
            asyncio.create_task(self._listen(), name="voice-speaker-events"),
            asyncio.create_task(self._synthesise(), name="voice-speaker-synth"),
        ]

    @property
    def speaking(self) -> bool:
        """Sound is queued, being made, or waiting to be made (paused counts)."""
        return (
            self.player.queued_samples > 0
            or self._process is not None
            or not self._sentences.empty()
        )

    def pause(self) -> None:
        self.player.pause()

    def resume(self) -> None:
        self.player.resume()

    def stop(self) -> None:
        """Silence now: drop queued sentences and audio, kill the synthesiser's group."""
        self._generation += 1
        self._splitter = SentenceSplitter()
        while not self._sentences.empty():
            self._sentences.get_nowait()
        self.player.clear()
        self.player.resume()
        process = self._process
        if process is not None and process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
        self.stopped_at = time.monotonic()

    async def close(self) -> None:
        self.stop()
        self._inbox.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.player.close()

    async def _listen(self) -> None:
        async for event in self._inbox:
            if isinstance(event, Interrupt):
                self.stop()
            elif isinstance(event, AssistantStarted):
                self._splitter = SentenceSplitter()
            elif isinstance(event, AssistantDelta):
                for sentence in self._splitter.feed(event.text):
                    self._sentences.put_nowait(sentence)
            elif isinstance(event, AssistantDone):
                sentences = [] if event.interrupted else self._splitter.flush()
                for sentence in sentences:
                    self._sentences.put_nowait(sentence)
                self._splitter = SentenceSplitter()

    async def _synthesise(self) -> None:
        while True:
            sentence = await self._sentences.get()
            generation = self._generation
            pcm = await self._espeak(sentence)
            if pcm is not None and generation == self._generation:
                samples, rate = decode_wav(pcm)
                if rate == self.player.rate:
                    self.player.feed(samples)

    async def _espeak(self, sentence: str) -> bytes | None:
        argv = [self.binary, "--stdout", "-v", self.voice, "-s", str(self.rate), "--", sentence]
        self._process = await asyncio.create_subprocess_exec(
            *argv,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            out, _ = await self._process.communicate()
        finally:
            process, self._process = self._process, None
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                await process.wait()
        return out if process.returncode == 0 else None
