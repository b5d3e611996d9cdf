"""Rich styles for answer text, taken from the app theme's Markdown variables.

Settled and frozen answer blocks are drawn by Rich, the block still growing by
Textual's `Markdown`. Rich's own Markdown colours (magenta headings, cyan code
on black) would make each block change colour the moment it completes; these
styles give Rich the colours and text styles Textual's Markdown takes from the
same theme (`$markdown-h1-color`, `$text-warning` for inline code, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from weakref import WeakKeyDictionary

from rich.style import Style
from rich.theme import Theme
from textual.app import App
from textual.color import Color, ColorParseError

#: Pygments styles closest to Textual's own code highlighting, by theme darkness.
CODE_THEMES = {True: "monokai", False: "default"}

#: Per app: the theme name the styles were made for, and the styles (0.8 ms to make).
_MADE: WeakKeyDictionary[App[object], tuple[str, Theme]] = WeakKeyDictionary()


def _color(variables: Mapping[str, str], name: str, background: Color) -> str | None:
    """A variable as a solid hex colour (alpha blended onto the background)."""
    try:
        color = Color.parse(variables[name])
    except (KeyError, ColorParseError):
        return None
    if color.a == 0:
        return None
    return background.blend(color.with_alpha(1.0), color.a).hex


def answer_theme(variables: Mapping[str, str]) -> Theme:
    """The `markdown.*` Rich styles matching Textual's Markdown under these variables."""
    try:
        background = Color.parse(variables.get("background", "#000000"))
    except ColorParseError:
        background = Color(0, 0, 0)
    styles: dict[str, Style] = {}
    for level in range(1, 7):
        color = _color(variables, f"markdown-h{level}-color", background)
        text_style = variables.get(f"markdown-h{level}-text-style", "bold")
        styles[f"markdown.h{level}"] = Style.parse(text_style) + Style(color=color)
    inline = _color(variables, "text-warning", background)
    styles["markdown.code"] = Style(color=inline)
    quote = _color(variables, "text-primary", background)
    styles["markdown.block_quote"] = Style(color=quote)
    styles["markdown.link"] = Style(color=quote, underline=True)
    styles["markdown.item.bullet"] = Style(color=quote)
    styles["markdown.item.number"] = Style(color=quote)
    styles["markdown.table.border"] = Style(color=_color(variables, "text-secondary", background))
    styles["markdown.table.header"] = Style(color=quote, bold=True)
    return Theme(styles, inherit=True)


def theme_for(app: App[object]) -> Theme:
    """`answer_theme` for the app's current theme, made again only when the theme changes."""
    made = _MADE.get(app)
    if made is None or made[0] != app.theme:
        made = (app.theme, answer_theme(app.get_css_variables()))
        _MADE[app] = made
    return made[1]
