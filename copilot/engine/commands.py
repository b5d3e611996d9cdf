"""Slash commands every front end answers the same way, from the runtime, as plain text.

A line starting with `/` is a command, answered locally and never sent to the model; a
line starting with `//` is sent as a message starting with `/`. The app and line mode
each add their own (`/help`, `/copy`, `/quit`) and draw the `Reply` their own way: a
one-line notice, or a titled report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from copilot.engine.runtime import Runtime


#: /help's rows for the commands below, which each front end lists between its own.
HELP: list[tuple[str, str]] = [
    ("/audit", "the gate's latest requests and decisions in this session"),
    ("/context", "what the sensors will send with the next request"),
    ("/mode [MODE]", "show or set the gate mode: ask, sandbox-auto, read-only"),
    ("/pane [ID]", "capture the last lines of another tmux pane into the context"),
    ("/remember TEXT", "a fact kept verbatim for this workspace, through every compaction"),
    ("/recall QUERY", "search every session of this workspace (cites session and time)"),
]


@dataclass(frozen=True)
class Reply:
    """A command's answer: `lines` under `title` (a report), or `title` alone (a notice)."""

    title: str
    lines: list[str] = field(default_factory=list)
    level: str = "info"
    report: bool = False


def parse(text: str) -> tuple[str, str] | None:
    """`(name, argument)` for a slash command, None for a message."""
    stripped = text.strip()
    if not stripped.startswith("/") or stripped.startswith("//"):
        return None
    name, _, argument = stripped[1:].partition(" ")
    return name.lower(), argument.strip()


def unescape(text: str) -> str:
    """`//x` is how a message that starts with `/` is sent."""
    stripped = text.lstrip()
    return stripped[1:] if stripped.startswith("//") else text


async def answer(runtime: Runtime, name: str, argument: str) -> Reply | None:
    """The reply to `/name argument`, or None when no shared command has that name."""
    handler = _HANDLERS.get(name.replace("-", "_"))
    return None if handler is None else await handler(runtime, argument)


def explanation(runtime: Runtime, action: str) -> str | None:
    """The message Ctrl+E sends for a failed-command hint's `action`, or None if none.

    What the sensors saw of the command (and of the pane it ran in) is redacted again:
    it goes to the model as the user's own message.
    """
    if runtime.sensors is None or not action.startswith("explain:"):
        return None
    from copilot.sensors.redact import redact

    detail = redact(runtime.sensors.describe(action.removeprefix("explain:")))
    return f"This failed in my shell. Explain why and how to fix it.\n\n{detail}"


async def _audit(runtime: Runtime, _argument: str) -> Reply:
    from copilot.sandbox.audit import format_audit

    records = await runtime.audit()
    return Reply("Gate decisions (latest 20)", format_audit(records), report=True)


async def _context(runtime: Runtime, _argument: str) -> Reply:
    return context_reply(runtime)


def context_reply(runtime: Runtime) -> Reply:
    """The ambient block the next request carries, as the model will read it."""
    block = runtime.sensors.block() if runtime.sensors else None
    lines = block.text.splitlines() if block else []
    title = f"Context the next request carries ({block.tokens if block else 0} tokens)"
    return Reply(title, lines, report=True)


async def _mode(runtime: Runtime, argument: str) -> Reply:
    current = str(runtime.policy.mode) if runtime.policy else ""
    return Reply(runtime.set_mode(argument or current))


async def _remember(runtime: Runtime, argument: str) -> Reply:
    from copilot.memory.facts import remember

    if not argument or runtime.store is None:
        return Reply("Usage: /remember TEXT", level="warning")
    await remember(
        runtime.store,
        str(runtime.workspace),
        argument,
        session_id=runtime.session_id,
        source="user",
    )
    return Reply(f"Remembered for this workspace: {argument}")


async def _recall(runtime: Runtime, argument: str) -> Reply:
    from copilot.tools.memory_tools import recall_text

    if not argument or runtime.store is None:
        return Reply("Usage: /recall QUERY", level="warning")
    text = await recall_text(
        runtime.store, str(runtime.workspace), argument, current=runtime.session_id
    )
    return Reply(f"Recall: {argument}", text.splitlines(), report=True)


async def _pane(runtime: Runtime, argument: str) -> Reply:
    if runtime.sensors is None:
        return Reply("Sensors are off in this session.", level="warning")
    text = await runtime.sensors.capture_pane(argument or None)
    title = f"tmux pane {argument}".strip() if text else "No other tmux pane to capture."
    return Reply(title, text.splitlines()[-50:], report=True)


_HANDLERS = {
    "audit": _audit,
    "context": _context,
    "mode": _mode,
    "remember": _remember,
    "recall": _recall,
    "pane": _pane,
}
