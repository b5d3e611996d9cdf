"""Repositories inside the workspace keep their `.git` read-only in the real sandbox."""

from pathlib import Path

import pytest

from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.nested import find_nested
from copilot.sandbox.runner import run

pytestmark = pytest.mark.sandbox


def test_the_search_finds_nested_entries_but_not_through_links_or_dependencies(
    tmp_path: Path,
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b" / ".git").mkdir(parents=True)
    (tmp_path / "a" / "b" / ".git" / "sub" / ".git").mkdir(parents=True)
    (tmp_path / "vendor" / "lib").mkdir(parents=True)
    (tmp_path / "vendor" / "lib" / ".git").write_text("gitdir: ../../.git/modules/lib\n")
    (tmp_path / "node_modules" / "pkg" / ".git").mkdir(parents=True)
    (tmp_path / "elsewhere" / ".git").mkdir(parents=True)
    (tmp_path / "a" / "link").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "a" / ".copilot").symlink_to(tmp_path / "elsewhere")
    found = find_nested([tmp_path / "a", tmp_path / "vendor"], (".git", ".copilot"))
    assert found == (tmp_path / "a" / "b" / ".git", tmp_path / "vendor" / "lib" / ".git")
    everything = find_nested([tmp_path], (".git",))
    assert tmp_path / ".git" not in everything
    assert tmp_path / "elsewhere" / ".git" in everything
    assert all("node_modules" not in path.parts for path in everything)


def test_the_search_stops_at_its_limit(tmp_path: Path) -> None:
    for n in range(30):
        (tmp_path / f"d{n:02}").mkdir()
    (tmp_path / "d29" / ".git").mkdir()
    assert find_nested([tmp_path], (".git",), limit=1_000) == (tmp_path / "d29" / ".git",)
    assert find_nested([tmp_path], (".git",), limit=10) == ()


async def test_a_nested_repository_cannot_be_changed(ws: Path, env: dict[str, str]) -> None:
    nested = ws / "vendor" / "lib" / ".git"
    (nested / "hooks").mkdir(parents=True)
    (nested / "config").write_text("[core]\n")
    submodule = ws / "sub" / ".git"
    submodule.parent.mkdir()
    submodule.write_text("gitdir: ../.git/modules/sub\n")
    attack = (
        "printf '\\tfsmonitor = ./evil\\n' >> vendor/lib/.git/config;"
        " echo evil > vendor/lib/.git/hooks/pre-commit;"
        " mv vendor/lib/.git vendor/lib/.g;"
        " echo 'gitdir: /tmp/evil' > sub/.git;"
        " echo work > vendor/lib/README && echo WORK-DONE"
    )
    result = await run(attack, spec=SandboxSpec(workspace=ws), env=env)
    assert "WORK-DONE" in result.output(), result.output()
    assert result.output().count("Read-only file system") >= 3, result.output()
    assert (nested / "config").read_text() == "[core]\n"
    assert not (nested / "hooks" / "pre-commit").exists()
    assert submodule.read_text() == "gitdir: ../.git/modules/sub\n"
    assert (ws / "vendor" / "lib" / "README").read_text() == "work\n"
