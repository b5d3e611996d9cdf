"""Host-side helpers for the sandbox tests: a real repository and a way to fingerprint it."""

import hashlib
import os
import subprocess
from pathlib import Path

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


def git(ws: Path, *args: str) -> None:
    """Run git on the host (as the user would, outside any sandbox)."""
    subprocess.run(
        ["git", *args], cwd=ws, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


def make_repo(ws: Path) -> None:
    """A real repository with one commit."""
    git(ws, "init", "-q")
    git(ws, "add", "-A")
    git(ws, "commit", "-qm", "first")


def tree_digest(root: Path) -> str:
    """A hash of every path, mode and content under `root` (symlinks by target)."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
        digest.update(str(path.lstat().st_mode).encode())
    return digest.hexdigest()
