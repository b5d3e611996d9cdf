"""Retention: caps by age and by size, so the database cannot grow without bound.

Age first: sessions untouched for `max_age_days` go whole (messages, events,
audit, summaries and their recall rows), and events older than that go from
any session, because ambient events are the bulk of a long-lived session.
Then size: while the live data is over `max_bytes`, the least recently used
session goes, then the oldest events of the sessions that must be kept.
Remembered facts are never removed by retention: the user asked for them.

Space freed inside the file is reused by SQLite; the file itself shrinks only
when a VACUUM runs, which happens when more than a quarter of it is free.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from copilot.memory.store import Store

DAY_S = 86_400.0

#: Share of free pages above which a pass ends with VACUUM.
VACUUM_FREE_SHARE = 0.25

#: Events removed per step when a kept session alone is over the size cap.
EVENT_BATCH = 2000


@dataclass(frozen=True, slots=True)
class GcReport:
    """What one retention pass removed; bytes are the database file with its WAL."""

    sessions_removed: int
    events_removed: int
    bytes_before: int
    bytes_after: int
    vacuumed: bool


def file_bytes(path: Path) -> int:
    """Size on disk of the database, its WAL and shared-memory file."""
    total = 0
    for suffix in ("", "-wal", "-shm"):
        try:
            total += Path(f"{path}{suffix}").stat().st_size
        except FileNotFoundError:
            continue
    return total


async def _pages(conn: aiosqlite.Connection) -> tuple[int, int, int]:
    """(page size, page count, free pages) of the main database."""
    size = next(iter(await conn.execute_fetchall("PRAGMA page_size")))[0]
    count = next(iter(await conn.execute_fetchall("PRAGMA page_count")))[0]
    free = next(iter(await conn.execute_fetchall("PRAGMA freelist_count")))[0]
    return int(size), int(count), int(free)


async def _live_bytes(conn: aiosqlite.Connection) -> int:
    size, count, free = await _pages(conn)
    return size * (count - free)


async def _drop_session(conn: aiosqlite.Connection, session_id: str) -> int:
    """Remove one session and everything hanging off it; returns its event count."""
    cursor = await conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
    events = cursor.rowcount
    for sql in (
        "DELETE FROM recall WHERE session_id = ?",
        "DELETE FROM summaries WHERE session_id = ?",
        "DELETE FROM messages WHERE session_id = ?",
        "DELETE FROM audit WHERE session_id = ?",
        "DELETE FROM sessions WHERE id = ?",
    ):
        await conn.execute(sql, (session_id,))
    return events


async def _drop_events_before(conn: aiosqlite.Connection, cutoff: float) -> int:
    await conn.execute("DELETE FROM recall WHERE source = 'event' AND ts < ?", (cutoff,))
    cursor = await conn.execute("DELETE FROM events WHERE ts < ?", (cutoff,))
    return cursor.rowcount


async def gc(
    store: Store,
    max_age_days: float,
    max_bytes: int,
    *,
    keep: Collection[str] = (),
) -> GcReport:
    """One retention pass. Sessions in `keep` (the open ones) lose only old events.

    Each pass that removes something is recorded in `retention_runs`.
    """
    bytes_before = file_bytes(store.path)
    cutoff = time.time() - max_age_days * DAY_S
    sessions_removed = events_removed = 0
    keep = set(keep)
    if not await _over_caps(store, cutoff, max_bytes, keep):
        return GcReport(0, 0, bytes_before, bytes_before, vacuumed=False)
    async with store._write() as conn:
        old = await conn.execute_fetchall(
            "SELECT id FROM sessions WHERE updated < ? ORDER BY updated", (cutoff,)
        )
        for (session_id,) in old:
            if session_id not in keep:
                events_removed += await _drop_session(conn, session_id)
                sessions_removed += 1
        events_removed += await _drop_events_before(conn, cutoff)
    if sessions_removed or events_removed:
        await _merge_index(store)
    while True:
        async with store._write() as conn:
            if await _live_bytes(conn) <= max_bytes:
                break
            removed = await _shrink_once(conn, keep)
        if removed is None:
            break
        await _merge_index(store)
        sessions_removed += removed[0]
        events_removed += removed[1]
    vacuumed = await _vacuum_if_worth_it(store)
    report = GcReport(
        sessions_removed, events_removed, bytes_before, file_bytes(store.path), vacuumed
    )
    async with store._write() as conn:
        await conn.execute(
            "INSERT INTO retention_runs (ts, sessions_removed, events_removed, bytes_before,"
            " bytes_after) VALUES (?, ?, ?, ?, ?)",
            (time.time(), sessions_removed, events_removed, bytes_before, report.bytes_after),
        )
    return report


async def _over_caps(store: Store, cutoff: float, max_bytes: int, keep: set[str]) -> bool:
    """Whether anything is past a cap, by reads alone: a pass with nothing to do writes nothing."""
    old = await store._read(
        "SELECT id FROM sessions WHERE updated < ? LIMIT ?", (cutoff, len(keep) + 1)
    )
    if any(session_id not in keep for (session_id,) in old):
        return True
    if await store._read("SELECT 1 FROM events WHERE ts < ? LIMIT 1", (cutoff,)):
        return True
    async with store._lock:
        return await _live_bytes(store._conn) > max_bytes


async def _shrink_once(conn: aiosqlite.Connection, keep: set[str]) -> tuple[int, int] | None:
    """Remove the least recently used session, else a batch of the oldest events.

    Returns (sessions, events) removed, or None when nothing is left to remove.
    """
    rows = await conn.execute_fetchall("SELECT id FROM sessions ORDER BY updated")
    for (session_id,) in rows:
        if session_id not in keep:
            return 1, await _drop_session(conn, session_id)
    oldest = list(
        await conn.execute_fetchall(
            "SELECT ts FROM events ORDER BY ts LIMIT 1 OFFSET ?", (EVENT_BATCH - 1,)
        )
    ) or list(await conn.execute_fetchall("SELECT max(ts) FROM events WHERE ts IS NOT NULL"))
    if not oldest or oldest[0][0] is None:
        return None
    return 0, await _drop_events_before(conn, oldest[0][0] + 1e-6)


async def _merge_index(store: Store) -> None:
    """Merge the full-text index so rows deleted from it stop taking space."""
    async with store._write() as conn:
        await conn.execute("INSERT INTO recall (recall) VALUES ('optimize')")


async def _vacuum_if_worth_it(store: Store) -> bool:
    """Give free pages back to the file system when they are a large share of it."""
    async with store._lock:
        conn = store._conn
        _, count, free = await _pages(conn)
        await conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        if count == 0 or free / count <= VACUUM_FREE_SHARE:
            return False
        await conn.execute("VACUUM")
        await conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        return True
