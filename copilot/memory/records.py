"""The immutable records the store hands out.

They are frozen so that a front end holding a message cannot change what it
believes history says without going through the store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """One conversation in one workspace, with enough to list and resume it."""

    id: str
    workspace: str
    model: str
    created: float
    updated: float
    title: str
    message_count: int


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One user or assistant message as persisted.

    ``content`` holds Anthropic content blocks (text, tool_use, tool_result)
    exactly as they were written, round-tripped through JSON. ``state`` is
    ``"streaming"`` while an assistant reply is still arriving and ``"done"``
    once it finished or was interrupted.
    """

    id: str
    session_id: str
    role: str
    content: list[dict[str, Any]]
    interrupted: bool
    state: str
    created: float

    @property
    def text(self) -> str:
        """The message's text blocks, joined as written (no tool calls or results)."""
        return "".join(b.get("text", "") for b in self.content if b.get("type") == "text")
