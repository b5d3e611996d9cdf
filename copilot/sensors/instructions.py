"""The instructions sensor: the user's standing orders for the model.

AGENTS.md, CLAUDE.md and `.copilot/instructions.md` in the workspace, and the
user's own `~/.config/copilot/instructions.md` (XDG_CONFIG_HOME honoured), are
concatenated into a system-prompt section. The files are re-checked (a stat
each) whenever the text is asked for, so an edit is seen by the next request
without a watcher; unchanged files are not re-read.
"""

from __future__ import annotations

import os
from pathlib import Path

from copilot.sensors.redact import redact

WORKSPACE_FILES = ("AGENTS.md", "CLAUDE.md", ".copilot/instructions.md")
#: A larger file is cut: instructions share the window with the conversation.
MAX_BYTES = 32 * 1024

_HEADER = (
    "# Instructions from the user's files\nFollow these; they are the user's standing orders.\n"
)


def user_instructions_path(env: dict[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/copilot/instructions.md`, else `~/.config/copilot/instructions.md`."""
    env = dict(os.environ) if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "copilot" / "instructions.md"


class Instructions:
    """Reads, caches and concatenates the instruction files."""

    def __init__(self, workspace: Path, env: dict[str, str] | None = None) -> None:
        self.workspace = workspace.resolve()
        self.paths = [user_instructions_path(env)] + [self.workspace / f for f in WORKSPACE_FILES]
        self._seen: dict[Path, tuple[tuple[int, int, int], str]] = {}
        self._text = ""

    def _label(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.workspace))
        except ValueError:
            return "~/.config/copilot/instructions.md (the user's own)"

    def _read(self, path: Path) -> str | None:
        try:
            info = path.stat()
        except OSError:
            self._seen.pop(path, None)
            return None
        signature = (info.st_ino, info.st_size, info.st_mtime_ns)
        cached = self._seen.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
        try:
            with path.open("rb") as f:
                data = f.read(MAX_BYTES + 1)
        except OSError:
            return None
        text = data[:MAX_BYTES].decode("utf-8", errors="replace").strip()
        if len(data) > MAX_BYTES:
            text += "\n[... cut: the file is longer than 32 KiB]"
        self._seen[path] = (signature, text)
        return text

    def refresh(self) -> bool:
        """Re-check the files; True if the combined text changed."""
        sections = []
        for path in self.paths:
            text = self._read(path)
            if text:
                sections.append(f"## {self._label(path)}\n{redact(text)}\n")
        combined = _HEADER + "\n" + "\n".join(sections) if sections else ""
        changed = combined != self._text
        self._text = combined
        return changed

    def text(self) -> str:
        """The system-prompt section ("" when there are no instruction files)."""
        self.refresh()
        return self._text

    def is_instruction_file(self, path: Path) -> bool:
        """`path` is one of the files this sensor reads."""
        return path.resolve() in {p.resolve() for p in self.paths}
