"""A stand-in for the Anthropic Messages API that the real SDK talks to over loopback.

`StandinServer` serves scripted `Reply` values; see `tests/standin/server.py`.
"""

from tests.standin.records import DisconnectRecord, RequestRecord, ResponseRecord
from tests.standin.replies import Reply, ToolCall
from tests.standin.server import StandinServer

__all__ = [
    "DisconnectRecord",
    "Reply",
    "RequestRecord",
    "ResponseRecord",
    "StandinServer",
    "ToolCall",
]
