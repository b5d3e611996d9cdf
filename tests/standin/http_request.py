"""Reading one HTTP/1.1 request from an asyncio stream: just what the SDK sends.

The SDK sends JSON bodies with `Content-Length`; nothing here needs chunked request bodies,
`Expect: 100-continue` or pipelining, and the server answers `Connection: close`, so one
request per connection is the whole protocol.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class HttpRequest:
    """A request line, lower-cased headers and the raw body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class BadRequest(Exception):
    """The bytes were not an HTTP/1.1 request this server understands."""


async def read_request(reader: asyncio.StreamReader) -> HttpRequest | None:
    """The next request, or None when the client closed without sending one."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as err:
        if not err.partial:
            return None
        raise BadRequest("connection closed inside the request head") from err
    except asyncio.LimitOverrunError as err:
        raise BadRequest(f"request head longer than {MAX_HEAD_BYTES} bytes") from err
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    parts = request_line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"not an HTTP/1.x request line: {request_line!r}")
    headers: dict[str, str] = {}
    for line in header_lines:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise BadRequest(f"malformed header line: {line!r}")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        raise BadRequest("chunked request bodies are not supported")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError as err:
        raise BadRequest("Content-Length is not a number") from err
    body = await reader.readexactly(length) if length else b""
    return HttpRequest(parts[0].upper(), urlsplit(parts[1]).path, headers, body)
