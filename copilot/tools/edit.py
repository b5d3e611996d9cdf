"""write_file and edit_file: changes we make in-process, inside the file boundary.

Both go through `fsguard.write_atomic`, which refuses paths outside the workspace or
inside `.git` / `.copilot` and writes atomically. `plan_write` and `plan_edit` compute
the change without making it, so the gate can show the same diff in its prompt that
the tool will then apply.
"""

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot.sandbox.fsguard import check_writable, write_atomic
from copilot.tools.base import ToolContext, ToolResult, ToolSpec, cap_text, error

#: The diff sent back to the model after an edit is kept short; the pane has it all.
MODEL_DIFF_BYTES = 8 * 1024

WRITE_SCHEMA: dict[str, Any] = {
    "name": "write_file",
    "description": (
        "Create a file or replace its whole content. Paths are relative to the "
        "workspace root; missing folders are created. Only files inside the workspace "
        "can be written, and never under .git/ or .copilot/. The user sees the diff and "
        "approves it first. For a small change to an existing file use edit_file."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file to write."},
            "content": {"type": "string", "description": "The complete new content."},
        },
        "required": ["path", "content"],
    },
}

EDIT_SCHEMA: dict[str, Any] = {
    "name": "edit_file",
    "description": (
        "Replace one exact piece of text in an existing file. `old` must occur in the "
        "file exactly once, character for character (whitespace and indentation "
        "included); include a few surrounding lines to make it unique. Returns the diff. "
        "Same boundary as write_file: inside the workspace, not under .git/ or .copilot/."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "path": {"type": "string", "description": "The file to edit."},
            "old": {"type": "string", "description": "The exact text to replace."},
            "new": {"type": "string", "description": "The text to put in its place."},
        },
        "required": ["path", "old", "new"],
    },
}


class EditRefused(ValueError):
    """An edit that cannot be applied as asked (old text absent, not unique, ...)."""


@dataclass(frozen=True, slots=True)
class Change:
    """A planned write: where, the text before (empty for a new file) and after."""

    target: Path
    label: str
    before: str
    after: str
    existed: bool

    def diff(self) -> str:
        """The unified diff of the change, `a/` and `b/` labelled like git."""
        old = self.before.splitlines(keepends=True)
        new = self.after.splitlines(keepends=True)
        source = f"a/{self.label}" if self.existed else "/dev/null"
        lines = difflib.unified_diff(old, new, fromfile=source, tofile=f"b/{self.label}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _label(workspace: Path, target: Path) -> str:
    return target.relative_to(os.path.realpath(workspace)).as_posix()


def _read_text(target: Path, path: str) -> str:
    try:
        return target.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EditRefused(f"{path} is not UTF-8 text; not edited") from exc


def plan_write(workspace: Path, path: str, content: str) -> Change:
    """The change write_file would make (raises PathEscape if refused)."""
    target = check_writable(workspace, path)
    if target.is_dir():
        raise EditRefused(f"{path} is a folder")
    existed = target.exists()
    before = target.read_bytes().decode("utf-8", errors="replace") if existed else ""
    return Change(target, _label(workspace, target), before, content, existed)


def plan_edit(workspace: Path, path: str, old: str, new: str) -> Change:
    """The change edit_file would make (raises EditRefused or PathEscape if refused)."""
    target = check_writable(workspace, path)
    if not target.is_file():
        raise EditRefused(f"{path}: no such file (use write_file to create it)")
    if not old:
        raise EditRefused("old is empty; give the exact text to replace")
    if old == new:
        raise EditRefused("old and new are the same; nothing to change")
    before = _read_text(target, path)
    first = before.find(old)
    if first < 0:
        raise EditRefused(f"old text not found in {path}; read the file and copy it exactly")
    if before.find(old, first + 1) >= 0:
        count = before.count(old)
        raise EditRefused(
            f"old text occurs {count} times in {path}; include more lines to make it unique"
        )
    after = before[:first] + new + before[first + len(old) :]
    return Change(target, _label(workspace, target), before, after, True)


def _apply(ctx: ToolContext, path: str, change: Change, summary: str) -> ToolResult:
    write_atomic(ctx.workspace, path, change.after.encode("utf-8"))
    diff = change.diff()
    return ToolResult(content=f"{summary}\n{cap_text(diff, MODEL_DIFF_BYTES)}".rstrip(), diff=diff)


async def write_file(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """Write the whole file (see WRITE_SCHEMA)."""
    try:
        change = plan_write(ctx.workspace, args["path"], args["content"])
    except EditRefused as exc:
        return error(str(exc))
    verb = "replaced" if change.existed else "created"
    size = len(change.after.encode("utf-8"))
    summary = f"{verb} {change.label} ({size} bytes, {len(change.after.splitlines())} lines)"
    return _apply(ctx, args["path"], change, summary)


async def edit_file(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """Replace the unique occurrence of `old` (see EDIT_SCHEMA)."""
    try:
        change = plan_edit(ctx.workspace, args["path"], args["old"], args["new"])
    except EditRefused as exc:
        return error(str(exc))
    return _apply(ctx, args["path"], change, f"edited {change.label}")


WRITE = ToolSpec(name="write_file", schema=WRITE_SCHEMA, kind="write", run=write_file)
EDIT = ToolSpec(name="edit_file", schema=EDIT_SCHEMA, kind="edit", run=edit_file)
