"""The status line: model, state, tokens, session, and the latest hint.

One row has to hold it all at any width, and what matters most is what changed:
the state and the message (a retry countdown, a hint, an approval waiting). When
the row is too narrow the fields that stay the same go first, session, context,
tokens, then the model, and the message is cut at its end only if it still does
not fit; the state always shows.
"""

from __future__ import annotations

import time

from rich.text import Text
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Static

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
#: The spinner clears itself this long after the last heartbeat.
PULSE_TIMEOUT_S = 0.6


class StatusLine(Static):
    """One row; each field is reactive so updates cost one small repaint."""

    model: reactive[str] = reactive("")
    state: reactive[str] = reactive("idle")
    tokens_in: reactive[int] = reactive(0)
    tokens_out: reactive[int] = reactive(0)
    #: While an answer streams: its output tokens estimated from its length (0: none).
    tokens_out_estimate: reactive[int] = reactive(0)
    context: reactive[str] = reactive("")
    session: reactive[str] = reactive("")
    message: reactive[str] = reactive("")
    activity: reactive[str] = reactive("")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._spin = 0
        self._pulse_timer: Timer | None = None
        self._countdown_timer: Timer | None = None
        self._retry_until = 0.0
        self._retry_reason = ""

    # The timers live on this widget, not on the app, so they die with it: an
    # app-level timer could fire during shutdown, after the widget was gone.

    def pulse(self, tasks: int) -> None:
        """Advance the spinner; it clears itself when the heartbeats stop."""
        self._spin = (self._spin + 1) % len(SPINNER)
        self.activity = SPINNER[self._spin] + (f" {tasks} task(s)" if tasks else "")
        if self._pulse_timer is not None:
            self._pulse_timer.stop()
        self._pulse_timer = self.set_timer(PULSE_TIMEOUT_S, self._pulse_stopped)

    def _pulse_stopped(self) -> None:
        self._pulse_timer = None
        self.activity = ""

    def flash(self, text: str, seconds: float) -> None:
        """Show `text` for `seconds`, unless something else replaced it by then."""
        self.message = text
        self.set_timer(seconds, lambda: self.clear_message(text))

    def clear_message(self, prefix: str) -> None:
        """Clear the message if it is still the one that starts with `prefix`."""
        if self.message.startswith(prefix):
            self.message = ""

    def count_down(self, reason: str, seconds: float) -> None:
        """Say why and how long until the retry, ticking down each quarter second."""
        self.stop_countdown()
        self._retry_until = time.monotonic() + seconds
        self._retry_reason = reason
        self._tick()
        self._countdown_timer = self.set_interval(0.25, self._tick)

    def _tick(self) -> None:
        left = max(0.0, self._retry_until - time.monotonic())
        self.message = f"retrying in {left:.0f}s — {self._retry_reason}"
        if left <= 0:
            self.stop_countdown()

    def stop_countdown(self) -> None:
        if self._countdown_timer is not None:
            self._countdown_timer.stop()
            self._countdown_timer = None
            self.message = ""

    def render(self) -> Text:
        fields = self._fields()
        width = self.size.width
        # Drop the least needed fields until the row fits (rank 0 always stays).
        for rank in sorted({rank for _, _, rank in fields}, reverse=True):
            if rank == 0 or sum(len(text) for text, _, _ in fields) <= width:
                break
            fields = [field for field in fields if field[2] != rank]
        text = Text()
        for part, style, _ in fields:
            text.append(part, style=style)
        return text

    def _fields(self) -> list[tuple[str, str, int]]:
        """(text, style, rank) in the order shown; the higher the rank, the sooner dropped."""
        fields = [(f" {self.state} ", "reverse bold" if self.state != "idle" else "bold", 0)]
        fields.append((f"  {self.model}", "", 4))
        out = (
            f"~{self.tokens_out_estimate:,}" if self.tokens_out_estimate else f"{self.tokens_out:,}"
        )
        fields.append((f"  in {self.tokens_in:,} out {out}", "dim", 5))
        if self.context:
            fields.append((f"  ctx {self.context}", "dim", 6))
        if self.session:
            fields.append((f"  {self.session[:8]}", "dim", 7))
        if self.activity:
            fields.append((f"  {self.activity}", "bold", 3))
        if self.message:
            fields.append((f"  {self.message}", "italic", 0))
        return fields
