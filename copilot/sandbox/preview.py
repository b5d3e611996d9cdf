"""The diff a write or edit prompt shows, computed before anything is written.

The user approves a change, not a path: the prompt carries a unified diff of
the file as it is now against what the tool would leave. Nothing here writes.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from copilot.sandbox.rules import resolve_path

#: Files larger than this are not diffed (the prompt says so instead).
MAX_DIFF_SOURCE = 2 * 1024 * 1024


def proposed_change(tool: str, args: Mapping[str, Any], workspace: Path) -> tuple[str, str]:
    """`(diff, note)` for a write_file/edit_file call; both '' for other tools."""
    if tool not in ("write_file", "edit_file"):
        return "", ""
    raw = str(args.get("path", ""))
    path = resolve_path(raw, workspace)
    try:
        if path.exists() and path.stat().st_size > MAX_DIFF_SOURCE:
            return "", f"{raw} is too large to preview"
        current = path.read_text(errors="replace") if path.is_file() else ""
    except OSError as exc:
        return "", f"cannot read {raw} for a preview ({exc.strerror})"
    if tool == "write_file":
        proposed = str(args.get("content", ""))
    else:
        old = str(args.get("old", args.get("old_string", "")))
        new = str(args.get("new", args.get("new_string", "")))
        count = current.count(old) if old else 0
        if count != 1:
            return "", f"the text to replace occurs {count} times in {raw}; the edit will fail"
        proposed = current.replace(old, new, 1)
    diff = difflib.unified_diff(
        current.splitlines(keepends=True),
        proposed.splitlines(keepends=True),
        fromfile=f"a/{raw}" if path.exists() else "/dev/null",
        tofile=f"b/{raw}",
    )
    return "".join(_terminated(diff)), ""


def _terminated(lines: Any) -> Any:
    """Give every diff line a newline, so a file without a final one still reads well."""
    for line in lines:
        yield line if line.endswith("\n") else line + "\n"
