"""`RemoteVoice`: on the remote box, voice events that arrive from `copilot listen`.

Over SSH the microphone is on the laptop. `ssh -R REMOTE_SOCKET:LAPTOP_SOCKET` makes
sshd listen on REMOTE_SOCKET and carry each connection to the laptop, where
`copilot listen` accepts it. So this side *connects*, and keeps trying (the laptop
listener may start after copilot, or restart), while the laptop side listens.

What arrives is published on the bus as if local voice had produced it, and barge-in
and `send_on_final` behave the same; push-to-talk presses travel the other way.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import os
import tempfile
from pathlib import Path

from copilot.bus import Bus
from copilot.bus.events import Transcript, VoiceStatus
from copilot.voice.barge import BargeIn
from copilot.voice.config import VoiceConfig
from copilot.voice.delivery import deliver_final
from copilot.voice.wire import MAX_LINE, decode_event, encode_command

log = logging.getLogger(__name__)

RETRY_S = 1.0
SOURCE = "voice-remote"


def default_remote_socket() -> Path:
    """`$COPILOT_VOICE_SOCKET`, else `/tmp/copilot-voice-$USER.sock` (what the docs'
    ssh line creates; sshd does not expand `~` in a forwarded socket path)."""
    configured = os.environ.get("COPILOT_VOICE_SOCKET")
    if configured:
        return Path(configured).expanduser()
    return Path(tempfile.gettempdir()) / f"copilot-voice-{getpass.getuser()}.sock"


class RemoteVoice:
    """Connects to the forwarded socket and turns its lines into bus events."""

    def __init__(
        self, bus: Bus, socket_path: Path | str, config: VoiceConfig | None = None
    ) -> None:
        self.bus = bus
        self.socket_path = Path(socket_path).expanduser()
        self.config = config or VoiceConfig(enabled=True, mode="push")
        self.barge = BargeIn(bus)
        self.connected = asyncio.Event()
        self.status = VoiceStatus(available=False, mode="remote", detail="not started")
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._listening = False

    async def start(self) -> VoiceStatus:
        """Start connecting in the background; the status says where it waits."""
        self.barge.start()
        self._task = asyncio.create_task(self._run(), name="voice-remote")
        self._set_status(False, f"waiting for `copilot listen` on {self.socket_path}")
        return self.status

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.barge.close()

    def push(self, down: bool) -> None:
        """Push-to-talk, sent to the laptop (the key is pressed in this terminal)."""
        self._listening = down
        self._send(encode_command("push", down=down))

    def toggle(self) -> bool:
        self.push(not self._listening)
        return self._listening

    @property
    def listening(self) -> bool:
        return self._listening

    def _send(self, line: bytes) -> None:
        if self._writer is not None and not self._writer.is_closing():
            self._writer.write(line)

    def _set_status(self, available: bool, detail: str) -> None:
        self.status = VoiceStatus(available=available, mode="remote", detail=detail, source=SOURCE)
        self.bus.publish(self.status)

    async def _run(self) -> None:
        while True:
            try:
                reader, writer = await asyncio.open_unix_connection(
                    str(self.socket_path), limit=MAX_LINE
                )
            except OSError:
                await asyncio.sleep(RETRY_S)
                continue
            self._writer = writer
            self._send(encode_command("hello", mode=self.config.mode))
            self.connected.set()
            try:
                await self._read(reader)
            finally:
                self.connected.clear()
                self._writer = None
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            self._set_status(False, f"`copilot listen` went away; retrying {self.socket_path}")
            await asyncio.sleep(RETRY_S)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await reader.readline()
            except (OSError, ValueError):  # reset, or a line over the limit
                return
            if not line:
                return
            event = decode_event(line, SOURCE)
            if event is None:
                log.debug("ignored line from copilot listen: %r", line[:120])
                continue
            if isinstance(event, VoiceStatus):
                detail = f"via copilot listen: {event.detail}" if event.detail else "via listen"
                self._set_status(event.available, detail)
                continue
            self.bus.publish(event)
            if isinstance(event, Transcript) and event.final:
                deliver_final(self.bus, self.config, event.text, SOURCE)
