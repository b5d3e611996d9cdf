"""`copilot -p`: the installed command, run as a script would run it, against the stand-in.

Each test starts the real console script in its own process with pipes for stdin, stdout
and stderr, and the stand-in as the API (through the real SDK, by ANTHROPIC_BASE_URL).
What is checked is what a script or a person sees: the bytes on stdout and stderr, the
exit status, what the stand-in received, and what `copilot sessions` lists afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.rig import copilot_command
from tests.e2e.standin_process import StandinProcess
from tests.e2e.tmux import base_environment

RUN_TIMEOUT_S = 60.0
ANSWER = "The parser drops the **last token** when the input has no newline.\n\n- fix: split first"
SLOW = "This answer streams slowly, so that it can be stopped in the middle. " * 6


@dataclass
class Headless:
    """A stand-in, a workspace and an environment for running `copilot -p` in a test."""

    standin: StandinProcess
    workspace: Path
    env: dict[str, str]

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [*copilot_command(), "-C", str(self.workspace), *args],
            cwd=self.workspace,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def run(self, *args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(
            [*copilot_command(), "-C", str(self.workspace), *args],
            cwd=self.workspace,
            env=self.env,
            input=stdin,
            capture_output=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )

    def requests(self) -> list[dict[str, Any]]:
        """The bodies of the `/v1/messages` requests the stand-in received, in order."""
        return [
            r["body"]
            for r in self.standin.records()
            if r["event"] == "request" and r["path"] == "/v1/messages"
        ]

    def sessions(self) -> str:
        """What `copilot sessions`, run in the workspace, lists."""
        done = subprocess.run(
            [*copilot_command(), "sessions"],
            cwd=self.workspace,
            env=self.env,
            capture_output=True,
            timeout=RUN_TIMEOUT_S,
            check=True,
        )
        return done.stdout.decode()


@pytest.fixture
def headless(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Headless]:
    """`@pytest.mark.parametrize("headless", [[reply specs]], indirect=True)` scripts it."""
    replies = getattr(request, "param", [])
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    home = tmp_path / "home"  # so the run reads no real shell history or dotfiles
    home.mkdir()
    with StandinProcess(tmp_path / "standin", replies) as standin:
        env = base_environment() | {
            "ANTHROPIC_API_KEY": "sk-ant-standin",
            "ANTHROPIC_BASE_URL": standin.base_url,
            "COPILOT_DATA_DIR": str(tmp_path / "data"),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "HOME": str(home),
        }
        yield Headless(standin, workspace.resolve(), env)


def text_of(message: dict[str, Any]) -> str:
    content = message["content"]
    if isinstance(content, str):
        return content
    return "\n\n".join(b.get("text", "") for b in content if b.get("type") == "text")


def read_until(stream: Any, wanted: bytes, timeout: float = 20.0) -> bytes:
    """Read a pipe until `wanted` is in what was read (one os.read at a time)."""
    got = b""
    deadline = time.monotonic() + timeout
    while wanted not in got:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{wanted!r} not in {got!r}")
        chunk = os.read(stream.fileno(), 4096)
        if not chunk:
            raise EOFError(f"the pipe closed before {wanted!r}; read {got!r}")
        got += chunk
    return got


@pytest.mark.parametrize(
    "headless", [[{"kind": "text", "text": ANSWER, "tokens_per_s": 40}]], indirect=True
)
def test_the_answer_streams_to_stdout_and_the_session_is_kept(headless: Headless) -> None:
    process = headless.start("-p", "why does the parser fail?")
    assert process.stdout is not None
    first = read_until(process.stdout, b"The ")
    first_seen = time.monotonic()
    out, err = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 0, err.decode()
    assert (first + out).decode() == ANSWER + "\n"
    assert err == b""
    # Streamed: the first words were on stdout before the stand-in sent the last fragment
    # (CLOCK_MONOTONIC is one clock for every process on the machine).
    sent = headless.standin.wait_response(0)["sent_times"]
    assert first_seen < sent[-1]
    assert text_of(headless.requests()[0]["messages"][-1]) == "why does the parser fail?"
    assert "2 msgs  why does the parser fail?" in headless.sessions()


@pytest.mark.parametrize("headless", [[{"kind": "text", "text": "Looks fine."}] * 2], indirect=True)
def test_piped_text_is_added_to_the_message(headless: Headless) -> None:
    diff = "diff --git a/x.py b/x.py\n+print('hi')\n"
    done = headless.run("-p", "review this", stdin=diff.encode())
    assert done.returncode == 0, done.stderr.decode()
    assert text_of(headless.requests()[0]["messages"][-1]) == "review this\n\n" + diff.rstrip("\n")
    alone = headless.run("-p", stdin=diff.encode())
    assert alone.returncode == 0, alone.stderr.decode()
    assert text_of(headless.requests()[1]["messages"][-1]) == diff.rstrip("\n")


def test_binary_or_missing_input_is_one_line_and_nothing_is_sent(headless: Headless) -> None:
    binary = headless.run("-p", "what is this?", stdin=b"\x7fELF\x02\x01\x00\x00" * 100)
    assert binary.returncode == 2
    assert binary.stderr.decode() == (
        "copilot: stdin is not UTF-8 text (800 bytes, binary?); nothing was sent\n"
    )
    empty = headless.run("-p", stdin=b"\n\n")
    assert empty.returncode == 2
    assert empty.stderr.decode().startswith("copilot: -p needs a message: an argument")
    assert empty.stderr.count(b"\n") == 1
    assert headless.requests() == []
    assert headless.sessions().startswith("No sessions yet")


def test_without_a_key_it_says_how_to_add_one(headless: Headless) -> None:
    del headless.env["ANTHROPIC_API_KEY"]
    done = headless.run("-p", "hello")
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("copilot: No API key: set ANTHROPIC_API_KEY")
    assert done.stdout == b""
    assert headless.requests() == []


@pytest.mark.parametrize(
    "headless",
    [[{"kind": "error", "status": 401, "error_type": "authentication_error", "message": "bad"}]],
    indirect=True,
)
def test_an_api_failure_is_one_line_and_exit_status_1(headless: Headless) -> None:
    done = headless.run("-p", "hello")
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("copilot: ") and "key" in lines[0].lower()
    assert b"Traceback" not in done.stderr


@pytest.mark.parametrize(
    "headless",
    [
        [
            {
                "kind": "tool_use",
                "name": "run_shell",
                "input": {"command": "rm -rf build"},
                "text_before": "I will clean the build folder.",
            },
            {"kind": "text", "text": "I could not run it; run `rm -rf build` yourself."},
        ]
    ],
    indirect=True,
)
def test_a_call_that_needs_approval_is_denied_and_the_model_told_why(
    headless: Headless,
) -> None:
    (headless.workspace / "build").mkdir()
    done = headless.run("-p", "clean up")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode() == (
        "I will clean the build folder.\n\nI could not run it; run `rm -rf build` yourself.\n"
    )
    assert done.stderr.decode().splitlines() == [
        "→ run_shell: rm -rf build",
        "  denied: it needs approval, and nobody can give it in a headless run",
    ]
    assert (headless.workspace / "build").is_dir()
    result = headless.requests()[1]["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert "headless run (copilot -p)" in json.dumps(result)


@pytest.mark.parametrize(
    "headless",
    [
        [
            {
                "kind": "tool_use",
                "name": "run_shell",
                "input": {"command": "echo made in the sandbox > note.txt"},
            },
            {"kind": "text", "text": "Done."},
        ]
    ],
    indirect=True,
)
def test_sandbox_auto_runs_a_command_in_the_sandbox_and_reports_json(
    headless: Headless,
) -> None:
    done = headless.run("-p", "write a note", "--mode", "sandbox-auto", "--output-format", "json")
    assert done.returncode == 0, done.stderr.decode()
    assert (headless.workspace / "note.txt").read_text() == "made in the sandbox\n"
    result = json.loads(done.stdout)
    assert result["type"] == "result"
    assert result["text"] == "Done."
    assert result["exit_code"] == 0 and result["interrupted"] is False
    [call] = result["tool_calls"]
    assert call["tool"] == "run_shell" and call["status"] == "done" and call["exit_code"] == 0
    assert result["usage"]["input_tokens"] > 0
    assert result["session_id"][:12] in headless.sessions()
    progress = done.stderr.decode().splitlines()
    assert progress[0] == "→ run_shell: echo made in the sandbox > note.txt"


@pytest.mark.parametrize("headless", [[{"kind": "text", "text": ANSWER}]], indirect=True)
def test_stream_json_is_one_object_a_line_ending_with_the_result(headless: Headless) -> None:
    done = headless.run("-p", "why?", "--output-format", "stream-json")
    assert done.returncode == 0, done.stderr.decode()
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    kinds = [line["type"] for line in lines]
    assert kinds[0] == "message_start" and kinds[-1] == "result"
    assert "".join(line["text"] for line in lines if line["type"] == "text") == ANSWER
    assert lines[-1]["text"] == ANSWER
    assert kinds.index("message_done") < kinds.index("result")


@pytest.mark.parametrize(
    "headless",
    [[{"kind": "text", "text": SLOW, "tokens_per_s": 20}, {"kind": "text", "text": "Again."}]],
    indirect=True,
)
def test_ctrl_c_keeps_the_partial_answer_and_exits_130(headless: Headless) -> None:
    process = headless.start("-p", "tell me slowly")
    assert process.stdout is not None
    first = read_until(process.stdout, b"slowly")
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=RUN_TIMEOUT_S)
    assert process.returncode == 130, err.decode()
    headless.standin.wait_disconnect(0)
    partial = (first + out).decode().rstrip("\n")
    assert partial and SLOW.startswith(partial) and len(partial) < len(SLOW)
    assert err.decode() == "copilot: interrupted; the partial answer is kept\n"
    # The partial answer is in the session, marked interrupted, for the next request.
    again = headless.run("-c", "-p", "go on")
    assert again.returncode == 0, again.stderr.decode()
    history = headless.requests()[1]["messages"]
    assert text_of(history[1]).startswith(partial)
    assert "interrupted" in text_of(history[2])


@pytest.mark.parametrize(
    "headless", [[{"kind": "text", "text": SLOW * 4, "tokens_per_s": 40}]], indirect=True
)
def test_a_reader_that_leaves_stops_the_answer_quietly(headless: Headless) -> None:
    process = headless.start("-p", "tell me slowly")
    assert process.stdout is not None and process.stderr is not None
    read_until(process.stdout, b"slowly")
    process.stdout.close()  # as `| head -1` does once it has its line
    assert process.wait(RUN_TIMEOUT_S) == 141
    headless.standin.wait_disconnect(0)
    assert process.stderr.read() == b""


def test_ctrl_c_while_stdin_is_still_open_exits_130_quietly(headless: Headless) -> None:
    process = subprocess.Popen(
        [*copilot_command(), "-C", str(headless.workspace), "-p", "summarise"],
        cwd=headless.workspace,
        env=headless.env,
        stdin=subprocess.PIPE,  # a writer that has not finished (`slow-command | copilot -p`)
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    wchan = Path(f"/proc/{process.pid}/wchan")
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while "pipe" not in wchan.read_text():  # blocked reading stdin (pipe_read, pipe_wait)
        assert time.monotonic() < deadline, "copilot never waited on stdin"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=RUN_TIMEOUT_S)
    assert (process.returncode, out, err) == (130, b"", b"")
    assert headless.requests() == []


@pytest.mark.parametrize("headless", [[{"kind": "text", "text": "Noted."}]], indirect=True)
def test_the_git_state_and_instructions_ride_with_the_message(headless: Headless) -> None:
    """The sensors look once: no watchers, but what git and AGENTS.md say is sent."""
    git = ["git", "-C", str(headless.workspace), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q", "-b", "trunk"], check=True)
    (headless.workspace / "parser.py").write_text("x = 1\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "start"], check=True)
    (headless.workspace / "parser.py").write_text("x = 2\n")
    (headless.workspace / "AGENTS.md").write_text("Always answer in haiku.\n")
    done = headless.run("-p", "what changed?")
    assert done.returncode == 0, done.stderr.decode()
    body = headless.requests()[0]
    blocks = [b["text"] for b in body["messages"][-1]["content"] if b.get("type") == "text"]
    assert blocks[0] == "what changed?"
    ambient = "\n".join(blocks[1:])
    assert "git: on `trunk`" in ambient and "parser.py" in ambient, ambient
    assert "Always answer in haiku." in json.dumps(body["system"])
