"""Shared by the voice tests and the voice benchmark: audio made at test time, a
private PulseAudio server, and the rule for missing dependencies.

No binary fixtures: speech comes from espeak-ng, bursts from numpy, and the
"microphone" and "speaker" are PulseAudio pipe modules fed and drained by threads.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from copilot.bus import Bus
from copilot.bus.events import Event

if TYPE_CHECKING:
    import numpy as np

RATE = 16_000
SENTENCE = "Run the tests again and explain why the last one failed."


def require(*modules: str, binaries: tuple[str, ...] = ()) -> None:
    """Skip when something is missing on a developer's machine; fail in CI (`CI` set)."""
    missing = []
    for module in modules:
        try:
            importlib.import_module(module)
        except (ImportError, OSError) as exc:
            missing.append(f"{module} ({exc})")
    missing += [b for b in binaries if shutil.which(b) is None]
    if not missing:
        return
    message = f"missing for voice tests: {', '.join(missing)}"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI must install the voice extra and Debian packages)")
    pytest.skip(message)


def speech(text: str = SENTENCE, lead_s: float = 1.0, tail_s: float = 1.5) -> np.ndarray:
    """espeak-ng speaking `text` at 16 kHz, with silence before and after."""
    import numpy as np

    from copilot.voice.frames import decode_wav, resample

    wav = subprocess.run(
        ["espeak-ng", "--stdout", "-s", "160", "--", text], check=True, capture_output=True
    ).stdout
    samples, rate = decode_wav(wav)
    voice = resample(samples, rate)
    return np.concatenate([silence(lead_s), voice, silence(tail_s)])


def silence(seconds: float) -> np.ndarray:
    import numpy as np

    return np.zeros(round(seconds * RATE), dtype=np.int16)


def burst(ms: int = 120, lead_s: float = 1.0, tail_s: float = 1.0) -> np.ndarray:
    """A cough- or click-like burst: loud noise with a fast decay, then silence."""
    import numpy as np

    count = RATE * ms // 1000
    rng = np.random.default_rng(7)
    envelope = np.exp(-np.linspace(0.0, 5.0, count))
    noise = rng.normal(0.0, 12_000.0, count) * envelope
    # a voiced-looking core: webrtcvad keys on low-frequency periodic energy
    tone = 9_000.0 * np.sin(2 * np.pi * 180 * np.arange(count) / RATE) * envelope
    core = np.clip(noise + tone, -32768, 32767).astype(np.int16)
    return np.concatenate([silence(lead_s), core, silence(tail_s)])


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Levenshtein distance over words, divided by the reference's length."""
    ref = _words(reference)
    hyp = _words(hypothesis)
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        current = [i]
        for j, other in enumerate(hyp, 1):
            substitute = previous[j - 1] + (word != other)
            current.append(min(previous[j] + 1, current[j - 1] + 1, substitute))
        previous = current
    return previous[-1] / max(1, len(ref))


def _words(text: str) -> list[str]:
    return "".join(c.lower() if c.isalnum() or c.isspace() else " " for c in text).split()


def drain(sub: object) -> list[Event]:
    """Everything waiting in a subscription, most urgent lane first."""
    events: list[Event] = []
    while (event := sub.get_nowait()) is not None:  # type: ignore[attr-defined]
        events.append(event)
    return events


async def wait_for(sub: object, predicate: object, timeout: float = 30.0) -> list[Event]:
    """Collect events until one satisfies `predicate`; all collected ones are returned."""
    import asyncio

    seen: list[Event] = []

    async def loop() -> None:
        while True:
            event = await sub.get()  # type: ignore[attr-defined]
            seen.append(event)
            if predicate(event):  # type: ignore[operator]
                return

    await asyncio.wait_for(loop(), timeout)
    return seen


def new_bus() -> tuple[Bus, object]:
    bus = Bus()
    return bus, bus.subscribe("test")


# --- a private PulseAudio -------------------------------------------------------


@dataclass
class SinkChunk:
    at: float
    peak: int


@dataclass
class PulseAudio:
    """A pulseaudio daemon whose microphone is a FIFO we write and whose speaker a
    FIFO we read, both at real-time pace; runs as root with `-n` and its own script."""

    folder: Path
    process: subprocess.Popen[bytes] | None = None
    sink: list[SinkChunk] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _reader: threading.Thread | None = None

    @property
    def server(self) -> str:
        return f"unix:{self.folder / 'native'}"

    @property
    def mic_fifo(self) -> Path:
        return self.folder / "mic.fifo"

    @property
    def speaker_fifo(self) -> Path:
        return self.folder / "speaker.fifo"

    def start(self) -> None:
        script = self.folder / "default.pa"
        script.write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1 "
            f"socket={self.folder / 'native'}\n"
            f"load-module module-pipe-source source_name=mic file={self.mic_fifo} "
            f"format=s16le rate={RATE} channels=1\n"
            f"load-module module-pipe-sink sink_name=speaker file={self.speaker_fifo} "
            f"format=s16le rate={RATE} channels=1 use_system_clock_for_timing=yes\n"
            "set-default-source mic\nset-default-sink speaker\n"
        )
        env = {
            **os.environ,
            "PULSE_RUNTIME_PATH": str(self.folder / "runtime"),
            "PULSE_STATE_PATH": str(self.folder / "state"),
            "XDG_RUNTIME_DIR": str(self.folder / "xdg"),
            "HOME": str(self.folder),
        }
        for name in ("runtime", "state", "xdg"):
            (self.folder / name).mkdir(mode=0o700, exist_ok=True)
        self.process = subprocess.Popen(
            [
                "pulseaudio", "-n", "--daemonize=no", "--exit-idle-time=-1",
                "--use-pid-file=no", "--disallow-exit=yes", "--disable-shm=yes",
                "--log-target=stderr", "-F", str(script),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while not (self.folder / "native").exists() or not self.speaker_fifo.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("pulseaudio did not start")
            time.sleep(0.05)
        self._reader = threading.Thread(target=self._read_sink, daemon=True)
        self._reader.start()

    def _read_sink(self) -> None:
        import numpy as np

        fd = os.open(self.speaker_fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            while not self._stop.is_set():
                try:
                    data = os.read(fd, 320)
                except BlockingIOError:
                    time.sleep(0.002)
                    continue
                if data:
                    samples = np.frombuffer(data[: len(data) // 2 * 2], dtype=np.int16)
                    peak = int(np.abs(samples.astype(np.int32)).max()) if samples.size else 0
                    self.sink.append(SinkChunk(time.monotonic(), peak))
                else:
                    time.sleep(0.002)
        finally:
            os.close(fd)

    def play_into_mic(self, samples: np.ndarray, block_ms: int = 20) -> float:
        """Write samples into the microphone FIFO at real-time pace; returns the start."""
        fd = os.open(self.mic_fifo, os.O_WRONLY)
        block = RATE * block_ms // 1000
        started = time.monotonic()
        try:
            for i in range(0, len(samples), block):
                due = started + i / RATE
                delay = due - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                os.write(fd, samples[i : i + block].tobytes())
        finally:
            os.close(fd)
        return started

    def last_sound(self, threshold: int = 200) -> float | None:
        loud = [chunk.at for chunk in self.sink if chunk.peak > threshold]
        return loud[-1] if loud else None

    def stop(self) -> None:
        self._stop.set()
        if self._reader is not None:
            self._reader.join(timeout=5)
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextlib.contextmanager
def pulseaudio() -> Iterator[PulseAudio]:
    """A started private PulseAudio, with PortAudio (in this process) pointed at it."""
    import sounddevice as sd

    with tempfile.TemporaryDirectory(prefix="copilot-pulse-") as tmp:
        pulse = PulseAudio(Path(tmp))
        pulse.start()
        old = os.environ.get("PULSE_SERVER")
        os.environ["PULSE_SERVER"] = pulse.server
        sd._terminate()  # re-scan devices: the documented way, see query_devices()
        sd._initialize()
        try:
            yield pulse
        finally:
            if old is None:
                os.environ.pop("PULSE_SERVER", None)
            else:
                os.environ["PULSE_SERVER"] = old
            sd._terminate()
            sd._initialize()
            pulse.stop()
