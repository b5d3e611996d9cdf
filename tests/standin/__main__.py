"""Run the stand-in as a process, for end-to-end tests that start copilot in tmux.

    python -m tests.standin --port 0 --ready-file PATH [--script FILE.json] [--log FILE]

The ready file receives the base URL once the socket listens (written whole, by rename, so a
poller never reads half a URL). The script is a JSON list of reply specs mirroring the
`Reply` builders, e.g. `[{"kind": "text", "text": "hi", "tokens_per_s": 50}]`. The log gets
one JSON line per request, per disconnect and per finished response. It serves until
SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from collections.abc import Sequence
from pathlib import Path

from tests.standin.records import Record
from tests.standin.replies import Reply
from tests.standin.server import StandinServer


def load_script(path: Path) -> list[Reply]:
    """Replies from a JSON file holding a list of `{"kind": ..., ...}` specs."""
    specs = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(specs, list):
        raise ValueError(f"{path}: the script must be a JSON list of reply specs")
    return [Reply.from_spec(spec) for spec in specs]


class JsonLineLog:
    """Appends each record as one JSON line, flushed at once so a reader sees it live."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()

    def __call__(self, record: Record) -> None:
        line = json.dumps(record.to_json()) + "\n"
        with self._lock, self._path.open("a", encoding="utf-8") as handle:
            handle.write(line)


def write_ready_file(path: Path, base_url: str) -> None:
    """Write the URL to a temporary name and rename it into place (atomic on POSIX)."""
    partial = path.with_name(path.name + ".partial")
    partial.write_text(base_url + "\n", encoding="utf-8")
    os.replace(partial, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Parse flags, serve until a termination signal, return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tests.standin", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--ready-file", type=Path, required=True)
    parser.add_argument("--script", type=Path, help="JSON list of reply specs")
    parser.add_argument("--log", type=Path, help="append one JSON line per event here")
    args = parser.parse_args(argv)

    replies = load_script(args.script) if args.script else []
    listener = JsonLineLog(args.log) if args.log else None
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with StandinServer(host=args.host, port=args.port, listener=listener) as server:
        server.script(*replies)
        write_ready_file(args.ready_file, server.base_url)
        print(server.base_url, flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
