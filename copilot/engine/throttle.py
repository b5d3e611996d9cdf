"""Text on its way to the bus at a rate a screen can use: the first piece at once.

Answer fragments and tool output both arrive far faster than any screen draws
(hundreds of fragments, thousands of output chunks a second), and each event
published wakes every front end's pump. A `Throttle` sends text at once when
its last send was at least `interval_s` ago, so the first token or line never
waits, and otherwise gathers it until the interval has passed. With `tail`, it
keeps only that many characters of what gathered (marked with `…`): the screen
shows the newest output while the full output goes to disk. `flush()` sends
what waits, before the answer or the call is marked done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class Throttle:
    """Gathers text and hands it to `send` at most once per `interval_s`."""

    def __init__(
        self, send: Callable[[str], None], interval_s: float, tail: int | None = None
    ) -> None:
        self._send = send
        self._interval = interval_s
        self._tail = tail
        self._parts: list[str] = []
        self._size = 0
        self._dropped = False
        self._last = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def add(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._tail is not None and self._size > 4 * self._tail:
            joined = "".join(self._parts)[-self._tail :]
            self._parts, self._size, self._dropped = [joined], len(joined), True
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self.flush()
        elif self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(wait, self.flush)

    def flush(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self._parts:
            return
        text = "".join(self._parts)
        dropped = self._dropped
        self._parts.clear()
        self._size = 0
        self._dropped = False
        self._last = time.monotonic()
        if self._tail is not None and (dropped or len(text) > self._tail):
            # Start at the first whole line of the tail; the cut is marked.
            start = max(0, len(text) - self._tail)
            cut = text.find("\n", start)
            text = "…\n" + text[cut + 1 if cut >= 0 else start :]
        self._send(text)
