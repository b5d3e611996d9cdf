"""Permission rules `tool(pattern)` and how each kind matches.

- `shell(npm test *)` matches the decoded argv of ONE simple command joined by
  single spaces. `*` matches any run of characters; a pattern ending in ` *`
  also matches the bare prefix (`npm test *` covers `npm test`). There is no
  other wildcard. Because matching is per simple command, no `*` can reach
  across `;`, `&&`, a pipe or a newline into the next command.
- `read(~/.ssh/**)`, `write(src/**)`, `edit(...)` match a path after it is
  made absolute (home for `~`, the workspace for relative paths) and every
  symlink is resolved, component by component: `*` and `?` stay inside one
  component, `**` spans any number of them (including none, so `src/**`
  covers `src` itself), and `src/**` never matches `src-evil/x`.
  A `write` rule covers edits too.
- `net(*.example.com)` matches a host name (case-insensitive glob).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property
from pathlib import Path

TOOLS = frozenset({"shell", "read", "write", "edit", "net"})
_RULE = re.compile(r"^\s*([a-z]+)\((.*)\)\s*$", re.DOTALL)
_PATH_WILDCARDS = frozenset("*?[")


class RuleError(ValueError):
    """A rule string that does not follow `tool(pattern)`."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule; `source` says where it came from (default, user, project, session)."""

    tool: str
    pattern: str
    source: str = "user"

    def __str__(self) -> str:
        return f"{self.tool}({self.pattern})"

    def covers(self, kind: str) -> bool:
        """Whether this rule speaks about a request of `kind` (write rules cover edits)."""
        return self.tool == kind or (self.tool == "write" and kind == "edit")


def parse_rule(text: str, source: str = "user") -> Rule:
    """Parse `tool(pattern)`; raises RuleError for anything else."""
    found = _RULE.match(text)
    if not found:
        raise RuleError(f"not a rule (expected tool(pattern)): {text!r}")
    tool, pattern = found.group(1), found.group(2).strip()
    if tool not in TOOLS:
        raise RuleError(f"unknown tool {tool!r} in {text!r} (known: {', '.join(sorted(TOOLS))})")
    if not pattern:
        raise RuleError(f"empty pattern in {text!r}")
    return Rule(tool=tool, pattern=pattern, source=source)


def match_shell(pattern: str, command: str) -> bool:
    """Whether one simple command's decoded text matches a shell pattern."""
    return _shell_regex(pattern).fullmatch(command) is not None


def _shell_regex(pattern: str) -> re.Pattern[str]:
    tail = ""
    if pattern.endswith(" *"):
        pattern, tail = pattern[:-2], "(?: .*)?"
    body = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.compile(body + tail, re.DOTALL)


def match_host(pattern: str, host: str) -> bool:
    """Whether a host name matches a `net(...)` pattern."""
    return fnmatchcase(host.lower(), pattern.lower())


def resolve_path(path: str | Path, workspace: Path) -> Path:
    """Absolute, symlink-free form of a path as a tool would open it.

    `~` is the user's home, a relative path starts at the workspace. Symlinks
    are resolved for every existing component (what the kernel will follow),
    so a link inside the workspace that points out of it resolves outside.
    """
    expanded = os.path.expanduser(str(path))
    return Path(os.path.realpath(os.path.join(workspace, expanded)))


def is_inside(path: Path, root: Path) -> bool:
    """Whole-component containment: `/w/src` is inside `/w`, `/w-evil` is not."""
    return path == root or root in path.parents


@dataclass(frozen=True, slots=True)
class PathPattern:
    """A path rule's pattern, anchored and split into components once."""

    parts: tuple[str, ...]

    @classmethod
    def compile(cls, pattern: str, workspace: Path) -> PathPattern:
        """Anchor a pattern at home or the workspace and resolve its literal prefix."""
        expanded = os.path.expanduser(pattern)
        if expanded.startswith("./"):
            expanded = expanded[2:]
        anchored = Path(os.path.join(workspace, expanded))
        parts = anchored.parts
        literal = 0
        while literal < len(parts) and not _PATH_WILDCARDS & set(parts[literal]):
            literal += 1
        prefix = Path(os.path.realpath(Path(*parts[:literal]))) if literal else Path("/")
        return cls(prefix.parts + tuple(parts[literal:]))

    def matches(self, path: Path) -> bool:
        """Match an already resolved absolute path, component by component."""
        return _match_parts(self.parts, path.parts)


def _match_parts(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    if not pattern:
        return not parts
    head = pattern[0]
    if head == "**":
        return any(_match_parts(pattern[1:], parts[i:]) for i in range(len(parts) + 1))
    if not parts or not fnmatchcase(parts[0], head):
        return False
    return _match_parts(pattern[1:], parts[1:])


@dataclass(frozen=True)
class CompiledRule:
    """A rule ready to match in one workspace."""

    rule: Rule
    workspace: Path

    @cached_property
    def _path(self) -> PathPattern:
        return PathPattern.compile(self.rule.pattern, self.workspace)

    def matches_command(self, command: str) -> bool:
        return self.rule.tool == "shell" and match_shell(self.rule.pattern, command)

    def matches_path(self, kind: str, path: Path) -> bool:
        return self.rule.covers(kind) and self._path.matches(path)

    def matches_host(self, host: str) -> bool:
        return self.rule.tool == "net" and match_host(self.rule.pattern, host)
