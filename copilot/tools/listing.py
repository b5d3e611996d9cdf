"""list_files, and the .gitignore-aware walk that search's Python fallback shares.

The walk reads `.gitignore` files as it descends (and `.git/info/exclude` at the
root), and lets the deepest file with an opinion decide, as git does. It never
follows symlinked folders (no loops, no wandering out of the workspace) and never
enters `.git`.
"""

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pathspec

from copilot.tools.base import ToolContext, ToolResult, ToolSpec

MAX_FILES = 1000

SCHEMA: dict[str, Any] = {
    "name": "list_files",
    "description": (
        "List files in the workspace (paths relative to its root), skipping what "
        ".gitignore ignores and the .git folder. `glob` filters with gitignore-style "
        "patterns: `*.py` matches at any depth, `src/**/*.ts` under src/, `docs/` a "
        f"folder. At most {MAX_FILES} paths are returned, sorted; narrow the glob if "
        "the list is cut."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "glob": {"type": "string", "description": "Pattern to filter paths with."},
        },
        "required": [],
    },
}

_Rules = list[tuple[str, pathspec.GitIgnoreSpec]]


def _load_spec(path: Path) -> pathspec.GitIgnoreSpec | None:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(rules: _Rules, relative: str, is_dir: bool) -> bool:
    """Whether the deepest rule file that matches `relative` says it is ignored."""
    for base, spec in reversed(rules):
        below = relative[len(base) :] if base else relative
        result = spec.check_file(below + "/" if is_dir else below)
        if result.include is not None:
            return result.include
    return False


def walk(workspace: Path) -> Iterator[str]:
    """Every file not ignored, as a POSIX path relative to the workspace."""
    root = Path(os.path.realpath(workspace))
    rules: _Rules = []
    exclude = _load_spec(root / ".git" / "info" / "exclude")
    if exclude is not None:
        rules.append(("", exclude))
    yield from _walk_dir(root, "", rules)


def _walk_dir(folder: Path, prefix: str, rules: _Rules) -> Iterator[str]:
    spec = _load_spec(folder / ".gitignore")
    if spec is not None:
        rules = [*rules, (prefix, spec)]
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        relative = prefix + entry.name
        is_dir = entry.is_dir(follow_symlinks=False)
        if entry.name == ".git" or _ignored(rules, relative, is_dir):
            continue
        if is_dir:
            yield from _walk_dir(Path(entry.path), relative + "/", rules)
        else:
            yield relative


def matcher(glob: str | None) -> pathspec.GitIgnoreSpec | None:
    """A filter for `glob` with gitignore semantics, or None to keep everything."""
    if not glob:
        return None
    return pathspec.GitIgnoreSpec.from_lines([glob])


def _listing(workspace: Path, glob: str | None) -> str:
    wanted = matcher(glob)
    shown: list[str] = []
    total = 0
    for relative in walk(workspace):
        if wanted is not None and not wanted.match_file(relative):
            continue
        total += 1
        if len(shown) < MAX_FILES:
            shown.append(relative)
    if not shown:
        return "[no files match]"
    if total > len(shown):
        shown.append(f"[... {total - len(shown)} more files not shown; narrow the glob]")
    return "\n".join(shown)


async def list_files(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """List the workspace's files (see SCHEMA); the walk runs off the event loop."""
    return ToolResult(content=await asyncio.to_thread(_listing, ctx.workspace, args.get("glob")))


LIST = ToolSpec(name="list_files", schema=SCHEMA, kind="list", run=list_files)
