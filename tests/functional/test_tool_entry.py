"""The tool entry's live output under Pilot: what it draws when output trickles or floods."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.color import Color
from textual.geometry import Region
from textual.widgets import RichLog

from copilot.ui.widgets import ToolEntry
from copilot.ui.widgets.tool_entry import FLOOD_GAP_S, FLOOD_LINES
from copilot.ui.widgets.tool_output_log import ToolOutputLog
from copilot.ui.widgets.tool_pane import ToolPane
from tests.functional.harness import make_app


class EntryApp(App[None]):
    def compose(self) -> ComposeResult:
        yield ToolEntry("call-1", "run_shell", "yes | head")


def drawn(app: EntryApp) -> list[str]:
    return [strip.text for strip in app.query_one(RichLog).lines]


async def test_one_chunk_is_drawn_whole_up_to_the_scrollback() -> None:
    app = EntryApp()
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one(ToolEntry).write("".join(f"line {n}\n" for n in range(300)))
        await pilot.pause()
        assert drawn(app) == [f"line {n}" for n in range(300)]


async def test_a_chunk_longer_than_the_scrollback_is_a_flood_by_itself() -> None:
    app = EntryApp()
    async with app.run_test(size=(100, 40)) as pilot:
        app.query_one(ToolEntry).write("".join(f"first {n}\n" for n in range(1000)))
        await pilot.pause()
        assert drawn(app) == [
            f"… {1000 - FLOOD_LINES:,} lines not drawn (the full output is kept)",
            *(f"first {n}" for n in range(1000 - FLOOD_LINES, 1000)),
        ]


async def test_a_flood_draws_the_newest_lines_and_the_log_stops_growing() -> None:
    # A growing log changes its virtual size, and Textual lays out the whole screen
    # for each change; during a flood the log keeps the rows it had.
    app = EntryApp()
    async with app.run_test(size=(100, 40)) as pilot:
        entry = app.query_one(ToolEntry)
        entry.write("".join(f"trickle {n}\n" for n in range(100)))
        await pilot.pause()
        heights = []
        for burst in range(3):
            entry.write("".join(f"burst {burst} line {n}\n" for n in range(200)))
            await pilot.pause()
            heights.append(app.query_one(RichLog).virtual_size.height)
        assert heights == [100, 100, 100]
        lines = drawn(app)
        note = f"… {200 - FLOOD_LINES:,} lines not drawn (the full output is kept)"
        last_note = len(lines) - 1 - lines[::-1].index(note)
        assert lines[last_note + 1 :] == [
            f"burst 2 line {n}" for n in range(200 - FLOOD_LINES, 200)
        ]
        await pilot.pause(FLOOD_GAP_S + 0.05)
        entry.write("".join(f"after {n}\n" for n in range(300)))
        await pilot.pause()
        assert drawn(app)[-300:] == [f"after {n}" for n in range(300)]
        assert app.query_one(RichLog).virtual_size.height == 100 + 300  # growing again


async def test_long_lines_wrap_to_the_pane_instead_of_scrolling_sideways() -> None:
    # RichLog renders at 78 columns at least unless told otherwise: in a side
    # pane narrower than that, every line was cut and a horizontal scrollbar
    # appeared (and came and went with each write, each time a layout pass).
    app = EntryApp()
    async with app.run_test(size=(40, 20)) as pilot:
        app.query_one(ToolEntry).write("word " * 30 + "end\n")
        await pilot.pause()
        log = app.query_one(RichLog)
        assert max(len(line.rstrip()) for line in drawn(app)) <= log.scrollable_content_region.width
        assert "".join(drawn(app)).split() == ["word"] * 30 + ["end"]
        assert not log.show_horizontal_scrollbar


async def test_the_header_follows_the_status_and_grows_when_it_must_wrap() -> None:
    # Status changes skip the layout pass when the header keeps its height; when
    # the longer status wraps onto another row the layout must still happen.
    class NarrowEntry(App[None]):
        def compose(self) -> ComposeResult:
            yield ToolEntry("call-1", "run_shell", "x" * 17)

    app = NarrowEntry()
    async with app.run_test(size=(38, 10)) as pilot:
        entry = app.query_one(ToolEntry)
        header = entry.query_one(".tool-header")
        entry.set_status("running")
        await pilot.pause()
        assert header.size.height == 1
        assert header.render_line(0).text.rstrip().endswith("running")
        entry.set_status("interrupted")
        await pilot.pause()
        assert header.size.height == 2
        assert "interrupted" in header.render_line(1).text


async def test_how_a_call_ended_is_on_its_header_and_adds_no_row_that_fits() -> None:
    # A row appearing under the output as each command ended laid out the whole
    # screen just then; the result shares the header line, without a redundant
    # "exit 0", and the entry keeps its height when the line still fits.
    app = EntryApp()
    async with app.run_test(size=(60, 20)) as pilot:
        entry = app.query_one(ToolEntry)
        entry.set_status("running")
        entry.write("one\ntwo\n")
        await pilot.pause()
        height = entry.size.height
        entry.finish("done", 0, 0.25, "")
        await pilot.pause()
        header = entry.query_one(".tool-header").render_line(0).text.rstrip()
        assert header.endswith("done  0.25s")
        assert entry.size.height == height
        failed = ToolEntry("call-2", "run_shell", "false")
        await app.mount(failed)
        failed.finish("failed", 1, 0.5, "unsandboxed")
        await pilot.pause()
        assert (
            failed.query_one(".tool-header")
            .render_line(0)
            .text.rstrip()
            .endswith("failed  exit 1  0.50s  unsandboxed")
        )


async def test_the_output_log_draws_exactly_as_a_richlog_and_follows_style_changes() -> None:
    class Pair(App[None]):
        CSS = "RichLog { background: darkred; color: yellow; height: 3; }"
        AUTO_FOCUS = None  # a focused log is tinted; neither is

        def compose(self) -> ComposeResult:
            yield RichLog(id="plain")
            yield ToolOutputLog(id="ours")

    app = Pair()
    async with app.run_test(size=(40, 10)) as pilot:
        plain, ours = app.query_one("#plain", RichLog), app.query_one("#ours", ToolOutputLog)
        for log in (plain, ours):
            log.write(Text.from_ansi("\x1b[1mbold\x1b[0m and plain"))
        await pilot.pause()
        rows = Region(0, 0, 40, 3)
        assert [list(s) for s in ours.render_lines(rows)] == [
            list(s) for s in plain.render_lines(rows)
        ]
        ours.styles.background = "darkblue"
        await pilot.pause()
        assert ours.rich_style.bgcolor == Color.parse("darkblue").rich_color
        assert ours.rich_style.bgcolor != plain.rich_style.bgcolor


async def test_the_header_is_coloured_by_status_and_only_the_header_restyles(
    workspace: Path,
) -> None:
    # The status class sits on the header: restyling the entry's whole subtree (log,
    # scrollbars) cost ~4 ms as each command started and ended.
    app = make_app(workspace)
    async with app.run_test(size=(120, 30)) as pilot:
        entry = await app.query_one(ToolPane).start("call-1", "run_shell", "make test")
        header = entry.query_one(".tool-header")
        variables = app.get_css_variables()
        colours = {}
        for status in ("waiting", "running", "done", "failed"):
            entry.set_status(status)
            await pilot.pause()
            colours[status] = header.styles.color
        assert colours["running"] == Color.parse(variables["accent"])
        assert colours["done"] == Color.parse(variables["success"])
        assert colours["failed"] == Color.parse(variables["error"])
        assert colours["waiting"] == Color.parse(variables["warning"])
        assert not [c for c in entry.classes if c.startswith("-")]


async def test_output_shows_when_a_layout_gave_the_log_its_width_but_no_resize_event() -> None:
    # RichLog holds lines back until a Resize tells it its width. A layout that finds
    # the log already placed (the screen's map rebuilt while its entry was mounting)
    # sends none; the log then kept its zero height and every line for good (a tmux
    # test saw the command's output never appear, about one run in four).
    class OneLog(App[None]):
        def compose(self) -> ComposeResult:
            yield ToolOutputLog()

    app = OneLog()
    async with app.run_test(size=(60, 10)) as pilot:
        log = app.query_one(ToolOutputLog)
        await pilot.pause()
        assert log.size.width
        log._size_known = False  # as if its Resize had never come
        log.write("marker-42")
        await pilot.pause()
        assert [line.text for line in log.lines] == ["marker-42"]
