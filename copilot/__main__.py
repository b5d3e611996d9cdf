"""The `copilot` command (and `python -m copilot`): the collector is held from the start.

Everything a launch imports (asyncio, the settings, Textual, copilot's widgets) is
made with the cyclic collector off, until the app freezes its start-up heap and
turns it back on (copilot/heap.py); the subcommands turn it back on at once. So
the CLI is imported only after the hold, and the collector is put back however
`cli.main` ends.

When `cli.main` returns, everything copilot opened is closed (the store, the model
client, the terminal), and what is left is the interpreter tearing down ~250,000
objects, the SDK's mostly: ~0.45 s here after `copilot -p` printed its answer, before
a script could go on (the app, whose start-up heap is frozen, quits in ~0.09 s either
way). The process leaves at once instead, once stdout and stderr are flushed.
"""

import contextlib
import os
import sys

from copilot.heap import hold_collector, release_collector


def main() -> int:
    hold_collector()
    try:
        from copilot.cli import main as cli_main

        code = cli_main()
    finally:
        release_collector()
    _leave(code)
    return code


def _leave(code: int) -> None:
    """Flush what is written, then exit without the interpreter's teardown."""
    for stream in (sys.stdout, sys.stderr):
        # The reader left, or the stream is closed: nothing more can be said there.
        with contextlib.suppress(ValueError, OSError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    sys.exit(main())
