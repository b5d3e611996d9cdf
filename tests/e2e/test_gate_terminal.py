"""Issue 3 end to end: the model asks to run a command and the user answers with one key.

The real `copilot` runs in a real tmux against the stand-in, with the real gate and real
bubblewrap. Keys go in through `send-keys` the way a user's terminal would deliver them,
so the 300 ms guard, the focus move to the prompt and the reason box are all on the path.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import MakeRig
from tests.e2e.rig import Rig

pytestmark = pytest.mark.tmux

#: The file the command would create, and a marker only its *output* holds: the
#: command line shows `$((6*7))`, so `marker-42` on screen can only be the output.
CREATED = "made-by-model.txt"
COMMAND = f"touch {CREATED} && echo marker-$((6*7))"
OUTPUT = "marker-42"
PROMPT_TITLE = "Allow run_shell?"
#: Longer than the prompt's 300 ms guard, counted from when it is on screen.
PAST_GUARD_S = 0.6


def script() -> list[dict[str, Any]]:
    """The model asks for the command, then answers whatever the result was."""
    return [
        {"kind": "tool_use", "name": "run_shell", "input": {"command": COMMAND}},
        {"kind": "text", "text": "Noted the result."},
    ]


def ask_and_wait_for_prompt(rig: Rig) -> str:
    """Start copilot, ask for the command, wait until the prompt is shown and armed."""
    pane = rig.launch()
    rig.tmux.wait_for(pane, "idle")
    rig.say(pane, "make the file please")
    screen = rig.tmux.wait_for(pane, PROMPT_TITLE)
    assert CREATED in screen, "the prompt does not show the command it asks about"
    time.sleep(PAST_GUARD_S)
    return pane


def tool_result(rig: Rig, request_index: int) -> dict[str, Any]:
    """The one `tool_result` block the request `request_index` sent back to the model."""
    last = rig.standin.wait_request(request_index)["body"]["messages"][-1]
    results = [b for b in last["content"] if b.get("type") == "tool_result"]
    assert len(results) == 1, last
    return results[0]


def test_n_then_enter_leaves_the_command_unrun_and_tells_the_model(make_rig: MakeRig) -> None:
    rig = make_rig(script())
    pane = ask_and_wait_for_prompt(rig)

    rig.tmux.send(pane, "n")
    rig.tmux.wait_for(pane, "reason for the model")
    rig.tmux.send(pane, "Enter")

    result = tool_result(rig, 1)
    assert result["is_error"] is True
    screen = rig.tmux.wait_for(pane, "Noted the result.")
    assert "denied" in screen, screen
    assert OUTPUT not in screen
    assert not (rig.workspace / CREATED).exists(), "a denied command ran"


def test_y_runs_the_command_shows_its_output_and_sends_it(make_rig: MakeRig) -> None:
    rig = make_rig(script())
    pane = ask_and_wait_for_prompt(rig)

    rig.tmux.send(pane, "y")

    screen = rig.tmux.wait_for(pane, OUTPUT)
    assert (rig.workspace / CREATED).exists(), "the approved command did not run"
    result = tool_result(rig, 1)
    assert result["is_error"] is False
    assert OUTPUT in str(result["content"])
    rig.tmux.wait_for(pane, "Noted the result.")
    assert "Traceback" not in screen
