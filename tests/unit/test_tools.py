"""The tools the model calls, through the registry, on real files and real processes.

Commands here run unsandboxed (`sandbox=None`) so these tests need no bubblewrap;
tests/sandbox/ runs the same tools inside the real sandbox.
"""

import asyncio
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from copilot.sandbox import bwrap
from copilot.sandbox.bwrap import SandboxSpec
from copilot.tools import TOOLS, ToolContext, execute, preview, tool_schemas
from copilot.tools.base import MAX_RESULT_BYTES, cap_text
from copilot.tools.git import check_args

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
}


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "notes.txt").write_text("alpha\nbeta\ngamma\n")
    return workspace


@pytest.fixture
def ctx(ws: Path) -> ToolContext:
    return ToolContext(workspace=ws, sandbox=None)


def git(ws: Path, *args: str) -> None:
    subprocess.run(
        ["git", *args], cwd=ws, check=True, capture_output=True, env={**os.environ, **GIT_ENV}
    )


# --- registry -----------------------------------------------------------------------


def test_schemas_are_complete_and_consistent() -> None:
    schemas = tool_schemas()
    names = [schema["name"] for schema in schemas]
    assert names == [
        "run_shell",
        "read_file",
        "write_file",
        "edit_file",
        "list_files",
        "search",
        "git",
    ]
    for schema in schemas:
        assert len(schema["description"]) > 80
        shape = schema["input_schema"]
        assert shape["type"] == "object"
        assert set(shape["required"]) <= set(shape["properties"])
        for prop in shape["properties"].values():
            assert prop["description"]
    kinds = {name: spec.kind for name, spec in TOOLS.items()}
    assert kinds == {
        "run_shell": "shell",
        "read_file": "read",
        "write_file": "write",
        "edit_file": "edit",
        "list_files": "list",
        "search": "search",
        "git": "git",
    }


async def test_bad_calls_become_error_results(ctx: ToolContext) -> None:
    unknown = await execute("rm_rf", {}, ctx)
    assert unknown.is_error and "unknown tool" in unknown.content
    missing = await execute("read_file", {}, ctx)
    assert missing.is_error and "missing argument: path" in missing.content
    wrong = await execute("read_file", {"path": "notes.txt", "offset": "2"}, ctx)
    assert wrong.is_error and "offset must be of type integer" in wrong.content
    items = await execute("git", {"args": ["log", 3]}, ctx)
    assert items.is_error and "list of strings" in items.content


def test_cap_text_keeps_head_and_tail() -> None:
    text = "A" * 100_000 + "MIDDLE" + "Z" * 100_000
    capped = cap_text(text, 1000)
    assert capped.startswith("A" * 500) and capped.endswith("Z" * 500)
    assert "bytes cut" in capped and "MIDDLE" not in capped
    assert cap_text("short") == "short"


# --- read_file ----------------------------------------------------------------------


async def test_read_file_numbers_lines_and_pages(ctx: ToolContext, ws: Path) -> None:
    (ws / "long.txt").write_text("".join(f"line {n}\n" for n in range(1, 101)))
    whole = await execute("read_file", {"path": "notes.txt"}, ctx)
    assert whole.content == "     1\talpha\n     2\tbeta\n     3\tgamma"
    window = await execute("read_file", {"path": "long.txt", "offset": 10, "limit": 5}, ctx)
    lines = window.content.splitlines()
    assert lines[0] == "    10\tline 10" and lines[4] == "    14\tline 14"
    assert lines[5] == "[lines 10-14 shown; more follows: pass offset=15]"
    past = await execute("read_file", {"path": "notes.txt", "offset": 9}, ctx)
    assert past.is_error


async def test_read_file_refuses_binary_folders_and_missing(ctx: ToolContext, ws: Path) -> None:
    (ws / "blob.bin").write_bytes(b"\x7fELF\x00\x01\x02" * 100)
    binary = await execute("read_file", {"path": "blob.bin"}, ctx)
    assert binary.is_error and "binary" in binary.content and "\n" not in binary.content
    folder = await execute("read_file", {"path": "."}, ctx)
    assert folder.is_error and "folder" in folder.content
    missing = await execute("read_file", {"path": "nope.txt"}, ctx)
    assert missing.is_error and "no such file" in missing.content


async def test_read_file_caps_size_and_long_lines(ctx: ToolContext, ws: Path) -> None:
    (ws / "wide.txt").write_text("x" * 50_000 + "\n" + ("y" * 1000 + "\n") * 500)
    result = await execute("read_file", {"path": "wide.txt"}, ctx)
    assert len(result.content.encode()) <= MAX_RESULT_BYTES + 200
    assert "[... line cut at 2000 chars]" in result.content
    assert "more follows" in result.content


# --- write_file / edit_file -----------------------------------------------------------


async def test_write_file_creates_with_a_diff(ctx: ToolContext, ws: Path) -> None:
    result = await execute("write_file", {"path": "src/new.py", "content": "x = 1\n"}, ctx)
    assert not result.is_error
    assert (ws / "src" / "new.py").read_text() == "x = 1\n"
    assert "--- /dev/null" in result.diff and "+++ b/src/new.py" in result.diff
    assert "+x = 1" in result.diff and result.content.startswith("created src/new.py")


@pytest.mark.parametrize(
    "path",
    ["../outside.txt", "/etc/copilot-test", "~/.bashrc", ".git/config", ".copilot/policy.toml"],
)
async def test_write_file_refuses_outside_and_protected(ctx: ToolContext, path: str) -> None:
    result = await execute("write_file", {"path": path, "content": "owned"}, ctx)
    assert result.is_error and result.status == "failed"
    assert "\n" not in result.content


async def test_write_file_refuses_symlink_escape(
    ctx: ToolContext, ws: Path, tmp_path: Path
) -> None:
    (ws / "out").symlink_to(tmp_path)
    result = await execute("write_file", {"path": "out/evil.txt", "content": "x"}, ctx)
    assert result.is_error and "outside the workspace" in result.content
    assert not (tmp_path / "evil.txt").exists()


async def test_edit_file_replaces_the_unique_match(ctx: ToolContext, ws: Path) -> None:
    result = await execute("edit_file", {"path": "notes.txt", "old": "beta", "new": "BETA"}, ctx)
    assert not result.is_error
    assert (ws / "notes.txt").read_text() == "alpha\nBETA\ngamma\n"
    assert "-beta\n+BETA\n" in result.diff and "-beta" in result.content


async def test_edit_file_errors_are_clear(ctx: ToolContext, ws: Path) -> None:
    (ws / "dup.txt").write_text("x = 1\nx = 1\n")
    absent = await execute("edit_file", {"path": "notes.txt", "old": "delta", "new": "d"}, ctx)
    assert absent.is_error and "not found" in absent.content
    twice = await execute("edit_file", {"path": "dup.txt", "old": "x = 1", "new": "y"}, ctx)
    assert twice.is_error and "occurs 2 times" in twice.content
    nofile = await execute("edit_file", {"path": "none.txt", "old": "a", "new": "b"}, ctx)
    assert nofile.is_error and "write_file" in nofile.content
    same = await execute("edit_file", {"path": "notes.txt", "old": "beta", "new": "beta"}, ctx)
    assert same.is_error
    assert (ws / "dup.txt").read_text() == "x = 1\nx = 1\n"


async def test_edit_keeps_crlf_line_endings(ctx: ToolContext, ws: Path) -> None:
    (ws / "win.txt").write_bytes(b"one\r\ntwo\r\n")
    await execute("edit_file", {"path": "win.txt", "old": "two", "new": "2"}, ctx)
    assert (ws / "win.txt").read_bytes() == b"one\r\n2\r\n"


async def test_preview_matches_the_applied_diff_and_writes_nothing(
    ctx: ToolContext, ws: Path
) -> None:
    args = {"path": "notes.txt", "old": "gamma", "new": "GAMMA"}
    shown = preview("edit_file", args, ws)
    assert (ws / "notes.txt").read_text() == "alpha\nbeta\ngamma\n"
    applied = await execute("edit_file", args, ctx)
    assert shown == applied.diff
    new_file = preview("write_file", {"path": "a/b.txt", "content": "hi\n"}, ws)
    assert "+hi" in new_file and not (ws / "a").exists()
    assert preview("write_file", {"path": "../x", "content": ""}, ws).startswith("error: ")
    assert preview("edit_file", {"path": "notes.txt", "old": "zzz", "new": ""}, ws).startswith(
        "error: old text not found"
    )
    assert preview("run_shell", {"command": "ls"}, ws) == ""


# --- list_files -------------------------------------------------------------------------


async def test_list_files_respects_gitignore(ctx: ToolContext, ws: Path) -> None:
    git(ws, "init", "-q")
    (ws / ".gitignore").write_text("*.log\nbuild/\n!keep.log\n")
    for rel in (
        "build/out.o",
        "app.log",
        "keep.log",
        "src/main.py",
        "src/gen/x.py",
        "src/.gitignore",
    ):
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text("")
    (ws / "src" / ".gitignore").write_text("gen/\n")
    result = await execute("list_files", {}, ctx)
    assert result.content.splitlines() == [
        ".gitignore",
        "keep.log",
        "notes.txt",
        "src/.gitignore",
        "src/main.py",
    ]
    only_py = await execute("list_files", {"glob": "*.py"}, ctx)
    assert only_py.content == "src/main.py"
    none = await execute("list_files", {"glob": "*.rs"}, ctx)
    assert none.content == "[no files match]"


async def test_list_files_caps_the_count(ctx: ToolContext, ws: Path) -> None:
    many = ws / "many"
    many.mkdir()
    for n in range(1200):
        (many / f"f{n:04}.txt").write_text("")
    result = await execute("list_files", {"glob": "many/"}, ctx)
    lines = result.content.splitlines()
    assert len(lines) == 1001 and lines[-1].startswith("[... 200 more files")


# --- search ----------------------------------------------------------------------------


@pytest.fixture(params=["rg", "python"])
def search_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "rg":
        if subprocess.run(["which", "rg"], capture_output=True).returncode != 0:
            pytest.skip("ripgrep is not installed")
    else:
        monkeypatch.setenv("PATH", "/nonexistent")
    return request.param


async def test_search_finds_lines(ctx: ToolContext, ws: Path, search_mode: str) -> None:
    (ws / "src").mkdir()
    (ws / "src" / "a.py").write_text("def beta():\n    return 1\n")
    result = await execute("search", {"pattern": "bet[a]"}, ctx)
    lines = sorted(line.removeprefix("./") for line in result.content.splitlines())
    assert lines == ["notes.txt:2:beta", "src/a.py:1:def beta():"]
    scoped = await execute("search", {"pattern": "beta", "path": "src"}, ctx)
    assert scoped.content.splitlines() == ["src/a.py:1:def beta():"]
    none = await execute("search", {"pattern": "zeta"}, ctx)
    assert none.content == "[no matches]" and not none.is_error


async def test_search_pattern_cannot_become_a_flag(ctx: ToolContext, ws: Path) -> None:
    marker = ws / "pre-ran"
    evil = ws / "evil"
    evil.write_text(f'#!/bin/sh\ntouch {marker}\ncat "$1"\n')
    evil.chmod(0o755)
    result = await execute("search", {"pattern": "--pre=./evil"}, ctx)
    assert not marker.exists()
    assert result.content == "[no matches]"


async def test_search_bad_regex_is_an_error(ctx: ToolContext, search_mode: str) -> None:
    result = await execute("search", {"pattern": "(unclosed"}, ctx)
    assert result.is_error


# --- git --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "--output=/tmp/x"],
        ["log", "--out=/tmp/x"],
        ["diff", "--ext-diff"],
        ["branch", "--list", "--no-list", "-D", "main"],
        ["branch", "-D", "main"],
        ["branch", "new-branch"],
        ["-c", "core.pager=sh -c id", "-p", "log"],
        ["-p", "log"],
        ["--exec-path=/tmp", "log"],
        ["push"],
        ["config", "core.fsmonitor", "x"],
        [],
    ],
)
def test_git_refuses_writes_and_programs(args: list[str]) -> None:
    assert check_args(args) is not None


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--short"],
        ["log", "-p", "-n", "1"],
        ["diff", "--stat", "HEAD"],
        ["show", "HEAD:notes.txt"],
        ["branch"],
        ["branch", "--list", "feat*"],
        ["branch", "-a", "-v"],
        ["blame", "notes.txt"],
        ["diff", "--", "--output=odd-file-name"],
    ],
)
def test_git_allows_reading(args: list[str]) -> None:
    assert check_args(args) is None


async def test_git_tool_reads_and_never_runs_repo_config(ctx: ToolContext, ws: Path) -> None:
    git(ws, "init", "-q")
    git(ws, "add", "notes.txt")
    git(ws, "commit", "-qm", "first commit")
    marker = ws.parent / "fsmonitor-ran"
    git(ws, "config", "core.fsmonitor", f"touch {marker}")
    (ws / "notes.txt").write_text("changed\n")
    status = await execute("git", {"args": ["status", "--short"]}, ctx)
    assert status.content.strip() == "M notes.txt" and status.status == "done"
    log = await execute("git", {"args": ["log", "--oneline"]}, ctx)
    assert "first commit" in log.content
    external = ws.parent / "external-diff"
    external.write_text(f"#!/bin/sh\ntouch {marker}\n")
    external.chmod(0o755)
    git(ws, "config", "diff.external", str(external))
    diff = await execute("git", {"args": ["diff"]}, ctx)
    assert "-alpha" in diff.content and "+changed" in diff.content
    assert not marker.exists()
    refused = await execute("git", {"args": ["branch", "-D", "main"]}, ctx)
    assert refused.is_error and "only listing" in refused.content


# --- run_shell (unsandboxed here) ---------------------------------------------------------


async def test_run_shell_returns_output_and_exit_code(ctx: ToolContext, ws: Path) -> None:
    ok = await execute("run_shell", {"command": "cat notes.txt | wc -l"}, ctx)
    assert ok.content == "3" and ok.exit_code == 0 and ok.status == "done"
    assert not ok.is_error and ok.duration_s > 0
    failed = await execute("run_shell", {"command": "echo oops >&2; exit 3"}, ctx)
    assert failed.is_error and failed.exit_code == 3 and failed.status == "failed"
    assert failed.content == "oops\n[exit code 3]"


async def test_run_shell_streams_and_keeps_full_output(ws: Path, tmp_path: Path) -> None:
    chunks: list[str] = []
    ctx = ToolContext(
        workspace=ws, sandbox=None, on_output=chunks.append, output_dir=tmp_path / "out"
    )
    result = await execute("run_shell", {"command": "seq 1 200000"}, ctx)
    assert "".join(chunks) == "".join(f"{n}\n" for n in range(1, 200001))
    assert "bytes cut" in result.content and result.content.startswith("1\n2\n")
    assert result.output_path is not None
    assert result.output_path.read_text() == "".join(chunks)
    assert f"in {result.output_path}" in result.content


async def test_run_shell_timeout_and_interrupt(ctx: ToolContext) -> None:
    timed = await execute("run_shell", {"command": "echo start; sleep 30", "timeout_s": 1}, ctx)
    assert timed.status == "failed" and "timed out" in timed.content
    assert timed.content.startswith("start")
    task = asyncio.ensure_future(execute("run_shell", {"command": "echo partial; sleep 30"}, ctx))
    await asyncio.sleep(0.5)
    task.cancel()
    interrupted = await task
    assert interrupted.status == "interrupted" and interrupted.is_error
    assert interrupted.content.startswith("partial\n[interrupted by the user")


async def test_run_shell_environment_is_scrubbed(
    ctx: ToolContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-secret")
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok")
    monkeypatch.setenv("DB", "postgres://me:hunter2@db/x")
    monkeypatch.setenv("HARMLESS", "visible")
    result = await execute("run_shell", {"command": "env"}, ctx)
    assert "sk-ant-secret" not in result.content and "tok" not in result.content.split()
    assert "hunter2" not in result.content
    assert "HARMLESS=visible" in result.content and "COPILOT_SANDBOX=0" in result.content


@pytest.fixture
def no_bwrap(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PATH", "/nonexistent")
    bwrap.bwrap_path.cache_clear()
    bwrap.available.cache_clear()
    yield
    monkeypatch.undo()
    bwrap.bwrap_path.cache_clear()
    bwrap.available.cache_clear()


async def test_no_sandbox_means_nothing_runs(ws: Path, no_bwrap: None) -> None:
    ctx = ToolContext(workspace=ws, sandbox=SandboxSpec(workspace=ws))
    assert not bwrap.available().ok and "not installed" in bwrap.available().reason
    result = await execute("run_shell", {"command": "/usr/bin/touch ran"}, ctx)
    assert result.is_error and "nothing ran" in result.content
    assert not (ws / "ran").exists()
