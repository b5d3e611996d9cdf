"""`python -m copilot.voice [--socket PATH] ...`: the same as `copilot listen`."""

import asyncio
import sys

from copilot.voice.listen import listen_main

raise SystemExit(asyncio.run(listen_main(sys.argv[1:])))
