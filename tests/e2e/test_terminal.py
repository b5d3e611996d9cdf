"""The real `copilot` in a real tmux against the stand-in: type, stream, interrupt.

These are the tests closest to a user: keys go in through tmux's `send-keys`, the screen
is read back with `capture-pane`, and the only thing the app knows about the test is the
environment a user would set.
"""

from __future__ import annotations

import time

import pytest

from copilot.engine.history import INTERRUPTED_NOTE
from tests.e2e.conftest import MakeRig

pytestmark = pytest.mark.tmux

ANSWER = (
    "Hello from **the stand-in**. This answer streams in small fragments so that the "
    "screen shows it growing, and it ends with the words LAST WORDS."
)
AFTER_INTERRUPT = "Still here after the interrupt."


def transcript(screen: str) -> str:
    """The conversation column only: no status line and no side panes.

    Both of those may change on their own (a spinner, what the sensors noticed), while
    the conversation must stand still once an answer is interrupted. The column's width
    is read off the input box's top border, the one box that spans exactly that column.
    """
    rows = screen.splitlines()[:-1]
    border = next(row for row in reversed(rows) if row.startswith("╭"))
    width = border.index("╮") + 1
    return "\n".join(row[:width] for row in rows)


def test_a_typed_message_streams_its_answer(make_rig: MakeRig) -> None:
    rig = make_rig([{"kind": "text", "text": ANSWER, "tokens_per_s": 40}])
    pane = rig.launch()
    rig.tmux.wait_for(pane, "idle")

    rig.say(pane, "hello copilot")
    screens = [rig.tmux.wait_for(pane, "Hello from the stand-in")]
    while "LAST WORDS" not in screens[-1]:
        assert not rig.tmux.pane_dead(pane), screens[-1]
        screens.append(rig.tmux.wait_for(pane, "stand-in"))

    assert any("LAST WORDS" not in s for s in screens), "the answer never showed partly"
    final = rig.tmux.wait_for(pane, " idle ")
    assert "hello copilot" in final, final
    assert "**" not in final, "Markdown was shown raw, not rendered"
    request = rig.standin.wait_request(0)
    assert request["body"]["stream"] is True
    assert request["body"]["messages"][-1]["content"][0]["text"] == "hello copilot"


def test_b_ctrl_c_stops_the_stream_and_the_app_keeps_working(make_rig: MakeRig) -> None:
    rig = make_rig(
        [
            {"kind": "text", "text": "A finished answer."},
            {"kind": "stream_forever", "tokens_per_s": 100},
            {"kind": "text", "text": AFTER_INTERRUPT},
        ]
    )
    pane = rig.launch()
    rig.tmux.wait_for(pane, "idle")
    rig.say(pane, "first")
    rig.tmux.wait_for(pane, "A finished answer.")
    rig.tmux.wait_for(pane, " idle ")

    rig.say(pane, "stream a lot")
    rig.tmux.wait_for(pane, "Section 1")
    streaming_bar = rig.bar_colours(pane, "Section 1")
    rig.tmux.send(pane, "C-c")

    disconnect = rig.standin.wait_disconnect(1)
    assert disconnect["fragments_sent"] > 0
    rig.tmux.wait_for(pane, " idle ")
    # The state (control lane) may show before the answer is marked (assistant lane).
    rig.tmux.wait_for(pane, "⏹ interrupted")
    settled = transcript(rig.tmux.screen(pane))
    time.sleep(0.5)
    assert transcript(rig.tmux.screen(pane)) == settled, "the answer kept growing after Ctrl+C"

    finished_bar = rig.bar_colours(pane, "A finished answer.")
    interrupted_bar = rig.bar_colours(pane, "Section 1")
    assert interrupted_bar, settled
    assert interrupted_bar.isdisjoint(finished_bar | streaming_bar), (
        "the partial answer is not marked apart from a finished or a streaming one"
    )

    assert not rig.tmux.pane_dead(pane), "Ctrl+C during a stream must not quit"
    rig.say(pane, "are you there")
    rig.tmux.wait_for(pane, AFTER_INTERRUPT)
    follow_up = rig.standin.wait_request(2)["body"]["messages"]
    partial = follow_up[-2]
    assert partial["role"] == "assistant"
    assert "Section 1" in partial["content"][0]["text"]
    assert INTERRUPTED_NOTE in str(follow_up[-1]["content"])


def test_c_without_a_key_it_starts_hints_and_survives_typing(make_rig: MakeRig) -> None:
    rig = make_rig([], api_key=False)
    pane = rig.launch()
    screen = rig.tmux.wait_for(pane, "ANTHROPIC_API_KEY")
    for pane_title in ("tools", "context", "idle"):
        assert pane_title in screen

    rig.say(pane, "hello without a key")
    rig.tmux.type(pane, "still typing")
    rig.tmux.wait_for(pane, "still typing")
    rig.wait_bar(pane, "hello without a key")
    screen = rig.tmux.wait_for(pane, " idle ")
    assert not rig.tmux.pane_dead(pane), screen
    assert "Traceback" not in screen
    assert "ANTHROPIC_API_KEY" in screen
    assert " idle " in screen, screen.splitlines()[-1]
    assert not rig.standin.records(), "a request went out without a key"


def test_e_tiny_and_small_terminals_do_not_break_it(make_rig: MakeRig) -> None:
    rig = make_rig([])
    pane = rig.launch()
    rig.tmux.wait_for(pane, "idle")

    rig.tmux.resize(pane, 40, 10)
    rig.say(pane, "tiny")
    rig.standin.wait_response(0)
    assert not rig.tmux.pane_dead(pane), rig.tmux.screen(pane)

    rig.tmux.resize(pane, 80, 24)
    rig.say(pane, "small")
    screen = rig.tmux.wait_for(pane, "You said: small")
    assert rig.standin.wait_response(0)["outcome"] == "complete"
    assert "Traceback" not in screen
    assert not rig.tmux.pane_dead(pane)


def test_f_esc_interrupts_and_escape_sequences_still_parse(make_rig: MakeRig) -> None:
    # copilot reads the terminal with its own driver (a lone Esc is delivered after
    # ESCDELAY instead of Textual's 100 ms poll): arrow keys must still arrive whole.
    rig = make_rig(
        [
            {"kind": "stream_forever", "tokens_per_s": 100},
            {"kind": "text", "text": AFTER_INTERRUPT},
        ]
    )
    pane = rig.launch()
    rig.tmux.wait_for(pane, "idle")
    rig.say(pane, "stream a lot")
    rig.tmux.wait_for(pane, "Section 1")
    rig.tmux.send(pane, "Escape")
    assert rig.standin.wait_disconnect(0)["fragments_sent"] > 0
    rig.tmux.wait_for(pane, " idle ")

    # Each key waits for the one before to show, as a person's would: Textual runs a
    # non-priority binding (Left) only once the key has bubbled up to the app, so a
    # key sent right behind it can reach the input box first.
    rig.tmux.type(pane, "xyzw")
    rig.tmux.wait_for(pane, "xyzw")
    rig.tmux.send(pane, "Left")
    rig.tmux.type(pane, "Q")
    rig.tmux.wait_for(pane, "xyzQw")
    rig.tmux.send(pane, "Enter")
    rig.tmux.wait_for(pane, AFTER_INTERRUPT)
    sent = rig.standin.wait_request(1)["body"]["messages"][-1]["content"]
    assert sent[0]["text"] == "xyzQw", sent


def test_f_keys_typed_while_it_starts_land_in_the_input_in_order(make_rig: MakeRig) -> None:
    # The first frame shows a stand-in input (input_shell.py); the real one is mounted
    # right after. Keys typed before the first frame, and between it and the real
    # input, are all kept, in order.
    rig = make_rig([])
    pane = rig.launch()
    rig.tmux.type(pane, "typed ahead")
    rig.tmux.wait_for(pane, "idle")
    rig.tmux.type(pane, ", then at once")
    screen = rig.tmux.wait_for(pane, "typed ahead, then at once")
    assert "Ask copilot" not in screen
