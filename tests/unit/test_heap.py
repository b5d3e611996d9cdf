"""copilot/heap.py: freed memory goes back to the OS; the collector held at launch comes back."""

from __future__ import annotations

import gc
import platform
from pathlib import Path

import pytest

from copilot.heap import freeze_startup_heap, hold_collector, return_free_memory

MB = 1024 * 1024


def _rss() -> int:
    for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_freed_heap_pages_are_returned() -> None:
    # 200 MB in 20 KB blocks (below glibc's mmap threshold, so on the heap); every
    # other block is kept, so the freed half sits between live blocks, where glibc
    # keeps it resident until trimmed.
    blocks = [b"x" * 20_000 for _ in range(10_000)]
    kept = blocks[::2]
    del blocks
    before = _rss()
    assert return_free_memory()
    assert before - _rss() > 50 * MB
    assert len(kept) == 5_000


def test_held_collector_comes_back_with_the_heap_frozen() -> None:
    try:
        hold_collector()
        assert not gc.isenabled()
        garbage: list[object] = []
        garbage.append(garbage)  # A cycle made while held: frozen, not collected.
        frozen = freeze_startup_heap()
        assert gc.isenabled()
        assert frozen == gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.enable()
