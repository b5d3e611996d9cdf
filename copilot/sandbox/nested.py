"""Repositories inside the workspace: their `.git` is kept read-only like the workspace's own.

A vendored or cloned repository (`vendor/lib/.git`, a submodule's `.git` file) is as
good a place to plant code as the top one: a `core.fsmonitor` line in its config runs
as soon as anything calls `git status` there, a shell prompt included, outside the
sandbox. The mount layout can only protect paths it names, so before each command the
writable roots are searched for nested `.git` and `.copilot` entries, breadth first
(repositories sit near the top), without following symlinks and without descending
into dependency and cache folders that hold none a user works in.

The search is bounded: ~1.5-2 µs an entry here with the tree in the page cache (the
workspace a user works in is), so `SCAN_LIMIT` entries cost 15-19 ms at most, in a
worker thread (`benchmarks/bench_sandbox.py` prints the figure). A tree larger than
that is searched in part, its shallowest folders first, which docs/security.md states.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from pathlib import Path

#: Folders not searched: installed dependencies, virtualenvs and caches.
SKIP_FOLDERS = frozenset(
    {
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".cache",
        "target",
    }
)
#: Entries looked at, at most, per command.
SCAN_LIMIT = 10_000


def find_nested(
    roots: Sequence[Path], names: Sequence[str], limit: int = SCAN_LIMIT
) -> tuple[Path, ...]:
    """Entries called one of `names` below (not directly in) each root, root by root,
    shallowest first.

    Symlinks are neither followed nor returned: a mount cannot protect a link (see
    docs/security.md). The search does not enter what it finds.
    """
    wanted = frozenset(names)
    found: list[Path] = []
    seen = 0
    for root in roots:
        queue = deque([(os.fspath(root), 0)])
        while queue and seen < limit:
            folder, depth = queue.popleft()
            try:
                entries = os.scandir(folder)
            except OSError:
                continue
            with entries:
                for entry in entries:
                    seen += 1
                    if seen > limit:
                        break
                    if entry.is_symlink():
                        continue
                    if entry.name in wanted:
                        if depth:
                            found.append(Path(entry.path))
                    elif entry.name not in SKIP_FOLDERS and entry.is_dir(follow_symlinks=False):
                        queue.append((entry.path, depth + 1))
    return tuple(found)
