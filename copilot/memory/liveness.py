"""Is the process that began a streaming message still alive?

A row left in state ``"streaming"`` means either a reply is arriving right now
(in this or another copilot process) or its writer died mid-stream. Only the
second case may be marked interrupted. A bare pid is not enough to tell: pids
are reused, so the owner is recorded as ``(pid, start time)`` where the start
time comes from ``/proc/<pid>/stat`` (clock ticks since boot). Where ``/proc``
is absent the start time is ``None`` and only the pid is checked. Owners are
judged in this machine's pid namespace: copilots sharing one database file from
different containers would each see the other's streams as orphaned.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: States in /proc/<pid>/stat of a process that will never write again.
_DEAD_STATES = frozenset({"Z", "X", "x"})


@dataclass(frozen=True, slots=True)
class ProcessStamp:
    """A process identity that survives pid reuse."""

    pid: int
    start: int | None


def _read_stat(pid: int) -> tuple[str, int] | None:
    """Return (state, start time) of ``pid`` from /proc, or None if unreadable."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may contain spaces and parentheses; the fields
    # after the last ')' are fixed: state is field 3, starttime is field 22.
    fields = raw[raw.rfind(")") + 2 :].split()
    try:
        return fields[0], int(fields[19])
    except (IndexError, ValueError):
        return None


def current() -> ProcessStamp:
    """The stamp of this process (keyed by pid so a forked child gets its own)."""
    return _stamp_of(os.getpid())


@cache
def _stamp_of(pid: int) -> ProcessStamp:
    """Stamp of a live pid; cached because a running process's start time is fixed."""
    stat = _read_stat(pid)
    return ProcessStamp(pid, stat[1] if stat else None)


def is_alive(stamp: ProcessStamp) -> bool:
    """True if the process identified by ``stamp`` still exists and can still write."""
    try:
        os.kill(stamp.pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, but belongs to another user
    stat = _read_stat(stamp.pid)
    if stat is None:
        # With /proc present, a missing entry means it exited just now;
        # without /proc the successful kill(0) is all the evidence there is.
        return not Path("/proc").is_dir()
    state, start = stat
    if state in _DEAD_STATES:
        return False
    return stamp.start is None or start == stamp.start
