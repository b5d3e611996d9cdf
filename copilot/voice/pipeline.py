"""Frames in, `VoiceActivity` and `Transcript` events out.

One `VoicePipeline` serves both modes. Hands-free: the endpointer opens an utterance at
onset (with a little audio from before it, so the first syllable is not clipped),
throws it away on a false start and transcribes it at offset. Push-to-talk: the key
opens and closes the utterance; VAD events still flow so barge-in and a level meter work.

While an utterance grows, partial transcripts are made from the whole buffer every
`partial_interval_s`, one at a time: if decoding is slower than speech, partials come
less often rather than piling up. The final transcript always comes after the last
partial of its utterance, and a partial never arrives after its final.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Coroutine
from typing import Any

import numpy as np

from copilot.bus import Bus
from copilot.bus.events import Notice, Transcript, UserActivity, VoiceActivity
from copilot.voice.activity import CONFIRMED, FALSE_START, OFFSET, ONSET
from copilot.voice.config import VoiceConfig
from copilot.voice.delivery import deliver_final
from copilot.voice.frames import FrameSource
from copilot.voice.stt import Transcriber
from copilot.voice.vad import Endpointer, EndpointRules, frame_level

log = logging.getLogger(__name__)


class _Utterance:
    """Audio of one utterance and the bookkeeping of its transcriptions."""

    def __init__(self, frames: list[bytes]) -> None:
        self.id = uuid.uuid4().hex[:12]
        self.frames = frames
        self.heard = False
        self.last_partial_at = 0.0
        self.partial: asyncio.Task[None] | None = None

    def samples(self) -> np.ndarray:
        return np.frombuffer(b"".join(self.frames), dtype=np.int16)


class VoicePipeline:
    """Runs VAD per frame, publishes what it finds, and drives transcription."""

    def __init__(
        self,
        bus: Bus,
        config: VoiceConfig,
        is_speech: Callable[[bytes], bool],
        transcriber: Transcriber | None,
        source: str = "voice",
    ) -> None:
        self.bus = bus
        self.config = config
        self.is_speech = is_speech
        self.transcriber = transcriber
        self.source = source
        self.endpointer = Endpointer(EndpointRules.from_config(config))
        self.listening = config.mode == "hands-free"
        self._preroll: collections.deque[bytes] = collections.deque(
            maxlen=max(1, config.preroll_ms // config.frame_ms)
        )
        self._utterance: _Utterance | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # --- input ------------------------------------------------------------------

    async def run(self, source: FrameSource) -> None:
        """Consume the source until it ends or this task is cancelled."""
        async for frame in source.frames():
            self.feed(frame)

    def feed(self, frame: bytes) -> None:
        """One frame: classify, step the endpointer, act on the transition."""
        if not self.listening:
            self._preroll.append(frame)
            return
        voiced = self.is_speech(frame)
        transition = self.endpointer.step(voiced)
        utterance = self._utterance
        if utterance is not None:
            utterance.frames.append(frame)
        elif transition == ONSET and self.config.mode == "hands-free":
            utterance = self._utterance = _Utterance([*self._preroll, frame])
        self._preroll.append(frame)
        if transition is not None:
            self._on_transition(transition, frame_level(frame))
        if utterance is not None and utterance.heard:
            self._maybe_partial(utterance)

    def set_listening(self, on: bool) -> None:
        """Push-to-talk: the key went down (open an utterance) or up (close it)."""
        if on == self.listening:
            return
        self.listening = on
        if on:
            self.endpointer.reset()
            if self.config.mode == "push":
                self._utterance = _Utterance(list(self._preroll)[-2:])
            return
        transition = self.endpointer.finish()
        if transition is not None:
            self._publish_activity(transition, 0.0)
        utterance, self._utterance = self._utterance, None
        if utterance is not None and utterance.heard:
            self._finalize(utterance)
        elif utterance is not None:
            self._end_activity()

    # --- transitions --------------------------------------------------------------

    def _on_transition(self, transition: str, level: float) -> None:
        self._publish_activity(transition, level)
        utterance = self._utterance
        if transition == ONSET and utterance is not None:
            utterance.heard = True
            utterance.last_partial_at = time.monotonic()
        elif transition == CONFIRMED:
            self.bus.publish(UserActivity(active=True, source=self.source))
        elif self.config.mode == "push":
            return
        elif transition == FALSE_START:
            self._utterance = None
        elif transition == OFFSET and utterance is not None:
            self._utterance = None
            self._finalize(utterance)

    def _publish_activity(self, state: str, level: float) -> None:
        self.bus.publish(VoiceActivity(state=state, level=level, source=self.source))

    def _end_activity(self) -> None:
        self.bus.publish(UserActivity(active=False, source=self.source))

    # --- transcription ------------------------------------------------------------

    def _maybe_partial(self, utterance: _Utterance) -> None:
        transcriber = self.transcriber
        if transcriber is None or not transcriber.partials:
            return
        if utterance.partial is not None and not utterance.partial.done():
            return
        now = time.monotonic()
        if now - utterance.last_partial_at < self.config.partial_interval_s:
            return
        utterance.last_partial_at = now
        utterance.partial = self._spawn(self._partial(utterance, utterance.samples()))

    async def _partial(self, utterance: _Utterance, samples: np.ndarray) -> None:
        assert self.transcriber is not None
        text = await self.transcriber.transcribe(samples)
        if utterance.partial is not None and self._utterance is utterance and text:
            self.bus.publish(
                Transcript(utterance_id=utterance.id, text=text, final=False, source=self.source)
            )

    def _finalize(self, utterance: _Utterance) -> None:
        self._spawn(self._final(utterance))

    async def _final(self, utterance: _Utterance) -> None:
        try:
            if utterance.partial is not None:
                with contextlib.suppress(Exception):
                    await utterance.partial
            text = ""
            if self.transcriber is not None:
                text = await self.transcriber.transcribe(utterance.samples())
            self.bus.publish(
                Transcript(utterance_id=utterance.id, text=text, final=True, source=self.source)
            )
            deliver_final(self.bus, self.config, text, self.source)
        finally:
            self._end_activity()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        log.warning("transcription failed: %s", exc)
        text = f"Voice: transcription failed ({exc})."
        self.bus.publish(Notice(level="warning", text=text, source=self.source))

    async def drain(self) -> None:
        """Wait for transcriptions in flight (tests, and a clean stop)."""
        while self._tasks:
            await asyncio.gather(*tuple(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in tuple(self._tasks):
            task.cancel()
        await asyncio.gather(*tuple(self._tasks), return_exceptions=True)
