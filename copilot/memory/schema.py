"""The database schema and its forward migrations.

Each schema version is a tuple of SQL statements; opening a store applies every
version above the one recorded in ``schema_version``, inside one
``BEGIN IMMEDIATE`` transaction so that two copilots opening a fresh file at the
same moment cannot both migrate it. A database from a newer copilot is refused
rather than written with assumptions that no longer hold.

To change the schema, append version N+1 to ``MIGRATIONS``; never edit a
version that has shipped.
"""

from __future__ import annotations

import time

import aiosqlite

_V1 = (
    """
    CREATE TABLE sessions (
        id        TEXT PRIMARY KEY,
        workspace TEXT NOT NULL,
        model     TEXT NOT NULL,
        created   REAL NOT NULL,
        updated   REAL NOT NULL,
        title     TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX sessions_by_workspace ON sessions (workspace, updated)",
    "CREATE INDEX sessions_by_updated ON sessions (updated)",
    # seq gives the true order of messages: wall-clock times can step backwards.
    # owner_* identify the process streaming a row, so a crash can be told
    # from a reply that is still arriving.
    """
    CREATE TABLE messages (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        session_id  TEXT NOT NULL REFERENCES sessions (id),
        role        TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
        content     TEXT NOT NULL,
        interrupted INTEGER NOT NULL DEFAULT 0,
        state       TEXT NOT NULL CHECK (state IN ('streaming', 'done')),
        created     REAL NOT NULL,
        owner_pid   INTEGER,
        owner_start INTEGER
    )
    """,
    "CREATE INDEX messages_by_session ON messages (session_id, seq)",
    "CREATE INDEX messages_streaming ON messages (session_id) WHERE state = 'streaming'",
    """
    CREATE TABLE events (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        ts         REAL NOT NULL,
        kind       TEXT NOT NULL,
        payload    TEXT NOT NULL
    )
    """,
    "CREATE INDEX events_by_session ON events (session_id, kind, seq)",
    """
    CREATE TABLE audit (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES sessions (id),
        ts         REAL NOT NULL,
        record     TEXT NOT NULL
    )
    """,
    "CREATE INDEX audit_by_session ON audit (session_id, seq)",
    # One row per searchable thing (a finished message or an event). Written
    # explicitly by the store, never by triggers, so streaming checkpoints cost
    # a single UPDATE and no index churn.
    """
    CREATE VIRTUAL TABLE recall USING fts5 (
        body,
        session_id UNINDEXED,
        source     UNINDEXED,
        label      UNINDEXED,
        ref        UNINDEXED,
        ts         UNINDEXED,
        tokenize = 'porter unicode61 remove_diacritics 2'
    )
    """,
)

_V2 = (
    # One row per compaction. The span is the range of message seqs (and the
    # ids at its ends) that this summary replaced in the request; the
    # messages themselves stay in `messages`, so nothing is lost to a poor
    # summary. `body` is the structured summary as JSON, `text` its rendering.
    """
    CREATE TABLE summaries (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        id               TEXT NOT NULL UNIQUE,
        session_id       TEXT NOT NULL REFERENCES sessions (id),
        first_seq        INTEGER NOT NULL,
        last_seq         INTEGER NOT NULL,
        first_message_id TEXT NOT NULL,
        last_message_id  TEXT NOT NULL,
        body             TEXT NOT NULL,
        text             TEXT NOT NULL,
        tokens_before    INTEGER NOT NULL DEFAULT 0,
        tokens_after     INTEGER NOT NULL DEFAULT 0,
        created          REAL NOT NULL
    )
    """,
    "CREATE INDEX summaries_by_session ON summaries (session_id, seq)",
    # Facts the user (or the model, asked to) wants kept verbatim in every
    # request of every session in the workspace. Not tied to a session row,
    # so retention that removes old sessions never removes a remembered fact.
    """
    CREATE TABLE facts (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        id         TEXT NOT NULL UNIQUE,
        workspace  TEXT NOT NULL,
        session_id TEXT NOT NULL DEFAULT '',
        text       TEXT NOT NULL,
        source     TEXT NOT NULL CHECK (source IN ('user', 'model')),
        created    REAL NOT NULL,
        forgotten  REAL
    )
    """,
    "CREATE INDEX facts_by_workspace ON facts (workspace, seq) WHERE forgotten IS NULL",
    # One row per retention pass that removed something: what went, and when.
    """
    CREATE TABLE retention_runs (
        seq              INTEGER PRIMARY KEY AUTOINCREMENT,
        ts               REAL NOT NULL,
        sessions_removed INTEGER NOT NULL,
        events_removed   INTEGER NOT NULL,
        bytes_before     INTEGER NOT NULL,
        bytes_after      INTEGER NOT NULL
    )
    """,
    "CREATE INDEX events_by_time ON events (ts)",
)

#: Schema versions in order; the store migrates up to the highest key.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: _V1, 2: _V2}

#: The version this code reads and writes.
LATEST_VERSION = max(MIGRATIONS)


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer copilot than this one."""


async def migrate(conn: aiosqlite.Connection) -> int:
    """Bring the schema up to ``LATEST_VERSION``; return the version found before.

    ``conn`` must be in autocommit mode (``isolation_level=None``): this
    function manages its own transaction.
    """
    await conn.execute("BEGIN IMMEDIATE")
    try:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, applied REAL NOT NULL)"
        )
        rows = await conn.execute_fetchall("SELECT coalesce(max(version), 0) FROM schema_version")
        found = int(next(iter(rows))[0])
        if found > LATEST_VERSION:
            raise SchemaTooNewError(
                f"database schema v{found} is newer than this copilot (v{LATEST_VERSION})"
            )
        for version in range(found + 1, LATEST_VERSION + 1):
            for statement in MIGRATIONS[version]:
                await conn.execute(statement)
            await conn.execute(
                "INSERT INTO schema_version (version, applied) VALUES (?, ?)",
                (version, time.time()),
            )
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    await conn.execute("COMMIT")
    return found
