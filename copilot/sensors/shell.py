"""The shell sensor's server: receives what the hooks report, one JSON line each.

A copilot serving a workspace listens on a private Unix socket (see
`rendezvous` for how hooks find it). Each connection carries one record:
command line, exit status, cwd, duration, tmux pane. A command that exits
non-zero becomes `action="failed"`, anything else `action="command"`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from copilot.bus.bus import Bus
from copilot.sensors.emit import Emitter, EventSink
from copilot.sensors.rendezvous import ensure_private_dir, link_name, runtime_dir, socket_name

#: A record is one line; anything longer is not from our reporter.
MAX_RECORD_BYTES = 64 * 1024
#: Item keys stay short; the full command line is kept in the event data.
KEY_CHARS = 200


def command_key(command: str) -> str:
    """The same command typed again merges into one item: whitespace is normalised."""
    return re.sub(r"\s+", " ", command).strip()[:KEY_CHARS]


def short_command(command: str, limit: int = 80) -> str:
    """One line, capped: how the pane and the hint name a command."""
    flat = command_key(command)
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


class ShellListener(Emitter):
    """Asyncio Unix-socket server publishing `SensorEvent(sensor="shell")` per command."""

    sensor_name = "shell"

    def __init__(
        self,
        bus: Bus,
        workspace: Path,
        *,
        on_event: EventSink | None = None,
        runtime: Path | None = None,
    ) -> None:
        super().__init__(bus, on_event)
        self.workspace = workspace.resolve()
        self.runtime = runtime or runtime_dir()
        self.socket_path = self.runtime / socket_name(self.workspace)
        self.link_path = self.runtime / link_name(self.workspace)
        #: True once a hook reported: the history fallback then stands down.
        self.hooked = False
        self._server: asyncio.Server | None = None
        self._inode: int | None = None

    async def start(self) -> None:
        """Bind the socket (replacing a stale one) and publish the workspace link."""
        ensure_private_dir(self.runtime)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self._server = await asyncio.start_unix_server(self._serve, path=str(self.socket_path))
        os.chmod(self.socket_path, 0o600)
        self._inode = self.socket_path.stat().st_ino
        tmp = self.link_path.with_name(f".{os.getpid()}.{self.link_path.name}")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(self.socket_path.name)
        os.replace(tmp, self.link_path)

    async def stop(self) -> None:
        """Close the server and remove the socket and link if they are still ours."""
        if self._server is None:
            return
        self._server.close()
        await self._server.wait_closed()
        self._server = None
        try:
            ours = self.socket_path.stat().st_ino == self._inode
        except FileNotFoundError:
            ours = False
        if ours:
            with contextlib.suppress(FileNotFoundError):
                self.link_path.unlink()
            with contextlib.suppress(FileNotFoundError):
                self.socket_path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            data = await asyncio.wait_for(reader.read(MAX_RECORD_BYTES), timeout=5)
            for line in data.splitlines():
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if isinstance(record, dict):
                        self.record(record)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def record(self, record: dict[str, Any]) -> None:
        """Turn one hook record into a sensor event."""
        command = str(record.get("command") or "").strip()
        if not command:
            return
        self.hooked = True
        status = record.get("status")
        status = status if isinstance(status, int) else None
        duration = record.get("duration_s")
        duration = float(duration) if isinstance(duration, int | float) else None
        cwd = str(record.get("cwd") or "")
        failed = status not in (0, None)
        where = self._where(cwd)
        took = f", {duration:.1f}s" if duration is not None else ""
        name = short_command(command)
        if failed:
            summary = f"`{name}` failed (exit {status}{took}){where}"
        else:
            summary = f"ran `{name}` (ok{took}){where}"
        self.emit(
            command_key(command),
            "failed" if failed else "command",
            summary,
            command=command,
            exit=status,
            cwd=cwd,
            duration_s=duration,
            pane=str(record.get("pane") or ""),
            tmux=str(record.get("tmux") or ""),
            shell=str(record.get("shell") or ""),
            source="hook",
        )

    def _where(self, cwd: str) -> str:
        if not cwd:
            return ""
        try:
            rel = Path(cwd).resolve().relative_to(self.workspace)
        except ValueError:
            return f" in `{cwd}`"
        return "" if str(rel) == "." else f" in `{rel}/`"
