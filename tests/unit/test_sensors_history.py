"""The history fallback: bash, zsh (extended, metafied) and fish files, tailed."""

from __future__ import annotations

from pathlib import Path

from copilot.bus.bus import Bus
from copilot.bus.events import SensorEvent
from copilot.sensors.history import (
    HistoryTail,
    history_files,
    parse_bash,
    parse_fish,
    parse_history,
    parse_zsh,
)


def test_bash_history_with_and_without_timestamps() -> None:
    entries = parse_bash("ls\n#1700000000\nmake test\n\ngit status\n")
    assert [e.command for e in entries] == ["ls", "make test", "git status"]
    assert [e.when for e in entries] == [None, 1700000000.0, None]


def test_zsh_extended_history_multiline_and_metafied() -> None:
    data = (
        b": 1700000001:0;echo one\n"
        b": 1700000002:3;for f in *; do\\\necho $f\\\ndone\n"
        b"plain command\n"
        b": 1700000003:0;echo caf\x83\xe3\x83\x89\n"  # "café" as zsh metafies it
    )
    entries = parse_zsh(data)
    assert [e.command for e in entries] == [
        "echo one",
        "for f in *; do\necho $f\ndone",
        "plain command",
        "echo café",
    ]
    assert entries[1].when == 1700000002.0
    assert entries[2].when is None


def test_fish_history() -> None:
    text = (
        "- cmd: cargo build\n  when: 1700000000\n"
        "- cmd: echo a\\nb\n  when: 1700000005\n  paths:\n    - a\n"
    )
    entries = parse_fish(text)
    assert [(e.command, e.when) for e in entries] == [
        ("cargo build", 1700000000.0),
        ("echo a\nb", 1700000005.0),
    ]


def test_format_is_told_by_name_or_content(tmp_path: Path) -> None:
    assert parse_history(tmp_path / "fish_history", b"- cmd: ls\n")[0].command == "ls"
    assert parse_history(tmp_path / "whatever", b": 1:0;ls -la\n")[0].command == "ls -la"
    assert parse_history(tmp_path / ".bash_history", b"ls -la\n")[0].command == "ls -la"


def test_candidate_files_honour_histfile_and_xdg(tmp_path: Path) -> None:
    env = {"HOME": str(tmp_path), "HISTFILE": str(tmp_path / "h"), "XDG_DATA_HOME": "/x"}
    files = history_files(env)
    assert files[0] == tmp_path / "h"
    assert tmp_path / ".zsh_history" in files
    assert Path("/x/fish/fish_history") in files


def tail_of(path: Path, hooked: bool = False) -> tuple[HistoryTail, list[SensorEvent]]:
    got: list[SensorEvent] = []
    tail = HistoryTail(Bus(), on_event=got.append, paths=[path], hooked=lambda: hooked)
    return tail, got


def test_tail_reports_recent_then_only_new_commands(tmp_path: Path) -> None:
    hist = tmp_path / ".bash_history"
    hist.write_text("".join(f"old {n}\n" for n in range(20)))
    tail, got = tail_of(hist)
    tail.prime()
    assert [e.data["command"] for e in got] == [f"old {n}" for n in range(15, 20)]
    assert all(e.data["exit"] is None and e.data["source"] == "history" for e in got)
    got.clear()
    assert tail.poll() == 0
    with hist.open("a") as f:
        f.write("make test\ngit sta")  # the last line is still being written
    assert tail.poll() == 1
    assert [e.key for e in got] == ["make test"]
    with hist.open("a") as f:
        f.write("tus\n")
    tail.poll()
    assert [e.key for e in got] == ["make test", "git status"]


def test_tail_finds_its_place_when_bash_rewrites_the_file(tmp_path: Path) -> None:
    hist = tmp_path / ".bash_history"
    hist.write_text("a\nb\nc\n")
    tail, got = tail_of(hist)
    tail.prime()
    got.clear()
    replacement = tmp_path / "new"
    replacement.write_text("b\nc\nd\ne\n")  # truncated to HISTFILESIZE, two new entries
    replacement.replace(hist)
    tail.poll()
    assert [e.key for e in got] == ["d", "e"]


def test_tail_stands_down_once_a_hook_reports(tmp_path: Path) -> None:
    hist = tmp_path / ".zsh_history"
    hist.write_bytes(b"")
    tail, got = tail_of(hist, hooked=True)
    tail.prime()
    hist.write_bytes(b": 1700000000:0;ls\n")
    assert tail.poll() == 0
    assert got == []
