"""The session store: sessions, messages, events, audit records and recall.

Why it is shaped this way:

- The engine writes every message and event here *before* the UI shows it as
  done, so each write commits on its own. WAL with ``synchronous=NORMAL`` makes
  that cheap and keeps a commit safe against a process crash.
- A streamed reply is a row in state ``"streaming"`` that is overwritten by
  ``checkpoint_message`` (one UPDATE, nothing else) and closed by
  ``finish_message``. If the process dies, the partial text is still there; the
  row records its owner process so a reader can tell a crash from a reply that
  is still arriving, and ``recover`` closes it as interrupted.
- Full-text recall rows are written explicitly when a message is finished or an
  event added, never per checkpoint.
- One aiosqlite connection per store, in autocommit mode; an ``asyncio.Lock``
  keeps one coroutine's transaction from interleaving with another's on that
  connection. The writes on a turn's path (a message added, begun, finished)
  run whole on aiosqlite's thread (``_transaction``): one wait for the thread
  instead of one per statement, since each of those writes stands between the
  user and what they see. Several processes may open the same file (another
  copilot in another folder): writers take ``BEGIN IMMEDIATE`` and wait on the
  busy timeout.

The database path defaults to ``platformdirs.user_data_dir("copilot")/copilot.db``;
the environment variable ``COPILOT_DATA_DIR`` overrides the folder (see
``copilot.memory.paths``). Tests always pass an explicit path.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiosqlite

from copilot.memory import liveness
from copilot.memory.paths import default_db_path
from copilot.memory.recall_text import (
    fts_query,
    message_text,
    payload_text,
    title_from,
    utf8_safe,
)
from copilot.memory.records import SessionInfo, StoredMessage
from copilot.memory.schema import migrate

#: Seconds a writer waits for another process's write lock before failing.
BUSY_TIMEOUT_S = 10.0

#: Shortest session id prefix ``get_session`` accepts.
MIN_PREFIX_LEN = 6

#: Marks around matched terms in search snippets.
SNIPPET_OPEN = "«"
SNIPPET_CLOSE = "»"

#: Tokens of context a search snippet shows.
SNIPPET_TOKENS = 16

ROLES = frozenset({"user", "assistant"})

#: One SQL statement and its parameters.
Statement = tuple[str, tuple[Any, ...]]

_SESSION_COLUMNS = (
    "s.id, s.workspace, s.model, s.created, s.updated, s.title,"
    " (SELECT count(*) FROM messages m WHERE m.session_id = s.id)"
)
_MESSAGE_COLUMNS = (
    "id, session_id, role, content, interrupted, state, created, owner_pid, owner_start"
)


def _dumps(value: Any, *, lenient: bool = False) -> str:
    """JSON for a column; ``lenient`` stringifies odd values (paths, enums) in event data.

    ASCII escapes keep lone surrogates (from undecodable bytes) exact and storable.
    """
    return json.dumps(value, default=str if lenient else None)


def _session(row: sqlite3.Row | tuple[Any, ...]) -> SessionInfo:
    """Build a SessionInfo from a row selected with ``_SESSION_COLUMNS``."""
    return SessionInfo(
        id=row[0],
        workspace=row[1],
        model=row[2],
        created=row[3],
        updated=row[4],
        title=row[5],
        message_count=row[6],
    )


def _message(row: sqlite3.Row | tuple[Any, ...]) -> StoredMessage:
    """Build a StoredMessage from a row selected with ``_MESSAGE_COLUMNS``.

    A row still ``"streaming"`` whose owner process is gone is reported as
    interrupted: nobody will ever finish it, and the reader must not wait.
    """
    interrupted = bool(row[4])
    if row[5] == "streaming":
        owner = liveness.ProcessStamp(row[7], row[8])
        interrupted = interrupted or not _owner_alive(owner)
    return StoredMessage(
        id=row[0],
        session_id=row[1],
        role=row[2],
        content=json.loads(row[3]),
        interrupted=interrupted,
        state=row[5],
        created=row[6],
    )


def _owner_alive(owner: liveness.ProcessStamp) -> bool:
    """Whether the process streaming a row may still finish it.

    Rows owned by this very process count as alive: its own streams are
    finished by its own code, never recovered from under it.
    """
    return owner.pid == liveness.current().pid or liveness.is_alive(owner)


def new_id() -> str:
    """A fresh message (or session) id."""
    return uuid.uuid4().hex


def _index_message(message_id: str, content: list[dict[str, Any]]) -> list[Statement]:
    """The recall row for a message already in `messages` (none when it has no text)."""
    body = message_text(content)
    if not body.strip():
        return []
    return [
        (
            "INSERT INTO recall (body, session_id, source, label, ref, ts)"
            " SELECT ?, session_id, 'message', role, id, created FROM messages WHERE id = ?",
            (utf8_safe(body), message_id),
        )
    ]


def _touch_session(session_id: str, role: str, content: list[dict[str, Any]]) -> list[Statement]:
    """Bump the session's ``updated`` time; title it from its first user words."""
    statements: list[Statement] = [
        ("UPDATE sessions SET updated = ? WHERE id = ?", (time.time(), session_id))
    ]
    title = title_from(content) if role == "user" else ""
    if title:
        statements.append(
            ("UPDATE sessions SET title = ? WHERE id = ? AND title = ''", (title, session_id))
        )
    return statements


def _escape_like(text: str) -> str:
    """Escape LIKE wildcards so a typed prefix matches literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Store:
    """Persistent history for copilot sessions; open with ``await Store.open(path)``."""

    path: Path

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        """Wrap an open, migrated connection; use ``Store.open`` instead."""
        self._conn = conn
        self._lock = asyncio.Lock()
        self._closed = False
        self.path = path

    @classmethod
    async def open(cls, path: Path | str | None = None) -> Store:
        """Open (creating folders, file and schema as needed) the store at ``path``."""
        db_path = Path(path) if path is not None else default_db_path()
        db_path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(db_path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA synchronous = NORMAL")
            await conn.execute("PRAGMA foreign_keys = ON")
            await migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return cls(conn, db_path)

    async def close(self) -> None:
        """Close the connection; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        async with self._lock:
            await self._conn.close()

    async def __aenter__(self) -> Self:
        """Use the store as ``async with await Store.open(p) as store``."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close on leaving the block."""
        await self.close()

    # --- plumbing -------------------------------------------------------------

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One committed write transaction; IMMEDIATE so other processes queue, not fail."""
        async with self._lock:
            # aiosqlite runs statements in order on its own thread: a statement
            # whose await was cancelled still runs. Shielding BEGIN/COMMIT/ROLLBACK
            # keeps the pairing right when an interrupt cancels a writer mid-way,
            # so the next writer never finds a transaction left open.
            try:
                await asyncio.shield(self._conn.execute("BEGIN IMMEDIATE"))
                yield self._conn
            except BaseException:
                await asyncio.shield(self._rollback())
                raise
            await asyncio.shield(self._conn.execute("COMMIT"))

    async def _transaction(
        self,
        statements: Sequence[Statement],
        verify: Callable[[list[list[Any]]], None] = lambda _rows: None,
    ) -> list[list[Any]]:
        """Run `statements` as one committed transaction on aiosqlite's thread; their rows.

        The whole transaction is one function run on that thread: one wait for the
        thread instead of one per statement (a statement costs ~0.03 ms in SQLite,
        each wait ~0.1 ms). COMMIT follows only when every statement ran and
        `verify` (given the rows) did not raise; else ROLLBACK and the error.
        A cancelled caller does not cut it short: it commits or rolls back whole.

        aiosqlite has no public call for "run this on the connection's thread", so
        this uses its `_execute`, stable since 0.17; pyproject caps the version.
        """

        def run(db: sqlite3.Connection) -> list[list[Any]]:
            db.execute("BEGIN IMMEDIATE")
            try:
                rows = [db.execute(sql, params).fetchall() for sql, params in statements]
                verify(rows)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
            return rows

        async with self._lock:
            return await asyncio.shield(self._conn._execute(run, self._conn._conn))

    async def _rollback(self) -> None:
        with suppress(sqlite3.OperationalError):
            await self._conn.execute("ROLLBACK")

    async def _read(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Run one query under the lock so it never sees another coroutine's open transaction."""
        async with self._lock:
            return list(await self._conn.execute_fetchall(sql, tuple(params)))

    @staticmethod
    async def _index(
        conn: aiosqlite.Connection,
        *,
        body: str,
        session_id: str,
        source: str,
        label: str,
        ref: str,
        ts: float,
    ) -> None:
        """Add one recall row, skipping records with no text to find."""
        if not body.strip():
            return
        await conn.execute(
            "INSERT INTO recall (body, session_id, source, label, ref, ts)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (utf8_safe(body), session_id, source, utf8_safe(label), ref, ts),
        )

    @staticmethod
    def _check_role(role: str) -> None:
        """Reject roles the model API would not accept back."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {sorted(ROLES)}, not {role!r}")

    # --- sessions -------------------------------------------------------------

    async def create_session(self, workspace: str, model: str) -> SessionInfo:
        """Start a new, empty session in ``workspace`` (compared verbatim: pass a resolved path)."""
        workspace, model = utf8_safe(workspace), utf8_safe(model)
        now = time.time()
        session = SessionInfo(new_id(), workspace, model, now, now, "", 0)
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO sessions (id, workspace, model, created, updated)"
                " VALUES (?, ?, ?, ?, ?)",
                (session.id, workspace, model, now, now),
            )
        return session

    async def get_session(self, session_id: str) -> SessionInfo | None:
        """The session with this id, or with this unique prefix of at least 6 characters."""
        session_id = utf8_safe(session_id)
        rows = await self._read(
            f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE s.id = ?", (session_id,)
        )
        if not rows and len(session_id) >= MIN_PREFIX_LEN:
            rows = await self._read(
                f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE s.id LIKE ? ESCAPE '\\' LIMIT 2",
                (_escape_like(session_id) + "%",),
            )
        return _session(rows[0]) if len(rows) == 1 else None

    async def set_title(self, session_id: str, title: str) -> None:
        """Rename a session (the automatic title is the first user message's first line)."""
        async with self._write() as conn:
            await conn.execute(
                "UPDATE sessions SET title = ? WHERE id = ?", (utf8_safe(title), session_id)
            )

    async def last_session(self, workspace: str) -> SessionInfo | None:
        """The most recently active session in ``workspace``, for ``--continue``."""
        sessions = await self.list_sessions(workspace, limit=1)
        return sessions[0] if sessions else None

    async def list_sessions(
        self, workspace: str | None = None, limit: int = 50
    ) -> list[SessionInfo]:
        """Sessions, most recently active first; all workspaces when ``workspace`` is None."""
        where, params = (
            ("WHERE s.workspace = ?", [utf8_safe(workspace)]) if workspace is not None else ("", [])
        )
        rows = await self._read(
            f"SELECT {_SESSION_COLUMNS} FROM sessions s {where}"
            " ORDER BY s.updated DESC, s.rowid DESC LIMIT ?",
            [*params, limit],
        )
        return [_session(row) for row in rows]

    # --- messages -------------------------------------------------------------

    async def add_message(
        self,
        session_id: str,
        role: str,
        content: list[dict[str, Any]],
        *,
        interrupted: bool = False,
    ) -> StoredMessage:
        """Persist a complete message (committed before this returns)."""
        self._check_role(role)
        message = StoredMessage(
            new_id(), session_id, role, content, interrupted, "done", time.time()
        )
        await self._transaction(
            [
                (
                    "INSERT INTO messages"
                    " (id, session_id, role, content, interrupted, state, created)"
                    " VALUES (?, ?, ?, ?, ?, 'done', ?)",
                    (message.id, session_id, role, _dumps(content), interrupted, message.created),
                ),
                *_index_message(message.id, content),
                *_touch_session(session_id, role, content),
            ]
        )
        return message

    async def begin_message(
        self, session_id: str, role: str = "assistant", message_id: str | None = None
    ) -> str:
        """Open a streaming message owned by this process; return its id.

        A caller may choose the id (`new_id()`) so it can name the message before
        the row is written, and write it off its critical path.
        """
        self._check_role(role)
        message_id = message_id or new_id()
        owner = liveness.current()
        await self._transaction(
            [
                (
                    "INSERT INTO messages"
                    " (id, session_id, role, content, state, created, owner_pid, owner_start)"
                    " VALUES (?, ?, ?, '[]', 'streaming', ?, ?, ?)",
                    (message_id, session_id, role, time.time(), owner.pid, owner.start),
                ),
                *_touch_session(session_id, role, []),
            ]
        )
        return message_id

    async def checkpoint_message(self, message_id: str, content: list[dict[str, Any]]) -> None:
        """Save the partial content of a streaming message: one UPDATE, no index work."""
        async with self._lock:
            cursor = await self._conn.execute(
                "UPDATE messages SET content = ? WHERE id = ? AND state = 'streaming'",
                (_dumps(content), message_id),
            )
        if cursor.rowcount != 1:
            raise KeyError(f"no streaming message {message_id!r}")

    async def finish_message(
        self, message_id: str, content: list[dict[str, Any]], *, interrupted: bool
    ) -> StoredMessage:
        """Close a streaming message with its final content and make it searchable."""

        def one_row(rows: list[list[Any]]) -> None:
            if len(rows[0]) != 1:
                raise KeyError(f"no streaming message {message_id!r}")

        rows = await self._transaction(
            [
                (
                    "UPDATE messages SET content = ?, interrupted = ?, state = 'done',"
                    " owner_pid = NULL, owner_start = NULL"
                    " WHERE id = ? AND state = 'streaming' RETURNING session_id, role, created",
                    (_dumps(content), interrupted, message_id),
                ),
                *_index_message(message_id, content),
                (
                    "UPDATE sessions SET updated = ?"
                    " WHERE id = (SELECT session_id FROM messages WHERE id = ?)",
                    (time.time(), message_id),
                ),
            ],
            verify=one_row,
        )
        session_id, role, created = rows[0][0]
        return StoredMessage(message_id, session_id, role, content, interrupted, "done", created)

    async def messages(self, session_id: str) -> list[StoredMessage]:
        """The session's messages in the order they were written.

        A row left streaming by a process that is gone reads as interrupted
        even before ``recover`` rewrites it.
        """
        rows = await self._read(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq",
            (session_id,),
        )
        return [_message(row) for row in rows]

    async def recover(self, session_id: str) -> int:
        """Close messages whose writer died mid-stream as done and interrupted.

        Rows streamed by a live process (this one, or another copilot) are left
        alone. Recovered partials become searchable. Returns how many were closed.
        """
        async with self._write() as conn:
            rows = await conn.execute_fetchall(
                f"SELECT {_MESSAGE_COLUMNS} FROM messages"
                " WHERE session_id = ? AND state = 'streaming' ORDER BY seq",
                (session_id,),
            )
            orphans = [
                _message(row)
                for row in rows
                if not _owner_alive(liveness.ProcessStamp(row[7], row[8]))
            ]
            for message in orphans:
                await conn.execute(
                    "UPDATE messages SET state = 'done', interrupted = 1,"
                    " owner_pid = NULL, owner_start = NULL WHERE id = ?",
                    (message.id,),
                )
                await self._index(
                    conn,
                    body=message_text(message.content),
                    session_id=session_id,
                    source="message",
                    label=message.role,
                    ref=message.id,
                    ts=message.created,
                )
        return len(orphans)

    # --- events and audit -----------------------------------------------------

    async def add_event(self, session_id: str, kind: str, payload: dict[str, Any]) -> None:
        """Persist one event (tool output, notices, sensor facts) and index its text."""
        now = time.time()
        async with self._write() as conn:
            cursor = await conn.execute(
                "INSERT INTO events (session_id, ts, kind, payload) VALUES (?, ?, ?, ?)",
                (session_id, now, utf8_safe(kind), _dumps(payload, lenient=True)),
            )
            await self._index(
                conn,
                body=payload_text(payload),
                session_id=session_id,
                source="event",
                label=kind,
                ref=str(cursor.lastrowid),
                ts=now,
            )

    async def events(
        self, session_id: str, kind: str | None = None
    ) -> list[tuple[float, str, dict[str, Any]]]:
        """The session's events as ``(time, kind, payload)``, oldest first."""
        where, params = ("AND kind = ?", [utf8_safe(kind)]) if kind is not None else ("", [])
        rows = await self._read(
            f"SELECT ts, kind, payload FROM events WHERE session_id = ? {where} ORDER BY seq",
            [session_id, *params],
        )
        return [(ts, k, json.loads(payload)) for ts, k, payload in rows]

    async def add_audit(self, session_id: str, record: dict[str, Any]) -> None:
        """Record one approval decision (tool, command, decision, rule/answer, scope, outcome)."""
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO audit (session_id, ts, record) VALUES (?, ?, ?)",
                (session_id, time.time(), _dumps(record, lenient=True)),
            )

    async def audit(self, session_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The latest ``limit`` audit records, oldest first, each with ``session_id`` and ``ts``.

        The stored fields are returned as written; ``session_id`` and ``ts``
        are added by the store and win over same-named fields in the record.
        """
        where, params = (
            ("WHERE session_id = ?", [session_id]) if session_id is not None else ("", [])
        )
        rows = await self._read(
            f"SELECT session_id, ts, record FROM audit {where} ORDER BY seq DESC LIMIT ?",
            [*params, limit],
        )
        return [
            {**json.loads(record), "session_id": sid, "ts": ts}
            for sid, ts, record in reversed(rows)
        ]

    # --- recall ---------------------------------------------------------------

    async def search(
        self, query: str, workspace: str | None = None, limit: int = 20
    ) -> list[dict[str, Any]]:
        """Full-text search over messages and events, best match first.

        ``query`` is plain user input: every term must match, a trailing ``*``
        matches a prefix, and FTS5 syntax characters are taken literally. Each
        result has ``session_id``, ``workspace``, ``title``, ``time``,
        ``source`` (``"message"`` or ``"event"``), ``role`` (messages),
        ``kind`` (events), ``ref`` (message id or event number) and ``snippet``
        with matches between « and ».
        """
        match = fts_query(query)
        if match is None:
            return []
        where, params = (
            ("AND s.workspace = ?", [utf8_safe(workspace)]) if workspace is not None else ("", [])
        )
        rows = await self._read(
            "SELECT recall.session_id, s.workspace, s.title, recall.ts, recall.source,"
            " recall.label, recall.ref, snippet(recall, 0, ?, ?, '…', ?)"
            " FROM recall JOIN sessions s ON s.id = recall.session_id"
            f" WHERE recall MATCH ? {where}"
            " ORDER BY bm25(recall), recall.ts DESC LIMIT ?",
            [SNIPPET_OPEN, SNIPPET_CLOSE, SNIPPET_TOKENS, match, *params, limit],
        )
        return [
            {
                "session_id": sid,
                "workspace": ws,
                "title": title,
                "time": ts,
                "source": source,
                "role": label if source == "message" else None,
                "kind": label if source == "event" else None,
                "ref": ref,
                "snippet": snippet,
            }
            for sid, ws, title, ts, source, label, ref, snippet in rows
        ]
