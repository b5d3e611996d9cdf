"""The input box: Enter sends, Ctrl+J (or Shift+Enter) inserts a newline."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding
from textual.message import Message
from textual.widgets import TextArea

#: Above this a paste is kept but announced, so the user knows what Enter sends.
LARGE_PASTE_CHARS = 100_000


class PromptInput(TextArea):
    """A multi-line input whose Enter submits instead of breaking the line."""

    BINDINGS = [
        Binding("enter", "submit", "Send", priority=True, id="send"),
        Binding("ctrl+j,shift+enter", "newline", "Newline", priority=True, id="newline"),
        Binding("up", "history_or_up", "Up", show=False),
    ]

    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a non-empty input."""

        input: PromptInput
        text: str

    class QueueFocusRequested(Message):
        """Up on an empty input: the user wants to reach the queued messages."""

    class Typing(Message):
        """The text changed; the app tells the engine the user holds the floor."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(soft_wrap=True, show_line_numbers=False, tab_behavior="focus", **kwargs)

    def action_submit(self) -> None:
        # Enter is a priority binding, so it runs before keys still queued for
        # this widget (fast typing, a paste, tmux send-keys): submit only after them.
        self.call_later(self._submit)

    def _submit(self) -> None:
        text = self.text
        if not text.strip():
            return
        self.clear()
        self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_history_or_up(self) -> None:
        if not self.text:
            self.post_message(self.QueueFocusRequested())
        else:
            self.action_cursor_up()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if self.text:
            self.post_message(self.Typing())
