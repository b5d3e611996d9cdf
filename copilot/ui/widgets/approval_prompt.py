"""The inline approval prompt: single keys, a guard against stray keystrokes.

`y` allows once, `a` allows for the scope shown in words (only when the gate
offers one), `n` denies (then type an optional reason for the model and press
Enter), `d` shows the full diff, `u` runs unsandboxed once (only offered when
the sandbox cannot start). Enter never approves. Keys that arrive within
`GUARD_S` of the prompt appearing are ignored: the user was typing something
else. The widget only posts its answer; what runs next is not its business.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from rich.columns import Columns
from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input, Static

from copilot.bus.events import ApprovalRequest
from copilot.sandbox.answers import choices, offers, question

#: Keys earlier than this after the prompt appeared are not answers.
GUARD_S = 0.3


class ApprovalPrompt(Vertical, can_focus=True):
    """Asks about one tool call; posts `Answered` once, then disables itself."""

    BINDINGS = [
        Binding("y", "answer('once')", "Allow once", id="approve-once"),
        Binding("a", "answer('scope')", "Allow for scope", id="approve-scope"),
        Binding("n", "deny", "Deny", id="deny"),
        Binding("u", "answer('unsandboxed')", "Run unsandboxed", show=False, id="unsandboxed"),
        Binding("d", "toggle_diff", "Diff", id="show-diff"),
        Binding("enter", "refuse_enter", show=False),
    ]

    @dataclass
    class Answered(Message):
        """The user decided; the app turns this into an ApprovalAnswer on the bus."""

        prompt: ApprovalPrompt
        request_id: str
        decision: str
        reason: str

    def __init__(self, request: ApprovalRequest) -> None:
        super().__init__(classes="approval")
        self.request = request
        self.shown_at = time.monotonic()
        self.answered = False
        self.full_diff = False
        self._body = Static(self._body_renderable())
        self._keys = Static(self._keys_text(), classes="approval-keys")
        self._reason = Input(placeholder="reason for the model (Enter denies)", classes="reason")
        self._reason.display = False

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._keys
        yield self._reason

    def on_mount(self) -> None:
        self.shown_at = time.monotonic()

    @property
    def guarded(self) -> bool:
        """True while keys are too early to count as answers."""
        return time.monotonic() - self.shown_at < GUARD_S

    def _body_renderable(self) -> Group:
        request = self.request
        title = Text()
        if request.task:
            title.append(f"[{request.task}] ", style="dim")
        title.append("Allow ", style="bold")
        title.append(request.tool, style="bold")
        title.append("?")
        if not request.sandboxed:
            title.append("  sandbox unavailable: would run UNSANDBOXED", style="bold red")
        asked = question(request, self.full_diff)
        parts: list[object] = [title, Text(asked.summary, style="bold")]
        if asked.detail:
            parts.append(Text(asked.detail, style="dim"))
        if asked.reason:
            parts.append(Text(asked.reason, style="italic"))
        if asked.diff:
            from rich.syntax import Syntax  # with Pygments, ~15 ms of import: on first diff

            parts.append(Syntax("\n".join(asked.diff), "diff", theme="ansi_dark", word_wrap=True))
        if asked.hidden:
            parts.append(Text(f"… {asked.hidden} more lines (d)", style="dim"))
        return Group(*parts)

    def _keys_text(self) -> Columns:
        """The answers, each key with its label: a narrow pane wraps between answers,
        never between a key and what it does."""
        items = [
            Text.assemble((choice.key, "bold reverse"), f" {choice.label}")
            for choice in choices(self.request)
        ]
        return Columns(items, padding=(0, 2))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "answer" and parameters:
            return offers(self.request, str(parameters[0]))
        return True

    def _finish(self, decision: str, reason: str = "") -> None:
        if self.answered:
            return
        self.answered = True
        self.post_message(self.Answered(self, self.request.request_id, decision, reason))

    def action_answer(self, decision: str) -> None:
        if self.guarded or self.answered or not self.check_action("answer", (decision,)):
            self.app.bell()
            return
        self._finish(decision)

    def action_deny(self) -> None:
        if self.guarded or self.answered:
            self.app.bell()
            return
        self._reason.display = True
        self._reason.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish("deny", event.value.strip())

    def action_toggle_diff(self) -> None:
        self.full_diff = not self.full_diff
        self._body.update(self._body_renderable())

    def action_refuse_enter(self) -> None:
        self.app.bell()
