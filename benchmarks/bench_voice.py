"""Voice: VAD onset latency, onset to speech output paused, onset to the model stream
closed, and speech-to-text real-time factor.

- VAD onset: espeak-ng speech replayed at real-time pace through the pipeline; from the
  first audible sample to the `VoiceActivity("onset")` event. Baseline: the endpointer's
  own rule (`onset_ms`), the floor any frame-based onset has.
- Onset to paused: through real PortAudio into a private PulseAudio (pipe source as the
  microphone, pipe sink as the speaker) while espeak-ng speaks; from the onset event to
  the player's first silent block (what the device is handed) and to the last loud
  block read from the sink (what a listener hears).
- Onset to stream closed: a real `Runtime` (no tools, no sensors) streaming from the
  stand-in Anthropic server; voice publishes on its bus; from the onset event to the
  server seeing the client leave. Includes the `confirm_ms` wait by design.
- Real-time factor: faster-whisper tiny.en int8 on CPU, decode time / audio duration.
"""

from __future__ import annotations

import asyncio
import time

import numpy as np

from benchmarks.figures import Figure, figure, median, percentile
from benchmarks.pilot_app import isolated
from copilot.bus import Bus
from copilot.bus.events import AssistantDelta, AssistantStarted, StateChanged, VoiceActivity
from copilot.config import load
from copilot.engine.runtime import Runtime
from copilot.voice import VoiceConfig, VoiceService
from copilot.voice.frames import ArraySource
from copilot.voice.stt import WhisperTranscriber
from tests.standin import Reply, StandinServer
from tests.voice.helpers import RATE, SENTENCE, pulseaudio, speech, wait_for, word_error_rate

LOUD = 500
ANSWER = " ".join(f"Sentence {n} of an answer long enough to keep talking." for n in range(10))


def _speech_start_s(samples: np.ndarray) -> float:
    return float(np.argmax(np.abs(samples.astype(np.int32)) > LOUD)) / RATE


async def _onset_latency(samples: np.ndarray) -> float:
    bus = Bus()
    sub = bus.subscribe("bench")
    config = VoiceConfig(enabled=True, mode="hands-free", backend="none")
    source = ArraySource(samples, config.frame_samples, speed=1.0)
    service = VoiceService(bus, config, source=source)
    try:
        await service.start()
        seen = await wait_for(sub, lambda e: isinstance(e, VoiceActivity), timeout=20)
    finally:
        await service.stop()
    assert source.started_at is not None
    return seen[-1].ts - (source.started_at + _speech_start_s(samples))


async def _paused_latency(pulse: object, samples: np.ndarray) -> tuple[float, float]:
    bus = Bus()
    sub = bus.subscribe("bench")
    config = VoiceConfig(enabled=True, mode="hands-free", speak=True, backend="none")
    service = VoiceService(bus, config)
    try:
        status = await service.start()
        if service.speaker is None:
            raise RuntimeError(f"speech out did not start: {status.detail}")
        bus.publish(StateChanged(state="streaming", floor="assistant"))
        bus.publish(AssistantStarted(message_id="b"))
        bus.publish(AssistantDelta(message_id="b", text=ANSWER))
        while pulse.last_sound() is None:  # type: ignore[attr-defined]
            await asyncio.sleep(0.01)
        feeding = asyncio.create_task(asyncio.to_thread(pulse.play_into_mic, samples))  # type: ignore[attr-defined]
        seen = await wait_for(sub, lambda e: isinstance(e, VoiceActivity), timeout=20)
        onset = seen[-1].ts
        await feeding
        await asyncio.sleep(0.5)
        player = service.speaker.player
        assert player.silent_since is not None
        heard = pulse.last_sound()  # type: ignore[attr-defined]
        return player.silent_since - onset, heard - onset
    finally:
        await service.stop()


async def _stream_closed_latency(srv: StandinServer, samples: np.ndarray) -> tuple[float, float]:
    with isolated(srv.base_url) as folder:
        workspace = folder / "workspace"
        runtime = Runtime(
            config=load(workspace, env={}),
            workspace=workspace,
            db_path=folder / "copilot.db",
            tools=False,
            sense=False,
        )
        await runtime.start()
        voice: VoiceService | None = None
        try:
            problem = await runtime.load_model()
            if problem:
                raise RuntimeError(problem)
            sub = runtime.bus.subscribe("bench")
            srv.script(Reply.stream_forever(tokens_per_s=100))
            index = len(srv.requests)
            from copilot.bus.events import UserInput

            runtime.bus.publish(UserInput(text="talk"))
            await wait_for(sub, lambda e: isinstance(e, AssistantDelta), timeout=20)
            config = VoiceConfig(enabled=True, mode="hands-free", backend="none")
            source = ArraySource(samples, config.frame_samples, speed=1.0)
            voice = VoiceService(runtime.bus, config, source=source)
            await voice.start()
            assert voice.barge is not None
            voice.barge.engine_state = "streaming"  # the StateChanged came before it subscribed
            seen = await wait_for(
                sub, lambda e: isinstance(e, VoiceActivity) and e.state == "onset", timeout=20
            )
            onset = seen[-1].ts
            closed = await asyncio.to_thread(srv.wait_disconnect, 20.0, request_index=index)
            # stopping while the engine still handles the Interrupt loses the stop (an
            # engine race reported to the lead): let the turn end first
            await wait_for(
                sub, lambda e: isinstance(e, StateChanged) and e.state == "idle", timeout=20
            )
            assert source.started_at is not None
            return closed - onset, closed - (source.started_at + _speech_start_s(samples))
        finally:
            if voice is not None:
                await voice.stop()
            await runtime.stop()


def _real_time_factor(samples: np.ndarray, runs: int) -> tuple[list[float], float]:
    transcriber = WhisperTranscriber.from_config(VoiceConfig())
    transcriber.load()
    factors, wer = [], 0.0
    for _ in range(runs):
        started = time.perf_counter()
        text = transcriber._run(samples)
        factors.append((time.perf_counter() - started) / (len(samples) / RATE))
        wer = word_error_rate(SENTENCE, text)
    return factors, wer


def run(quick: bool) -> list[Figure]:
    runs = 1 if quick else 5
    samples = speech(lead_s=0.5, tail_s=1.0)
    figures: list[Figure] = []

    onsets = [asyncio.run(_onset_latency(samples)) * 1000 for _ in range(runs)]
    figures.append(
        figure(
            "voice: vad onset latency p50",
            percentile(onsets, 50),
            "ms",
            "<= 80 ms",
            limit=80.0,
            baseline=float(VoiceConfig().onset_ms),
            note=f"{runs} runs, real-time replay; baseline = the onset_ms rule",
        )
    )

    paused, heard = [], []
    with pulseaudio() as pulse:
        for _ in range(runs):
            device, sink = asyncio.run(_paused_latency(pulse, speech(lead_s=0.3, tail_s=0.3)))
            paused.append(device * 1000)
            heard.append(sink * 1000)
    figures.append(
        figure(
            "voice: onset -> speech out paused p50",
            percentile(paused, 50),
            "ms",
            "<= 150 ms",
            limit=150.0,
            note=f"{runs} runs; first silent block handed to PortAudio",
        )
    )
    figures.append(
        figure(
            "voice: onset -> silence at the sink p50",
            percentile(heard, 50),
            "ms",
            "<= 150 ms",
            limit=150.0,
            note="last loud block read from the PulseAudio pipe sink",
        )
    )

    closed, from_speech = [], []
    with StandinServer() as srv:
        for _ in range(runs):
            a, b = asyncio.run(_stream_closed_latency(srv, samples))
            closed.append(a * 1000)
            from_speech.append(b * 1000)
    figures.append(
        figure(
            "voice: onset -> model stream closed p50",
            percentile(closed, 50),
            "ms",
            "<= 600 ms",
            limit=600.0,
            baseline=float(VoiceConfig().confirm_ms),
            note=f"{runs} runs; includes confirm_ms (baseline); speech start -> closed "
            f"p50 {median(from_speech):.0f} ms",
        )
    )

    factors, wer = _real_time_factor(samples, 2 if quick else 4)
    figures.append(
        figure(
            "voice: speech-to-text real-time factor",
            median(factors),
            "x",
            "< 1 (partials keep up)",
            limit=1.0,
            note=f"tiny.en int8, 2 threads, {len(samples) / RATE:.1f} s audio, WER {wer:.2f}",
        )
    )
    return figures
