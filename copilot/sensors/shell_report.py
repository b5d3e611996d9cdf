"""Send one command record from a shell hook to the running copilot.

Run by the hooks (in the background, only when a copilot socket exists) as
`python -I -S shell_report.py LINK SHELL STATUS START END DURATION_MS CWD PANE TMUX COMMAND`.
It imports nothing outside the standard library so it starts in a few
milliseconds with `-S`, and it never prints: a hook must not disturb the prompt.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys

#: `history 1` prints "  123  cmd" (a `*` marks an edited entry).
_HISTORY_PREFIX = re.compile(r"^\s*\d+\*?\s\s?")


def _duration(start: str, end: str, duration_ms: str) -> float | None:
    try:
        if duration_ms:
            return int(duration_ms) / 1000
        if start and end:
            return max(0.0, float(end) - float(start))
    except ValueError:
        pass
    return None


def build_record(argv: list[str]) -> dict[str, object]:
    """The JSON record for the hook's positional arguments (after LINK)."""
    shell, status, start, end, duration_ms, cwd, pane, tmux, command = argv
    if shell == "bash":
        command = _HISTORY_PREFIX.sub("", command, count=1)
    try:
        code = int(status)
    except ValueError:
        code = None
    return {
        "v": 1,
        "shell": shell,
        "status": code,
        "duration_s": _duration(start, end, duration_ms),
        "cwd": cwd,
        "pane": pane,
        "tmux": tmux,
        "command": command.rstrip("\n"),
        "pid": os.getppid(),
    }


def send(link: str, record: dict[str, object]) -> None:
    """Connect to the socket the workspace link points at and write one JSON line."""
    target = os.path.join(os.path.dirname(link), os.readlink(link))
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(2.0)
        conn.connect(target)
        conn.sendall(json.dumps(record).encode() + b"\n")


def main(argv: list[str]) -> int:
    if len(argv) != 10:
        return 2
    try:
        send(argv[0], build_record(argv[1:]))
    except OSError:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
