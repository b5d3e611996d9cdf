"""The conversation's own quick row drawing draws exactly what Textual's would.

While an answer streams, the conversation pane, the answer's border, its settled
and live blocks and the pane's scrollbar skip Textual's per-row styling where it cannot
change anything (conversation.py, assistant_message.py, block_rows.py,
quick_scroll_bar.py). Each is compared here, crop by crop, with the stock path it
replaces, in the themes' light and dark styles, and checked to take the quick path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.scrollbar import ScrollBar
from textual.strip import Strip
from textual.widget import Widget

from copilot.ui.widgets.assistant_message import AssistantMessage
from copilot.ui.widgets.conversation import Conversation
from copilot.ui.widgets.live_block import LiveBlock
from copilot.ui.widgets.quick_scroll_bar import QuickScrollBar
from copilot.ui.widgets.settled_blocks import SettledBlocks

ANSWER = "".join(
    f"## Part {n}\n\nA paragraph with **bold**, `code` and a [link](https://example.com).\n\n"
    f"- one\n- two\n\n```python\nprint({n})\n```\n\n"
    for n in range(6)
)


class OneConversation(App[None]):
    CSS_PATH = "../../copilot/ui/widgets/conversation.tcss"

    def compose(self) -> ComposeResult:
        yield Conversation()


def cells(strips: list[Strip]) -> list[list[tuple[object, ...]]]:
    """What a terminal shows of each cell: its character, colours and attributes, and
    the mouse actions it carries. A blank cell's text colour shows nothing, so it is
    left out (Textual may split a blank run where another path does not)."""
    shown = []
    for strip in strips:
        row = []
        for segment in strip:
            style = segment.style or Style()
            for char in segment.text:
                visible = char != " " or style.reverse or style.underline or style.strike
                row.append(
                    (
                        char,
                        style.bgcolor,
                        style.color if visible else None,
                        style.bold,
                        style.italic,
                        style.reverse,
                        style.underline,
                        style.meta,
                    )
                )
        shown.append(row)
    return shown


def crops(widget: Widget) -> Iterator[Region]:
    """The whole widget, row bands at its edges and inside, and column slices."""
    width, height = widget.size
    yield Region(0, 0, width, height)
    yield Region(0, 0, width, 1)
    yield Region(0, height - 1, width, 1)
    yield Region(0, 1, width, max(1, height - 2))
    yield Region(0, height // 2, width, height - height // 2)
    yield Region(1, 0, max(1, width - 2), height)
    yield Region(0, max(0, height - 3), width // 2, min(3, height))


def assert_drawn_as_stock(widget: Widget, stock: Callable[[Region], list[Strip]]) -> None:
    for crop in crops(widget):
        assert cells(widget.render_lines(crop)) == cells(stock(crop)), (type(widget), crop)


async def streamed(app: OneConversation, interrupted: bool) -> AssistantMessage:
    conversation = app.query_one(Conversation)
    await conversation.add_user("draw me an answer")
    answer = await conversation.start_answer("m1")
    await answer.write(ANSWER + "The last paragraph, still live")
    if interrupted:
        await answer.finish(interrupted=True)
    return answer


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
@pytest.mark.parametrize("interrupted", [False, True])
async def test_the_quick_rows_are_textuals_rows(theme: str, interrupted: bool) -> None:
    app = OneConversation()
    async with app.run_test(size=(70, 24)) as pilot:
        app.theme = theme
        answer = await streamed(app, interrupted)
        conversation = app.query_one(Conversation)
        await pilot.pause()
        settled = answer.query_one(SettledBlocks)
        assert answer.size.height > 30 and settled.size.height > 20
        for place in (conversation.scroll_home, conversation.scroll_end):
            place(animate=False)
            await pilot.pause()
            assert_drawn_as_stock(
                conversation, partial(conversation._styles_cache.render_widget, conversation)
            )
            assert_drawn_as_stock(answer, partial(Widget.render_lines, answer))
            assert_drawn_as_stock(settled, partial(Widget.render_lines, settled))
            live = answer.query_one(LiveBlock)
            if not interrupted:
                assert live.size.height > 0
                assert_drawn_as_stock(live, partial(Widget.render_lines, live))
            bar = conversation.vertical_scrollbar
            for hover in (False, True):
                bar.mouse_over = hover
                assert_drawn_as_stock(bar, partial(ScrollBar.render_lines, bar))
        if not interrupted:
            # The live block drawn, then grown: no row of the last drawing is kept.
            await answer.write(", and now a few more words in the same paragraph")
            await pilot.pause()
            assert "more words" in live.source
            assert_drawn_as_stock(live, partial(Widget.render_lines, live))


async def test_the_quick_paths_are_the_ones_taken() -> None:
    app = OneConversation()
    async with app.run_test(size=(70, 24)) as pilot:
        answer = await streamed(app, interrupted=False)
        conversation = app.query_one(Conversation)
        await pilot.pause()
        assert conversation.BLANK
        bar = conversation.vertical_scrollbar
        assert isinstance(bar, QuickScrollBar) and bar.display
        rows = bar.render_lines(Region(0, 0, 1, bar.size.height))
        assert len({id(strip) for strip in rows}) <= 5, "a strip per row, not per kind of row"
        border = answer.render_lines(Region(0, 0, answer.size.width, answer.size.height))
        assert len({id(strip) for strip in border}) == 1, "the answer's rows were drawn one by one"


async def test_settled_rows_drawn_once_are_not_drawn_again_as_the_answer_grows() -> None:
    app = OneConversation()
    async with app.run_test(size=(70, 120)) as pilot:  # the whole answer on screen
        answer = await streamed(app, interrupted=False)
        await pilot.pause()
        settled = answer.query_one(SettledBlocks)
        height = settled.size.height
        before = settled.render_lines(Region(0, 0, settled.size.width, height))
        await answer.write("\n\nOne more paragraph settles the live one.\n\nAnd a new live one")
        await pilot.pause()
        assert settled.size.height > height, "nothing settled"
        after = settled.render_lines(Region(0, 0, settled.size.width, height))
        assert all(a is b for a, b in zip(after, before, strict=True))
        assert_drawn_as_stock(settled, partial(Widget.render_lines, settled))
