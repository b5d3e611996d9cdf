"""The input box: Enter sends, Ctrl+J (or Shift+Enter) inserts a newline.

A paste too large to edit comfortably is held beside the box and shown as one
placeholder line (pasted.py); Enter sends it whole.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import TextArea

from copilot.engine.pasted import LARGE_PASTE_CHARS, Pastes
from copilot.ui.widgets.input_shell import BUSY_PLACEHOLDER, IDLE_PLACEHOLDER

#: The user counts as typing until this long after the last change.
TYPING_IDLE_S = 1.5


class PromptInput(TextArea):
    """A multi-line input whose Enter submits instead of breaking the line."""

    BINDINGS = [
        Binding("enter", "submit", "Send", priority=True, id="send"),
        Binding("ctrl+j,shift+enter", "newline", "Newline", priority=True, id="newline"),
        Binding("up", "history_or_up", "Up", show=False),
        Binding("pageup", "page(-1)", "Scroll up", show=False, id="scroll-page-up"),
        Binding("pagedown", "page(1)", "Scroll down", show=False, id="scroll-page-down"),
    ]

    @dataclass
    class Submitted(Message):
        """The user pressed Enter on a non-empty input."""

        input: PromptInput
        text: str

    class QueueFocusRequested(Message):
        """Up on an empty input: the user wants to reach the queued messages."""

    @dataclass
    class PageRequested(Message):
        """PageUp (-1) or PageDown (1) while typing: scroll the conversation a page.

        The app is full-screen, so the terminal's own scrollback cannot show earlier
        messages; the input keeps focus (and what is typed) while the user reads back.
        """

        pages: int

    @dataclass
    class Typing(Message):
        """The user started typing, or paused: the app tells the engine who holds the floor."""

        active: bool

    def __init__(self, **kwargs: object) -> None:
        super().__init__(
            soft_wrap=True,
            show_line_numbers=False,
            tab_behavior="focus",
            placeholder=IDLE_PLACEHOLDER,
            **kwargs,
        )
        self._idle_timer: Timer | None = None
        self._pastes = Pastes()
        #: The theme object whose styles were last taken from CSS; None after a restyle.
        self._styled_theme: object | None = None

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styled_theme = None

    def render_lines(self, crop: Region) -> list[Strip]:
        """Draw the input, taking the theme's styles from CSS only after a restyle.

        `TextArea` fills its theme from CSS at every draw (its base style and six
        component styles, each worked out through every ancestor): two thirds of
        drawing the input after each key, 2-3 ms here. They change only when the
        stylesheet restyles this widget (focus, hover, a theme or CSS change; the
        stylesheet then calls `notify_style_update`) or when the theme object is
        replaced.
        """
        if self._theme is not None and self._styled_theme is self._theme:
            return super(TextArea, self).render_lines(crop)
        self._styled_theme = self._theme
        return super().render_lines(crop)

    def show_busy(self, busy: bool) -> None:
        """Name the keys that matter now: while a turn runs Enter queues, Esc interrupts."""
        self.placeholder = BUSY_PLACEHOLDER if busy else IDLE_PLACEHOLDER

    @property
    def typing(self) -> bool:
        """Whether the user changed the text within the last `TYPING_IDLE_S`."""
        return self._idle_timer is not None

    def action_submit(self) -> None:
        # Enter is a priority binding, so it runs before keys still queued for
        # this widget (fast typing, a paste, tmux send-keys): submit only after them.
        self.call_later(self._submit)

    def _submit(self) -> None:
        text = self._pastes.expand(self.text)
        if not text.strip():
            return
        self.clear()
        self._pastes.clear()
        self._paused()
        self.post_message(self.Submitted(self, text))

    async def _on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # Instead of TextArea's, which inserts even 10 MB.
        self.paste(event.text)

    def paste(self, text: str) -> None:
        """Put pasted text where the selection is; a large paste as its placeholder."""
        if self.read_only:
            return
        if len(text) > LARGE_PASTE_CHARS:
            text = self._pastes.hold(text.replace("\r\n", "\n").replace("\r", "\n"))
        result = self.replace(text, *self.selection)
        self.move_cursor(result.end_location)

    def load_message(self, text: str) -> None:
        """Put `text` in the box to edit (a queued message), held as a paste if large."""
        self._pastes.clear()
        self.load_text(self._pastes.hold(text) if len(text) > LARGE_PASTE_CHARS else text)
        self.move_cursor(self.document.end)

    def action_page(self, pages: int) -> None:
        self.post_message(self.PageRequested(pages))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_history_or_up(self) -> None:
        if not self.text:
            self.post_message(self.QueueFocusRequested())
        else:
            self.action_cursor_up()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        if not self.text:
            return
        if self._idle_timer is None:
            self.post_message(self.Typing(active=True))
        else:
            self._idle_timer.stop()
        self._idle_timer = self.set_timer(TYPING_IDLE_S, self._paused)

    def _paused(self) -> None:
        """The user stopped typing (a pause, or the message was sent)."""
        if self._idle_timer is None:
            return
        self._idle_timer.stop()
        self._idle_timer = None
        self.post_message(self.Typing(active=False))
