"""The app's one screen: Textual's Screen, with what the user types drawn first.

Textual draws at most 60 frames a second: a widget that changed waits for the next
tick of the frame timer, and that frame then draws everything that changed since the
last one. While a command floods the tool pane, a key typed into the input waited for
the tick (up to 17 ms) and then for the whole frame, which lays the screen out again
whenever the output log grows (10-30 ms): keys echoed 40-60 ms late. What the focused
widget shows after a key is what the user is looking at, so as soon as it changed it
is drawn on its own, and everything else follows at the next tick as before; it is
drawn also while a batch update holds every frame back. A change that moves or
resizes the focused widget (the input growing a row) waits for the frame with its
layout, so nothing is drawn where the widget no longer is.

The echoes are paced by what they cost (`ECHO_SHARE`): the input draws in a
millisecond or two, so each key of a burst is still drawn as it lands, while a costly
focused widget that changes all the time (a streaming log the user scrolls) cannot
take over the loop. What a key changes elsewhere (the status line) follows at the
frame timer's next tick. (Earlier, a key pulled that frame forward to just after its
echo; while an answer streams the screen draws at every tick anyway, and the pulled
frames doubled the frames a typist's keys had to wait behind.)

Textual runs what waits for a refresh (`call_after_refresh`, `wait_for_refresh`) after
the screen's next frame, whoever asked; while an answer streams the screen is dirty at
nearly every moment, so a wait the input registers after a key ran only after the frame
timer's next tick and the whole frame behind it (20-48 ms at p95), though the key was on
the terminal long before. A widget's own refresh is what its waits are for: once it is
drawn, with nothing of its own pending and no layout involving it, they run then, and a
wait it registers in that state runs at once, as Textual runs every wait on a clean
screen. Everything else's waits follow the frame as before.

Textual also declares `Screen.focused` as a reactive that repaints, so each focus move
redrew every widget on the screen from its cache: ~16 ms here with a few answers and a
running tool, paid twice per approval (the prompt takes focus, the input takes it back)
just as the approved command starts printing. What focus changes on screen is the two
widgets' own `:focus` styles, and those widgets restyle and repaint themselves.
"""

from __future__ import annotations

import time
from typing import Any

from textual import messages
from textual._callback import invoke
from textual._context import active_message_pump
from textual.message_pump import MessagePump
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget

#: Draws of the focused widget between frames take at most this share of the time: a
#: draw that took t waits t * (1 / ECHO_SHARE - 1) before the next.
ECHO_SHARE = 0.5


class MainScreen(Screen[None]):
    """The default screen: the focused widget is drawn as soon as it changes, and
    the `focused` reactive repaints nothing by itself."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)

    #: The input box (at the first frame its stand-in, input_shell.py) has focus at
    #: start. Textual's default focuses the first focusable widget (the conversation)
    #: as the screen starts, and the app then moved focus to the input: two restyles
    #: and repaints before the first frame for nothing.
    AUTO_FOCUS = "#input-shell, #input"

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._next_echo = 0.0
        self._echo_timer: Timer | None = None
        #: The widget each pending refresh wait was asked of.
        self._waiting_for: dict[Any, Widget] = {}

    async def _on_update(self, message: messages.Update) -> None:
        await super()._on_update(message)
        if message.widget is self.focused:
            # After the messages already queued: a layout the same change asked for
            # (the input growing a row) arrives right behind its repaint.
            self.call_later(self._paint_focused)

    def _paint_focused(self) -> None:
        """Draw the focused widget now, if it can be drawn where it already is."""
        widget = self.focused
        if widget is None or widget not in self._dirty_widgets or not widget._repaint_regions:
            return
        wait = self._next_echo - time.monotonic()
        if wait > 0:
            if self._echo_timer is None:
                self._echo_timer = self.set_timer(wait, self._paint_after_gap)
            return
        if not self._in_place(widget):
            return
        app = self.app
        started = time.monotonic()
        self._dirty_widgets.discard(widget)
        self._compositor.update_widgets({widget})
        update = self._compositor.render_update(screen_stack=app._background_screens)
        # Also inside a batch update (Textual mounts and removes widgets in them):
        # the batch holds back the widgets it changes, and this draws only the
        # focused widget's own cells, where it already is on screen.
        batches, app._batch_count = app._batch_count, 0
        try:
            app._display(self, update)
        finally:
            app._batch_count = batches
        done = time.monotonic()
        self._next_echo = done + (done - started) * (1 / ECHO_SHARE - 1)
        if self._callbacks:
            self.call_next(self._invoke_drawn_callbacks)

    def _invoke_later(self, callback: Any, sender: MessagePump) -> None:
        # Called from the handler of the node that was asked to wait (`sender` is
        # whoever posted the request, often the app): that node's refresh is awaited.
        waiting = active_message_pump.get(None)
        if self._drawn(waiting):
            self.call_next(self._invoke_as, callback, sender)
            return
        if isinstance(waiting, Widget) and waiting is not self:
            self._waiting_for[callback] = waiting
        super()._invoke_later(callback, sender)

    @staticmethod
    async def _invoke_as(callback: Any, sender: MessagePump) -> None:
        """Run a refresh wait's callback as Textual does: in its sender's context."""
        with sender._context():
            await invoke(callback)

    async def _invoke_and_clear_callbacks(self) -> None:
        self._waiting_for.clear()
        await super()._invoke_and_clear_callbacks()

    async def _invoke_drawn_callbacks(self) -> None:
        """Run the refresh waits of widgets whose refresh has happened, in order."""
        waiting_for = self._waiting_for
        due = [pair for pair in self._callbacks if self._drawn(waiting_for.get(pair[0]))]
        if not due:
            return
        self._callbacks[:] = [pair for pair in self._callbacks if pair not in due]
        for callback, sender in due:
            waiting_for.pop(callback, None)
            await self._invoke_as(callback, sender)

    def _drawn(self, pump: MessagePump | None) -> bool:
        """Whether `pump` is a widget on screen here that has nothing of its own waiting
        to be drawn, restyled or laid out: what is on the terminal is its refresh."""
        if (
            not isinstance(pump, Widget)
            or pump is self
            or self.app._batch_count
            or not self._in_place(pump)
            or pump._repaint_required
            or pump._repaint_regions
            or pump._layout_required
            or pump._scroll_required
            or pump._refresh_styles_required
        ):
            return False
        return not any(
            dirty is pump or dirty in pump.ancestors or pump in dirty.ancestors
            for dirty in self._dirty_widgets
        )

    def _paint_after_gap(self) -> None:
        self._echo_timer = None
        self._paint_focused()

    def _in_place(self, widget: Widget) -> bool:
        """Whether `widget` is on screen where the next frame will have it: it can be
        drawn on its own, and what it shows there is final."""
        return not (
            self._repaint_required
            or not self.is_current
            or self.app.is_inline
            or widget not in self._compositor.visible_widgets
            or self._laying_out(widget)
        )

    def _laying_out(self, widget: Widget) -> bool:
        """Whether a pending layout was asked for by `widget` or something inside it
        (its place on screen may change, so it waits for the frame)."""
        return widget in self._layout_widgets or any(
            widget in asked for asked in self._layout_widgets.values()
        )
