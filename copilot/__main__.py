"""The `copilot` command (and `python -m copilot`): the collector is held from the start.

Everything a launch imports (asyncio, the settings, Textual, copilot's widgets) is
made with the cyclic collector off, until the app freezes its start-up heap and
turns it back on (copilot/heap.py); the subcommands turn it back on at once. So
the CLI is imported only after the hold, and the collector is put back however
`cli.main` ends.
"""

import sys

from copilot.heap import hold_collector, release_collector


def main() -> int:
    hold_collector()
    try:
        from copilot.cli import main as cli_main

        return cli_main()
    finally:
        release_collector()


if __name__ == "__main__":
    sys.exit(main())
