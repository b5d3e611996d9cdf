"""read_file: a text file with line numbers, a window at a time, never a binary blob."""

import os
from itertools import islice
from typing import Any

from copilot.sandbox.fsguard import resolve_path
from copilot.tools.base import MAX_RESULT_BYTES, ToolContext, ToolResult, ToolSpec, error

DEFAULT_LIMIT = 2000
MAX_LINE_CHARS = 2000
#: Bytes sniffed for a NUL to tell binary from text (what git and grep do).
SNIFF_BYTES = 8192

SCHEMA: dict[str, Any] = {
    "name": "read_file",
    "description": (
        "Read a text file, with line numbers (`  12\\tline`). Paths are relative to the "
        "workspace root (absolute and ~ paths work too). Reads at most `limit` lines "
        f"(default {DEFAULT_LIMIT}) starting at line `offset` (1-based); when more "
        "follows, the result says which offset to pass next. Very long lines are cut. "
        "Binary files are refused. Prefer `search` to find where something is first."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file to read."},
            "offset": {"type": "integer", "description": "First line to show, 1-based."},
            "limit": {"type": "integer", "description": "How many lines to show at most."},
        },
        "required": ["path"],
    },
}


def is_binary(head: bytes) -> bool:
    """Whether the first bytes of a file say it is not text."""
    return b"\0" in head


async def read_file(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """Show the requested window of the file (see SCHEMA)."""
    path = args["path"]
    target = resolve_path(ctx.workspace, path)
    if target.is_dir():
        return error(f"{path} is a folder; use list_files to see what it holds")
    if not target.exists():
        return error(f"{path}: no such file")
    offset = max(int(args.get("offset") or 1), 1)
    limit = max(int(args.get("limit") or DEFAULT_LIMIT), 1)
    size = os.path.getsize(target)
    with target.open("rb") as handle:
        if is_binary(handle.read(SNIFF_BYTES)):
            return error(f"{path} is a binary file ({size} bytes); not shown")
        handle.seek(0)
        lines: list[str] = []
        used = 0
        more = False
        for number, raw in enumerate(islice(handle, offset - 1, None), start=offset):
            if len(lines) >= limit:
                more = True
                break
            text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if len(text) > MAX_LINE_CHARS:
                text = text[:MAX_LINE_CHARS] + f" [... line cut at {MAX_LINE_CHARS} chars]"
            line = f"{number:6}\t{text}"
            used += len(line.encode("utf-8")) + 1
            if used > MAX_RESULT_BYTES and lines:
                more = True
                break
            lines.append(line)
    if not lines:
        if offset == 1:
            return ToolResult(content=f"[{path} is empty]")
        return error(f"{path} has fewer than {offset} lines")
    if more:
        last = offset + len(lines) - 1
        lines.append(f"[lines {offset}-{last} shown; more follows: pass offset={last + 1}]")
    return ToolResult(content="\n".join(lines))


READ = ToolSpec(name="read_file", schema=SCHEMA, kind="read", run=read_file)
