"""run_shell: a command line, run by bash inside the sandbox, streamed to the tool pane."""

import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from copilot.sandbox.bwrap import SandboxUnavailable
from copilot.sandbox.runner import RunResult, run
from copilot.tools.base import (
    MAX_RESULT_BYTES,
    ToolContext,
    ToolResult,
    ToolSpec,
    ToolStatusName,
    error,
)

DEFAULT_TIMEOUT_S = 120.0
MAX_TIMEOUT_S = 1800.0

SCHEMA: dict[str, Any] = {
    "name": "run_shell",
    "description": (
        "Run a bash command line in the workspace and return its combined stdout and "
        "stderr and exit code. The user approves each command first. It runs in a "
        "sandbox: the workspace is writable, the rest of the file system is read-only, "
        ".git and .copilot are read-only, /tmp is private and emptied afterwards, and "
        "there is no network unless the user allowed it for this command. stdin is "
        "empty, so do not start interactive programs (editors, pagers, REPLs, prompts). "
        "Long output is cut in the middle; prefer commands that print only what you "
        "need (e.g. `pytest -x -q`, `grep -n`). Use the file tools to read and edit files."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "command": {
                "type": "string",
                "description": "The command line, run with `bash -c` in the workspace root.",
            },
            "timeout_s": {
                "type": "number",
                "description": (
                    f"Seconds before the command is stopped (default {DEFAULT_TIMEOUT_S:g}, "
                    f"at most {MAX_TIMEOUT_S:g})."
                ),
            },
        },
        "required": ["command"],
    },
}


def _ending(result: RunResult, what: str) -> tuple[ToolStatusName, str]:
    """The status and the closing line the model reads for how a run ended."""
    if result.interrupted:
        seconds = f"{result.duration_s:.1f} s"
        return "interrupted", f"[interrupted by the user after {seconds}; output is partial]"
    if result.timed_out:
        return "failed", f"[{what} timed out after {result.duration_s:.0f} s and was stopped]"
    if result.exit_code == 0:
        return "done", ""
    return "failed", f"[exit code {result.exit_code}]"


def result_from_run(result: RunResult, *, what: str = "command") -> ToolResult:
    """A ToolResult for a finished run: capped output plus a line saying how it ended."""
    status, note = _ending(result, what)
    body = result.output()
    if result.truncated_bytes and result.full_output_path is not None:
        body += f"\n[full output: {result.total_bytes} bytes in {result.full_output_path}]"
    content = "\n".join(part for part in (body.rstrip("\n"), note) if part) or "[no output]"
    return ToolResult(
        content=content,
        is_error=status != "done",
        exit_code=result.exit_code,
        duration_s=result.duration_s,
        status=status,
        output_path=result.full_output_path,
    )


def output_file(ctx: ToolContext, prefix: str) -> Path | None:
    """A fresh file under the session's output folder for one call's full output."""
    if ctx.output_dir is None:
        return None
    return ctx.output_dir / f"{prefix}-{uuid.uuid4().hex[:12]}.log"


async def run_shell(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """Run the command (see SCHEMA); a missing sandbox is an error, never a fallback."""
    timeout = float(args.get("timeout_s") or DEFAULT_TIMEOUT_S)
    timeout = min(max(timeout, 1.0), MAX_TIMEOUT_S)
    spec = replace(ctx.sandbox, network=ctx.network) if ctx.sandbox is not None else None
    try:
        result = await run(
            args["command"],
            spec=spec,
            cwd=ctx.workspace,
            timeout_s=timeout,
            on_output=ctx.on_output,
            max_capture=MAX_RESULT_BYTES,
            output_path=output_file(ctx, "shell"),
        )
    except SandboxUnavailable as exc:
        return error(f"the sandbox cannot start, so nothing ran: {exc}")
    return result_from_run(result)


SHELL = ToolSpec(name="run_shell", schema=SCHEMA, kind="shell", run=run_shell)
