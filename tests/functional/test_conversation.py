"""The spine under Pilot: streaming, interrupt, queueing, resume, layout."""

from __future__ import annotations

import asyncio
import gc
import itertools
import re
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.widgets import OptionList

from copilot.bus.events import Heartbeat, Interrupt
from copilot.engine.history import INTERRUPTED_NOTE
from copilot.ui.markdown_blocks import split_blocks
from copilot.ui.widgets import ContextPane, settled_blocks
from copilot.ui.widgets.assistant_message import AssistantMessage
from copilot.ui.widgets.block_rows import BlockRows
from copilot.ui.widgets.conversation import LIVE_ANSWERS, MAX_WIDGETS, Conversation
from copilot.ui.widgets.frozen_answer import FrozenAnswer
from copilot.ui.widgets.live_block import MIN_FENCE_GAP_S, RENDER_SHARE, LiveBlock
from copilot.ui.widgets.prompt_input import BUSY_PLACEHOLDER, IDLE_PLACEHOLDER
from copilot.ui.widgets.settled_blocks import THREAD_FENCE_LINES, SettledBlocks
from tests.functional.harness import (
    answer_text,
    answers,
    hit,
    input_ready,
    make_app,
    send,
    turn_over,
    type_and_send,
    users,
    wait_for,
)
from tests.standin import Reply, StandinServer
from tests.standin.markdown_feed import markdown_section
from tests.standin.wire import cache_split, estimate_tokens

ANSWER = "# Title\n\nSome **bold** words.\n\n```python\nprint('hi')\n```\n\n- one\n- two\n"


async def test_answer_streams_as_markdown(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.text(ANSWER, tokens_per_s=60, chunk_chars=3))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "hello there")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the end of the turn")
        assert answer_text(app) == [ANSWER]
        assert users(app) == ["hello there"]
        answer = answers(app)[0]
        assert not answer.has_class("-streaming")
        # Finished, every block is settled and drawn: the code line is highlighted
        # (more than one colour on it), the heading is there.
        (settled,) = answer.query(SettledBlocks)
        rows = [settled.render_line(y) for y in range(settled.size.height)]
        assert "Title" in rows[0].text
        (code,) = [row for row in rows if "print('hi')" in row.text]
        assert len({seg.style.color for seg in code if seg.text.strip() and seg.style}) > 1
        assert answer.query_one(LiveBlock).source == ""
    body = online.requests[0].body
    assert body["messages"][-1]["content"][0]["text"] == "hello there"
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert body["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["stream"] is True
    assert body["model"] == app.runtime.config.model.name


async def test_the_tokens_in_count_the_cached_prefix_too(
    online: StandinServer, workspace: Path
) -> None:
    """The API reports the prompt-cache prefix (read or written) apart from `input_tokens`;
    the request's size, on the status line and for the context window, is all three."""
    online.script(Reply.text("First."), Reply.text("Second."))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await input_ready(pilot)
        app.prompt.load_text("background " * 600)  # over the API's 1,024-token cache minimum
        await pilot.press("enter")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 1, "answer 1")
        first = app.status.tokens_in
        await send(pilot, "and now?")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 2, "answer 2")
        second = app.status.tokens_in
    bodies = [request.body for request in online.requests]
    seen: set[str] = set()
    assert cache_split(bodies[0], seen)[1] > 0, "the first request writes the cache"
    assert cache_split(bodies[1], seen)[0] > 0, "the second one reads it"
    assert [first, second] == [estimate_tokens(body) for body in bodies]


async def test_partial_answer_shows_while_streaming(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.hang_after(6, text=ANSWER, tokens_per_s=None))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "hello")
        expected = ANSWER[: 6 * 4]
        await wait_for(pilot, lambda: answer_text(app) == [expected], "six fragments on screen")
        assert app.state == "streaming"
        assert app.status.state == "streaming"
        assert answers(app)[0].has_class("-streaming")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: turn_over(app), "idle")


async def test_ctrl_c_closes_the_stream_and_keeps_the_partial(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.stream_forever(tokens_per_s=200))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "tell me everything")
        await wait_for(pilot, lambda: len("".join(answer_text(app))) > 40, "some streamed text")
        await pilot.press("ctrl+c")
        online.wait_disconnect(timeout=5)
        await wait_for(pilot, lambda: turn_over(app), "idle after the interrupt")
        assert app.is_running
        partial = answer_text(app)[0]
        assert partial
        assert answers(app)[0].has_class("-interrupted")
        online.script(Reply.text("ok"))
        await send(pilot, "shorter please")
        await wait_for(
            pilot, lambda: len(online.requests) == 2 and turn_over(app), "the second turn"
        )
    history = online.requests[1].body["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user"]
    assert history[1]["content"][0]["text"] == partial
    follow_up = [b.get("text") for b in history[2]["content"]]
    assert INTERRUPTED_NOTE in follow_up and "shorter please" in follow_up


async def test_escape_interrupts_too(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.stream_forever(tokens_per_s=200))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "go")
        await wait_for(pilot, lambda: bool("".join(answer_text(app))), "streaming")
        await pilot.press("escape")
        online.wait_disconnect(timeout=5)
        await wait_for(pilot, lambda: turn_over(app), "idle")
        assert answers(app)[0].has_class("-interrupted")


async def test_ctrl_c_when_idle_needs_a_second_press(
    online: StandinServer, workspace: Path
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert app.is_running
        assert "Ctrl+C again" in app.status.message
        await pilot.press("ctrl+c")
        await pilot.pause(0.1)
        assert not app.is_running


async def test_the_spinner_clears_itself_and_quitting_mid_pulse_is_clean(
    online: StandinServer, workspace: Path
) -> None:
    # Status timers used to live on the app and could fire during shutdown,
    # after the status line was gone: a NoMatches traceback on the way out.
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        app.runtime.bus.publish(Heartbeat(running=("turn:1", "task:a")))
        await wait_for(pilot, lambda: "1 task(s)" in app.status.activity, "the spinner")
        await wait_for(pilot, lambda: app.status.activity == "", "the spinner to clear")
        app.runtime.bus.publish(Heartbeat(running=("turn:1",)))
        await wait_for(pilot, lambda: app.status.activity != "", "the spinner again")
        await pilot.press("ctrl+c")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: not app.is_running, "the app to quit")
    assert app.return_code == 0


@pytest.mark.parametrize("pace", [400, None], ids=["paced", "all-at-once"])
async def test_a_streaming_answer_keeps_only_its_last_block_live_and_every_word(
    online: StandinServer, workspace: Path, pace: int | None
) -> None:
    text = "".join(markdown_section(n) for n in range(1, 31))
    online.script(Reply.hang_after(600, text=text, tokens_per_s=pace))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "a long one")
        await wait_for(pilot, lambda: len("".join(answer_text(app))) == 2400, "600 fragments")
        answer = answers(app)[0]
        assert answer.text == text[:2400]
        # Mid-stream: one settled widget, and at most the one block still growing live.
        (settled,) = answer.query(SettledBlocks)
        live = answer.query_one(LiveBlock)
        assert len(split_blocks(live.source)) <= 1
        assert settled.source + live.source == answer.text
        assert re.findall(r"## Section (\d+)", settled.source)[:3] == ["1", "2", "3"]
        # Settled text is drawn, not just kept: its first rows show the first heading.
        drawn = [settled.render_line(y).text for y in range(settled.size.height)]
        assert "Section 1" in drawn[0], drawn[:3]
        assert any("paragraph 1," in row for row in drawn), drawn[:8]
        # Blocks are one blank row apart: the heading, a blank row, the paragraph.
        assert drawn[1].strip() == "" and "paragraph 1," in drawn[2], drawn[:4]
        await pilot.press("escape")
        await wait_for(pilot, lambda: turn_over(app), "the end of the turn")
        assert answer.text == text[:2400]
        assert live.source == "" and settled.source == answer.text


async def test_enter_while_streaming_queues_and_sends_after(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.text("first answer " * 40, tokens_per_s=60), Reply.text("second answer"))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await input_ready(pilot)
        assert app.prompt.placeholder == IDLE_PLACEHOLDER
        await type_and_send(pilot, "one")
        await wait_for(pilot, lambda: bool("".join(answer_text(app))), "streaming text")
        assert app.prompt.placeholder == BUSY_PLACEHOLDER, "the empty input says Enter queues"
        await type_and_send(pilot, "two")
        queue = app.query_one("QueueView")
        await wait_for(pilot, lambda: queue.display, "the queue to show")
        assert [item.text for item in queue.items] == ["two"]
        assert len(online.requests) == 1
        await wait_for(pilot, lambda: len(online.requests) == 2, "the queued message sent")
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 2, "done")
        assert not queue.display
        assert app.prompt.placeholder == IDLE_PLACEHOLDER
    assert online.requests[1].body["messages"][-1]["content"][0]["text"] == "two"


async def test_interrupt_sends_the_queue_at_once(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.stream_forever(tokens_per_s=100), Reply.text("answer to the queue"))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await input_ready(pilot)
        await type_and_send(pilot, "long one")
        await wait_for(pilot, lambda: bool("".join(answer_text(app))), "streaming")
        await type_and_send(pilot, "actually this")
        await type_and_send(pilot, "and this")
        await wait_for(pilot, lambda: len(app.query_one("QueueView").items) == 2, "two queued")
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: len(online.requests) == 2, "the queue sent")
        await wait_for(pilot, lambda: turn_over(app), "idle")
    texts = [b.get("text") for b in online.requests[1].body["messages"][-1]["content"]]
    assert "actually this" in texts and "and this" in texts


async def test_page_keys_scroll_back_while_typing_and_the_end_follows_again(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.stream_forever(tokens_per_s=400))
    app = make_app(workspace)
    async with app.run_test(size=(100, 30)) as pilot:
        await input_ready(pilot)
        await type_and_send(pilot, "long one")
        conversation = app.conversation
        await wait_for(pilot, lambda: conversation.max_scroll_y > 60, "three pages of answer")
        await hit(pilot, "a", "pageup", "pageup", "b")
        await pilot.pause()
        held = conversation.scroll_y
        assert held < conversation.max_scroll_y - 20
        grown = conversation.max_scroll_y
        await wait_for(pilot, lambda: conversation.max_scroll_y > grown + 10, "more answer")
        assert conversation.scroll_y == held, "the answer pulled the view back down"
        assert app.prompt.text == "ab" and app.prompt.has_focus
        for _ in range(20):
            await hit(pilot, "pagedown")
        await pilot.pause()
        grown = conversation.max_scroll_y
        await wait_for(pilot, lambda: conversation.max_scroll_y > grown + 10, "more answer")
        await pilot.pause()
        assert conversation.scroll_y == conversation.max_scroll_y, "the end did not follow"
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: turn_over(app), "idle")


async def test_queued_items_can_be_edited_and_removed(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.stream_forever(tokens_per_s=50))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await input_ready(pilot)
        await type_and_send(pilot, "start")
        await wait_for(pilot, lambda: app.state == "streaming", "streaming")
        await type_and_send(pilot, "keep me")
        await type_and_send(pilot, "drop me")
        queue = app.query_one("QueueView")
        await wait_for(pilot, lambda: len(queue.items) == 2, "two queued")
        await hit(pilot, "up")
        await wait_for(pilot, lambda: app.focused is queue, "focus on the queue")
        await hit(pilot, "down", "x")
        await wait_for(pilot, lambda: [i.text for i in queue.items] == ["keep me"], "removal")
        queue.focus()
        await hit(pilot, "e")
        await wait_for(pilot, lambda: not queue.items, "the edit to leave the queue")
        await wait_for(pilot, lambda: app.focused is app.prompt, "focus back on the input")
        assert app.prompt.text == "keep me"
        app.runtime.bus.publish(Interrupt())
        await wait_for(pilot, lambda: turn_over(app), "idle")
    assert len(online.requests) == 1


async def test_a_large_queued_message_is_edited_as_a_placeholder_and_kept_whole(
    online: StandinServer, workspace: Path
) -> None:
    online.script(Reply.stream_forever(tokens_per_s=50), Reply.text("ok"))
    paste = "\n".join(f"row {i} " + "y" * 60 for i in range(3_000))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await input_ready(pilot)
        await type_and_send(pilot, "start")
        await wait_for(pilot, lambda: bool("".join(answer_text(app))), "streaming text")
        app.post_message(events.Paste(paste))
        await hit(pilot, "enter")
        queue = app.query_one("QueueView")
        await wait_for(pilot, lambda: [i.text for i in queue.items] == [paste], "queued whole")
        queue.focus()
        await hit(pilot, "e")
        await wait_for(pilot, lambda: not queue.items, "the edit to leave the queue")
        assert app.prompt.text == "[paste 1: 3,000 lines, 209 kB]"
        await hit(pilot, "end", "!", "enter")
        await wait_for(pilot, lambda: [i.text for i in queue.items] == [paste + "!"], "requeued")
        app.runtime.bus.publish(Interrupt())
        await wait_for(pilot, lambda: turn_over(app) and len(answers(app)) == 2, "idle")
    sent = online.requests[1].body["messages"][-1]["content"]
    assert any(b.get("text") == paste + "!" for b in sent)


async def test_f2_gives_focus_to_the_side_and_back_to_the_input(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(70, 24)) as pilot:
        await pilot.pause()
        assert app.prompt.has_focus
        await pilot.press("f2")
        assert app.focused is app.query_one("#tools")
        await pilot.press("f2")
        assert app.prompt.has_focus
        await pilot.press("h", "i")
        assert app.prompt.text == "hi"


async def test_f2_before_the_input_is_mounted_leaves_focus_on_its_stand_in(
    workspace: Path,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(70, 24)) as pilot:
        assert app.query("#input-shell"), "the input was mounted before the test could start"
        app.action_toggle_side()
        app.action_toggle_side()
        await input_ready(pilot)
        await pilot.pause()
        assert app.prompt.has_focus


async def test_typing_with_the_conversation_focused_goes_into_the_input(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.conversation.focus()
        await pilot.press("h", "i", "space")
        assert app.prompt.has_focus and app.prompt.text == "hi "
        app.conversation.focus()
        await pilot.pause()
        app.post_message(events.Paste("there"))  # as the terminal sends a paste
        await pilot.pause()
        assert app.prompt.has_focus and app.prompt.text == "hi there"


async def test_ctrl_j_inserts_a_newline(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.text("fine"))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("a", "ctrl+j", "b")
        assert app.prompt.text == "a\nb"
        await pilot.press("enter")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
    assert online.requests[0].body["messages"][0]["content"][0]["text"] == "a\nb"


async def test_continue_resumes_the_last_session(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.text("remembered answer"))
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await send(pilot, "first question")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        first_session = app.status.session
    again = make_app(workspace, continue_last=True)
    online.script(Reply.text("second answer"))
    async with again.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: bool(users(again)), "the replayed transcript")
        assert users(again) == ["first question"]
        assert answer_text(again) == ["remembered answer"]
        assert again.status.session == first_session
        await send(pilot, "follow up")
        await wait_for(pilot, lambda: len(online.requests) == 2, "the request")
    roles = [m["role"] for m in online.requests[1].body["messages"]]
    assert roles == ["user", "assistant", "user"]


async def test_input_has_focus_and_side_panes_collapse_when_narrow(
    online: StandinServer, workspace: Path
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is app.prompt
        # The screen focuses the input itself as it starts, not the conversation first.
        assert app.screen.query_one(type(app.screen).AUTO_FOCUS) is app.prompt
        side = app.query_one("#side")
        assert not side.display or side.region.width == 0
        await pilot.press("f2")
        await pilot.pause()
        assert side.region.width == 80
        await pilot.press("f2")
        await pilot.pause()
        await pilot.resize_terminal(130, 40)
        await pilot.pause()
        assert side.region.width > 30
        assert app.query_one("#conversation").region.width > 60


async def test_focus_moves_repaint_the_two_widgets_not_the_screen(workspace: Path) -> None:
    # Textual's Screen repaints everything on a focus change (~16 ms, twice per
    # approval); MainScreen leaves it to the widgets whose :focus style changed.
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        corner = app.prompt.region.offset
        focused_border = app.screen.get_style_at(*corner).color
        app.screen.set_focus(app.query_one(ContextPane).query_one(OptionList))
        assert not app.screen._repaint_required
        await pilot.pause()
        blurred_border = app.screen.get_style_at(*corner).color
        assert blurred_border != focused_border
        app.prompt.focus()
        await pilot.pause()
        assert app.screen.get_style_at(*corner).color == focused_border


async def test_tiny_terminal_does_not_crash(online: StandinServer, workspace: Path) -> None:
    online.script(Reply.text("tiny but fine " * 10))
    app = make_app(workspace)
    async with app.run_test(size=(40, 10)) as pilot:
        await send(pilot, "hi")
        await wait_for(pilot, lambda: turn_over(app) and answers(app), "the answer")
        await pilot.resize_terminal(20, 5)
        await pilot.pause()
        assert app.is_running


async def test_older_answers_freeze_into_one_widget_each_and_still_show(workspace: Path) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.runtime.engine is not None, "the session")
        for n in range(LIVE_ANSWERS + 2):
            await app.conversation.add_answer(f"## Answer {n}\n\nBody of answer {n}.", n == 0)
        await pilot.pause()
        frozen = list(app.query(FrozenAnswer))
        assert [f.source for f in frozen] == [
            "## Answer 0\n\nBody of answer 0.",
            "## Answer 1\n\nBody of answer 1.",
        ]
        assert len(answers(app)) == LIVE_ANSWERS
        assert frozen[0].has_class("-interrupted") and not frozen[1].has_class("-interrupted")
        assert frozen[0].border_subtitle == "⏹ interrupted"
        drawn = [frozen[0].render_line(y).text for y in range(frozen[0].size.height)]
        assert any("Answer 0" in row for row in drawn), drawn
        assert any("Body of answer 0." in row for row in drawn), drawn


def on_each_frame(app: App[None], seen: Callable[[], None]) -> None:
    """Call `seen` after each frame the app hands to the terminal."""
    display = app._display

    def watched(screen: object, update: object) -> None:
        display(screen, update)  # type: ignore[arg-type]
        seen()

    app._display = watched  # type: ignore[method-assign]


class OneAnswer(App[None]):
    """One answer on its own, written to by the test."""

    def compose(self) -> ComposeResult:
        yield AssistantMessage("m1")


async def test_the_live_block_keeps_all_of_itself_when_the_blocks_before_it_settle() -> None:
    # One draw settles the paragraph and starts a fence with two lines; the next
    # extends the fence. The live block must then hold every line of the fence.
    app = OneAnswer()
    async with app.run_test(size=(80, 24)) as pilot:
        answer = app.query_one(AssistantMessage)
        await answer.write("Intro paragraph.\n\n```text\nfirst line\nsec")
        await wait_for(pilot, lambda: bool(answer.query_one(SettledBlocks).source), "settling")
        await answer.write("ond line\nthird line\n")
        live = answer.query_one(LiveBlock)
        await wait_for(pilot, lambda: "third" in live.source, "the fence's third line")
        await pilot.pause()
        assert answer.query_one(SettledBlocks).source == "Intro paragraph.\n\n"
        assert live.source == "```text\nfirst line\nsecond line\nthird line\n"
        rows = [live.render_line(y).text.strip() for y in range(live.size.height)]
        assert [row for row in rows if row] == ["first line", "second line", "third line"]
        await answer.finish(interrupted=False)


async def test_what_arrives_with_the_end_of_the_stream_settles_in_one_draw(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Once the stream has ended the last block cannot grow: it settles with the
    # blocks before it, instead of being shown as the live block first and
    # settled by `finish` a frame later.
    shown: list[str] = []
    show = LiveBlock.show

    def watched(self: LiveBlock, source: str, *, at_once: bool = False) -> None:
        shown.append(source)
        show(self, source, at_once=at_once)

    monkeypatch.setattr(LiveBlock, "show", watched)

    source = "# Title\n\nA paragraph.\n\n- one\n- two\n\n```python\nx = 1\n```\n\nThe end."
    app = OneAnswer()
    async with app.run_test(size=(80, 30)) as pilot:
        answer = app.query_one(AssistantMessage)
        # The last text and the end arrive together: the end is known before the
        # text is drawn (`write` yields once, `finish` runs before the drawer).
        await asyncio.gather(answer.write(source), answer.finish(interrupted=False))
        await pilot.pause()
        settled = answer.query_one(SettledBlocks)
        assert settled.source == source and answer.text == source
        assert [text for text in shown if text] == []
        words = [settled.render_line(y).text.strip() for y in range(settled.size.height)]
        assert "The end." in words and "• two" in words


async def test_a_streaming_list_settles_item_by_item_and_keeps_every_item() -> None:
    # Textual rebuilds a live list whole at every fragment; items settle as soon as
    # the next one begins, so only the last item stays live. A tight list is still
    # drawn as one (no blank rows between its items), a loose one keeps its spacing.
    app = OneAnswer()
    async with app.run_test(size=(80, 40)) as pilot:
        answer = app.query_one(AssistantMessage)
        for fragment in ["- first item\n- sec", "ond item\n  - nested\n- thi", "rd item\n"]:
            await answer.write(fragment)
            await pilot.pause()
        await wait_for(pilot, lambda: "third" in answer.text, "the third item")
        await pilot.pause()
        settled, live = answer.query_one(SettledBlocks), answer.query_one(LiveBlock)
        assert settled.source == "- first item\n- second item\n  - nested\n"
        assert [live.render_line(y).text.strip() for y in range(live.size.height)] == [
            "• third item"
        ]
        # The live item is drawn right under the settled ones, as it will be once
        # it settles: no blank row between items of a tight list.
        assert live.region.y == settled.region.bottom
        await answer.write("\n1. one\n\n2. two\n\nAfter.\n")
        await answer.finish(interrupted=False)
        await pilot.pause()
        drawn = [settled.render_line(y).text.rstrip() for y in range(settled.size.height)]
        words = [row.strip() for row in drawn]
        first, third = words.index("• first item"), words.index("• third item")
        assert words[first : third + 1] == [
            "• first item",
            "• second item",
            "• nested",
            "• third item",
        ], drawn
        one, two = words.index("1 one"), words.index("2 two")
        assert two == one + 2 and words[one + 1] == "", drawn
        assert answer.text.endswith("2. two\n\nAfter.\n")


async def test_items_trimmed_from_the_conversation_free_their_rendered_lines() -> None:
    # Textual 8.2 keeps every rendered widget's StylesCache (all its drawn lines) in an
    # lru_cache keyed by the cache itself (Textual #6665); in a long session the trimmed
    # items stayed in memory. The widget's own `_styles_cache` is the only handle on them.
    class OnlyConversation(App[None]):
        def compose(self) -> ComposeResult:
            yield Conversation()

    app = OnlyConversation()
    async with app.run_test(size=(80, 24)) as pilot:
        conversation = app.query_one(Conversation)
        first = await conversation.add_user("the first message, drawn before it is trimmed")
        conversation.scroll_home(animate=False)
        await pilot.pause()
        assert first.render_line(0).text.strip(), "the first message was never drawn"
        drawn = weakref.ref(first._styles_cache)
        for n in range(MAX_WIDGETS + 8):  # past the trim, and past older layouts' caches
            await conversation.add_user(f"message {n}")
            await pilot.pause()
        assert not first.is_attached
        del first
        gc.collect()
        assert drawn() is None, "a trimmed message's rendered lines are still held"


async def test_collector_held_at_launch_runs_again_once_prepared(workspace: Path) -> None:
    # `copilot` holds the collector off from before Textual is imported (cli.run_tui);
    # the app must turn it back on once start-up is frozen, or a session's garbage
    # cycles would never be collected.
    gc.disable()
    try:
        app = make_app(workspace)
        async with app.run_test() as pilot:
            await wait_for(pilot, lambda: app.prepared_at is not None, "start-up prepared")
            assert gc.isenabled()
    finally:
        gc.enable()


class TwoSettled(App[None]):
    """Two answers' settled blocks side by side: one prepared, one drawn as it comes."""

    def compose(self) -> ComposeResult:
        yield SettledBlocks("# Title\n\n")
        yield SettledBlocks("# Title\n\n")


def drawn_rows(widget: SettledBlocks) -> list[list[tuple[str, object]]]:
    """Every row the widget draws, as text and style."""
    return [[(s.text, s.style) for s in widget.render_line(y)] for y in range(widget.size.height)]


async def test_blocks_prepared_before_they_settle_are_drawn_as_if_rendered_in_the_layout() -> None:
    # An answer renders the blocks about to settle ahead of the layout pass, a block per
    # loop turn (a backlog of dozens held one pass for hundreds of ms); what is drawn
    # must be exactly what the layout pass would have rendered, and the prepared rows used.
    blocks = [
        "A paragraph with **bold** and `code`.\n\n",
        "- one\n- two\n\n",
        "```python\nprint('hi')\n```\n\n",
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n",
    ]
    app = TwoSettled()
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        plain, prepared = app.query(SettledBlocks)
        await prepared.prepare(blocks)
        plain.extend(blocks)
        prepared.extend(blocks)
        await pilot.pause()
        assert plain.size == prepared.size and plain.size.height > 8

        assert drawn_rows(prepared) == drawn_rows(plain)
        assert not prepared._prepared, "the prepared rows were rendered again"


async def test_a_fragment_that_keeps_the_growing_blocks_height_asks_for_no_layout() -> None:
    # A layout arranges the whole screen; most fragments only extend the last line.
    app = OneAnswer()
    async with app.run_test(size=(40, 24)) as pilot:
        answer = app.query_one(AssistantMessage)
        live = answer.query_one(LiveBlock)
        await answer.write("Hello")
        await wait_for(pilot, lambda: live.size.height == 1, "the first line laid out")
        asked: list[bool] = []
        refresh = live.refresh

        def watched(*args: Any, layout: bool = False, **kwargs: Any) -> Any:
            asked.append(layout)
            return refresh(*args, layout=layout, **kwargs)

        live.refresh = watched  # type: ignore[method-assign]
        await answer.write(" there")
        await wait_for(pilot, lambda: live.source == "Hello there", "the longer line")
        assert asked and not any(asked), "a fragment on the same line asked for a layout"
        await pilot.pause()
        assert live.render_line(0).text.strip() == "Hello there"
        asked.clear()
        await answer.write(", and a few more words to wrap")
        await wait_for(pilot, lambda: live.size.height == 2, "the wrapped line laid out")
        assert any(asked), "the block grew a row without a layout"
        rows = [live.render_line(y).text.strip() for y in range(2)]
        assert " ".join(rows) == "Hello there, and a few more words to wrap"
        await answer.finish(interrupted=False)


async def test_a_growing_fence_is_redrawn_at_most_twenty_times_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each update lays out and redraws the fence's rows on screen; at 60 a second keys
    # typed meanwhile waited behind them.
    renders: list[float] = []
    render = LiveBlock._render_block

    def counted(self: LiveBlock, *args: Any) -> Any:
        renders.append(time.monotonic())
        return render(self, *args)

    monkeypatch.setattr(LiveBlock, "_render_block", counted)
    app = OneAnswer()
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        answer = app.query_one(AssistantMessage)
        await answer.write("```python\n")
        loop = asyncio.get_running_loop()
        started = loop.time()
        renders.clear()
        line = 0
        while loop.time() < started + 1.0:
            line += 1
            await answer.write(f"x_{line} = {line}\n")
            await asyncio.sleep(0.005)
        elapsed = loop.time() - started
        assert 2 <= len(renders) <= elapsed / MIN_FENCE_GAP_S + 2, len(renders)
        await answer.finish(interrupted=False)


async def test_a_long_fence_settles_through_a_thread_and_draws_as_the_layout_would(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Rendered whole, a file written out costs ~0.5-0.8 ms a line: on the loop that was
    # a stall of its whole length as the fence closed.
    threads: list[int] = []
    fence_rows = settled_blocks.markdown_rows
    released = threading.Event()
    released.set()

    def watched(*args: Any) -> Any:
        threads.append(threading.get_ident())
        released.wait(timeout=10)
        return fence_rows(*args)

    monkeypatch.setattr(settled_blocks, "markdown_rows", watched)
    code = "".join(f"value_{i} = compute({i})\n" for i in range(THREAD_FENCE_LINES + 5))
    fence = f"```python\n{code}```\n\n"
    app = TwoSettled()
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        plain, prepared = app.query(SettledBlocks)
        await prepared.prepare([fence])
        assert threads and threads[0] != threading.get_ident(), "not rendered in a thread"
        # A width change while the thread renders: its rows are for the old width.
        threads.clear()
        released.clear()
        preparing = asyncio.create_task(prepared.prepare(["```text\n" + code + "```\n"]))
        await wait_for(pilot, lambda: bool(threads), "the render in its thread")
        await pilot.resize_terminal(60, 40)
        await pilot.pause()
        released.set()
        await preparing
        assert threads, "the second fence was not rendered in a thread"
        assert not prepared._prepared, "rows of the old width were kept"
        plain.extend([fence])
        prepared.extend([fence])
        await pilot.pause()
        assert plain.size == prepared.size and plain.size.height > THREAD_FENCE_LINES

        assert drawn_rows(prepared) == drawn_rows(plain)


async def test_an_answer_faster_than_the_screen_is_still_drawn_while_it_streams(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing an answer does while it streams may hold frames back: Textual's
    # Markdown appended inside batch updates, and an answer arriving faster than it
    # was drawn ran batch after batch with no frame between them (at 2,000 tok/s one
    # frame in ~0.4 s). Here each render of the growing block takes 30 ms, as on a
    # slow machine, and fragments keep coming meanwhile.
    render = LiveBlock._render_block

    def slow_render(self: LiveBlock, *args: Any) -> Any:
        time.sleep(0.03)
        return render(self, *args)

    monkeypatch.setattr(LiveBlock, "_render_block", slow_render)

    app = OneAnswer()
    async with app.run_test(size=(80, 30)) as pilot:
        await pilot.pause()
        answer = app.query_one(AssistantMessage)
        drawn: list[int] = []
        on_each_frame(app, lambda: drawn.append(len(answer.text)))
        loop = asyncio.get_running_loop()
        stop = loop.time() + 1.5
        sent = 0
        while loop.time() < stop:
            await answer.write("word ")
            sent += 5
            await asyncio.sleep(0.002)
        await answer.finish(False)
    growing = {length for length in drawn if 0 < length < sent}
    # 1.5 s at a frame per ~50 ms: ~30 lengths.
    assert len(growing) >= 8, f"the answer was drawn at {len(growing)} lengths while it grew"


async def test_a_growing_block_slow_to_render_is_rendered_a_quarter_of_the_time_at_most(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A code fence costs ~0.5 ms a line to render (215 ms at 500 lines): rendered
    # every frame it would hold the loop nearly all the time. Here each piece of
    # rendering (the block, or a chunk of a fence's lines) takes 40 ms; lines come
    # every 5 ms for a second.
    calls: list[tuple[float, float]] = []
    renderer = BlockRows._rows_renderer

    def slow_renderer(self: BlockRows, *args: Any) -> Any:
        render = renderer(self, *args)

        def slow_render(renderable: Any) -> Any:
            began = time.monotonic()
            time.sleep(0.04)
            rows = render(renderable)
            if isinstance(self, LiveBlock):
                calls.append((began, time.monotonic()))
            return rows

        return slow_render

    monkeypatch.setattr(BlockRows, "_rows_renderer", slow_renderer)
    app = OneAnswer()
    async with app.run_test(size=(80, 30)) as pilot:
        # A scrollbar appearing would narrow the block, and a new width is drawn at once.
        app.screen.styles.scrollbar_gutter = "stable"
        await pilot.pause()
        answer = app.query_one(AssistantMessage)
        settled, live = answer.query_one(SettledBlocks), answer.query_one(LiveBlock)
        overlaps: list[str] = []

        def check_frame() -> None:
            if not written.startswith(settled.source + live.source):
                overlaps.append(live.source)

        on_each_frame(app, check_frame)
        written = "Some code:\n\n```python\n"
        await answer.write(written)
        loop = asyncio.get_running_loop()
        started = loop.time()
        line = 0
        while loop.time() < started + 1.0:
            line += 1
            written += f"x_{line} = {line}\n"
            await answer.write(f"x_{line} = {line}\n")
            await asyncio.sleep(0.005)
        # A render is its pieces back to back; each began at least its length /
        # RENDER_SHARE after the one before, and the block still grew meanwhile.
        renders: list[list[float]] = []
        for began, ended in calls:
            if renders and began - renders[-1][1] < 0.02:
                renders[-1][1] = ended
            else:
                renders.append([began, ended])
        assert len(renders) >= 2, renders
        for (began, ended), (following, _) in itertools.pairwise(renders):
            assert following - began >= (ended - began) / RENDER_SHARE * 0.95, renders
        # Once the text stops, the block catches up with all of it.
        await wait_for(pilot, lambda: live.source.endswith(f"x_{line} = {line}\n"), "catching up")
        # The fence ends and a paragraph begins: the fence settles, shown once.
        written += "```\n\nAfter the code.\n"
        await answer.write("```\n\nAfter the code.\n")
        await wait_for(pilot, lambda: live.source == "After the code.\n", "the paragraph")
        await pilot.pause()
        await answer.finish(interrupted=False)
        await pilot.pause()
        assert answer.text == written and settled.source == written
    assert overlaps == [], "a frame showed settled text in the live block too"


async def test_a_letter_no_pane_binds_goes_to_the_input(
    workspace: Path,
) -> None:
    app = make_app(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        context = app.query_one(ContextPane).query_one(OptionList)
        context.focus()
        await pilot.press("m")  # the pane's own key (mute) stays with the pane
        assert app.focused is context and app.prompt.text == ""
        await pilot.press("h")
        assert app.prompt.has_focus and app.prompt.text == "h"
        await pilot.press("f2")  # wide: F2 changes nothing, focus stays in the input
        assert app.prompt.has_focus
