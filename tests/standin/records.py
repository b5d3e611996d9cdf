"""What the stand-in saw, kept for tests to assert on after (or while) a client talks to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

Outcome = Literal["complete", "disconnected", "reset", "malformed", "error_event", "http_error"]


@dataclass(frozen=True)
class RequestRecord:
    """One request as it arrived: `index` counts `/v1/messages` and `count_tokens` apart."""

    index: int
    path: str
    headers: Mapping[str, str]
    body: Any
    arrived: float

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, as the CLI's `--log` writes it."""
        return {"event": "request", **asdict(self), "headers": dict(self.headers)}


@dataclass(frozen=True)
class DisconnectRecord:
    """The client left before the response ended; `detected` is the monotonic time the
    server noticed, the end point of the interrupt-latency measurement."""

    request_index: int
    detected: float
    fragments_sent: int

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, as the CLI's `--log` writes it."""
        return {"event": "disconnect", **asdict(self)}


@dataclass(frozen=True)
class ResponseRecord:
    """How a `/v1/messages` response ended and when each fragment was written."""

    request_index: int
    outcome: Outcome
    sent_times: tuple[float, ...]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict, as the CLI's `--log` writes it."""
        return {"event": "response", **asdict(self), "sent_times": list(self.sent_times)}


Record = RequestRecord | DisconnectRecord | ResponseRecord
