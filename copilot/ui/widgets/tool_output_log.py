"""The live output of one tool call: a RichLog that styles a repaint's lines once."""

from __future__ import annotations

from typing import Any, Self

from rich.style import Style
from textual.events import Resize
from textual.geometry import Region
from textual.strip import Strip
from textual.widgets import RichLog


class ToolOutputLog(RichLog):
    """RichLog, with its style computed once per repaint instead of twice per line.

    RichLog asks for `rich_style` twice for every line it draws, and Textual computes
    that afresh each time by walking the styles of every ancestor. While output
    floods in, the log repaints ~30 times a second, and that walk was about a sixth
    of the event loop's time: keys typed meanwhile waited for it. Within one repaint
    the style cannot change, so it is computed at the start and reused.
    """

    _repaint_style: Style | None = None

    def write(self, *args: Any, **kwargs: Any) -> Self:
        """Write a line, also before the log's first `Resize` if a layout gave it a width.

        `RichLog` holds every line back until a `Resize` event tells it its width. Textual
        sends that event to a widget that a layout finds new or resized, and a layout
        can miss a log that was placed while its entry was still mounting (the screen's
        map was rebuilt in between): the log then keeps its width and its zero height,
        never gets the event, and holds its output back for good. Its width is known
        once a layout has given it one.
        """
        if not self._size_known and self.size.width:
            self.on_resize(Resize(self.size, self.virtual_size, self.container_size))
        return super().write(*args, **kwargs)

    @property
    def rich_style(self) -> Style:
        if self._repaint_style is not None:
            return self._repaint_style
        return super().rich_style

    def render_lines(self, crop: Region) -> list[Strip]:
        self._repaint_style = super().rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._repaint_style = None
