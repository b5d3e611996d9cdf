"""Issue 6 end to end: a background task that ends while the user types waits for them.

The interaction model delegates, says so, and later summarises the task's result; the
background model streams its report slowly, so that it ends while the user is typing in the
input box, one key at a time through tmux. The summary must not be on screen (nor asked of
the model) while the typing goes on, and must arrive once the user pauses or sends.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from copilot.config import DEFAULT_BACKGROUND_MODEL, DEFAULT_INTERACTION_MODEL
from tests.e2e.conftest import MakeRig
from tests.e2e.rig import Rig

pytestmark = pytest.mark.tmux

STARTED = "On it: a background task is looking."
SUMMARY = "Summary: the flaky test sleeps."
#: 60 characters in 4-character fragments at 5 per second: the report takes about 3 s,
#: so it ends well after the user has started typing.
REPORT = "Report: test_clock sleeps one second and races the timer now."
REPORT_TOKENS_PER_S = 5
#: Between keys; far below the 1.5 s after which the user no longer holds the floor.
KEY_GAP_S = 0.1
#: Keys typed after the task ended, while still asserting the summary waits.
KEYS_AFTER_END = 15
TYPING_IDLE_S = 1.5


def scripts() -> dict[str, list[dict[str, Any]]]:
    """Per model: the interaction model delegates, acknowledges, then summarises."""
    return {
        DEFAULT_INTERACTION_MODEL: [
            {"kind": "tool_use", "name": "delegate", "input": {"task": "find the flaky test"}},
            {"kind": "text", "text": STARTED},
            {"kind": "text", "text": SUMMARY},
        ],
        DEFAULT_BACKGROUND_MODEL: [
            {"kind": "text", "text": REPORT, "tokens_per_s": REPORT_TOKENS_PER_S},
        ],
    }


def requests_for(rig: Rig, model: str) -> list[dict[str, Any]]:
    """The `/v1/messages` requests naming `model`, in arrival order."""
    return [
        r
        for r in rig.standin.records()
        if r["event"] == "request"
        and r["path"] == "/v1/messages"
        and r["body"].get("model") == model
    ]


def task_ended(rig: Rig) -> bool:
    """Whether the background model's one response has finished streaming."""
    background = requests_for(rig, DEFAULT_BACKGROUND_MODEL)
    if not background:
        return False
    index = background[0]["index"]
    return any(
        r["event"] == "response" and r["request_index"] == index for r in rig.standin.records()
    )


def type_across_the_task_end(rig: Rig, pane: str) -> float:
    """Type one key at a time until the task ended and `KEYS_AFTER_END` more; returns the
    monotonic time of the last key. Between keys, the summary must still be waiting."""
    keys_after = 0
    typed = 0
    last_key = time.monotonic()
    while keys_after < KEYS_AFTER_END:
        ended = task_ended(rig)
        rig.tmux.type(pane, "z")
        last_key = time.monotonic()
        typed += 1
        assert typed < 300, "the background task never ended"
        keys_after += ended
        screen = rig.tmux.screen(pane)
        assert SUMMARY not in screen, f"the result took the floor while typing:\n{screen}"
        time.sleep(KEY_GAP_S)
    assert len(requests_for(rig, DEFAULT_INTERACTION_MODEL)) == 2, "woven in while typing"
    return last_key


def start_and_delegate(rig: Rig) -> str:
    """Launch, ask, and wait for the acknowledgement while the task still works."""
    pane = rig.launch()
    rig.tmux.wait_for(pane, "idle")
    rig.say(pane, "why is CI flaky?")
    rig.tmux.wait_for(pane, STARTED)
    assert not task_ended(rig), "the report ended before the user could type"
    return pane


def test_the_result_waits_for_a_pause_in_typing(make_rig: MakeRig) -> None:
    rig = make_rig([], by_model=scripts())
    pane = start_and_delegate(rig)

    last_key = type_across_the_task_end(rig, pane)

    screen = rig.tmux.wait_for(pane, SUMMARY)
    woven = requests_for(rig, DEFAULT_INTERACTION_MODEL)[2]
    assert woven["arrived"] - last_key >= TYPING_IDLE_S - 0.1, "woven in before the pause"
    assert "test_clock sleeps" in str(woven["body"]["messages"][-1]["content"])
    assert "zzzz" in screen, "what the user typed was lost"


def test_the_result_arrives_when_the_user_sends(make_rig: MakeRig) -> None:
    rig = make_rig([], by_model=scripts())
    pane = start_and_delegate(rig)

    type_across_the_task_end(rig, pane)
    rig.tmux.send(pane, "Enter")
    # Typing on at once: with no pause ever, only the send can have let the result in.
    keys = 0
    while SUMMARY not in rig.tmux.screen(pane):
        assert keys < 150, "the result did not arrive after the user sent"
        rig.tmux.type(pane, "y")
        keys += 1
        time.sleep(KEY_GAP_S)

    woven = requests_for(rig, DEFAULT_INTERACTION_MODEL)[2]
    assert "test_clock sleeps" in str(woven["body"]["messages"][-1]["content"])
    rig.tmux.wait_for(pane, "You said: zzzz")
