"""The stand-in as a process with one script per model (two scripted models at once).

    python -m tests.e2e.standin_models --ready-file PATH [--script FILE.json]
        [--model-script MODEL=FILE.json ...] [--log FILE]

The same server and flags as `python -m tests.standin`, plus `--model-script`: requests
naming MODEL take their replies from that file (`StandinServer.script_for`), the others from
`--script`. The duplex end-to-end test needs this: the interaction and the background model
answer concurrently, so one shared queue could not say which reply goes to which.
"""

from __future__ import annotations

import argparse
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from tests.standin import StandinServer
from tests.standin.__main__ import JsonLineLog, load_script, write_ready_file


def model_script(value: str) -> tuple[str, Path]:
    """Parse `MODEL=FILE` (a model id never holds `=`)."""
    model, sep, path = value.partition("=")
    if not sep or not model or not path:
        raise argparse.ArgumentTypeError(f"expected MODEL=FILE, got {value!r}")
    return model, Path(path)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, serve until SIGTERM or SIGINT, return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.e2e.standin_models", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--script", type=Path, help="JSON list of reply specs for any model")
    parser.add_argument(
        "--model-script", type=model_script, action="append", default=[], metavar="MODEL=FILE"
    )
    parser.add_argument("--log", type=Path, help="append one JSON line per event here")
    args = parser.parse_args(argv)

    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    listener = JsonLineLog(args.log) if args.log else None
    with StandinServer(host=args.host, port=args.port, listener=listener) as server:
        server.script(*(load_script(args.script) if args.script else []))
        for model, path in args.model_script:
            server.script_for(model, *load_script(path))
        write_ready_file(args.ready_file, server.base_url)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
