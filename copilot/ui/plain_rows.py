"""Drawing a widget's rows without Textual's per-row styling, where that changes nothing.

Textual draws every row of a widget through its styles (`StylesCache.render_line`:
borders, outline, padding, hatch, tint, opacity, text opacity), ~0.1-0.2 ms a row
here. A widget whose styles set none of those gets each row back as it rendered it,
so the settled blocks of an answer and the conversation's scrollbar hand Textual their
rows directly; `plain` says when that is the same, `finished` does what Textual still
does to every row after its styles (the app's line filters, a horizontal crop).
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.color import Color
from textual.css.styles import StylesBase
from textual.filter import LineFilter
from textual.geometry import Region
from textual.strip import Strip


def plain(styles: StylesBase) -> bool:
    """Whether Textual's styles would draw a widget's rows exactly as it renders them."""
    return not (
        any(edge for edge, _ in styles.border)
        or any(edge for edge, _ in styles.outline)
        or any(styles.padding)
        or (styles.has_rule("hatch") and styles.hatch != "none")
        or styles.tint.a
        or styles.opacity != 1
        or styles.text_opacity != 1
    )


def finished(
    strip: Strip, filters: Sequence[LineFilter], background: Color, crop: Region, width: int
) -> Strip:
    """A row as Textual hands it on: through the app's line filters, cropped to `crop`."""
    for line_filter in filters:
        strip = strip.apply_filter(line_filter, background)
    return strip.crop(crop.x, crop.right) if crop.column_span != (0, width) else strip
