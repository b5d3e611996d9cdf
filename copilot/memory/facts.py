"""Remembered facts: what the user asked copilot to keep, verbatim, in every request.

Facts belong to a workspace, not to a session: "we deploy with make ship" is
as true tomorrow as today. They are also indexed for recall, so a fact that no
longer fits the pinned budget can still be found.

Like `summaries`, these functions use the store's package-internal helpers.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any, Literal

from copilot.memory.recall_text import utf8_safe
from copilot.memory.store import Store

FactSource = Literal["user", "model"]

#: Longest fact kept; a fact is a sentence or two, not a document.
MAX_FACT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class Fact:
    """One remembered fact and who asked for it (`/remember` or the model's tool)."""

    id: str
    workspace: str
    session_id: str
    text: str
    source: str
    created: float


def _fact(row: tuple[Any, ...]) -> Fact:
    return Fact(*row)


async def remember(
    store: Store,
    workspace: str,
    text: str,
    *,
    session_id: str = "",
    source: FactSource = "user",
) -> Fact:
    """Keep `text` for every session in `workspace`; the same text twice is kept once."""
    clean = utf8_safe(" ".join(text.split()))[:MAX_FACT_CHARS]
    if not clean:
        raise ValueError("nothing to remember")
    workspace = utf8_safe(workspace)
    async with store._write() as conn:
        rows = list(
            await conn.execute_fetchall(
                "SELECT id, workspace, session_id, text, source, created FROM facts"
                " WHERE workspace = ? AND text = ? AND forgotten IS NULL",
                (workspace, clean),
            )
        )
        if rows:
            return _fact(rows[0])
        fact = Fact(uuid.uuid4().hex, workspace, session_id, clean, source, time.time())
        await conn.execute(
            "INSERT INTO facts (id, workspace, session_id, text, source, created)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (fact.id, workspace, session_id, clean, source, fact.created),
        )
        if session_id:
            await conn.execute(
                "INSERT INTO recall (body, session_id, source, label, ref, ts)"
                " VALUES (?, ?, 'fact', 'fact', ?, ?)",
                (clean, session_id, fact.id, fact.created),
            )
    return fact


async def facts(store: Store, workspace: str) -> list[Fact]:
    """The workspace's remembered facts, oldest first."""
    rows = await store._read(
        "SELECT id, workspace, session_id, text, source, created FROM facts"
        " WHERE workspace = ? AND forgotten IS NULL ORDER BY seq",
        (utf8_safe(workspace),),
    )
    return [_fact(row) for row in rows]


async def forget(store: Store, workspace: str, fact_id: str) -> bool:
    """Stop pinning a fact (by id or a unique id prefix); it stays findable by recall."""
    async with store._write() as conn:
        rows = list(
            await conn.execute_fetchall(
                "SELECT id FROM facts WHERE workspace = ? AND forgotten IS NULL"
                " AND id LIKE ? LIMIT 2",
                (utf8_safe(workspace), fact_id.replace("%", "").replace("_", "") + "%"),
            )
        )
        if len(rows) != 1 or not fact_id:
            return False
        await conn.execute("UPDATE facts SET forgotten = ? WHERE id = ?", (time.time(), rows[0][0]))
    return True
