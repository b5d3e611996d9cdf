"""The turn state machine and the floor, as explicit data.

Every transition the engine makes goes through `TurnMachine.to`, which refuses
one that is not in the table. Races (an interrupt arriving while tools start, a
retry ending after a cancel) then fail loudly in tests instead of leaving the
engine in a state no front end can render.
"""

from __future__ import annotations

from enum import StrEnum


class TurnState(StrEnum):
    """What the foreground turn is doing."""

    IDLE = "idle"
    STREAMING = "streaming"
    RETRYING = "retrying"
    TOOLS = "tools"
    INTERRUPTED = "interrupted"


class Floor(StrEnum):
    """Who holds the conversation: proactive output waits unless it is idle."""

    IDLE = "idle"
    USER = "user"
    ASSISTANT = "assistant"


ALLOWED: dict[TurnState, frozenset[TurnState]] = {
    TurnState.IDLE: frozenset({TurnState.STREAMING}),
    TurnState.STREAMING: frozenset(
        {TurnState.TOOLS, TurnState.RETRYING, TurnState.IDLE, TurnState.INTERRUPTED}
    ),
    TurnState.RETRYING: frozenset({TurnState.STREAMING, TurnState.IDLE, TurnState.INTERRUPTED}),
    TurnState.TOOLS: frozenset({TurnState.STREAMING, TurnState.IDLE, TurnState.INTERRUPTED}),
    TurnState.INTERRUPTED: frozenset({TurnState.IDLE, TurnState.STREAMING}),
}


class IllegalTransition(RuntimeError):
    """A transition outside the table: a bug in the engine, never user error."""


class TurnMachine:
    """Holds the current state and checks each move against `ALLOWED`."""

    def __init__(self) -> None:
        self.state = TurnState.IDLE
        self.history: list[tuple[TurnState, TurnState]] = []

    def to(self, new: TurnState) -> bool:
        """Move to `new`; returns False when already there (a no-op)."""
        if new == self.state:
            return False
        if new not in ALLOWED[self.state]:
            raise IllegalTransition(f"{self.state} -> {new}")
        self.history.append((self.state, new))
        self.state = new
        return True

    @property
    def busy(self) -> bool:
        return self.state != TurnState.IDLE
