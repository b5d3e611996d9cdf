"""Compaction summaries: what replaced a span of messages in the request, and that span.

A summary never replaces anything in the store. It records which messages it
stood in for (by their `seq`, the store's true order, and by id for the front
end) so the transcript's compaction marker can expand to the originals, and so
a resumed session knows where its verbatim history starts again.

These functions use the store's package-internal transaction helpers: they are
part of the store, kept in their own module so `store.py` stays about messages.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from copilot.memory.recall_text import utf8_safe
from copilot.memory.records import StoredMessage
from copilot.memory.store import _MESSAGE_COLUMNS, Store, _message

_COLUMNS = (
    "id, session_id, first_message_id, last_message_id, body, text,"
    " tokens_before, tokens_after, created"
)


@dataclass(frozen=True, slots=True)
class Summary:
    """One compaction: the structured summary and the span of messages it covers."""

    id: str
    session_id: str
    first_message_id: str
    last_message_id: str
    body: dict[str, Any]
    text: str
    tokens_before: int
    tokens_after: int
    created: float


def _summary(row: tuple[Any, ...]) -> Summary:
    return Summary(
        id=row[0],
        session_id=row[1],
        first_message_id=row[2],
        last_message_id=row[3],
        body=json.loads(row[4]),
        text=row[5],
        tokens_before=row[6],
        tokens_after=row[7],
        created=row[8],
    )


async def add_summary(
    store: Store,
    session_id: str,
    first_message_id: str,
    last_message_id: str,
    body: dict[str, Any],
    text: str,
    *,
    tokens_before: int = 0,
    tokens_after: int = 0,
) -> Summary:
    """Record a compaction in one transaction (a crash leaves either all of it or none)."""
    summary = Summary(
        uuid.uuid4().hex,
        session_id,
        first_message_id,
        last_message_id,
        body,
        utf8_safe(text),
        tokens_before,
        tokens_after,
        time.time(),
    )
    async with store._write() as conn:
        rows = list(
            await conn.execute_fetchall(
                "SELECT id, seq FROM messages WHERE session_id = ? AND id IN (?, ?)",
                (session_id, first_message_id, last_message_id),
            )
        )
        seqs = dict(rows)
        if first_message_id not in seqs or last_message_id not in seqs:
            raise KeyError(f"the span {first_message_id}..{last_message_id} is not in {session_id}")
        await conn.execute(
            "INSERT INTO summaries (id, session_id, first_seq, last_seq, first_message_id,"
            " last_message_id, body, text, tokens_before, tokens_after, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                summary.id,
                session_id,
                seqs[first_message_id],
                seqs[last_message_id],
                first_message_id,
                last_message_id,
                json.dumps(body, ensure_ascii=True),
                summary.text,
                tokens_before,
                tokens_after,
                summary.created,
            ),
        )
    return summary


async def summaries(store: Store, session_id: str) -> list[Summary]:
    """Every compaction of a session, oldest first (one transcript marker each)."""
    rows = await store._read(
        f"SELECT {_COLUMNS} FROM summaries WHERE session_id = ? ORDER BY seq", (session_id,)
    )
    return [_summary(row) for row in rows]


async def latest_summary(store: Store, session_id: str) -> Summary | None:
    """The summary the next request starts from, or None before the first compaction."""
    rows = await store._read(
        f"SELECT {_COLUMNS} FROM summaries WHERE session_id = ? ORDER BY seq DESC LIMIT 1",
        (session_id,),
    )
    return _summary(rows[0]) if rows else None


async def compacted_span(store: Store, summary_id: str) -> list[StoredMessage]:
    """The original messages a compaction summarised, in order: what its marker expands to."""
    rows = await store._read(
        f"SELECT {', '.join('m.' + c.strip() for c in _MESSAGE_COLUMNS.split(','))}"
        " FROM summaries s JOIN messages m ON m.session_id = s.session_id"
        " AND m.seq BETWEEN s.first_seq AND s.last_seq"
        " WHERE s.id = ? ORDER BY m.seq",
        (summary_id,),
    )
    return [_message(row) for row in rows]
