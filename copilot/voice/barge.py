"""Barge-in: speaking over the assistant pauses it at once and, if it is speech, stops it.

Follows the pattern voice agents converged on: an onset (tens of ms of voice) only
*pauses* speech output, because it is often a cough or a click; confirmation (a few
hundred ms of voice) publishes `Interrupt(reason="voice")`, which the engine treats
exactly like Ctrl+C, and silences speech output for good; a false start resumes it.

Everything arrives over the bus, so voice from `copilot listen` on a laptop barges in
on a remote copilot the same way local voice does. Each barge-in leaves a `BargeMark`
with monotonic timestamps, which the tests and the benchmark read.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Protocol

from copilot.bus import Bus
from copilot.bus.events import Interrupt, Lane, StateChanged, VoiceActivity
from copilot.voice.activity import CONFIRMED, FALSE_START, ONSET


class Pausable(Protocol):
    """What barge-in needs from speech output."""

    @property
    def speaking(self) -> bool: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stop(self) -> None: ...


@dataclass(slots=True)
class BargeMark:
    """One barge-in, as it went: when voice began, was paused, interrupted or resumed."""

    onset: float
    onset_event: float
    paused: float | None = None
    interrupted: float | None = None
    resumed: float | None = None


BUSY_STATES = frozenset({"streaming", "tools", "retrying"})


class BargeIn:
    """Watches the engine's state and voice activity; pauses, resumes or interrupts."""

    def __init__(self, bus: Bus, speech: Pausable | None = None) -> None:
        self.bus = bus
        self.speech = speech
        self.engine_state = "idle"
        self.marks: list[BargeMark] = []
        self._armed: BargeMark | None = None
        self._inbox = bus.subscribe("voice-barge-in", lanes=(Lane.CONTROL, Lane.USER))
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="voice-barge-in")

    async def close(self) -> None:
        self._inbox.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    @property
    def assistant_active(self) -> bool:
        """The assistant holds the floor: streaming, running tools, or still speaking."""
        speaking = self.speech is not None and self.speech.speaking
        return self.engine_state in BUSY_STATES or speaking

    async def _run(self) -> None:
        async for event in self._inbox:
            if isinstance(event, StateChanged):
                self.engine_state = event.state
            elif isinstance(event, VoiceActivity):
                self.on_activity(event)

    def on_activity(self, event: VoiceActivity) -> None:
        if event.state == ONSET:
            if not self.assistant_active:
                return
            mark = BargeMark(onset=time.monotonic(), onset_event=event.ts)
            if self.speech is not None:
                self.speech.pause()
                mark.paused = time.monotonic()
            self._armed = mark
            self.marks.append(mark)
            return
        mark, self._armed = self._armed, None
        if mark is None:
            return
        if event.state == CONFIRMED:
            if self.engine_state in BUSY_STATES:
                self.bus.publish(Interrupt(reason="voice", source="voice"))
            if self.speech is not None:
                self.speech.stop()
            mark.interrupted = time.monotonic()
        elif event.state == FALSE_START:
            if self.speech is not None:
                self.speech.resume()
            mark.resumed = time.monotonic()
