"""The `copilot` command (and `python -m copilot`): the collector is held from the start.

Everything a launch imports (asyncio, the settings, Textual, copilot's widgets) is
made with the cyclic collector off, until the app freezes its start-up heap and
turns it back on (copilot/heap.py); the subcommands turn it back on at once. So
this module imports nothing of copilot's before that, and puts the collector back
however `cli.main` ends.
"""

import gc
import sys


def main() -> int:
    gc.disable()
    try:
        from copilot.cli import main as cli_main

        return cli_main()
    finally:
        gc.enable()


if __name__ == "__main__":
    sys.exit(main())
