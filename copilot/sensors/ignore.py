"""Which workspace paths the files sensor ignores: git's rules plus our defaults.

Built on pathspec's gitignore semantics. Nested `.gitignore` files apply to
their own folder, deeper files override shallower ones (like git). Decisions on
folders are cached because a storm of events mostly hits a few folders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from pathspec import GitIgnoreSpec

#: Never interesting to the user's context: VCS internals, copilot's own project
#: folder (its instructions are read on their own), dependencies, caches, build output
#: and editor swap/backup files.
DEFAULT_IGNORES: tuple[str, ...] = (
    ".git/",
    ".copilot/",
    ".hg/",
    ".svn/",
    "node_modules/",
    "__pycache__/",
    "*.pyc",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    ".mypy_cache/",
    ".pytest_cache/",
    ".ruff_cache/",
    ".cache/",
    "build/",
    "dist/",
    "target/",
    "out/",
    "*.egg-info/",
    ".next/",
    ".gradle/",
    ".idea/",
    "*.swp",
    "*.swo",
    "*.swx",
    "*~",
    ".#*",
    "#*#",
    "4913",
    ".DS_Store",
)

_DIR_CACHE_LIMIT = 20_000


class IgnoreRules:
    """Answers "is this path ignored?" for one workspace."""

    def __init__(self, root: Path, extra: Iterable[str] = ()) -> None:
        self.root = root
        self._defaults = GitIgnoreSpec.from_lines([*DEFAULT_IGNORES, *extra])
        self._specs: dict[str, GitIgnoreSpec] = {}
        self._dirs: dict[str, bool] = {}

    def load(self) -> None:
        """Read `.git/info/exclude` and every `.gitignore` in folders not ignored."""
        self._specs.clear()
        self._dirs.clear()
        exclude = self.root / ".git" / "info" / "exclude"
        lines = _read_lines(exclude)
        for top, dirs, files in os.walk(self.root):
            rel = os.path.relpath(top, self.root)
            rel = "" if rel == "." else rel.replace(os.sep, "/")
            if ".gitignore" in files:
                lines_here = _read_lines(Path(top, ".gitignore"))
                if rel == "":
                    lines_here = lines + lines_here
                self._specs[rel] = GitIgnoreSpec.from_lines(lines_here)
            elif rel == "" and lines:
                self._specs[""] = GitIgnoreSpec.from_lines(lines)
            dirs[:] = [d for d in dirs if not self._dir_ignored(f"{rel}/{d}" if rel else d)]

    def is_rules_file(self, rel: str) -> bool:
        """A change to this path changes the rules (call `load` again)."""
        return rel.endswith(".gitignore") or rel == ".git/info/exclude"

    def ignored(self, path: str | Path, *, gone: bool = False) -> bool:
        """True if `path` (absolute, or relative to the root) is ignored.

        A folder pattern (`.git/`, `node_modules/`) covers the folder itself too, but a
        path that is `gone` cannot say whether it was a folder, so for a removal it is
        taken as one: `rm -rf node_modules`, or the empty `.git` the sandbox mounts over
        and then removes, is not news (a removed plain file named like an ignored
        folder is the price). An existing folder needs no such check: the sensor
        reports files only.
        """
        rel = self.relative(path)
        if rel is None:
            return True
        parent, _, _ = rel.rpartition("/")
        if parent and self._dir_ignored(parent):
            return True
        return self._decide(rel, is_dir=False) or (gone and self._decide(rel, is_dir=True))

    def relative(self, path: str | Path) -> str | None:
        """`path` relative to the root with `/` separators, or None if outside it."""
        p = os.fspath(path)
        if os.path.isabs(p):
            root = os.fspath(self.root)
            if p == root:
                return None
            if not p.startswith(root + os.sep):
                return None
            p = p[len(root) + 1 :]
        return p.replace(os.sep, "/")

    def _dir_ignored(self, rel: str) -> bool:
        cached = self._dirs.get(rel)
        if cached is not None:
            return cached
        parent, _, _ = rel.rpartition("/")
        result = (bool(parent) and self._dir_ignored(parent)) or self._decide(rel, is_dir=True)
        if len(self._dirs) >= _DIR_CACHE_LIMIT:
            self._dirs.clear()
        self._dirs[rel] = result
        return result

    def _decide(self, rel: str, is_dir: bool) -> bool:
        """Defaults are final; then each `.gitignore` from the root down, the last say wins."""
        suffix = "/" if is_dir else ""
        if self._defaults.match_file(rel + suffix):
            return True
        verdict = False
        base = ""
        parts = rel.split("/")
        for depth in range(len(parts)):
            spec = self._specs.get(base)
            if spec is not None:
                local = "/".join(parts[depth:]) + suffix
                result = spec.check_file(local).include
                if result is not None:
                    verdict = result
            base = f"{base}/{parts[depth]}" if base else parts[depth]
        return verdict


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
