"""What `copilot -p` and `copilot --plain` write, fed the engine's own events in order."""

from __future__ import annotations

import io
import os

from copilot.bus.events import (
    ApprovalRequest,
    AssistantDelta,
    AssistantDone,
    Notice,
    QueueChanged,
    QueuedItem,
    TaskUpdate,
    ToolCallStarted,
    ToolFinished,
    ToolOutput,
    Usage,
)
from copilot.plain.report import ASK_DENIED, Result, TextReport
from copilot.plain.transcript import Transcript


def test_usage_is_each_replys_last_report_summed() -> None:
    result = Result()
    # Each reply reports its usage so far at its start and again at its end.
    for event in (
        Usage(input_tokens=100),
        Usage(input_tokens=100, output_tokens=20, cache_read_tokens=80),
        AssistantDone(text="first"),
        Usage(input_tokens=150),
        Usage(input_tokens=150, output_tokens=5),
        AssistantDone(text="second"),
    ):
        result.record(event)
    assert result.usage == {
        "input_tokens": 250,
        "output_tokens": 25,
        "cache_read_tokens": 80,
        "cache_creation_tokens": 0,
    }
    assert result.text == "first\n\nsecond"
    assert "_reply_usage" not in result.as_json()


def test_replies_are_set_apart_and_notes_never_glue_to_the_answer() -> None:
    out, err = io.StringIO(), io.StringIO()
    report = TextReport(out, err)
    call = ToolCallStarted(call_id="c1", tool="run_shell", summary="rm -rf build")
    for event in (
        AssistantDelta(text="I will clean"),
        call,  # a tool call starts while the line is still open on the terminal
        AssistantDone(text="I will clean"),
    ):
        report.event(event)
    report.denied(ApprovalRequest(call_id="c1", tool="run_shell", summary="rm -rf build"))
    report.event(ToolFinished(call_id="c1", status="denied", summary="The user denied this"))
    report.event(AssistantDelta(text="Not run."))
    report.event(AssistantDone(text="Not run."))
    report.finish(Result())
    assert out.getvalue() == "I will clean\n\nNot run.\n"
    # The denial is said once, in the user's terms, not in the words meant for the model.
    assert err.getvalue().splitlines() == ["→ run_shell: rm -rf build", ASK_DENIED]


def test_a_denial_by_a_rule_is_said_with_its_reason() -> None:
    out, err = io.StringIO(), io.StringIO()
    report = TextReport(out, err)
    report.event(ToolCallStarted(call_id="c2", tool="write_file", summary=".env"))
    report.event(ToolFinished(call_id="c2", status="denied", summary="Denied by policy: .env"))
    assert err.getvalue().splitlines() == ["→ write_file: .env", "  denied: Denied by policy: .env"]
    assert out.getvalue() == ""


def test_line_mode_holds_the_line_in_progress_so_notes_never_cut_it() -> None:
    written: list[str] = []
    transcript = Transcript(written.append)
    transcript.event(AssistantDelta(text="First line.\nSecond li"))
    assert "".join(written) == "First line.\n"
    assert transcript.partial == "Second li"  # shown by the prompt, not yet in the scrollback
    transcript.event(QueueChanged(items=(QueuedItem(item_id="q1", text="and then?\nmore"),)))
    transcript.event(AssistantDelta(text="ne."))
    transcript.event(AssistantDone(text="First line.\nSecond line.", interrupted=True))
    assert "".join(written) == (
        "First line.\n"
        "  queued (1): and then?\n"
        "Second line.\n"
        "[interrupted: the partial answer is kept]\n"
        "\n"
    )
    assert transcript.partial == ""


def test_line_mode_shows_the_tail_of_a_tools_output_when_it_ends() -> None:
    written: list[str] = []
    transcript = Transcript(written.append)
    transcript.event(ToolCallStarted(call_id="t1", tool="run_shell", summary="pytest"))
    output = "".join(f"test {n} ok\n" for n in range(1, 21))
    # Chunks cut mid-line, colour codes and a progress bar redrawn with carriage returns.
    transcript.event(ToolOutput(call_id="t1", chunk=output[:37]))
    transcript.event(ToolOutput(call_id="t1", chunk=output[37:] + "\x1b[31mFAILED\x1b[0m 1\n"))
    transcript.event(ToolOutput(call_id="t1", chunk="10%\r50%\r100%"))
    transcript.event(ToolFinished(call_id="t1", status="failed", exit_code=1, duration_s=2.0))
    assert "".join(written).splitlines() == [
        "→ run_shell: pytest",
        *(f"  │ test {n} ok" for n in range(15, 21)),
        "  │ FAILED 1",
        "  │ 100%",
        "  failed, exit 1 (2.0s)",
    ]


def test_line_mode_asks_with_the_apps_lines_and_keys() -> None:
    """The same text as the app's prompt (sandbox/answers.py): the reason once, the
    diff's first 12 lines until `d`, the scope only when the gate named one."""
    written: list[str] = []
    diff = "\n".join(f"+line {n}" for n in range(1, 21))
    request = ApprovalRequest(
        tool="write_file",
        summary="notes.md",
        detail="why: ask mode: writes ask",
        reason="ask mode: writes ask",
        diff=diff,
        scope_label="writes under docs/",
    )
    Transcript(written.append).question(request)
    assert "".join(written).splitlines() == [
        "Allow write_file?",
        "  notes.md",
        "  why: ask mode: writes ask",
        *(f"  +line {n}" for n in range(1, 13)),
        "  … 8 more lines (d)",
        "  [y] once   [a] always: writes under docs/   [n] deny   [d] diff",
    ]


def test_a_note_mid_line_breaks_the_answers_line_only_on_a_shared_terminal() -> None:
    events = (
        AssistantDelta(text="Hello wor"),
        Notice(level="warning", text="the context was cut to fit"),
        AssistantDelta(text="ld"),
        AssistantDone(text="Hello world"),
    )
    out, err = io.StringIO(), io.StringIO()
    report = TextReport(out, err)
    for event in events:
        report.event(event)
    assert out.getvalue() == "Hello world\n"  # into a file or a pipe: exactly as written

    main, side = os.openpty()
    with open(side, "w", closefd=False) as tty_out, open(side, "w", closefd=False) as tty_err:
        report = TextReport(tty_out, tty_err)
        for event in events:
            report.event(event)
    os.close(side)
    shown = read_all(main).decode().replace("\r\n", "\n")
    os.close(main)
    assert shown == "Hello wor\ncopilot: the context was cut to fit\nld\n"


def read_all(main: int) -> bytes:
    """Everything written to a pty whose other side is closed (Linux ends it with EIO)."""
    got = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            return got
        if not chunk:
            return got
        got += chunk


def test_line_mode_says_when_a_background_task_starts_and_ends_not_each_step() -> None:
    written: list[str] = []
    transcript = Transcript(written.append)
    for step, status, elapsed in (("read", "running", 0), ("grep", "running", 2), ("", "done", 5)):
        transcript.event(
            TaskUpdate(
                task_id="t1",
                goal="find the flaky test",
                status=status,
                step=step,
                elapsed_s=elapsed,
            )
        )
    assert "".join(written).splitlines() == [
        "[task t1] running (0s): find the flaky test",
        "[task t1] done (5s): find the flaky test",
    ]
