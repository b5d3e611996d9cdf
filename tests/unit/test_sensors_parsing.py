"""Small pure parts: ignore rules, diff summaries, git status, ANSI, instructions, hooks."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from copilot.sensors.git import GitState, parse_status
from copilot.sensors.hook import render_hook
from copilot.sensors.ignore import IgnoreRules
from copilot.sensors.instructions import Instructions, user_instructions_path
from copilot.sensors.rendezvous import ensure_private_dir, link_name, runtime_dir, socket_name
from copilot.sensors.shell_report import build_record
from copilot.sensors.textdiff import Baselines, diff_text, read_small_text
from copilot.sensors.tmux import strip_ansi


def test_ignore_rules_defaults_nested_gitignore_and_negation(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.log\n!keep.log\nsecret/\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / ".gitignore").write_text("generated.py\n")
    rules = IgnoreRules(tmp_path, extra=["*.tmp"])
    rules.load()
    ignored = [
        "node_modules/x/index.js",
        ".git/HEAD",
        "src/__pycache__/a.cpython-311.pyc",
        ".venv/bin/python",
        "a.log",
        "secret/key.txt",
        "pkg/generated.py",
        ".main.py.swp",
        "notes.txt~",
        "x.tmp",
    ]
    kept = ["keep.log", "main.py", "generated.py", "pkg/real.py", "src/build.py"]
    assert [p for p in ignored if not rules.ignored(p)] == []
    assert [p for p in kept if rules.ignored(p)] == []
    assert rules.ignored(str(tmp_path / "a.log"))
    assert rules.ignored("/elsewhere/file.py")


def test_diff_summary_counts_lines_and_keeps_the_first_hunk() -> None:
    old = "".join(f"line {n}\n" for n in range(40))
    new = old.replace("line 3\n", "line three\nline 3.5\n").replace("line 30\n", "")
    diff = diff_text(old, new)
    assert (diff.added, diff.removed) == (2, 2)
    assert "+line three" in diff.hunk and "-line 3" in diff.hunk
    assert "line 30" not in diff.hunk


def test_small_text_reader_refuses_binary_and_large(tmp_path: Path) -> None:
    (tmp_path / "t.txt").write_text("hello\n")
    (tmp_path / "b.bin").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    (tmp_path / "big.txt").write_text("x" * (64 * 1024 + 1))
    (tmp_path / "latin.txt").write_bytes(b"caf\xe9\n")
    assert read_small_text(tmp_path / "t.txt") == "hello\n"
    assert read_small_text(tmp_path / "b.bin") is None
    assert read_small_text(tmp_path / "big.txt") is None
    assert read_small_text(tmp_path / "latin.txt") is None
    assert read_small_text(tmp_path / "missing") is None


def test_baselines_are_bounded_in_bytes() -> None:
    b = Baselines(max_bytes=100)
    for n in range(10):
        b.put(f"f{n}", "x" * 30)
    kept = [f"f{n}" for n in range(10) if f"f{n}" in b]
    assert kept == ["f7", "f8", "f9"]


def test_git_status_porcelain_v2() -> None:
    out = b"\0".join(
        [
            b"# branch.oid 0123456789abcdef0123456789abcdef01234567",
            b"# branch.head main",
            b"# branch.upstream origin/main",
            b"# branch.ab +2 -1",
            b"1 .M N... 100644 100644 100644 abc abc src/app.py",
            b"2 R. N... 100644 100644 100644 abc abc R100 new name.py",
            b"old name.py",
            b"? untracked.txt",
            b"",
        ]
    )
    branch, upstream, ahead, behind, dirty = parse_status(out)
    assert (branch, upstream, ahead, behind) == ("main", "origin/main", 2, 1)
    assert dirty == ("src/app.py (M)", "new name.py (R)", "untracked.txt (untracked)")
    summary = GitState(branch, upstream, ahead, behind, dirty, ()).summary()
    assert summary.startswith("git: on `main` (ahead 2, behind 1 of `origin/main`), 3 changed")


def test_strip_ansi() -> None:
    raw = "\x1b[31mred\x1b[0m \x1b]0;title\x07ok\x1b[2K\r\nnext\x07"
    assert strip_ansi(raw) == "red ok\nnext"


def test_instructions_concatenate_and_follow_edits(tmp_path: Path) -> None:
    ws, config = tmp_path / "ws", tmp_path / "cfg"
    (ws / ".copilot").mkdir(parents=True)
    (config / "copilot").mkdir(parents=True)
    env = {"XDG_CONFIG_HOME": str(config), "HOME": str(tmp_path)}
    assert user_instructions_path(env) == config / "copilot" / "instructions.md"
    inst = Instructions(ws, env)
    assert inst.text() == ""
    (ws / "AGENTS.md").write_text("Use tabs.\n")
    (ws / ".copilot" / "instructions.md").write_text("Be brief. api_key=abc12345\n")
    (config / "copilot" / "instructions.md").write_text("I am Ada.\n")
    text = inst.text()
    assert text.index("I am Ada.") < text.index("Use tabs.") < text.index("Be brief.")
    assert "## AGENTS.md" in text and "abc12345" not in text
    (ws / "CLAUDE.md").write_text("Prefer pathlib.\n")
    assert inst.refresh() is True
    assert "Prefer pathlib." in inst.text()
    assert inst.refresh() is False
    assert inst.is_instruction_file(ws / "CLAUDE.md")


def test_runtime_dir_and_names() -> None:
    assert runtime_dir({"COPILOT_RUNTIME_DIR": "/r"}) == Path("/r")
    assert runtime_dir({"XDG_RUNTIME_DIR": "/run/user/7"}) == Path("/run/user/7/copilot")
    assert runtime_dir({}) == Path(f"/tmp/copilot-{os.getuid()}")
    assert link_name(Path("/home/me/proj")) == "%home%me%proj.ws"
    assert len(socket_name(Path("/" + "x" * 300))) == 21


def test_private_dir_is_tightened(tmp_path: Path) -> None:
    d = tmp_path / "rt"
    d.mkdir(mode=0o777)
    os.chmod(d, 0o777)
    ensure_private_dir(d)
    assert d.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_hooks_name_the_interpreter_and_reporter(shell: str) -> None:
    text = render_hook(shell, python="/opt/py it/python")
    assert "shell_report.py" in text
    assert "/opt/py it/python" in text
    assert "__copilot_dir" in text


def test_unknown_shell_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported shell"):
        render_hook("tcsh")


def test_reporter_record_strips_bash_history_numbers() -> None:
    record = build_record(
        ["bash", "1", "10.5", "12.0", "", "/w", "%1", "/tmp/t,1,0", "  42  make x"]
    )
    assert record["command"] == "make x"
    assert record["status"] == 1
    assert record["duration_s"] == 1.5
    fish = build_record(["fish", "0", "", "", "250", "/w", "", "", "echo  42  x"])
    assert (fish["command"], fish["duration_s"]) == ("echo  42  x", 0.25)
