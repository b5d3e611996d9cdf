"""What the real sandbox lets a command do and not do, each checked from the host."""

import asyncio
import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.sandbox.bwrap import SandboxSpec, build_argv
from copilot.sandbox.masks import lock_file
from copilot.sandbox.runner import RunResult, run
from tests.sandbox.helpers import make_repo, tree_digest

pytestmark = pytest.mark.sandbox


async def sh(command: str, spec: SandboxSpec, env: dict[str, str], **kw: object) -> RunResult:
    return await run(command, spec=spec, env=env, timeout_s=60, **kw)  # type: ignore[arg-type]


async def test_the_workspace_is_writable(spec: SandboxSpec, ws: Path, env: dict[str, str]) -> None:
    result = await sh("echo made > made.txt && mkdir -p a/b && echo deep > a/b/c", spec, env)
    assert result.exit_code == 0, result.output()
    assert (ws / "made.txt").read_text() == "made\n"
    assert (ws / "a" / "b" / "c").read_text() == "deep\n"


async def test_the_rest_is_read_only_even_for_root(spec: SandboxSpec, env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory(dir="/var/tmp") as folder:
        victim = Path(folder) / "victim.txt"
        victim.write_text("original\n")
        probes = [Path("/usr/copilot-probe"), Path("/etc/copilot-probe")]
        try:
            result = await sh(
                f"echo x > {victim}; rm -f {victim}; touch {probes[0]}; touch {probes[1]}",
                spec,
                env,
            )
            created = [probe for probe in probes if probe.exists()]
        finally:
            for probe in probes:
                probe.unlink(missing_ok=True)
        assert victim.read_text() == "original\n"
    assert created == []
    assert result.output().count("Read-only file system") >= 4, result.output()


async def test_no_privilege_inside(spec: SandboxSpec, env: dict[str, str]) -> None:
    result = await sh(
        "id -u; grep CapEff /proc/self/status; unshare -U true && echo NESTED-USERNS", spec, env
    )
    lines = result.output().splitlines()
    assert lines[0] != "0"
    assert lines[1].split()[1] == "0000000000000000"
    assert "NESTED-USERNS" not in result.output()


async def test_proc_sys_is_read_only(spec: SandboxSpec, env: dict[str, str]) -> None:
    result = await sh("echo 1 > /proc/sys/vm/drop_caches", spec, env)
    assert result.exit_code != 0
    assert "Read-only file system" in result.output() or "Permission denied" in result.output()


async def test_git_is_read_only_and_cannot_be_moved(
    spec: SandboxSpec, ws: Path, env: dict[str, str]
) -> None:
    make_repo(ws)
    before = tree_digest(ws / ".git")
    for command in (
        "touch .git/x",
        "echo '[core] fsmonitor = touch /tmp/pwned' >> .git/config",
        "rm -rf .git",
        "mv .git .g",
        "git commit --allow-empty -m sneaky",
    ):
        result = await sh(command, spec, env)
        assert result.exit_code != 0, command
    assert tree_digest(ws / ".git") == before
    assert not (ws / ".g").exists()


async def test_missing_git_and_copilot_cannot_be_created(
    spec: SandboxSpec, ws: Path, env: dict[str, str]
) -> None:
    result = await sh(
        "mkdir -p .git/hooks; mkdir -p .copilot; echo x > .copilot/policy.toml", spec, env
    )
    assert result.output().count("Read-only file system") >= 2, result.output()
    assert not (ws / ".git").exists(), "the empty mask mount point was not cleaned up"
    assert not (ws / ".copilot").exists()


async def test_a_mask_holds_while_another_run_ends(
    spec: SandboxSpec, ws: Path, env: dict[str, str]
) -> None:
    slow = asyncio.ensure_future(
        sh("while [ ! -e go ]; do sleep 0.05; done; mkdir .git && echo CREATED", spec, env)
    )
    quick = await sh("true", spec, env)
    assert quick.exit_code == 0
    (ws / "go").write_text("")
    result = await slow
    assert "CREATED" not in result.output()
    assert not (ws / ".git").exists()


OTHER_COPILOT = """
import asyncio, sys
from pathlib import Path
from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.runner import run
spec = SandboxSpec(workspace=Path(sys.argv[1]), home=Path(sys.argv[2]))
result = asyncio.run(run("while [ ! -e go-other ]; do sleep 0.05; done", spec=spec))
sys.exit(result.exit_code)
"""


async def test_a_mask_holds_after_another_copilot_process_made_it(
    spec: SandboxSpec, ws: Path, home: Path, env: dict[str, str]
) -> None:
    """Two copilots in one workspace (two tmux panes): the one that made the mount point
    ends first, and must not take the other's mask away."""
    # The same user's copilot: its own HOME (where the holds are kept) is ours.
    other = await asyncio.create_subprocess_exec(
        sys.executable, "-c", OTHER_COPILOT, str(ws), str(home), env=dict(os.environ)
    )
    while not (ws / ".copilot").exists():
        await asyncio.sleep(0.02)
    ours = asyncio.ensure_future(
        sh(
            "touch up; while [ ! -e go ]; do sleep 0.05; done; mkdir .copilot && echo CREATED",
            spec,
            env,
        )
    )
    while not (ws / "up").exists():  # our sandbox masks the other's mount point
        await asyncio.sleep(0.02)
    (ws / "go-other").write_text("")
    assert await other.wait() == 0
    (ws / "go").write_text("")
    result = await ours
    assert "CREATED" not in result.output(), result.output()
    assert not (ws / ".copilot").exists(), "the last holder removes the mount point"
    assert not lock_file(ws / ".copilot").exists(), "and then its lock file"


async def test_existing_copilot_and_user_config_are_read_only(
    spec: SandboxSpec, ws: Path, home: Path, env: dict[str, str]
) -> None:
    (ws / ".copilot").mkdir()
    (ws / ".copilot" / "policy.toml").write_text("deny = []\n")
    result = await sh(
        "echo 'allow = [\"shell(*)\"]' > .copilot/policy.toml; "
        "echo x >> ~/.config/copilot/config.toml",
        spec,
        env,
    )
    assert result.output().count("Read-only file system") == 2, result.output()
    assert (ws / ".copilot" / "policy.toml").read_text() == "deny = []\n"
    assert (home / ".config" / "copilot" / "config.toml").read_text() == "[model]\n"


async def test_home_inside_the_workspace_keeps_dotfiles_read_only(
    tmp_path: Path, env: dict[str, str]
) -> None:
    home = tmp_path / "home-ws"
    home.mkdir()
    (home / ".bashrc").write_text("# rc\n")
    (home / "project.txt").write_text("p\n")
    spec = SandboxSpec(workspace=home, home=home)
    result = await sh(
        "echo x >> ~/.bashrc; echo edited > project.txt", spec, {**env, "HOME": str(home)}
    )
    assert (home / ".bashrc").read_text() == "# rc\n"
    assert (home / "project.txt").read_text() == "edited\n", result.output()


async def test_credentials_and_shadow_are_hidden(
    spec: SandboxSpec, home: Path, env: dict[str, str]
) -> None:
    result = await sh("cat ~/.ssh/id_ed25519; ls ~/.ssh; cat /etc/shadow", spec, env)
    assert "PRIVATE KEY" not in result.output()
    assert "authorized_keys" not in result.output()
    try:
        shadow = Path("/etc/shadow").read_text()
    except OSError:
        shadow = ""
    for line in shadow.splitlines():
        assert line not in result.output()


async def test_secrets_are_not_in_the_environment(spec: SandboxSpec, env: dict[str, str]) -> None:
    env = {**env, "ANTHROPIC_API_KEY": "sk-ant-xyz", "GITHUB_TOKEN": "ghp_abc", "KEEP_ME": "1"}
    result = await sh("env", spec, env)
    assert "sk-ant-xyz" not in result.output() and "ghp_abc" not in result.output()
    assert "KEEP_ME=1" in result.output()
    assert "COPILOT_SANDBOX=1" in result.output() and "TMPDIR=/tmp" in result.output()


async def test_tmp_is_private(spec: SandboxSpec, env: dict[str, str]) -> None:
    marker = f"copilot-private-{os.getpid()}"
    result = await sh(f"echo x > /tmp/{marker} && cat /tmp/{marker}", spec, env)
    assert result.output() == "x\n"
    assert not Path("/tmp", marker).exists()


async def test_no_network_unless_allowed(spec: SandboxSpec, env: dict[str, str]) -> None:
    seen: list[int] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        seen.append(1)
        writer.close()

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    command = f"curl -s -m 5 http://127.0.0.1:{port}/; echo hi > /dev/tcp/127.0.0.1/{port}"
    try:
        blocked = await sh(command, spec, env)
        assert seen == [], blocked.output()
        allowed = await sh(command, SandboxSpec(workspace=spec.workspace, network=True), env)
        assert seen, allowed.output()
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def unix_listener(ws: Path) -> Iterator[tuple[Path, socket.socket]]:
    path = ws / "daemon.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(5)
    server.setblocking(False)
    yield path, server
    server.close()


def _accepted(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


async def test_unix_sockets_cannot_be_opened(
    ws: Path, home: Path, env: dict[str, str], unix_listener: tuple[Path, socket.socket]
) -> None:
    path, server = unix_listener
    # The interpreter itself, not the venv's link to it: a checkout under /tmp is
    # hidden inside the sandbox (its /tmp is private), the real interpreter is not.
    python = os.path.realpath(sys.executable)
    connect = (
        f'{python} -c "import socket; s = socket.socket(socket.AF_UNIX); '
        f"s.connect('{path}'); print('CONNECTED')\""
    )
    spec = SandboxSpec(workspace=ws, home=home, network=True)
    blocked = await sh(connect, spec, env)
    assert "CONNECTED" not in blocked.output() and "PermissionError" in blocked.output()
    assert _accepted(server) == 0
    control = await run(connect, spec=None, env=env, cwd=ws, timeout_s=60)
    assert "CONNECTED" in control.output(), control.output()
    assert _accepted(server) == 1


def test_argv_has_the_promised_options(spec: SandboxSpec, ws: Path) -> None:
    argv = build_argv(spec, ["true"])
    for option in (
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-net",
        "--new-session",
        "--die-with-parent",
        "--unshare-user",
    ):
        assert option in argv
    assert argv[argv.index("--cap-drop") + 1] == "ALL"
    assert argv[1:4] == ["--ro-bind", "/", "/"]
    assert ["--bind", str(ws), str(ws)] == argv[argv.index("--bind") : argv.index("--bind") + 3]
    with_net = build_argv(SandboxSpec(workspace=ws, network=True), ["true"])
    assert "--unshare-net" not in with_net
