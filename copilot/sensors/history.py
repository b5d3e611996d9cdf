"""The shell sensor without a hook: recent commands from the shells' history files.

No exit codes, no cwd, and only as fresh as the shell writes its file (bash by
default only on exit), so it is the fallback: once a hook reports, the tail
stands down. Knows bash (optionally with `#epoch` timestamp lines), zsh (plain
and `EXTENDED_HISTORY`, metafied bytes) and fish (its YAML-like file).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from copilot.bus.bus import Bus
from copilot.sensors.emit import Emitter, EventSink
from copilot.sensors.shell import command_key, short_command

#: How much of a rewritten file is re-read to find where we were.
TAIL_BYTES = 64 * 1024
#: How often the files are checked (a stat each; reads only when they grew).
POLL_S = 2.0
#: Entries reported from each file when the sensor starts.
RECENT = 5

_ZSH_EXTENDED = re.compile(r"^: (\d+):\d+;(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One command from a history file; `when` is epoch seconds if the file says."""

    command: str
    when: float | None = None


def history_files(env: dict[str, str] | None = None, home: Path | None = None) -> list[Path]:
    """Candidate history files: `$HISTFILE`, bash's, zsh's and fish's defaults."""
    env = dict(os.environ) if env is None else env
    home = home or Path(env.get("HOME") or Path.home())
    data = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local" / "share"
    candidates = [
        Path(env["HISTFILE"]) if env.get("HISTFILE") else None,
        home / ".bash_history",
        home / ".zsh_history",
        home / ".zhistory",
        data / "fish" / "fish_history",
    ]
    seen: list[Path] = []
    for path in candidates:
        if path is not None and path not in seen:
            seen.append(path)
    return seen


def _unmetafy(data: bytes) -> bytes:
    """zsh writes bytes >= 0x83 as 0x83 followed by the byte xor 32."""
    if b"\x83" not in data:
        return data
    out = bytearray()
    it = iter(data)
    for byte in it:
        if byte == 0x83:
            out.append(next(it, 0x20) ^ 0x20)
        else:
            out.append(byte)
    return bytes(out)


def parse_bash(text: str) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    when: float | None = None
    for line in text.splitlines():
        if line.startswith("#") and line[1:].isdigit():
            when = float(line[1:])
        elif line.strip():
            entries.append(HistoryEntry(line, when))
            when = None
    return entries


def parse_zsh(data: bytes) -> list[HistoryEntry]:
    text = _unmetafy(data).decode("utf-8", errors="replace")
    entries: list[HistoryEntry] = []
    pending = ""
    for line in text.splitlines():
        pending = f"{pending}\n{line}" if pending else line
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        match = _ZSH_EXTENDED.match(pending)
        if match:
            entries.append(HistoryEntry(match[2], float(match[1])))
        elif pending.strip():
            entries.append(HistoryEntry(pending))
        pending = ""
    return entries


def parse_fish(text: str) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    for line in text.splitlines():
        if line.startswith("- cmd: "):
            command = line[7:].replace("\\n", "\n").replace("\\\\", "\\")
            entries.append(HistoryEntry(command))
        elif line.startswith("  when: ") and entries:
            with contextlib.suppress(ValueError):
                entries[-1] = HistoryEntry(entries[-1].command, float(line[8:]))
    return entries


def parse_history(path: Path, data: bytes) -> list[HistoryEntry]:
    """Entries of a history file, in order; the format is told by name or content."""
    if "fish" in path.name or data.startswith(b"- cmd: "):
        return parse_fish(data.decode("utf-8", errors="replace"))
    if "zsh" in path.name or "zhistory" in path.name or data.startswith(b": "):
        return parse_zsh(data)
    return parse_bash(data.decode("utf-8", errors="replace"))


class _Tail:
    """Where we are in one history file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.inode: int | None = None
        self.offset = 0
        self.last: list[str] = []

    def _read(self, start: int) -> bytes:
        with self.path.open("rb") as f:
            f.seek(start)
            return f.read()

    def prime(self) -> list[HistoryEntry]:
        """Remember the file's end; return its last few entries."""
        try:
            info = self.path.stat()
            data = self._read(max(0, info.st_size - TAIL_BYTES))
        except OSError:
            return []
        self.inode, self.offset = info.st_ino, info.st_size
        entries = parse_history(self.path, data)[-RECENT:]
        self.last = [e.command for e in entries]
        return entries

    def poll(self) -> list[HistoryEntry]:
        """Entries added since the last call."""
        try:
            info = self.path.stat()
        except OSError:
            return []
        if self.inode is None:
            self.inode, self.offset = info.st_ino, 0
        if info.st_ino == self.inode and info.st_size == self.offset:
            return []
        try:
            if info.st_ino == self.inode and info.st_size > self.offset:
                data = self._read(self.offset)
                end = data.rfind(b"\n") + 1
                self.offset += end
                new = parse_history(self.path, data[:end])
            else:
                new = self._after_rewrite(info.st_size)
                self.inode, self.offset = info.st_ino, info.st_size
        except OSError:
            return []
        if new:
            self.last = (self.last + [e.command for e in new])[-RECENT:]
        return new

    def _after_rewrite(self, size: int) -> list[HistoryEntry]:
        """The file was rewritten (bash truncates on exit): find where we left off."""
        entries = parse_history(self.path, self._read(max(0, size - TAIL_BYTES)))
        if not self.last:
            return entries[-1:]
        commands = [e.command for e in entries]
        for size in range(min(3, len(self.last)), 0, -1):
            anchor = self.last[-size:]
            for end in range(len(commands), size - 1, -1):
                if commands[end - size : end] == anchor:
                    return entries[end:]
        return []


class HistoryTail(Emitter):
    """Polls the history files and emits `SensorEvent(sensor="shell", action="command")`."""

    sensor_name = "shell"

    def __init__(
        self,
        bus: Bus,
        *,
        on_event: EventSink | None = None,
        paths: list[Path] | None = None,
        hooked: Callable[[], bool] = lambda: False,
        poll_s: float = POLL_S,
    ) -> None:
        super().__init__(bus, on_event)
        self.tails = [_Tail(p) for p in (paths if paths is not None else history_files())]
        self.hooked = hooked
        self.poll_s = poll_s

    def prime(self) -> None:
        """Report the last few commands of the most recently written history file."""
        newest: tuple[float, list[HistoryEntry]] | None = None
        for tail in self.tails:
            entries = tail.prime()
            try:
                mtime = tail.path.stat().st_mtime
            except OSError:
                continue
            if entries and (newest is None or mtime > newest[0]):
                newest = (mtime, entries)
        if newest is not None:
            for entry in newest[1]:
                self._report(entry, default_when=newest[0])

    def poll(self) -> int:
        """Check every file once; returns how many commands were reported."""
        reported = 0
        for tail in self.tails:
            for entry in tail.poll():
                if not self.hooked():
                    self._report(entry, default_when=time.time())
                    reported += 1
        return reported

    async def run(self, stop: asyncio.Event) -> None:
        self.prime()
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=self.poll_s)
            except TimeoutError:
                self.poll()

    def _report(self, entry: HistoryEntry, default_when: float) -> None:
        when = entry.when if entry.when is not None else default_when
        self.emit(
            command_key(entry.command),
            "command",
            f"ran `{short_command(entry.command)}` (from history, exit status unknown)",
            command=entry.command,
            exit=None,
            when=when,
            source="history",
        )
