"""Fixtures for tests that run real bubblewrap.

They must not silently vanish in CI: when bubblewrap cannot start and `CI` is set,
every test here fails with the reason; on a developer machine they are skipped.
"""

import os
from pathlib import Path

import pytest

from copilot.sandbox.bwrap import SandboxSpec, available


@pytest.fixture(autouse=True)
def _require_sandbox() -> None:
    status = available()
    if status.ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"the sandbox tests must run in CI: {status.reason}")
    pytest.skip(f"bubblewrap unavailable: {status.reason}")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fake HOME with the files an attack goes for."""
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "authorized_keys").write_text("ssh-ed25519 AAAA user@host\n")
    (home / ".ssh" / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY----- secret\n")
    (home / ".bashrc").write_text("# the user's bashrc\n")
    (home / ".config" / "copilot").mkdir(parents=True)
    (home / ".config" / "copilot" / "config.toml").write_text("[model]\n")
    return home


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """Our environment with HOME pointed at the fake home (so `~` means it inside)."""
    return {**os.environ, "HOME": str(home)}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "notes.txt").write_text("notes\n")
    return workspace


@pytest.fixture
def spec(ws: Path, home: Path) -> SandboxSpec:
    return SandboxSpec(workspace=ws, home=home)
