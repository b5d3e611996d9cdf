"""The process heap: no collector pauses the user can feel, no memory kept unused.

After start-up the heap holds ~250,000 objects that live as long as the process:
modules, classes, the SDK's pydantic schemas, Textual's styles. CPython's full
(generation 2) collection walks all of them, and here each one held the event
loop for 80-130 ms; during a streaming answer that happened every few seconds,
and a key pressed then waited for it. `gc.freeze()` moves the objects alive at
that moment out of the collector's reach, so later full collections walk only
what was made since. (Objects frozen this way are never collected if they later
become unreachable cycles, which is why this runs once, after start-up, and
not as a session grows.) When a turn ends, the pages it freed go back to the OS
(`return_free_memory`).

On the launch path (`copilot` in a terminal) the collector is held off from
the process's start (`copilot/__main__.py`) until that freeze: while those
objects are made CPython runs ~90 collections, ~25 ms of a launch that must
draw within 0.3 s, and all of start-up (the SDK and the warm-up included)
leaves ~800 objects of cyclic garbage, which the freeze keeps (~100 KB).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable


def hold_collector() -> None:
    """Switch the cyclic collector off until `freeze_startup_heap` turns it back on."""
    gc.disable()


def release_collector() -> None:
    """Turn the collector back on without freezing (a subcommand, not the app)."""
    gc.enable()


def freeze_startup_heap() -> int:
    """Freeze every object alive now, collector on; returns how many are frozen.

    If the collector ran during start-up, only the young generations are
    collected first (~1 ms): a full collection here took ~110 ms of the loop and
    found about ten unreachable objects, not worth a pause the user could feel
    as they start typing. If it was held, everything made since is still young
    and collecting it would be that full pass, so it is frozen as it is.
    """
    if gc.isenabled():
        gc.collect(1)
    gc.freeze()
    release_collector()
    return gc.get_freeze_count()


def return_free_memory() -> bool:
    """Give the pages freed since the last call back to the OS; False if we cannot.

    CPython frees objects into the C allocator, and glibc keeps the freed pages in
    the process: after a session of answers (parsing, rendering, the SDK's event
    objects) ~2 MB stayed resident though nothing used them. glibc's
    `malloc_trim(0)` releases them. It takes a few milliseconds and ctypes lets go
    of the GIL while it runs, so the app calls it from a thread when a turn ends.
    Other C libraries (musl, macOS) have no such call; there it does nothing.
    """
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes  # Here, not at the top: ~3 ms of import the launch does not need.

    try:
        return ctypes.CDLL(None).malloc_trim  # type: ignore[no-any-return]
    except (AttributeError, OSError):
        return None
