"""Can voice run here? One check per thing that can be missing, one line per answer.

Nothing here raises: a missing extra, a missing PortAudio library or a box without a
microphone (the usual case over SSH) becomes a `Probe` whose `detail` is the line the
user sees, and copilot starts exactly as it would without voice.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from copilot.voice.config import VoiceConfig

EXTRA_HINT = "pip install 'copilot[voice]'"


@dataclass(frozen=True, slots=True)
class Probe:
    ok: bool
    detail: str = ""


def probe_libraries() -> Probe:
    """numpy and webrtcvad import (the extra is installed)."""
    for module in ("numpy", "webrtcvad"):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            return Probe(False, f"voice extra not installed ({exc.name or module}): {EXTRA_HINT}")
    return Probe(True)


def probe_portaudio() -> Probe:
    """sounddevice imports and finds the PortAudio library."""
    try:
        importlib.import_module("sounddevice")
    except ImportError as exc:
        return Probe(False, f"voice extra not installed ({exc.name}): {EXTRA_HINT}")
    except OSError as exc:
        return Probe(False, f"PortAudio not found ({exc}): apt-get install libportaudio2")
    return Probe(True)


def _device_probe(config: VoiceConfig, kind: str) -> Probe:
    probe = probe_portaudio()
    if not probe.ok:
        return probe
    import sounddevice as sd

    device = config.input_device if kind == "input" else config.output_device
    try:
        info = sd.query_devices(device, kind=kind)
    except (sd.PortAudioError, ValueError) as exc:
        what = "microphone" if kind == "input" else "audio output"
        return Probe(False, f"no {what} ({exc})")
    channels = info.get("max_input_channels" if kind == "input" else "max_output_channels", 0)
    if not channels:
        return Probe(False, f"device {info.get('name')!r} has no {kind} channels")
    return Probe(True, str(info.get("name", "")))


def probe_microphone(config: VoiceConfig) -> Probe:
    """An input device exists (the configured one or the default)."""
    return _device_probe(config, "input")


def probe_speaker(config: VoiceConfig) -> Probe:
    """An output device exists (for speech out)."""
    return _device_probe(config, "output")
