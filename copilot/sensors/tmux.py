"""The tmux sensor: the other panes of copilot's window, captured as text.

When copilot runs inside tmux, "the error in my other pane" is context: a pane
is captured (its last ~50 lines, joined, ANSI stripped) when the shell hook
reports a failed command from it, or on demand (`/pane`). tmux is only asked
read-only questions (`list-panes`, `capture-pane -p`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
from dataclasses import dataclass

from copilot.bus.bus import Bus
from copilot.sensors.emit import Emitter, EventSink
from copilot.sensors.redact import redact

#: Lines kept from the end of a pane.
CAPTURE_LINES = 50
TMUX_TIMEOUT_S = 5.0

_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, hyperlinks
    r"|\x1b[PX^_][^\x1b]*\x1b\\"  # DCS, SOS, PM, APC strings
    r"|\x1b[@-Z\\-_]"  # two-byte escapes
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"  # stray control characters
)


def strip_ansi(text: str) -> str:
    """`text` without escape sequences or control characters (newlines and tabs stay)."""
    return _ANSI.sub("", text.replace("\r\n", "\n"))


@dataclass(frozen=True, slots=True)
class Pane:
    """One pane of copilot's window."""

    pane_id: str
    command: str
    active: bool


class TmuxSensor(Emitter):
    """Lists and captures the other panes; emits `SensorEvent(sensor="tmux")` per capture."""

    sensor_name = "tmux"

    def __init__(
        self,
        bus: Bus,
        *,
        on_event: EventSink | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(bus, on_event)
        env = dict(os.environ) if env is None else env
        tmux = env.get("TMUX", "")
        self.socket = tmux.split(",")[0] if tmux else ""
        self.own_pane = env.get("TMUX_PANE", "")

    @property
    def available(self) -> bool:
        """Copilot itself runs inside tmux."""
        return bool(self.socket and self.own_pane)

    def same_server(self, tmux_value: str) -> bool:
        """A hook's `$TMUX` names the server copilot runs in."""
        return bool(self.socket) and tmux_value.split(",")[0] == self.socket

    async def _tmux(self, *args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "tmux",
            "-S",
            self.socket,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), TMUX_TIMEOUT_S)
        except (TimeoutError, asyncio.CancelledError):
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise
        if proc.returncode != 0:
            raise OSError(f"tmux {args[0]} failed ({proc.returncode})")
        return out.decode("utf-8", errors="replace")

    async def panes(self) -> list[Pane]:
        """The other panes of the window copilot runs in."""
        if not self.available:
            return []
        fmt = "#{pane_id}\t#{pane_current_command}\t#{pane_active}"
        out = await self._tmux("list-panes", "-t", self.own_pane, "-F", fmt)
        panes = []
        for line in out.splitlines():
            pane_id, _, rest = line.partition("\t")
            command, _, active = rest.partition("\t")
            if pane_id and pane_id != self.own_pane:
                panes.append(Pane(pane_id, command, active == "1"))
        return panes

    async def capture_text(self, pane_id: str) -> str:
        """The last `CAPTURE_LINES` lines of a pane, wrapped lines joined, ANSI stripped."""
        out = await self._tmux("capture-pane", "-p", "-J", "-S", f"-{CAPTURE_LINES}", "-t", pane_id)
        lines = strip_ansi(out).rstrip().splitlines()
        return "\n".join(line.rstrip() for line in lines[-CAPTURE_LINES:])

    async def capture(self, pane_id: str | None = None, reason: str = "") -> str:
        """Capture one pane, or every other pane of the window when `pane_id` is None.

        Each capture becomes an event (key = pane id; action `captured`, or
        `failed` when a failed command there triggered it). Returns the redacted
        text, pane by pane, for the caller to show.
        """
        if not self.available:
            return ""
        if pane_id is None:
            targets = [(p.pane_id, p.command) for p in await self.panes()]
        else:
            targets = [(pane_id, "")]
        texts = []
        for target, command in targets:
            try:
                text = redact(await self.capture_text(target))
            except OSError:
                continue
            what = f" (`{command}`)" if command else ""
            why = f" after {reason}" if reason else ""
            self.emit(
                target,
                "failed" if reason else "captured",
                f"tmux pane {target}{what}{why}: last {len(text.splitlines())} lines",
                pane=target,
                text=text,
            )
            texts.append(f"--- pane {target}{what} ---\n{text}" if pane_id is None else text)
        return "\n".join(texts)
