"""The session store against a real SQLite file: every method, recovery after kill -9."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from copilot.memory import DATA_DIR_ENV, SchemaTooNewError, Store, default_db_path, liveness
from copilot.memory.recall_text import fts_query, message_text, payload_text, title_from
from copilot.memory.schema import LATEST_VERSION

WS = "/home/dev/project"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A database path inside a folder that does not exist yet."""
    return tmp_path / "data" / "nested" / "copilot.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    """An open store on a fresh file, closed after the test."""
    opened = await Store.open(db_path)
    yield opened
    await opened.close()


def text(value: str) -> list[dict]:
    """One text content block."""
    return [{"type": "text", "text": value}]


# --- opening, paths, schema --------------------------------------------------


async def test_open_creates_folders_and_uses_wal(db_path: Path) -> None:
    store = await Store.open(str(db_path))
    try:
        assert store.path == db_path
        assert db_path.is_file()
        # Per-connection settings are only visible on the store's own connection.
        conn = store._conn
        assert (await conn.execute_fetchall("PRAGMA journal_mode"))[0][0] == "wal"
        assert (await conn.execute_fetchall("PRAGMA synchronous"))[0][0] == 1  # NORMAL
        assert (await conn.execute_fetchall("PRAGMA foreign_keys"))[0][0] == 1
    finally:
        await store.close()
    await store.close()  # idempotent


async def test_foreign_keys_reject_unknown_session(store: Store) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await store.add_message("no-such-session", "user", text("hi"))
    # The failed transaction was rolled back: the store still works.
    session = await store.create_session(WS, "m")
    await store.add_message(session.id, "user", text("hi"))
    assert len(await store.messages(session.id)) == 1


async def test_default_path_honours_data_dir_env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "elsewhere"))
    assert default_db_path() == tmp_path / "elsewhere" / "copilot.db"
    async with await Store.open() as store:
        assert store.path == tmp_path / "elsewhere" / "copilot.db"
        assert store.path.is_file()


def test_default_path_without_env_uses_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/tmp/xdg-test-data")
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert default_db_path() == Path("/tmp/xdg-test-data/copilot/copilot.db")


async def test_schema_version_recorded_once(db_path: Path) -> None:
    for _ in range(2):
        async with await Store.open(db_path):
            pass
    with sqlite3.connect(db_path) as conn:
        versions = [row[0] for row in conn.execute("SELECT version FROM schema_version")]
    assert versions == list(range(1, LATEST_VERSION + 1))


async def test_newer_schema_is_refused(db_path: Path) -> None:
    async with await Store.open(db_path):
        pass
    with sqlite3.connect(db_path) as conn:
        conn.execute("INSERT INTO schema_version (version, applied) VALUES (99, 0)")
    with pytest.raises(SchemaTooNewError):
        await Store.open(db_path)


# --- sessions -----------------------------------------------------------------


async def test_create_and_get_session(store: Store) -> None:
    created = await store.create_session(WS, "claude-x")
    got = await store.get_session(created.id)
    assert got == created
    assert (got.workspace, got.model, got.title, got.message_count) == (WS, "claude-x", "", 0)
    assert await store.get_session("0" * 32) is None


async def test_get_session_by_prefix(store: Store) -> None:
    session = await store.create_session(WS, "m")
    assert await store.get_session(session.id[:6]) == session
    assert await store.get_session(session.id[:12].upper()) == session
    assert await store.get_session(session.id[:5]) is None
    assert await store.get_session("%%%%%%") is None
    assert await store.get_session("______") is None


async def test_ambiguous_prefix_finds_nothing(store: Store, db_path: Path) -> None:
    # Random ids almost never share 6 characters, so craft two that do.
    with sqlite3.connect(db_path) as conn:
        for sid in ("abcdef01", "abcdef02"):
            conn.execute(
                "INSERT INTO sessions (id, workspace, model, created, updated) VALUES (?,?,?,0,0)",
                (sid, WS, "m"),
            )
    assert await store.get_session("abcdef") is None
    found = await store.get_session("abcdef0")
    assert found is None
    one = await store.get_session("abcdef02")
    assert one is not None and one.id == "abcdef02"


async def test_list_and_last_session_order_by_activity(store: Store) -> None:
    first = await store.create_session(WS, "m")
    second = await store.create_session(WS, "m")
    other = await store.create_session("/other", "m")
    assert [s.id for s in await store.list_sessions(WS)] == [second.id, first.id]
    await store.add_message(first.id, "user", text("back to the first one"))
    listed = await store.list_sessions(WS)
    assert [s.id for s in listed] == [first.id, second.id]
    assert listed[0].message_count == 1
    assert (await store.last_session(WS)).id == first.id
    assert (await store.last_session("/other")).id == other.id
    assert await store.last_session("/nowhere") is None
    assert {s.id for s in await store.list_sessions()} == {first.id, second.id, other.id}
    assert len(await store.list_sessions(limit=2)) == 2


async def test_title_comes_from_first_user_message(store: Store) -> None:
    session = await store.create_session(WS, "m")
    await store.add_message(session.id, "user", text("  why does\n the build   fail?  "))
    await store.add_message(session.id, "user", text("another question"))
    assert (await store.get_session(session.id)).title == "why does the build fail?"
    await store.set_title(session.id, "build failure")
    assert (await store.get_session(session.id)).title == "build failure"
    assert title_from(text("x" * 200)) == "x" * 79 + "…"
    assert title_from([{"type": "tool_result", "tool_use_id": "t", "content": "out"}]) == ""


# --- messages -----------------------------------------------------------------

RICH_CONTENT = [
    {"type": "text", "text": "Let me look — ünïcödé ✨ 日本語"},
    {"type": "tool_use", "id": "toolu_1", "name": "shell", "input": {"command": "ls -la"}},
]
RESULT_CONTENT = [
    {
        "type": "tool_result",
        "tool_use_id": "toolu_1",
        "content": [{"type": "text", "text": "total 0\nREADME.md"}],
        "is_error": False,
    }
]


async def test_messages_round_trip_in_order(store: Store) -> None:
    session = await store.create_session(WS, "m")
    user = await store.add_message(session.id, "user", text("list files"))
    reply = await store.add_message(session.id, "assistant", RICH_CONTENT)
    result = await store.add_message(session.id, "user", RESULT_CONTENT)
    cut = await store.add_message(session.id, "assistant", text("I was sa"), interrupted=True)
    stored = await store.messages(session.id)
    assert stored == [user, reply, result, cut]
    assert [m.content for m in stored] == [
        text("list files"),
        RICH_CONTENT,
        RESULT_CONTENT,
        text("I was sa"),
    ]
    assert [m.interrupted for m in stored] == [False, False, False, True]
    assert all(m.state == "done" and m.session_id == session.id for m in stored)
    assert (await store.get_session(session.id)).message_count == 4
    assert await store.messages("unknown") == []


async def test_unknown_role_is_rejected(store: Store) -> None:
    session = await store.create_session(WS, "m")
    with pytest.raises(ValueError, match="role"):
        await store.add_message(session.id, "system", text("x"))
    with pytest.raises(ValueError, match="role"):
        await store.begin_message(session.id, "tool")


async def test_streaming_message_lifecycle(store: Store) -> None:
    session = await store.create_session(WS, "m")
    message_id = await store.begin_message(session.id)
    [opened] = await store.messages(session.id)
    assert (opened.id, opened.state, opened.content, opened.interrupted) == (
        message_id,
        "streaming",
        [],
        False,
    )
    await store.checkpoint_message(message_id, text("The answer is"))
    [partial] = await store.messages(session.id)
    assert partial.content == text("The answer is") and partial.state == "streaming"
    # Checkpoints are not indexed: only finished text is recalled.
    assert await store.search("answer") == []
    done = await store.finish_message(message_id, text("The answer is 42."), interrupted=False)
    assert (done.id, done.state, done.interrupted, done.role) == (
        message_id,
        "done",
        False,
        "assistant",
    )
    assert await store.messages(session.id) == [done]
    assert [r["ref"] for r in await store.search("answer")] == [message_id]
    with pytest.raises(KeyError):
        await store.checkpoint_message(message_id, text("late"))
    with pytest.raises(KeyError):
        await store.finish_message(message_id, text("again"), interrupted=False)
    # The refused finish was rolled back whole: no recall row for its text either.
    assert await store.search("again") == []
    with pytest.raises(KeyError):
        await store.checkpoint_message("nope", text("x"))


async def test_finish_interrupted_keeps_partial(store: Store) -> None:
    session = await store.create_session(WS, "m")
    message_id = await store.begin_message(session.id)
    await store.checkpoint_message(message_id, text("half"))
    done = await store.finish_message(message_id, text("half an ans"), interrupted=True)
    assert done.interrupted and done.state == "done"
    assert (await store.messages(session.id))[0].content == text("half an ans")


async def test_recover_leaves_own_live_stream_alone(store: Store) -> None:
    session = await store.create_session(WS, "m")
    message_id = await store.begin_message(session.id)
    assert await store.recover(session.id) == 0
    [row] = await store.messages(session.id)
    assert row.state == "streaming" and not row.interrupted
    await store.checkpoint_message(message_id, text("still mine"))


@pytest.mark.parametrize("wait_s", [None, 0, 0.0001, 0.0003, 0.001, 0.05])
async def test_a_write_cancelled_at_any_step_is_all_or_nothing(
    store: Store, wait_s: float | None
) -> None:
    session = await store.create_session(WS, "m")
    writer = asyncio.create_task(store.add_message(session.id, "user", text("zebra crossing")))
    if wait_s is not None:  # None: cancelled before it ever ran
        await asyncio.sleep(wait_s)
    writer.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await writer
    stored = await store.messages(session.id)
    found = await store.search("zebra")
    assert len(stored) == len(found) <= 1, (stored, found)
    # No transaction was left open: the next write commits and is seen.
    await store.add_message(session.id, "user", text("next"))
    assert [m.content for m in await store.messages(session.id)][-1] == text("next")


async def test_concurrent_writes_on_one_store(store: Store) -> None:
    session = await store.create_session(WS, "m")
    await asyncio.gather(
        *(store.add_message(session.id, "user", text(f"message {i}")) for i in range(30)),
        *(store.add_event(session.id, "Tick", {"n": i}) for i in range(30)),
    )
    assert len(await store.messages(session.id)) == 30
    assert sorted(p["n"] for _, _, p in await store.events(session.id)) == list(range(30))


# --- durability across a real crash ----------------------------------------

CRASHING_WRITER = r"""
import asyncio, sys
from copilot.memory import Store

async def main() -> None:
    store = await Store.open(sys.argv[1])
    session = await store.create_session("/ws", "model")
    await store.add_message(session.id, "user", [{"type": "text", "text": "what is a zebra"}])
    message_id = await store.begin_message(session.id)
    await store.checkpoint_message(message_id, [{"type": "text", "text": "A zebra is a striped"}])
    print(session.id, message_id, "ready", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


async def test_kill_9_mid_stream_loses_nothing_committed(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(db_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = await asyncio.to_thread(child.stdout.readline)
        session_id, message_id, word = line.split()
        assert word == "ready"
        async with await Store.open(db_path) as store:
            # While the writer lives, its stream is in progress, not a crash.
            user, partial = await store.messages(session_id)
            assert partial.state == "streaming" and not partial.interrupted
            assert await store.recover(session_id) == 0

            child.kill()
            assert child.wait(timeout=60) == -9

            user, partial = await store.messages(session_id)
            assert user.content == text("what is a zebra") and user.state == "done"
            assert partial.id == message_id
            assert partial.content == text("A zebra is a striped")
            assert partial.state == "streaming" and partial.interrupted

            assert await store.recover(session_id) == 1
            assert await store.recover(session_id) == 0
            _, recovered = await store.messages(session_id)
            assert (recovered.state, recovered.interrupted) == ("done", True)
            assert recovered.content == text("A zebra is a striped")
            hits = await store.search("striped")
            assert [(h["ref"], h["role"]) for h in hits] == [(message_id, "assistant")]
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
        child.stdout.close()


def test_liveness_tells_live_from_reused_and_dead() -> None:
    me = liveness.current()
    assert me.pid == os.getpid()
    assert liveness.is_alive(me)
    if me.start is not None:
        assert not liveness.is_alive(liveness.ProcessStamp(me.pid, me.start + 1))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=60)
    assert not liveness.is_alive(liveness.ProcessStamp(gone.pid, None))


# --- two stores on one file -----------------------------------------------


async def test_two_stores_share_one_file(db_path: Path) -> None:
    async with await Store.open(db_path) as a, await Store.open(db_path) as b:
        session = await a.create_session(WS, "m")
        assert await b.get_session(session.id) == session
        await asyncio.gather(
            *(a.add_message(session.id, "user", text(f"from a {i}")) for i in range(20)),
            *(b.add_message(session.id, "assistant", text(f"from b {i}")) for i in range(20)),
        )
        from_a = await a.messages(session.id)
        assert from_a == await b.messages(session.id)
        assert len(from_a) == 40
        mine = [m.content[0]["text"] for m in from_a if m.role == "user"]
        assert mine == [f"from a {i}" for i in range(20)]
        message_id = await b.begin_message(session.id)
        await b.checkpoint_message(message_id, text("typing"))
        assert (await a.messages(session.id))[-1].content == text("typing")
        assert len(await a.search("from")) == 20


# --- events and audit -------------------------------------------------------


async def test_events_in_order_and_filtered_by_kind(store: Store) -> None:
    session = await store.create_session(WS, "m")
    await store.add_event(session.id, "ToolOutput", {"call": "t1", "text": "compiling"})
    await store.add_event(session.id, "FileChanged", {"path": Path("/src/app.py")})
    await store.add_event(session.id, "ToolOutput", {"call": "t1", "text": "error: E042"})
    events = await store.events(session.id)
    assert [(kind, payload) for _, kind, payload in events] == [
        ("ToolOutput", {"call": "t1", "text": "compiling"}),
        ("FileChanged", {"path": "/src/app.py"}),
        ("ToolOutput", {"call": "t1", "text": "error: E042"}),
    ]
    times = [ts for ts, _, _ in events]
    assert times == sorted(times)
    outputs = await store.events(session.id, "ToolOutput")
    assert [p["text"] for _, _, p in outputs] == ["compiling", "error: E042"]
    assert await store.events(session.id, "Nothing") == []


async def test_audit_records_latest_first_limited(store: Store) -> None:
    one = await store.create_session(WS, "m")
    two = await store.create_session(WS, "m")
    for i in range(5):
        await store.add_audit(
            one.id,
            {
                "tool": "shell",
                "command": f"make step{i}",
                "decision": "allow",
                "rule": "Bash(make:*)",
                "scope": "session",
                "outcome": "exit 0",
            },
        )
    await store.add_audit(two.id, {"tool": "shell", "command": "rm -rf /", "decision": "deny"})
    records = await store.audit(one.id)
    assert [r["command"] for r in records] == [f"make step{i}" for i in range(5)]
    assert all(r["session_id"] == one.id and r["rule"] == "Bash(make:*)" for r in records)
    latest = await store.audit(one.id, limit=2)
    assert [r["command"] for r in latest] == ["make step3", "make step4"]
    everything = await store.audit()
    assert len(everything) == 6 and everything[-1]["decision"] == "deny"
    assert everything[-1]["session_id"] == two.id
    assert [r["ts"] for r in everything] == sorted(r["ts"] for r in everything)


# --- search -----------------------------------------------------------------


@pytest.fixture
async def searchable(store: Store) -> Store:
    """A store holding a little of everything worth finding."""
    here = await store.create_session(WS, "m")
    there = await store.create_session("/other", "m")
    await store.add_message(here.id, "user", text('Why does "rm -rf build/" fail? naïve café'))
    await store.add_message(here.id, "assistant", RICH_CONTENT)
    await store.add_message(here.id, "user", RESULT_CONTENT)
    await store.add_message(there.id, "user", text("deploy the frobnicator to staging"))
    await store.add_event(here.id, "ToolOutput", {"text": "ENOENT: no such file foo-bar.txt"})
    return store


async def test_search_cites_session_time_role_and_snippet(searchable: Store) -> None:
    [hit] = await searchable.search("frobnicator")
    assert hit["workspace"] == "/other" and hit["source"] == "message"
    assert hit["role"] == "user" and hit["kind"] is None
    assert hit["title"] == "deploy the frobnicator to staging"
    assert "«frobnicator»" in hit["snippet"]
    assert isinstance(hit["time"], float)
    session = await searchable.get_session(hit["session_id"])
    assert session is not None and session.workspace == "/other"
    [event] = await searchable.search("enoent")
    assert (event["source"], event["kind"], event["role"]) == ("event", "ToolOutput", None)


async def test_search_covers_tool_use_and_tool_result(searchable: Store) -> None:
    assert [h["role"] for h in await searchable.search("ls -la")] == ["assistant"]
    assert [h["role"] for h in await searchable.search("README.md")] == ["user"]


async def test_search_workspace_filter_and_limit(searchable: Store) -> None:
    assert await searchable.search("frobnicator", workspace=WS) == []
    assert len(await searchable.search("frobnicator", workspace="/other")) == 1
    for i in range(5):
        await searchable.add_event((await searchable.last_session(WS)).id, "Note", {"t": f"zz {i}"})
    assert len(await searchable.search("zz", limit=3)) == 3


@pytest.mark.parametrize(
    ("query", "expect_hit"),
    [
        ('"rm -rf build/"', True),
        ("rm -rf", True),
        ("-rf", True),
        ("build/", True),
        ("foo-bar.txt", True),
        ("frob*", True),
        ("cafe", True),
        ("NAIVE", True),
        ("ünïcödé", True),
        ("日本語", True),
        ('"', False),
        ('""', False),
        ("*", False),
        ("-", False),
        ("NOT", False),
        ("AND OR NOT", False),
        ("(", False),
        ("col:value", False),
        ("^start", False),
        ("✨", False),
        ("", False),
        ("   ", False),
        ("\x00", False),
        ("missingword", False),
    ],
)
async def test_search_is_robust_to_awkward_queries(
    searchable: Store, query: str, expect_hit: bool
) -> None:
    hits = await searchable.search(query)
    assert bool(hits) is expect_hit


def test_any_text_is_stored_and_any_query_is_valid_fts(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    store = loop.run_until_complete(Store.open(tmp_path / "fuzz.db"))
    session = loop.run_until_complete(store.create_session(WS, "m"))

    # st.characters() includes lone surrogates and NUL, which SQLite and FTS5 choke on.
    @settings(max_examples=200, deadline=None)
    @given(st.text(st.characters(), max_size=40))
    def store_and_search(value: str) -> None:
        stored = loop.run_until_complete(store.add_message(session.id, "user", text(value)))
        loop.run_until_complete(store.add_event(session.id, "Fuzz", {"t": value}))
        hits = loop.run_until_complete(store.search(value))
        assert isinstance(hits, list)
        got = loop.run_until_complete(store.messages(session.id))[-1]
        assert got.id == stored.id and got.content == text(value)

    try:
        store_and_search()
        loop.run_until_complete(store.add_message(session.id, "user", text("alpha beta")))
        assert loop.run_until_complete(store.search("alpha")) != []
    finally:
        loop.run_until_complete(store.close())
        loop.close()


async def test_undecodable_bytes_are_kept_or_replaced(store: Store) -> None:
    # os.fsdecode(b"caf\xe9") == "caf\udce9": a path or output that is not UTF-8.
    odd = "caf\udce9"
    session = await store.create_session(f"/tmp/{odd}", "m")
    assert session.workspace == "/tmp/caf\ufffd"
    assert [s.id for s in await store.list_sessions(f"/tmp/{odd}")] == [session.id]
    await store.add_message(session.id, "user", text(f"open {odd} now"))
    [message] = await store.messages(session.id)
    assert message.content == text(f"open {odd} now")
    assert (await store.get_session(session.id)).title == "open caf\ufffd now"
    assert len(await store.search("open", workspace=f"/tmp/{odd}")) == 1
    assert await store.get_session(odd * 3) is None


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('say "hi" -x') == '"say" """hi""" "-x"'
    assert fts_query("pre* *") == '"pre"* "*"'
    assert fts_query(" \t\n") is None
    assert fts_query("a\x00b") == '"a" "b"'


def test_indexed_text_extraction() -> None:
    assert (
        message_text(RICH_CONTENT)
        == 'Let me look — ünïcödé ✨ 日本語\nshell\n{"command": "ls -la"}'
    )
    assert message_text(RESULT_CONTENT) == "total 0\nREADME.md"
    assert (
        message_text([{"type": "tool_result", "tool_use_id": "t", "content": "plain"}]) == "plain"
    )
    assert payload_text({"a": "x", "b": [1, "y", {"c": "z"}], "n": 3}) == "x\ny\nz"
