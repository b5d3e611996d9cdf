"""The mount points a sandbox masks, held across every copilot process of this user.

bubblewrap creates a missing protected folder (e.g. `.git`) on the host so it can
mount an empty read-only tmpfs over it. Leaving the folder would litter the
workspace, but removing it while any sandbox still masks it detaches that mask: the
command inside could then create the real folder (a `.copilot/instructions.md` that
the next session reads, a `.git` with hooks). Two copilots in one workspace (two tmux
panes) are an ordinary setup, so the hold is a shared `flock` on a lock file per
path, which the kernel releases when a process dies. The last holder, the one that
gets the lock exclusively, removes the folder if it is still empty and was made for a
mask (a mark in the lock file says so, set by whoever saw the path missing), and then
the lock file, once nothing is left to hold.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

_MADE_FOR_MASK = b"made-for-mask\n"

#: Per process: how many runs hold each path, and the open lock file of each.
_leases: dict[Path, int] = {}
_locks: dict[Path, int] = {}


def lock_dir() -> Path:
    """Where the lock files live: private to this user, shared by their copilots.

    `$XDG_RUNTIME_DIR` (per user, mode 0700) when there is one, else the user's cache
    folder; not the shared `/tmp`, where another user could have made the folder first.
    """
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    base = Path(runtime) if runtime and os.path.isdir(runtime) else Path.home() / ".cache"
    folder = base / "copilot" / "masks"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def lock_file(path: Path) -> Path:
    """The lock file that holds `path` (it exists only while somebody may need it)."""
    return lock_dir() / f"{hashlib.sha256(os.fsencode(path)).hexdigest()[:32]}.lock"


def _acquire(path: Path) -> None:
    lock = lock_file(path)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_SH)
        # The last holder deletes the lock file; one opened just before that is stale.
        with suppress(FileNotFoundError):
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break
        os.close(fd)
    if not os.path.lexists(path):
        os.pwrite(fd, _MADE_FOR_MASK, 0)
    _locks[path] = fd


def _release(path: Path) -> None:
    fd = _locks.pop(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another copilot still masks it; the last one cleans up
        if os.pread(fd, len(_MADE_FOR_MASK), 0) == _MADE_FOR_MASK:
            with suppress(OSError):
                os.rmdir(path)  # only when still empty
        if not os.path.lexists(path) or not _may_be_a_mount_point(path):
            os.unlink(lock_file(path))  # nothing left to hold: leave no file behind
    finally:
        os.close(fd)


def _may_be_a_mount_point(path: Path) -> bool:
    """Missing (bubblewrap will make it) or an empty folder (maybe another copilot's)."""
    if not os.path.lexists(path):
        return True
    if path.is_symlink() or not path.is_dir():
        return False
    with os.scandir(path) as entries:
        return next(entries, None) is None


@contextmanager
def mask_lease(paths: Sequence[Path]) -> Iterator[None]:
    """Hold those of `paths` (the protected paths of one run) that a mask may stand on.

    A protected path with content is bound read-only where it is and never removed,
    so it needs no hold (and no lock file).
    """
    held = [path for path in paths if path in _leases or _may_be_a_mount_point(path)]
    for path in held:
        if _leases.get(path, 0) == 0:
            _acquire(path)
        _leases[path] = _leases.get(path, 0) + 1
    try:
        yield
    finally:
        for path in held:
            _leases[path] -= 1
            if _leases[path] == 0:
                del _leases[path]
                _release(path)
