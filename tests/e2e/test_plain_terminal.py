"""`copilot --plain` in a real tmux: the conversation lives in the terminal's scrollback.

Keys go in through `send-keys`; the screen and the scrollback are read back with
`capture-pane`. The stand-in is the API, through the real SDK.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from copilot.engine.history import INTERRUPTED_NOTE
from tests.e2e.conftest import MakeRig
from tests.e2e.rig import copilot_command

pytestmark = pytest.mark.tmux

LINES = "\n".join(f"line {n} of the first answer" for n in range(1, 21)) + "\nFIRST DONE"


def scrollback(rig: object, pane: str) -> str:
    """Everything the terminal holds for the pane: the screen and what scrolled off it."""
    return rig.tmux.run("capture-pane", "-p", "-S", "-2000", "-t", pane)  # type: ignore[attr-defined]


def test_answers_stream_into_the_scrollback_and_stay_there(make_rig: MakeRig) -> None:
    rig = make_rig(
        [
            {"kind": "text", "text": LINES, "tokens_per_s": 60, "chunk_chars": 8},
            {"kind": "text", "text": "SECOND ANSWER"},
        ]
    )
    pane = rig.launch("--plain", size=(80, 12))
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.say(pane, "tell me twenty lines")
    partly = rig.tmux.wait_for(pane, "line 3 of")
    assert "FIRST DONE" not in partly, "the answer did not stream: it came all at once"
    rig.tmux.wait_for(pane, "FIRST DONE")
    rig.say(pane, "and again")
    screen = rig.tmux.wait_for(pane, "SECOND ANSWER")
    assert "line 1 of the first answer" not in screen  # scrolled off a 12-row screen...
    kept = scrollback(rig, pane)
    for n in range(1, 21):  # ...and every line is still in the terminal's scrollback
        assert f"line {n} of the first answer" in kept
    assert (
        kept.index("› tell me twenty lines") < kept.index("line 1 of") < kept.index("› and again")
    )
    assert rig.standin.wait_request(1)["body"]["messages"][-1]["content"][0]["text"] == (
        "and again"
    )


def test_ctrl_c_interrupts_and_an_approval_takes_one_key_not_enter(make_rig: MakeRig) -> None:
    rig = make_rig(
        [
            {"kind": "stream_forever", "tokens_per_s": 60},
            {
                "kind": "tool_use",
                "name": "run_shell",
                "input": {"command": "echo from the sandbox > note.txt"},
            },
            {"kind": "text", "text": "The note is written."},
        ]
    )
    pane = rig.launch("--plain", size=(100, 30))
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.say(pane, "stream a lot")
    rig.tmux.wait_for(pane, "Section 1")
    rig.tmux.send(pane, "C-c")
    assert rig.standin.wait_disconnect(0)["fragments_sent"] > 0
    rig.tmux.wait_for(pane, "[interrupted: the partial answer is kept]")
    assert not rig.tmux.pane_dead(pane), "Ctrl+C during an answer must not quit"

    rig.say(pane, "write a note")
    rig.tmux.wait_for(pane, "[y] once")
    rig.tmux.send(pane, "Enter")  # Enter never approves
    time.sleep(0.5)
    assert not (rig.workspace / "note.txt").exists()
    rig.tmux.send(pane, "y")
    rig.tmux.wait_for(pane, "The note is written.")
    assert (rig.workspace / "note.txt").read_text() == "from the sandbox\n"
    history = rig.standin.wait_request(1)["body"]["messages"]
    assert "Section 1" in history[1]["content"][0]["text"]
    assert INTERRUPTED_NOTE in str(history[2]["content"])

    rig.tmux.send(pane, "C-d")
    rig.tmux.wait_dead(pane)


def test_a_dumb_terminal_gets_line_mode(make_rig: MakeRig) -> None:
    rig = make_rig([{"kind": "text", "text": "Plain and simple."}])
    command = ["env", "TERM=dumb", *copilot_command(), "-C", str(rig.workspace)]
    pane = rig.tmux.start(command, cwd=rig.workspace)
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.tmux.type(pane, "hello")
    rig.tmux.send(pane, "Enter")
    screen = rig.tmux.wait_for(pane, "Plain and simple.")
    assert "idle" not in screen, "the full-screen app started in a dumb terminal"


def test_slash_commands_are_answered_locally(make_rig: MakeRig) -> None:
    rig = make_rig([])  # past the script the stand-in echoes: "You said: ..."
    pane = rig.launch("--plain", size=(100, 30))
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.say(pane, "/help")
    rig.tmux.wait_for(pane, "/remember TEXT")
    rig.say(pane, "/mode read-only")
    rig.tmux.wait_for(pane, "Mode: read-only.")
    rig.say(pane, "/remember the build uses make")
    rig.tmux.wait_for(pane, "Remembered for this workspace: the build uses make")
    rig.say(pane, "/context")
    rig.tmux.wait_for(pane, "Context the next request carries (")
    rig.say(pane, "/nonsense")
    rig.tmux.wait_for(pane, "unknown command /nonsense")
    assert [r for r in rig.standin.records() if r["event"] == "request"] == []
    rig.say(pane, "//etc/hosts is what file?")
    rig.tmux.wait_for(pane, "You said:")
    sent = rig.standin.wait_request(0)["body"]["messages"][-1]["content"]
    assert sent[-1]["text"] == "/etc/hosts is what file?"
    rig.say(pane, "/quit")
    rig.tmux.wait_dead(pane)


def test_a_question_waits_for_f3_while_you_type_and_keeps_your_draft(make_rig: MakeRig) -> None:
    rig = make_rig(
        [
            {
                "kind": "tool_use",
                "name": "run_shell",
                "input": {"command": "echo asked > asked.txt"},
                # ~6 s of text before the call: time to type first, even on a loaded machine.
                "text_before": "Let me think about it for a moment first. " * 6,
                "tokens_per_s": 10,
            },
            {"kind": "text", "text": "Done asking."},
        ]
    )
    pane = rig.launch("--plain", size=(100, 30))
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.say(pane, "do it")
    rig.tmux.wait_for(pane, "Let me think")
    rig.tmux.type(pane, "my draft")  # typing while the answer streams, before the question
    rig.tmux.wait_for(pane, "an approval is waiting: F3 answers it")
    assert "[y] once" not in rig.tmux.screen(pane), "the question took the prompt from a typist"
    rig.tmux.send(pane, "F3")
    rig.tmux.wait_for(pane, "[y] once")
    time.sleep(0.4)  # past the guard against keys meant for something else
    rig.tmux.send(pane, "y")
    screen = rig.tmux.wait_for(pane, "Done asking.")
    assert (rig.workspace / "asked.txt").read_text() == "asked\n"
    assert screen.rstrip().splitlines()[-1] == "› my draft", screen


def test_a_10_mb_paste_is_held_as_one_line_and_sent_whole(make_rig: MakeRig) -> None:
    rig = make_rig([{"kind": "text", "text": "That is a lot of lines."}])
    paste = "\n".join(f"line {n}: " + "x" * 92 for n in range(100_000))
    (rig.folder / "paste.txt").write_text(paste, encoding="utf-8")
    pane = rig.launch("--plain", size=(100, 30))
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.tmux.run("load-buffer", str(rig.folder / "paste.txt"))
    rig.tmux.run("paste-buffer", "-p", "-t", pane)  # bracketed, as a terminal pastes
    # prompt_toolkit's own paste handling took 76 s for this before the prompt answered.
    rig.tmux.wait_for(pane, "› [paste 1: 100,000 lines, 10.5 MB]", timeout=20)
    rig.tmux.type(pane, " what is it?")
    rig.tmux.wait_for(pane, "MB] what is it?")
    rig.tmux.send(pane, "Enter")
    rig.tmux.wait_for(pane, "That is a lot of lines.")
    # The request carries what fits the window, head and tail; the store keeps it whole.
    sent = rig.standin.wait_request(0)["body"]["messages"][-1]["content"][-1]["text"]
    assert sent.startswith("line 0: ") and sent.endswith("line 99999: " + "x" * 92 + " what is it?")
    with sqlite3.connect(rig.db_path) as db:
        [(content,)] = db.execute("SELECT content FROM messages WHERE role = 'user'").fetchall()
    assert json.loads(content)[0]["text"] == paste + " what is it?"


def test_without_a_key_line_mode_says_how_to_add_one_and_survives_typing(
    make_rig: MakeRig,
) -> None:
    rig = make_rig([], api_key=False)
    pane = rig.launch("--plain", size=(100, 30))
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.tmux.wait_for(pane, "No API key: set ANTHROPIC_API_KEY")
    rig.say(pane, "hello?")
    screen = rig.tmux.wait_for(pane, "copilot: No API key")
    assert "Traceback" not in screen
    assert not rig.tmux.pane_dead(pane)
    rig.tmux.send(pane, "C-c")
    rig.tmux.send(pane, "C-c")  # twice within a second quits
    rig.tmux.wait_dead(pane)


def test_n_denies_with_a_reason_the_model_is_told(make_rig: MakeRig) -> None:
    rig = make_rig(
        [
            {"kind": "tool_use", "name": "run_shell", "input": {"command": "rm -rf build"}},
            {"kind": "text", "text": "Understood, I will not."},
        ]
    )
    (rig.workspace / "build").mkdir()
    pane = rig.launch("--plain", size=(100, 30))
    rig.tmux.wait_for(pane, "Ctrl+D quits")
    rig.say(pane, "clean up")
    rig.tmux.wait_for(pane, "[n] deny")
    time.sleep(0.4)  # past the guard
    rig.tmux.send(pane, "n")
    rig.tmux.wait_for(pane, "reason for the model")
    rig.tmux.type(pane, "keep the build")
    rig.tmux.wait_for(pane, "keep the build")
    rig.tmux.send(pane, "Enter")
    rig.tmux.wait_for(pane, "Understood, I will not.")
    assert (rig.workspace / "build").is_dir()
    result = rig.standin.wait_request(1)["body"]["messages"][-1]["content"][0]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert "keep the build" in json.dumps(result)
