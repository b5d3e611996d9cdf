"""search: find a regular expression in the workspace's files.

ripgrep when it is installed (fast, honours .gitignore), run through the sandbox
runner like any command: its argv is ours (the pattern goes after `--regexp`, the
path after `--`), so a pattern cannot smuggle in a flag such as `--pre`. Without rg,
a Python walk over the same non-ignored files does the job, more slowly.
"""

import asyncio
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

from copilot.sandbox.bwrap import SandboxUnavailable
from copilot.sandbox.fsguard import is_inside, resolve_path
from copilot.sandbox.runner import run
from copilot.tools.base import MAX_RESULT_BYTES, ToolContext, ToolResult, ToolSpec, error
from copilot.tools.listing import walk
from copilot.tools.read import SNIFF_BYTES, is_binary

MAX_MATCHES = 500
MAX_LINE_CHARS = 300
TIMEOUT_S = 60.0

SCHEMA: dict[str, Any] = {
    "name": "search",
    "description": (
        "Search file contents for a regular expression (ripgrep syntax; Python `re` "
        "when ripgrep is missing) and return `path:line:text` for each matching line. "
        "Skips files .gitignore ignores, hidden files and binary files. `path` limits the "
        "search to a file or folder (relative to the workspace root). At most "
        f"{MAX_MATCHES} matches are returned."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "pattern": {"type": "string", "description": "The regular expression."},
            "path": {"type": "string", "description": "File or folder to search in."},
        },
        "required": ["pattern"],
    },
}


def _rg_argv(rg: str, pattern: str, target: str) -> list[str]:
    return [
        rg,
        "--line-number",
        "--with-filename",
        "--no-heading",
        "--color=never",
        "--no-config",
        f"--max-columns={MAX_LINE_CHARS}",
        "--max-columns-preview",
        "--regexp",
        pattern,
        "--",
        target,
    ]


async def _search_rg(rg: str, pattern: str, target: Path, ctx: ToolContext) -> ToolResult:
    root = resolve_path(ctx.workspace, ".")
    shown = str(target.relative_to(root)) if is_inside(ctx.workspace, target) else str(target)
    spec = replace(ctx.sandbox, network=False) if ctx.sandbox is not None else None
    try:
        result = await run(
            _rg_argv(rg, pattern, shown),
            spec=spec,
            cwd=root,
            timeout_s=TIMEOUT_S,
            max_capture=MAX_RESULT_BYTES,
        )
    except SandboxUnavailable as exc:
        return error(f"the sandbox cannot start, so the search did not run: {exc}")
    if result.exit_code == 1 and not result.total_bytes:
        return ToolResult(content="[no matches]", exit_code=1, duration_s=result.duration_s)
    if result.exit_code != 0 or result.timed_out or result.interrupted:
        status = "interrupted" if result.interrupted else "failed"
        text = result.output().strip() or f"rg ended with exit code {result.exit_code}"
        return ToolResult(
            content=text,
            is_error=True,
            status=status,
            exit_code=result.exit_code,
            duration_s=result.duration_s,
        )
    return ToolResult(content=result.output().rstrip("\n"), exit_code=0)


def _search_python(pattern: str, target: Path, workspace: Path) -> ToolResult:
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        return error(f"bad pattern: {exc}")
    root = resolve_path(workspace, ".")
    if target.is_file():
        files = [target]
    else:
        prefix = target.relative_to(root).as_posix() + "/" if target != root else ""
        files = [root / rel for rel in walk(workspace) if rel.startswith(prefix)]
    hits: list[str] = []
    used = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if is_binary(data[:SNIFF_BYTES]):
            continue
        label = path.relative_to(root).as_posix() if is_inside(workspace, path) else str(path)
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if regex.search(line):
                hit = f"{label}:{number}:{line[:MAX_LINE_CHARS]}"
                used += len(hit) + 1
                if len(hits) >= MAX_MATCHES or used > MAX_RESULT_BYTES:
                    hits.append("[... more matches not shown; narrow the pattern or path]")
                    return ToolResult(content="\n".join(hits))
                hits.append(hit)
    return ToolResult(content="\n".join(hits) if hits else "[no matches]")


async def search(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """Search (see SCHEMA): ripgrep in the sandbox, or the Python fallback."""
    target = resolve_path(ctx.workspace, args.get("path") or ".")
    if not target.exists():
        return error(f"{args.get('path')}: no such file or folder")
    rg = shutil.which("rg")
    if rg is not None:
        return await _search_rg(rg, args["pattern"], target, ctx)
    if not is_inside(ctx.workspace, target) and not target.is_file():
        return error("without ripgrep, only the workspace (or one file) can be searched")
    return await asyncio.to_thread(_search_python, args["pattern"], target, ctx.workspace)


SEARCH = ToolSpec(name="search", schema=SCHEMA, kind="search", run=search)
