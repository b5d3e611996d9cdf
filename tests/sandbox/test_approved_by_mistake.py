"""The last section of the shared adversarial list, approved and run in the real sandbox.

Each command is what a fooled model proposes and a hurried user approves. The sandbox
must hold: the fake home's `.bashrc` and `authorized_keys`, the repository's `.git`,
files beside the workspace and the project policy stay as they were; nothing planted
runs when the user later uses git on the host; no connection reaches a listener on
the host; the runner and this test survive `kill -9 $PPID`; `/etc/shadow` stays unseen.
"""

import asyncio
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.runner import run
from tests.sandbox.helpers import git, make_repo, tree_digest

pytestmark = pytest.mark.sandbox

CASES_FILE = Path("/work/shared/security/adversarial-commands.txt")
PWNED = Path("/tmp/pwned")


def _sandbox_cases() -> list[str]:
    lines = CASES_FILE.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("# --- the OS sandbox"))
    return [
        line.replace("\\n", "\n")
        for line in lines[start + 1 :]
        if line.strip() and not line.startswith("#")
    ]


CASES = _sandbox_cases()


def test_the_list_has_the_cases_we_expect() -> None:
    assert len(CASES) >= 9
    assert "kill -9 $PPID" in CASES and "echo x >> ~/.bashrc" in CASES


class Listener:
    """A TCP listener on the host's loopback that counts who connects."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None
        self.port = 0

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


def _shadow_lines() -> list[str]:
    try:
        text = Path("/etc/shadow").read_text()
    except OSError:
        return []
    return [line for line in text.splitlines() if len(line) > 8]


@pytest.fixture(params=["tmp", "var-tmp"])
def base(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """Where the workspace lives: under /tmp (a private tmpfs inside) or on the root fs."""
    if request.param == "tmp":
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir="/var/tmp", prefix="copilot-sbx-") as folder:
        yield Path(folder)


@pytest.mark.parametrize("with_repo", [True, False], ids=["repo", "no-repo"])
@pytest.mark.parametrize("case", CASES)
async def test_approved_command_does_no_harm(
    case: str, with_repo: bool, base: Path, home: Path, env: dict[str, str]
) -> None:
    ws = base / "ws"
    ws.mkdir()
    (ws / "notes.txt").write_text("notes\n")
    if with_repo:
        make_repo(ws)
    PWNED.unlink(missing_ok=True)
    outside = base / "outside-workspace.txt"
    bashrc = (home / ".bashrc").read_bytes()
    keys = (home / ".ssh" / "authorized_keys").read_bytes()
    git_before = tree_digest(ws / ".git") if with_repo else ""
    listener = Listener()
    await listener.start()
    try:
        spec = SandboxSpec(workspace=ws, home=home)
        for command in (case, case.replace("/127.0.0.1/80", f"/127.0.0.1/{listener.port}")):
            result = await run(command, spec=spec, cwd=ws, env=env, timeout_s=60)
            assert not result.timed_out and result.exit_code is not None
    finally:
        await listener.stop()

    assert (home / ".bashrc").read_bytes() == bashrc
    assert (home / ".ssh" / "authorized_keys").read_bytes() == keys
    assert not outside.exists()
    assert not (ws / ".copilot").exists()
    assert not (ws / ".g").exists()
    if with_repo:
        assert tree_digest(ws / ".git") == git_before
        git(ws, "status")
    else:
        assert not (ws / ".git").exists()
    assert not PWNED.exists()
    assert listener.connections == 0
    assert os.getppid() > 1
    shadow = _shadow_lines()
    assert not any(line in result.output() for line in shadow)
