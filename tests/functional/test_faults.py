"""Each fault gives one clear line, keeps the partial answer, and leaves the app usable."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widget import Widget

from tests.functional.harness import (
    answer_text,
    answers,
    make_app,
    notices,
    send,
    turn_over,
    wait_for,
)
from tests.standin import Reply, StandinServer

FAST_RETRY = {"model": {"retry_base_s": 0.05, "max_attempts": 3}}
PARTIAL = "The first part of a long answer that will be cut off somewhere in the middle."


async def _still_usable(pilot, app, online: StandinServer) -> None:
    online.script(Reply.text("back to normal"))
    before = len(answers(app))
    await send(pilot, "again")
    await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) > before, "recovery")
    assert answer_text(app)[-1] == "back to normal"


async def test_bad_key_is_one_line_and_not_retried(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.error(401, "authentication_error", "invalid x-api-key"))
    app = make_app(workspace, flags=FAST_RETRY)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "hi")
        await wait_for(pilot, lambda: any("401" in n for n in notices(app)), "the 401 line")
        line = next(n for n in notices(app) if "401" in n)
        assert "ANTHROPIC_API_KEY" in line and "\n" not in line
        assert len(online.requests) == 1
        await _still_usable(pilot, app, online)


@pytest.mark.parametrize(("status", "kind"), [(429, "rate_limit_error"), (529, "overloaded_error")])
async def test_transient_errors_retry_with_a_countdown(
    online: StandinServer, workspace: Path, status: int, kind: str
) -> None:
    online.script(
        Reply.error(status, kind, "try later", retry_after=3),
        Reply.text("worth the wait"),
    )
    app = make_app(workspace, flags=FAST_RETRY)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "hi")
        await wait_for(pilot, lambda: "retrying in" in app.status.message, "the countdown")
        assert f"({status})" in app.status.message
        assert app.status.state == "retrying"
        await wait_for(pilot, lambda: answer_text(app) == ["worth the wait"], "the retried answer")
        await wait_for(pilot, lambda: "retrying" not in app.status.message, "countdown gone")
    assert len(online.requests) == 2


async def test_server_error_gives_up_after_the_attempts(
    online: StandinServer, workspace: Path
) -> None:
    online.script(*[Reply.error(500, "api_error", "boom") for _ in range(3)])
    app = make_app(workspace, flags=FAST_RETRY)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "hi")
        await wait_for(pilot, lambda: any("(500)" in n for n in notices(app)), "the 500 line")
        assert len(online.requests) == 3
        await _still_usable(pilot, app, online)


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply.reset_after(5, text=PARTIAL), "connection broke"),
        (Reply.malformed_after(5, text=PARTIAL), "malformed"),
        (Reply.error_event_after(5, text=PARTIAL), "overloaded"),
    ],
    ids=["reset", "malformed", "error-event"],
)
async def test_mid_stream_faults_keep_the_partial(
    online: StandinServer, workspace: Path, reply: Reply, words: str
) -> None:
    online.script(reply)
    app = make_app(workspace, flags=FAST_RETRY)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "hi")
        await wait_for(pilot, lambda: any(words in n for n in notices(app)), f"'{words}'")
        assert app.state == "idle"
        assert answer_text(app) == [PARTIAL[:20]]
        assert answers(app)[0].has_class("-interrupted")
        assert len(online.requests) == 1
        await _still_usable(pilot, app, online)
    history = online.requests[1].body["messages"]
    assert history[1] == {"role": "assistant", "content": [{"type": "text", "text": PARTIAL[:20]}]}


async def test_no_network_is_one_line(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    app = make_app(workspace, flags={"model": {"retry_base_s": 0.01, "max_attempts": 2}})
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "anyone there?")
        await wait_for(pilot, lambda: any("cannot reach" in n for n in notices(app)), "the line")
        assert app.state == "idle"
        assert app.is_running


async def test_no_key_starts_and_says_how_to_add_one(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: any("ANTHROPIC_API_KEY" in n for n in notices(app)), "hint")
        hints = [n for n in notices(app) if "ANTHROPIC_API_KEY" in n]
        assert len(hints) == 1
        assert hints[0].endswith(f"in {tmp_path / 'elsewhere' / 'copilot' / 'config.toml'}.")
        assert app.query_one("#tools").region.width > 0
        assert app.query_one("#context").region.width > 0
        await send(pilot, "hello?")
        await wait_for(pilot, lambda: turn_over(app) and len(notices(app)) == 2, "reply")
        assert app.is_running
        assert [u.text for u in app.query("UserMessage")] == ["hello?"]


async def test_a_failure_before_the_app_mounts_is_the_one_reported(workspace: Path) -> None:
    # Unmounting after a failed start closed a bus subscription made at mount: its
    # AttributeError replaced the real error.
    app = make_app(workspace)

    def failing_compose() -> Iterator[Widget]:
        raise RuntimeError("the real failure")
        yield  # a generator, as compose is

    app.compose = failing_compose  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="the real failure"):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()


async def test_a_10_mb_paste_is_one_line_in_the_box_and_sent_whole(
    online: StandinServer, workspace: Path
) -> None:
    from textual import events

    from copilot.engine.pasted import SHOWN_LINES
    from copilot.ui.widgets import UserMessage

    paste = "\n".join(f"line {i}: " + "x" * 95 for i in range(100_000))
    assert len(paste) > 10_000_000
    online.script(Reply.text("got it"))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press(*"see: ")
        app.post_message(events.Paste(paste))  # as a terminal's bracketed paste arrives
        await pilot.pause()
        assert app.prompt.text == "see: [paste 1: 100,000 lines, 10.8 MB]"
        await pilot.press("enter")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        [shown] = app.query(UserMessage)
        assert shown.text == "see: " + paste
        assert str(shown.render()).count("\n") == SHOWN_LINES  # 40 lines and the note
        assert "99,960 more lines sent" in str(shown.render())
        assert app.prompt.text == ""
    sent = online.requests[0].body["messages"][-1]["content"]
    [text] = [b["text"] for b in sent if b.get("text", "").startswith("see: ")]
    # The whole message went in; the request cut it to fit the window, head and tail kept.
    assert text.startswith("see: line 0: ") and text.rstrip().endswith("line 99999: " + "x" * 95)
    assert "cut to fit the context window" in text
