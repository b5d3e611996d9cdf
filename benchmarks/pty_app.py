"""The real `copilot` process in a pseudo-terminal, for figures that need real input.

Two figures cannot be taken in-process: launch time (interpreter start and imports are
the cost) and Esc through the terminal input parser (Textual waits `ESCDELAY` after a
lone ESC byte to tell it from the start of an escape sequence). Here the app gets raw
bytes on a pty exactly as from a terminal emulator. A reader thread drains the output
all the time, because an app whose terminal stops reading blocks on its next frame.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

REPO_ROOT = Path(__file__).resolve().parents[1]
EXIT_TIMEOUT_S = 5.0
QUIT = b"\x11"  # Ctrl+Q


def copilot_argv(workspace: Path) -> list[str]:
    """`python -m copilot -C <workspace>` with this interpreter: what `copilot` runs."""
    return [sys.executable, "-m", "copilot", "-C", str(workspace)]


def terminal_env(folder: Path, base_url: str) -> dict[str, str]:
    """This process's environment for a terminal app: own config and data, the stand-in.

    Variables that would point copilot at the user's account or config are dropped.
    """
    blocked = ("ANTHROPIC_", "COPILOT_", "XDG_", "ESCDELAY", "TMUX")
    env = {k: v for k, v in os.environ.items() if not k.startswith(blocked)}
    return env | {
        "TERM": "xterm-256color",
        "ANTHROPIC_API_KEY": "sk-ant-bench",
        "ANTHROPIC_BASE_URL": base_url,
        "XDG_CONFIG_HOME": str(folder / "config"),
        "COPILOT_DATA_DIR": str(folder / "data"),
    }


class PtyApp:
    """`with PtyApp(argv, env) as app: app.wait_for(b"idle"); app.write(b"hi\\r")`."""

    def __init__(
        self,
        argv: Sequence[str],
        env: Mapping[str, str],
        *,
        cwd: Path = REPO_ROOT,
        size: tuple[int, int] = (120, 40),
    ) -> None:
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.size = size
        self.started = 0.0
        self._output = bytearray()
        self._cond = threading.Condition()
        self._process: subprocess.Popen[bytes] | None = None
        self._master = -1
        self._reader: threading.Thread | None = None

    def __enter__(self) -> PtyApp:
        master, slave = os.openpty()
        columns, rows = self.size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.started = time.monotonic()
        self._process = subprocess.Popen(
            self.argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=self.env,
            cwd=self.cwd,
            start_new_session=True,
        )
        os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._drain, name="pty-reader", daemon=True)
        self._reader.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self._master, 65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self._cond.notify_all()
                    return
                self._output += chunk
                self._cond.notify_all()

    @property
    def mark(self) -> int:
        """How many output bytes arrived so far; pass to `wait_for(since=...)`."""
        with self._cond:
            return len(self._output)

    def seen(self, needle: bytes, *, since: int = 0) -> bool:
        """Whether `needle` appeared in the output after `since` (no waiting)."""
        with self._cond:
            return needle in self._output[since:]

    def wait_for(self, needle: bytes, timeout: float = 20.0, *, since: int = 0) -> float:
        """Block until `needle` appears in the output after `since`; returns that time."""
        with self._cond:
            found = self._cond.wait_for(lambda: needle in self._output[since:], timeout)
            if not found:
                tail = bytes(self._output[-400:])
                raise TimeoutError(f"{needle!r} not seen after {timeout}s; last output {tail!r}")
            return time.monotonic()

    def write(self, data: bytes) -> float:
        """Type bytes into the terminal; returns the monotonic time they were written."""
        written = time.monotonic()
        os.write(self._master, data)
        return written

    def close(self) -> None:
        """Ask the app to quit (Ctrl+Q); kill it if it does not; release the pty."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                os.write(self._master, QUIT)
                process.wait(EXIT_TIMEOUT_S)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait(EXIT_TIMEOUT_S)
        if self._reader is not None:
            self._reader.join(EXIT_TIMEOUT_S)
            self._reader = None
        if self._master >= 0:
            os.close(self._master)
            self._master = -1
