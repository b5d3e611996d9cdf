"""The `copilot` command's launcher: the collector held for the app, given back to subcommands."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest

from copilot import __version__
from copilot.cli import main


def test_python_m_copilot_is_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "copilot", "--version"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"copilot {__version__}"


def test_a_subcommand_runs_with_the_collector_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The launcher holds the collector for the app's start-up; `copilot listen` and the
    # others never freeze a start-up heap, so they must turn it back on themselves.
    monkeypatch.setenv("COPILOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    gc.disable()
    try:
        assert main(["sessions"]) == 0
        assert gc.isenabled()
    finally:
        gc.enable()
    assert "No sessions yet" in capsys.readouterr().out


def run_copilot(tmp_path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`python -m copilot -C tmp_path ARGS` with no terminal, its own config and data."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "COPILOT_DATA_DIR": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
    }
    return subprocess.run(
        [sys.executable, "-m", "copilot", "-C", str(tmp_path), *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )


def test_a_wrong_session_id_is_said_before_the_app_starts(tmp_path: Path) -> None:
    done = run_copilot(tmp_path, "--resume", "nope")
    assert done.returncode == 1
    assert done.stderr.strip() == "copilot: no session matches 'nope' (see: copilot sessions)"
    assert done.stdout == "", "the app took over the screen before saying so"


def test_without_a_terminal_the_app_says_so_instead_of_drawing_into_a_pipe(
    tmp_path: Path,
) -> None:
    done = run_copilot(tmp_path, stdin="hello\n")
    assert done.returncode == 2
    assert done.stderr.startswith("copilot: the app needs a terminal on stdin and stderr")
    assert "\x1b" not in done.stderr + done.stdout
