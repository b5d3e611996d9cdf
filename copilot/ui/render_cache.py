"""Lets removed widgets' rendered lines go.

Textual 8.2 caches `StylesCache.get_inner_outer` with `functools.lru_cache` on the
instance method, so the cache's keys hold up to 1,024 widgets' `StylesCache` objects,
and with each one every line that widget ever rendered, long after the widget left the
screen (Textual issue #6665, open). In a long session that was most of the memory a
session grew by: the conversation keeps 60 items on screen, but the last ~1,000 removed
ones stayed in memory, rendered. Clearing that cache when we remove widgets frees them;
widgets still on screen recompute two background styles on their next render.
"""

from __future__ import annotations

from textual._styles_cache import StylesCache


def release_removed_widgets() -> None:
    """Call after removing widgets (trimming, freezing, settling), once per batch."""
    StylesCache.get_inner_outer.cache_clear()
