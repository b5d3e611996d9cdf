"""What the context pane lists and what the next request carries.

Plain frozen records so the UI can render them and the bus can carry them
without reaching back into the sensors.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContextItem:
    """One ranked thing the sensors noticed.

    `key` is `<sensor>:<thing>` and is what `pin`/`mute` take. `summary` is the
    one line the pane shows; `detail` (diff hunk, pane capture) is what "open"
    shows and, budget permitting, what the block carries. Both are redacted.
    """

    key: str
    sensor: str
    summary: str
    score: float
    age_s: float
    pinned: bool = False
    muted: bool = False
    included: bool = False
    detail: str = ""
    count: int = 1


@dataclass(frozen=True, slots=True)
class ContextBlock:
    """The Markdown block for the next request, its token estimate and the ranked items."""

    text: str
    tokens: int
    items: tuple[ContextItem, ...]
