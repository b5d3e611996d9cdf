"""Schema v2 against a real SQLite file: summaries and their spans, facts, retention."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from copilot.memory import Store
from copilot.memory.facts import facts, forget, remember
from copilot.memory.retention import gc
from copilot.memory.summaries import add_summary, compacted_span, latest_summary, summaries

WS = "/home/dev/project"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = await Store.open(tmp_path / "copilot.db")
    yield opened
    await opened.close()


def text(value: str) -> list[dict]:
    return [{"type": "text", "text": value}]


async def conversation(store: Store, turns: int, workspace: str = WS) -> tuple[str, list[str]]:
    session = await store.create_session(workspace, "m")
    ids = []
    for turn in range(turns):
        ids.append((await store.add_message(session.id, "user", text(f"question {turn}"))).id)
        ids.append((await store.add_message(session.id, "assistant", text(f"answer {turn}"))).id)
    return session.id, ids


def age(path: Path, session_id: str, days: float) -> None:
    """Make a session (and its events) look `days` old, as if written back then."""
    then = time.time() - days * 86_400
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE sessions SET updated = ? WHERE id = ?", (then, session_id))
        conn.execute("UPDATE events SET ts = ? WHERE session_id = ?", (then, session_id))
        conn.execute(
            "UPDATE recall SET ts = ? WHERE session_id = ? AND source = 'event'",
            (then, session_id),
        )


# --- summaries ----------------------------------------------------------------


async def test_a_summary_expands_to_exactly_its_span(store: Store) -> None:
    session_id, ids = await conversation(store, 5)
    body = {"goals": ["ship it"]}
    first = await add_summary(store, session_id, ids[0], ids[3], body, "## Goals\n- ship it")
    second = await add_summary(store, session_id, ids[4], ids[7], body, "later", tokens_before=9)
    span = await compacted_span(store, first.id)
    assert [m.id for m in span] == ids[0:4]
    assert span[0].content == text("question 0")
    assert [m.id for m in await compacted_span(store, second.id)] == ids[4:8]
    assert (await latest_summary(store, session_id)) == second
    assert [s.id for s in await summaries(store, session_id)] == [first.id, second.id]
    assert second.body == body and second.tokens_before == 9


async def test_a_summary_of_messages_not_in_the_session_is_refused(store: Store) -> None:
    session_id, ids = await conversation(store, 1)
    other_id, other_ids = await conversation(store, 1)
    with pytest.raises(KeyError):
        await add_summary(store, session_id, ids[0], other_ids[1], {}, "x")
    assert await latest_summary(store, session_id) is None
    assert await compacted_span(store, "no-such-summary") == []
    assert other_id != session_id


# --- facts --------------------------------------------------------------------


async def test_facts_are_per_workspace_kept_once_and_findable(store: Store) -> None:
    session_id, _ = await conversation(store, 1)
    a = await remember(store, WS, "  We deploy with   make ship ", session_id=session_id)
    again = await remember(store, WS, "We deploy with make ship", session_id=session_id)
    b = await remember(store, WS, "Tabs, never spaces", session_id=session_id, source="model")
    await remember(store, "/elsewhere", "Not this workspace")
    assert again.id == a.id
    assert [f.text for f in await facts(store, WS)] == [
        "We deploy with make ship",
        "Tabs, never spaces",
    ]
    assert b.source == "model"
    [hit] = await store.search("deploy ship", workspace=WS)
    assert hit["source"] == "fact" and hit["ref"] == a.id
    with pytest.raises(ValueError):
        await remember(store, WS, "   ")


async def test_forget_unpins_by_prefix_but_recall_still_finds(store: Store) -> None:
    session_id, _ = await conversation(store, 1)
    fact = await remember(store, WS, "The VPN is vpn.example.org", session_id=session_id)
    assert not await forget(store, "/elsewhere", fact.id)
    assert await forget(store, WS, fact.id[:8])
    assert await facts(store, WS) == []
    assert not await forget(store, WS, fact.id)
    assert await store.search("vpn.example.org", workspace=WS)


# --- retention ----------------------------------------------------------------


async def test_old_sessions_go_whole_and_facts_stay(store: Store, tmp_path: Path) -> None:
    old_id, _ = await conversation(store, 3)
    await store.add_event(old_id, "sensor", {"summary": "saved ancient.py"})
    await remember(store, WS, "kept forever", session_id=old_id)
    new_id, _ = await conversation(store, 2)
    age(tmp_path / "copilot.db", old_id, days=100)
    report = await gc(store, max_age_days=90, max_bytes=1 << 30)
    assert report.sessions_removed == 1 and report.events_removed == 1
    assert await store.get_session(old_id) is None
    assert await store.messages(old_id) == []
    assert await store.search("ancient") == []
    assert await store.search("question", workspace=WS)
    assert all(hit["session_id"] == new_id for hit in await store.search("question"))
    assert [f.text for f in await facts(store, WS)] == ["kept forever"]
    assert len(await store.messages(new_id)) == 4


async def test_the_open_session_keeps_its_messages_but_loses_old_events(
    store: Store, tmp_path: Path
) -> None:
    session_id, _ = await conversation(store, 2)
    await store.add_event(session_id, "sensor", {"summary": "old build output"})
    age(tmp_path / "copilot.db", session_id, days=100)
    await store.add_event(session_id, "sensor", {"summary": "fresh build output"})
    report = await gc(store, max_age_days=90, max_bytes=1 << 30, keep={session_id})
    assert report.sessions_removed == 0 and report.events_removed == 1
    assert len(await store.messages(session_id)) == 4
    assert [p["summary"] for _, _, p in await store.events(session_id)] == ["fresh build output"]


async def test_the_size_cap_removes_least_recently_used_sessions(
    store: Store, tmp_path: Path
) -> None:
    sessions = []
    for n in range(6):
        session_id, _ = await conversation(store, 1)
        for i in range(40):
            await store.add_event(session_id, "sensor", {"summary": f"s{n} e{i} " + "x" * 2000})
        sessions.append(session_id)
    with sqlite3.connect(tmp_path / "copilot.db") as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        live = pages * conn.execute("PRAGMA page_size").fetchone()[0]
    report = await gc(store, max_age_days=90, max_bytes=live // 2, keep={sessions[0]})
    left = {s.id for s in await store.list_sessions()}
    assert sessions[0] in left, "a kept session survives the size cap"
    assert sessions[-1] in left, "the most recently used one goes last"
    assert 0 < report.sessions_removed < 6 and sessions[1] not in left
    assert report.bytes_after < report.bytes_before


async def test_a_pass_with_nothing_to_do_writes_nothing(store: Store, tmp_path: Path) -> None:
    await conversation(store, 2)
    report = await gc(store, max_age_days=90, max_bytes=1 << 30)
    assert (report.sessions_removed, report.events_removed, report.vacuumed) == (0, 0, False)
    with sqlite3.connect(tmp_path / "copilot.db") as conn:
        assert conn.execute("SELECT count(*) FROM retention_runs").fetchone()[0] == 0
