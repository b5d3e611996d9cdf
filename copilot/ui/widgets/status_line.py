"""The status line: model, state, tokens, session, and the latest hint."""

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
        self.message = f"{self._retry_reason} — retrying in {left:.0f}s"
        if left <= 0:
            self.stop_countdown()

    def stop_countdown(self) -> None:
        if self._countdown_timer is not None:
            self._countdown_timer.stop()
            self._countdown_timer = None
            self.message = ""

    def render(self) -> Text:
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {self.state} ", style="reverse bold" if self.state != "idle" else "bold")
        text.append(f"  {self.model}")
        text.append(f"  in {self.tokens_in:,} out {self.tokens_out:,}", style="dim")
        if self.context:
            text.append(f"  ctx {self.context}", style="dim")
        if self.session:
            text.append(f"  {self.session[:8]}", style="dim")
        if self.activity:
            text.append(f"  {self.activity}", style="bold")
        if self.message:
            text.append(f"  {self.message}", style="italic")
        return text
