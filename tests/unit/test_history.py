"""History repair: what is stored becomes a history the Messages API accepts."""

from __future__ import annotations

from copilot.engine.history import INTERRUPTED_NOTE, NOT_RUN, to_api_messages
from copilot.memory.records import StoredMessage


def msg(role: str, *blocks: dict, interrupted: bool = False) -> StoredMessage:
    return StoredMessage(
        id="x",
        session_id="s",
        role=role,
        content=list(blocks),
        interrupted=interrupted,
        state="done",
        created=0.0,
    )


def text(t: str) -> dict:
    return {"type": "text", "text": t}


def test_plain_alternation_is_untouched() -> None:
    out = to_api_messages(
        [msg("user", text("q")), msg("assistant", text("a")), msg("user", text("q2"))]
    )
    assert out == [
        {"role": "user", "content": [text("q")]},
        {"role": "assistant", "content": [text("a")]},
        {"role": "user", "content": [text("q2")]},
    ]


def test_interrupted_answer_is_kept_and_noted_in_the_next_user_turn() -> None:
    out = to_api_messages(
        [
            msg("user", text("q")),
            msg("assistant", text("par"), interrupted=True),
            msg("user", text("q2")),
        ]
    )
    assert out[1] == {"role": "assistant", "content": [text("par")]}
    assert out[2]["content"] == [text("q2"), text(INTERRUPTED_NOTE)]


def test_failed_turns_leave_user_messages_merged() -> None:
    out = to_api_messages([msg("user", text("q")), msg("assistant"), msg("user", text("q2"))])
    assert out == [{"role": "user", "content": [text("q"), text("q2")]}]


def test_tool_calls_without_results_get_an_error_result() -> None:
    call = {"type": "tool_use", "id": "t1", "name": "run_shell", "input": {"command": "ls"}}
    out = to_api_messages(
        [
            msg("user", text("q")),
            msg("assistant", text("x"), call, interrupted=True),
            msg("user", text("q2")),
        ]
    )
    first = out[2]["content"][0]
    assert first == {
        "type": "tool_result",
        "tool_use_id": "t1",
        "content": NOT_RUN,
        "is_error": True,
    }
    assert out[2]["content"][-1] == text(INTERRUPTED_NOTE)


def test_existing_results_are_kept_and_come_first() -> None:
    call = {"type": "tool_use", "id": "t1", "name": "read_file", "input": {}}
    result = {"type": "tool_result", "tool_use_id": "t1", "content": "data"}
    out = to_api_messages(
        [
            msg("user", text("q")),
            msg("assistant", call),
            msg("user", result),
            msg("user", text("next")),
        ]
    )
    assert out[2] == {"role": "user", "content": [result, text("next")]}


def test_orphan_results_are_dropped() -> None:
    stray = {"type": "tool_result", "tool_use_id": "gone", "content": "x"}
    out = to_api_messages([msg("user", stray, text("q"))])
    assert out == [{"role": "user", "content": [text("q")]}]
