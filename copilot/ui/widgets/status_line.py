"""The status line: model, state, tokens, session, and the latest hint."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static


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
