"""`VoiceService`: local voice for one copilot, started and stopped with it.

`start()` checks what is there (extra, PortAudio, a microphone, a speech model,
espeak-ng and an output device when speech out is on), publishes one `VoiceStatus`
saying so, and only then starts anything. Every optional module is imported inside
`start()`, so a copilot without the voice extra never imports numpy or sounddevice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from copilot.bus import Bus
from copilot.bus.events import VoiceStatus
from copilot.voice.config import VoiceConfig
from copilot.voice.probe import probe_libraries, probe_microphone, probe_speaker

if TYPE_CHECKING:
    from copilot.voice.barge import BargeIn
    from copilot.voice.frames import FrameSource
    from copilot.voice.pipeline import VoicePipeline
    from copilot.voice.speech_out import Speaker
    from copilot.voice.stt import Transcriber

log = logging.getLogger(__name__)


class VoiceService:
    """Capture -> VAD -> transcripts and barge-in, plus optional speech out.

    `source` and `transcriber` default to the microphone and the configured backend;
    tests and benchmarks pass a WAV-driven source to run the same pipeline.
    """

    no_microphone_hint = "; over SSH, run `copilot listen` on the laptop"
    """Added to the no-microphone line; `copilot listen` (on the laptop) clears it."""

    def __init__(
        self,
        bus: Bus,
        config: VoiceConfig,
        *,
        source: FrameSource | None = None,
        transcriber: Transcriber | None = None,
    ) -> None:
        self.bus = bus
        self.config = config
        self.source = source
        self.transcriber = transcriber
        self.pipeline: VoicePipeline | None = None
        self.barge: BargeIn | None = None
        self.speaker: Speaker | None = None
        self.status = VoiceStatus(available=False, mode="off", detail="not started")
        self._task: asyncio.Task[None] | None = None
        self._push_down = False
        self._warming: asyncio.Task[None] | None = None

    async def start(self) -> VoiceStatus:
        """Start what can start; publish and return the one-line status."""
        try:
            self.status = await self._start()
        except Exception as exc:  # a broken install must never stop copilot
            log.exception("voice failed to start")
            await self._teardown()
            self.status = VoiceStatus(available=False, mode="off", detail=f"voice failed: {exc}")
        self.status.source = "voice"
        self.bus.publish(self.status)
        return self.status

    async def _start(self) -> VoiceStatus:
        config = self.config
        if not config.enabled:
            return VoiceStatus(available=False, mode="off", detail="voice is off (voice.enabled)")
        libraries = probe_libraries()
        if not libraries.ok:
            return VoiceStatus(available=False, mode="off", detail=libraries.detail)
        if self.source is None:
            microphone = await asyncio.to_thread(probe_microphone, config)
            if not microphone.ok:
                detail = microphone.detail + self.no_microphone_hint
                return VoiceStatus(available=False, mode="off", detail=detail)
        notes: list[str] = []
        transcriber = self.transcriber or self._make_transcriber(notes)
        self.transcriber = transcriber
        from copilot.voice.barge import BargeIn
        from copilot.voice.pipeline import VoicePipeline
        from copilot.voice.vad import webrtc_classifier

        if config.speak:
            self.speaker = await self._make_speaker(notes)
        self.barge = BargeIn(self.bus, self.speaker)
        self.barge.start()
        self.pipeline = VoicePipeline(
            self.bus, config, webrtc_classifier(config.vad_aggressiveness), transcriber
        )
        if config.mode == "push" and self._push_down:
            self.pipeline.set_listening(True)
        if self.source is None:
            from copilot.voice.capture import MicrophoneSource

            microphone_source = MicrophoneSource(config)
            await microphone_source.open()
            self.source = microphone_source
        self._task = asyncio.create_task(self.pipeline.run(self.source), name="voice-pipeline")
        if transcriber is not None:
            self._warming = asyncio.create_task(transcriber.warm(), name="voice-warm")
            notes.insert(0, f"speech-to-text: {transcriber.name}")
        return VoiceStatus(available=True, mode=config.mode, detail="; ".join(notes))

    def _make_transcriber(self, notes: list[str]) -> Transcriber | None:
        from copilot.voice.stt import TranscriberUnavailable, make_transcriber

        try:
            return make_transcriber(self.config)
        except TranscriberUnavailable as exc:
            notes.append(f"no transcripts ({exc}); barge-in only")
            return None

    async def _make_speaker(self, notes: list[str]) -> Speaker | None:
        from copilot.voice.player import Player
        from copilot.voice.speech_out import ESPEAK_RATE, Speaker

        output = await asyncio.to_thread(probe_speaker, self.config)
        if not output.ok:
            notes.append(f"speech out off: {output.detail}")
            return None
        try:
            speaker = Speaker(
                self.bus,
                Player(ESPEAK_RATE, self.config.output_device),
                voice=self.config.espeak_voice,
                rate=self.config.espeak_rate,
            )
            speaker.start()
        except Exception as exc:
            notes.append(f"speech out off: {exc}")
            return None
        return speaker

    def set_mode(self, mode: str) -> None:
        """Switch between push-to-talk and hands-free (a remote client's hello does)."""
        self.config = replace(self.config, mode=mode)
        if self.pipeline is not None:
            self.pipeline.config = self.config
            self.pipeline.set_listening(mode == "hands-free")

    async def wait_source_end(self) -> None:
        """Until the source ran out (a replayed WAV) and its transcripts are out."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.pipeline is not None:
            self.pipeline.set_listening(False)
            await self.pipeline.drain()

    # --- push-to-talk -------------------------------------------------------------

    def push(self, down: bool) -> None:
        """Push-to-talk key pressed (True) or released (False); no-op in hands-free.

        A press that comes while the service is still starting is kept and applied."""
        self._push_down = down
        if self.pipeline is not None and self.config.mode == "push":
            self.pipeline.set_listening(down)

    def toggle(self) -> bool:
        """For terminals without key-release events: press once to talk, again to send."""
        listening = self.pipeline is not None and self.pipeline.listening
        self.push(not listening)
        return not listening

    @property
    def listening(self) -> bool:
        return self.pipeline is not None and self.pipeline.listening

    # --- teardown -------------------------------------------------------------------

    async def stop(self) -> None:
        await self._teardown()

    async def _teardown(self) -> None:
        if self._warming is not None:
            with contextlib.suppress(Exception):
                await self._warming
        if self.source is not None:
            with contextlib.suppress(Exception):
                await self.source.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
        if self.pipeline is not None:
            await self.pipeline.close()
        if self.barge is not None:
            await self.barge.close()
        if self.speaker is not None:
            await self.speaker.close()
        if self.transcriber is not None:
            with contextlib.suppress(Exception):
                await self.transcriber.close()
