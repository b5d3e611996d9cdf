"""The live output of one tool call: a RichLog that styles a repaint's lines once."""

from __future__ import annotations

from rich.style import Style
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
