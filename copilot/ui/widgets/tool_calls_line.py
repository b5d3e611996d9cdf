"""The trace an answer leaves when it only called tools: one dim line per call."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static

MARK = "⚙ "


class ToolCallsLine(Static):
    """`⚙ run_shell  pytest -x`, one line per call; the tool pane has the rest.

    An answer that is only tool calls has no text, and showing it as an empty answer
    left a bare bar in the transcript. This says what was done instead, which also
    keeps the trace in view when the side panes are collapsed.
    """

    def __init__(self, calls: Sequence[str], **kwargs: object) -> None:
        text = Text("\n".join(MARK + call for call in calls), no_wrap=False)
        super().__init__(text, **kwargs)
        self.calls = tuple(calls)
