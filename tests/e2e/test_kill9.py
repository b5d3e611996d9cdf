"""kill -9 in the middle of a streamed answer, then resume: nothing committed is lost.

The process gets no chance to clean up, so whatever survives is what the store wrote
while streaming. The resumed session must show the question and the partial answer, and
the store must hold the answer as interrupted, not as a reply still arriving.
"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from copilot.memory.records import StoredMessage
from copilot.memory.store import Store
from tests.e2e.conftest import MakeRig
from tests.e2e.rig import Rig

pytestmark = pytest.mark.tmux

QUESTION = "remember this question"
FIRST_ANSWER = "A finished first answer."


async def stored_messages(rig: Rig) -> list[StoredMessage]:
    """The messages of the workspace's last session, read straight from the database."""
    async with await Store.open(rig.db_path) as store:
        session = await store.last_session(str(rig.workspace))
        assert session is not None, "no session stored for the workspace"
        return await store.messages(session.id)


def test_d_kill_9_mid_stream_then_continue(make_rig: MakeRig) -> None:
    rig = make_rig(
        [
            {"kind": "text", "text": FIRST_ANSWER},
            {"kind": "stream_forever", "tokens_per_s": 100},
        ]
    )
    pane = rig.launch()
    rig.tmux.wait_for(pane, "idle")
    rig.say(pane, "first question")
    rig.tmux.wait_for(pane, FIRST_ANSWER)
    rig.tmux.wait_for(pane, " idle ")
    rig.say(pane, QUESTION)
    # Part way into the first section: the store's periodic checkpoint holds some of it,
    # and the whole resumed transcript still fits on one screen.
    rig.tmux.wait_for(pane, "item 1.1")

    os.kill(rig.tmux.pane_pid(pane), signal.SIGKILL)
    rig.standin.wait_disconnect(1)
    rig.tmux.wait_dead(pane)

    before = asyncio.run(stored_messages(rig))
    assert [m.role for m in before] == ["user", "assistant", "user", "assistant"]
    partial = before[-1]
    assert partial.interrupted, "a reply whose process died must read as interrupted"
    assert partial.content[0]["text"].startswith("## Section 1")

    listing = rig.run_cli("sessions")
    printed = rig.tmux.wait_for(listing, "[exit ")
    assert "[exit 0]" in printed
    assert "4 msgs" in printed

    resumed = rig.launch("--continue")
    screen = rig.tmux.wait_for(resumed, "Section 1")
    for shown in ("first question", FIRST_ANSWER, QUESTION):
        assert shown in screen
    assert rig.bar_colours(resumed, "Section 1").isdisjoint(
        rig.bar_colours(resumed, FIRST_ANSWER)
    ), "the resumed partial answer is not marked apart from the finished one"

    after = asyncio.run(stored_messages(rig))
    assert after[-1].id == partial.id
    assert after[-1].interrupted
    assert after[-1].state == "done", "--continue should close the crashed reply"
    assert after[-1].content == partial.content
