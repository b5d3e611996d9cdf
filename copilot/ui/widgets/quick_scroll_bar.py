"""The conversation's vertical scrollbar, drawn straight from its segments.

While an answer streams, the conversation grows and follows its end, so the thumb
moves in nearly every frame and Textual redraws the whole bar: the bar's renderable
through Rich, then each row through the widget's styles, ~2-4 ms a frame here for a
column one cell wide. The bar is one segment a row (track above, thumb, track below,
with partial-block glyphs at the thumb's ends), so this draws those segments as rows
directly, one `Strip` per distinct segment, and applies the app's line filters the way
Textual does. Anything but a plain vertical bar is left to Textual.
"""

from __future__ import annotations

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.scrollbar import ScrollBar, ScrollBarRender
from textual.strip import Strip

from copilot.ui.plain_rows import finished, plain


class QuickScrollBar(ScrollBar):
    """A `ScrollBar` whose vertical rows skip Rich's and the styles' per-row work."""

    def render_lines(self, crop: Region) -> list[Strip]:
        bar = self.render()
        if (
            not self.vertical
            or type(bar) is not ScrollBarRender
            or not isinstance(bar.style, Style)
            or not plain(self.styles)
        ):
            return super().render_lines(crop)
        width, height = self.size
        rows = bar.render_bar(
            size=height,
            virtual_size=bar.virtual_size,
            window_size=bar.window_size,
            position=bar.position,
            thickness=width,
            vertical=True,
            back_color=bar.style.bgcolor or Color.parse("#555555"),
            bar_color=bar.style.color or Color.parse("bright_magenta"),
        ).segments
        base = self.visual_style.rich_style  # what Textual styles a renderable on
        filters = self.get_line_filters()
        _, background = self.background_colors
        drawn: dict[Segment, Strip] = {}
        strips: list[Strip] = []
        for y in crop.line_range:
            segment = rows[y] if y < len(rows) else Segment(" " * width)
            strip = drawn.get(segment)
            if strip is None:
                strip = Strip(Segment.apply_style([segment], base), width)
                strip = drawn[segment] = finished(strip, filters, background, crop, width)
            strips.append(strip)
        return strips
