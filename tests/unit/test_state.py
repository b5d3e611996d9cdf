"""The turn state machine refuses moves outside its table."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from copilot.engine.state import ALLOWED, IllegalTransition, TurnMachine, TurnState


def test_a_normal_turn_with_tools() -> None:
    machine = TurnMachine()
    for state in (TurnState.STREAMING, TurnState.TOOLS, TurnState.STREAMING, TurnState.IDLE):
        assert machine.to(state)
    assert not machine.busy


def test_idle_cannot_jump_to_tools() -> None:
    with pytest.raises(IllegalTransition):
        TurnMachine().to(TurnState.TOOLS)


@given(st.lists(st.sampled_from(list(TurnState)), max_size=40))
def test_any_walk_either_follows_the_table_or_raises(walk: list[TurnState]) -> None:
    machine = TurnMachine()
    for state in walk:
        before = machine.state
        if state == before:
            assert machine.to(state) is False
        elif state in ALLOWED[before]:
            assert machine.to(state)
        else:
            with pytest.raises(IllegalTransition):
                machine.to(state)
            assert machine.state == before
