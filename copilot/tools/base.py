"""The shapes every tool shares: what it is given, what it returns, how it is listed.

A tool is a JSON schema for the model plus an async function. The registry hands the
schemas to the SDK and dispatches calls; the engine (through the gate) only sees
`ToolResult`, whose `content` is always small enough to send back to the model.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from copilot.sandbox.bwrap import SandboxSpec

ToolKind = Literal["shell", "read", "write", "edit", "list", "search", "git"]
ToolStatusName = Literal["done", "failed", "interrupted"]

#: What the model gets from any tool at most; more is cut in the middle with a note.
MAX_RESULT_BYTES = 64 * 1024


def _ignore_output(text: str) -> None:
    del text


@dataclass(frozen=True, slots=True)
class ToolContext:
    """Where and how a call runs.

    `sandbox` is None only when the user explicitly chose to run unsandboxed; `network`
    says whether this call was allowed the network (it overrides `sandbox.network`).
    `output_dir` receives full command output (one file per call) when given.
    """

    workspace: Path
    sandbox: SandboxSpec | None
    network: bool = False
    on_output: Callable[[str], None] = _ignore_output
    output_dir: Path | None = None


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What a call produced, ready to become a `tool_result` block.

    `content` is capped (head + tail with a note of what was cut). `diff` is the
    unified diff a write or edit made, for the tool pane. `output_path` is the file
    holding a command's full output, when one was written.
    """

    content: str
    is_error: bool = False
    exit_code: int | None = None
    duration_s: float = 0.0
    status: ToolStatusName = "done"
    diff: str = ""
    output_path: Path | None = None


def error(message: str) -> ToolResult:
    """A failed call with a one-line reason the model can act on."""
    return ToolResult(content=message, is_error=True, status="failed")


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """One tool: its name, the schema the model sees, its kind (for the gate), its code."""

    name: str
    schema: dict[str, Any]
    kind: ToolKind
    run: Callable[[dict[str, Any], ToolContext], Awaitable[ToolResult]]


def cap_text(text: str, limit: int = MAX_RESULT_BYTES) -> str:
    """`text` if it fits in `limit` UTF-8 bytes, else its head and tail with a note."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    half = limit // 2
    head = data[:half].decode("utf-8", errors="ignore")
    tail = data[-half:].decode("utf-8", errors="ignore")
    cut = len(data) - len(head.encode("utf-8")) - len(tail.encode("utf-8"))
    return f"{head}\n[... {cut} bytes cut ...]\n{tail}"
