"""The in-process write boundary: every way out of the workspace is refused."""

import os
import stat
from pathlib import Path

import pytest

from copilot.sandbox.fsguard import (
    PathEscape,
    ProtectedPath,
    check_writable,
    is_inside,
    resolve_inside,
    resolve_path,
    write_atomic,
)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    workspace = tmp_path / "ws"
    (workspace / "src").mkdir(parents=True)
    (workspace / "src" / "app.py").write_text("print('hi')\n")
    (workspace / ".git").mkdir()
    (workspace / ".git" / "config").write_text("[core]\n")
    return workspace


def test_relative_paths_resolve_against_the_workspace(ws: Path) -> None:
    assert resolve_inside(ws, "src/app.py") == ws / "src" / "app.py"
    assert resolve_inside(ws, "./src/../src/app.py") == ws / "src" / "app.py"
    assert resolve_inside(ws, str(ws / "new.txt")) == ws / "new.txt"


def test_dotdot_escape_is_refused(ws: Path) -> None:
    with pytest.raises(PathEscape, match="outside the workspace"):
        resolve_inside(ws, "../outside.txt")
    with pytest.raises(PathEscape):
        resolve_inside(ws, "src/../../outside.txt")


def test_absolute_and_home_paths_outside_are_refused(
    ws: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    with pytest.raises(PathEscape):
        resolve_inside(ws, "/etc/passwd")
    with pytest.raises(PathEscape):
        resolve_inside(ws, "~/.bashrc")
    assert resolve_path(ws, "~/.bashrc") == tmp_path / "home" / ".bashrc"


def test_string_prefix_sibling_is_not_inside(ws: Path) -> None:
    evil = ws.parent / (ws.name + "-evil")
    evil.mkdir()
    assert not is_inside(ws, evil / "x")
    with pytest.raises(PathEscape):
        resolve_inside(ws, str(evil / "x"))
    with pytest.raises(PathEscape):
        resolve_inside(ws, f"../{ws.name}-evil/x")


def test_symlink_escapes_anywhere_in_the_chain_are_refused(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (ws / "link-dir").symlink_to(outside)
    (ws / "src" / "link-file").symlink_to(outside / "target.txt")
    (ws / "hop").symlink_to(ws / "link-dir")
    for path in ("link-dir/x.txt", "src/link-file", "hop/x.txt", "hop/../x"):
        with pytest.raises(PathEscape):
            check_writable(ws, path)
    with pytest.raises(PathEscape):
        write_atomic(ws, "link-dir/x.txt", b"owned")
    assert list(outside.iterdir()) == []


def test_symlink_that_stays_inside_resolves_to_its_target(ws: Path) -> None:
    (ws / "alias.py").symlink_to(ws / "src" / "app.py")
    target = write_atomic(ws, "alias.py", b"print('new')\n")
    assert target == ws / "src" / "app.py"
    assert (ws / "src" / "app.py").read_text() == "print('new')\n"
    assert (ws / "alias.py").is_symlink()


def test_git_and_copilot_are_protected_at_any_depth_and_case(ws: Path) -> None:
    for path in (
        ".git/config",
        ".git/hooks/pre-commit",
        ".copilot/policy.toml",
        "vendor/lib/.git/config",
        ".GIT/config",
        "./src/../.git/HEAD",
    ):
        with pytest.raises(ProtectedPath):
            check_writable(ws, path)
    (ws / "gitlink").symlink_to(ws / ".git")
    with pytest.raises(ProtectedPath):
        write_atomic(ws, "gitlink/config", b"[core]\n\tfsmonitor = touch /tmp/pwned\n")
    assert (ws / ".git" / "config").read_text() == "[core]\n"


def test_the_workspace_itself_is_not_a_file(ws: Path) -> None:
    with pytest.raises(PathEscape, match="workspace folder itself"):
        check_writable(ws, ".")


def test_nul_and_empty_paths_are_refused(ws: Path) -> None:
    with pytest.raises(PathEscape):
        resolve_path(ws, "")
    with pytest.raises(PathEscape):
        resolve_path(ws, "a\0b")


def test_write_atomic_creates_parents_and_leaves_no_temp_files(ws: Path) -> None:
    target = write_atomic(ws, "new/deep/file.txt", b"content")
    assert target.read_bytes() == b"content"
    assert sorted(p.name for p in target.parent.iterdir()) == ["file.txt"]


def test_write_atomic_keeps_the_mode_of_an_existing_file(ws: Path) -> None:
    script = ws / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o750)
    write_atomic(ws, "run.sh", b"#!/bin/sh\necho hi\n")
    assert stat.S_IMODE(os.stat(script).st_mode) == 0o750
    assert script.read_text().endswith("echo hi\n")


def test_write_atomic_refuses_a_folder(ws: Path) -> None:
    with pytest.raises(IsADirectoryError):
        write_atomic(ws, "src", b"x")


def test_a_file_in_the_middle_of_the_path_is_refused(ws: Path) -> None:
    with pytest.raises(PathEscape, match="not a plain folder"):
        write_atomic(ws, "src/app.py/inner.txt", b"x")
