"""Short "what changed" summaries for small text files the user edits.

The files sensor remembers the last content it saw of small text files (an LRU
bounded in bytes, so a storm cannot grow memory) and describes a save as
`+3 -1 lines` plus the first changed hunk, capped. Binary and large files get no
content at all.
"""

from __future__ import annotations

import difflib
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

#: Files at least this large are never read.
MAX_TEXT_BYTES = 64 * 1024
#: Lines of the first hunk kept, and characters per line.
HUNK_LINES = 12
LINE_CHARS = 160


@dataclass(frozen=True, slots=True)
class TextDiff:
    """Lines added and removed, and the first hunk (unified format, capped)."""

    added: int
    removed: int
    hunk: str


def read_small_text(path: Path) -> str | None:
    """The file as text, or None if it is missing, large or looks binary."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_TEXT_BYTES)
            if f.read(1):
                return None
    except OSError:
        return None
    if b"\0" in data[:8192]:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def diff_text(old: str, new: str) -> TextDiff:
    """Count changed lines and keep the first hunk of the unified diff."""
    added = removed = 0
    hunk: list[str] = []
    hunks_seen = 0
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), n=1, lineterm="")
    for line in lines:
        if line.startswith(("---", "+++")) and hunks_seen == 0:
            continue
        if line.startswith("@@"):
            hunks_seen += 1
        elif line.startswith("+"):
            added += 1
        elif line.startswith("-"):
            removed += 1
        if hunks_seen == 1 and len(hunk) < HUNK_LINES:
            hunk.append(line[:LINE_CHARS])
    return TextDiff(added, removed, "\n".join(hunk))


class Baselines:
    """Last seen content per path, least recently used evicted beyond `max_bytes`."""

    def __init__(self, max_bytes: int = 4 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def __contains__(self, path: str) -> bool:
        return path in self._texts

    def get(self, path: str) -> str | None:
        text = self._texts.get(path)
        if text is not None:
            self._texts.move_to_end(path)
        return text

    def put(self, path: str, text: str) -> None:
        self.drop(path)
        if len(text) > self.max_bytes:
            return
        self._texts[path] = text
        self._bytes += len(text)
        while self._bytes > self.max_bytes:
            _, old = self._texts.popitem(last=False)
            self._bytes -= len(old)

    def drop(self, path: str) -> None:
        old = self._texts.pop(path, None)
        if old is not None:
            self._bytes -= len(old)
