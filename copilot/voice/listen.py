"""`copilot listen`: the laptop's microphone for a copilot running over SSH.

Runs on the laptop: captures the microphone, runs VAD (and speech-to-text when the
voice extra and a model are installed here) and serves the resulting events as JSON
lines on a Unix socket. The laptop *listens* because `ssh -R REMOTE:LOCAL` carries each
connection made to REMOTE on the server back to LOCAL here:

    copilot listen &
    ssh -R /tmp/copilot-voice-$USER.sock:$HOME/.copilot/voice.sock devbox

Several clients may connect; each gets the current status first, then every event.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from copilot.bus import Bus
from copilot.bus.events import Event, Lane, Transcript, VoiceActivity, VoiceStatus
from copilot.voice.config import MODES, VoiceConfig
from copilot.voice.service import VoiceService
from copilot.voice.wire import DEFAULT_LISTEN_SOCKET, MAX_LINE, decode_line, encode_event

if TYPE_CHECKING:
    from copilot.voice.frames import FrameSource


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="copilot listen",
        description="Serve this machine's microphone to a copilot over `ssh -R`.",
    )
    parser.add_argument("--socket", default=DEFAULT_LISTEN_SOCKET, help="Unix socket to serve")
    parser.add_argument("--mode", choices=MODES, default="hands-free", help="until a client says")
    parser.add_argument("--vad", type=int, default=2, choices=range(4), help="aggressiveness")
    parser.add_argument("--confirm-ms", type=int, default=300)
    parser.add_argument("--model", default=None, help="a CTranslate2 Whisper model folder")
    parser.add_argument("--backend", choices=("local", "openai"), default="local")
    parser.add_argument("--device", default=None, help="input device name or index")
    parser.add_argument("--wav", type=Path, default=None, help="replay a WAV instead of the mic")
    parser.add_argument(
        "--wait-client", action="store_true", help="start listening when a client connects"
    )
    parser.add_argument("--exit-at-end", action="store_true", help="exit when the WAV ends")
    return parser.parse_args(list(argv))


def _device(value: str | None) -> str | int | None:
    return int(value) if value is not None and value.isdigit() else value


class ListenServer:
    """Serves one `VoiceService`'s events to every connected client."""

    def __init__(self, service: VoiceService, socket_path: Path) -> None:
        self.service = service
        self.socket_path = socket_path
        self.clients: set[asyncio.StreamWriter] = set()
        self.client_seen = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._inbox = service.bus.subscribe("voice-listen", lanes=(Lane.USER, Lane.AMBIENT))
        self._forward: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(
                self._client, str(self.socket_path), limit=MAX_LINE
            )
        finally:
            os.umask(old_umask)
        self._forward = asyncio.create_task(self._forward_events(), name="voice-listen")

    async def close(self) -> None:
        """Send what is still queued (the last final transcript), then hang up."""
        while (event := self._inbox.get_nowait()) is not None:
            self._maybe_send(event)
        for writer in tuple(self.clients):
            with contextlib.suppress(OSError):
                await writer.drain()
            writer.close()
        if self._server is not None:
            self._server.close()
        self._inbox.close()
        if self._forward is not None:
            self._forward.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._forward
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    def broadcast(self, line: bytes) -> None:
        for writer in tuple(self.clients):
            if writer.is_closing():
                self.clients.discard(writer)
            else:
                writer.write(line)

    async def _forward_events(self) -> None:
        async for event in self._inbox:
            self._maybe_send(event)

    def _maybe_send(self, event: Event) -> None:
        if isinstance(event, VoiceActivity | Transcript | VoiceStatus):
            self.broadcast(encode_event(event))

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(encode_event(self.service.status))
        self.clients.add(writer)
        self.client_seen.set()
        try:
            while line := await reader.readline():
                self._command(line)
        except (OSError, ValueError):
            pass
        finally:
            self.clients.discard(writer)
            writer.close()

    def _command(self, line: bytes) -> None:
        message = decode_line(line)
        if message is None:
            return
        if message.get("kind") == "hello" and message.get("mode") in MODES:
            self.service.set_mode(message["mode"])
        elif message.get("kind") == "push" and isinstance(message.get("down"), bool):
            self.service.push(message["down"])


async def listen_main(argv: Sequence[str]) -> int:
    """`copilot listen [--socket PATH] ...`; returns the exit status."""
    args = parse_args(argv)
    config = VoiceConfig(
        enabled=True,
        mode=args.mode,
        vad_aggressiveness=args.vad,
        confirm_ms=args.confirm_ms,
        model_path=args.model,
        backend=args.backend,
        input_device=_device(args.device),
    )
    bus = Bus()
    source: FrameSource | None = None
    if args.wav is not None:
        from copilot.voice.frames import ArraySource, read_wav

        source = ArraySource(read_wav(args.wav), config.frame_samples, speed=1.0)
    service = VoiceService(bus, config, source=source)
    service.no_microphone_hint = ""
    server = ListenServer(service, Path(args.socket).expanduser())
    await server.start()
    print(f"copilot listen: serving {server.socket_path}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if args.wait_client:
            await _first(server.client_seen.wait(), stop.wait())
        status = await service.start() if not stop.is_set() else service.status
        print(f"copilot listen: {_describe(status)}", file=sys.stderr, flush=True)
        if not status.available:
            return 1
        if args.exit_at_end:
            await _first(service.wait_source_end(), stop.wait())
        else:
            await stop.wait()
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await service.stop()
        await server.close()


async def _first(*coros: Coroutine[Any, Any, Any]) -> None:
    """Wait until the first of them ends; cancel the others."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _describe(status: VoiceStatus) -> str:
    state = f"voice {status.mode}" if status.available else "voice unavailable"
    return f"{state}: {status.detail}" if status.detail else state
