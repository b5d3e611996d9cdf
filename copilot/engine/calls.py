"""How a tool call reads in one line, in the tool pane and in the transcript.

Kept apart from the toolbox, which brings the gate, the sandbox and every tool
with it: the conversation needs these lines before the first frame, the rest
can load after it.
"""

from __future__ import annotations

from typing import Any


def describe(name: str, args: dict[str, Any]) -> str:
    """The one line the tool pane shows for a call: the command or the path."""
    if name == "run_shell":
        return str(args.get("command", ""))
    if name == "git":
        extra = args.get("args") or []
        return "git " + " ".join(str(a) for a in extra)
    if name == "search":
        return f"{args.get('pattern', '')!r} in {args.get('path') or '.'}"
    if name == "list_files":
        return str(args.get("glob") or ".")
    if name in ("recall", "remember"):
        return str(args.get("query") or args.get("fact") or "")
    return str(args.get("path", ""))


def call_lines(content: list[dict[str, Any]]) -> tuple[str, ...]:
    """One line per tool call in a message's content: the tool and what it acts on.

    The conversation shows these where a message made calls and said nothing, so the
    transcript keeps a trace of what was done even with the tool pane out of view."""
    lines = []
    for block in content:
        if block.get("type") == "tool_use":
            name = str(block.get("name", ""))
            lines.append(f"{name}  {describe(name, block.get('input') or {})}".rstrip())
    return tuple(lines)
