"""The JSON-lines protocol between `copilot listen` (laptop) and `RemoteVoice` (remote).

Laptop to remote: the voice events themselves, `{"kind": "VoiceActivity", ...}`,
`Transcript` and `VoiceStatus`, with only their payload fields (timestamps are
per-machine monotonic clocks, so the receiver stamps its own). Remote to laptop:
`{"kind": "hello", "mode": ...}` and `{"kind": "push", "down": ...}` for push-to-talk,
whose key lives in the remote terminal.
"""

from __future__ import annotations

import json
from typing import Any

from copilot.bus.events import Event, Transcript, VoiceActivity, VoiceStatus

DEFAULT_LISTEN_SOCKET = "~/.copilot/voice.sock"
MAX_LINE = 64 * 1024

EVENT_FIELDS: dict[str, tuple[type[Event], tuple[str, ...]]] = {
    "VoiceActivity": (VoiceActivity, ("state", "level")),
    "Transcript": (Transcript, ("utterance_id", "text", "final")),
    "VoiceStatus": (VoiceStatus, ("available", "mode", "detail")),
}


def encode_event(event: Event) -> bytes:
    """One line for a voice event; other kinds are not part of the protocol."""
    _cls, names = EVENT_FIELDS[event.kind]
    payload: dict[str, Any] = {"kind": event.kind}
    payload.update({name: getattr(event, name) for name in names})
    return json.dumps(payload, separators=(",", ":")).encode() + b"\n"


def encode_command(kind: str, **fields: Any) -> bytes:
    return json.dumps({"kind": kind, **fields}, separators=(",", ":")).encode() + b"\n"


def decode_event(line: bytes, source: str) -> Event | None:
    """A bus event from a line, or None for anything malformed or unknown (never raises)."""
    message = decode_line(line)
    if message is None or message.get("kind") not in EVENT_FIELDS:
        return None
    cls, names = EVENT_FIELDS[message["kind"]]
    defaults = cls()
    values: dict[str, Any] = {}
    for name in names:
        value = message.get(name, getattr(defaults, name))
        if type(value) is not type(getattr(defaults, name)):
            if isinstance(getattr(defaults, name), float) and isinstance(value, int):
                value = float(value)
            else:
                return None
        values[name] = value
    return cls(source=source, **values)


def decode_line(line: bytes) -> dict[str, Any] | None:
    try:
        message = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return None
    return message if isinstance(message, dict) else None
