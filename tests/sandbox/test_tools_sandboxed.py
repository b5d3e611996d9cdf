"""The shell, git and search tools with the real sandbox under them."""

from dataclasses import replace
from pathlib import Path

import pytest

from copilot.sandbox.bwrap import SandboxSpec
from copilot.tools import ToolContext, execute
from tests.sandbox.helpers import git, make_repo, tree_digest

pytestmark = pytest.mark.sandbox


@pytest.fixture
def ctx(spec: SandboxSpec, ws: Path) -> ToolContext:
    return ToolContext(workspace=ws, sandbox=spec)


async def test_run_shell_runs_sandboxed(ctx: ToolContext, ws: Path) -> None:
    result = await execute(
        "run_shell", {"command": "echo $COPILOT_SANDBOX > flag; touch .git 2>&1; cat flag"}, ctx
    )
    assert result.content.splitlines()[-1] == "1"
    assert "Read-only file system" in result.content or "Permission denied" in result.content
    assert not (ws / ".git").exists()


async def test_run_shell_network_follows_the_context(ctx: ToolContext) -> None:
    command = "tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort"
    offline = await execute("run_shell", {"command": command}, ctx)
    assert offline.content == "lo"
    online = await execute("run_shell", {"command": command}, replace(ctx, network=True))
    assert online.content != "lo" and "lo" in online.content.split()


async def test_git_tool_in_the_sandbox(ctx: ToolContext, ws: Path) -> None:
    make_repo(ws)
    git(ws, "config", "core.fsmonitor", f"touch {ws.parent / 'fsmonitor-ran'}")
    before = tree_digest(ws / ".git")
    (ws / "notes.txt").write_text("changed\n")
    status = await execute("git", {"args": ["status", "--short"]}, ctx)
    assert status.content == " M notes.txt" and status.status == "done"
    diff = await execute("git", {"args": ["diff"]}, ctx)
    assert "-notes\n+changed" in diff.content
    assert tree_digest(ws / ".git") == before
    assert not (ws.parent / "fsmonitor-ran").exists()


async def test_search_with_ripgrep_in_the_sandbox(ctx: ToolContext, ws: Path) -> None:
    (ws / "code.py").write_text("needle = 1\n")
    result = await execute("search", {"pattern": "needle"}, ctx)
    assert [line.removeprefix("./") for line in result.content.splitlines()] == [
        "code.py:1:needle = 1"
    ]
