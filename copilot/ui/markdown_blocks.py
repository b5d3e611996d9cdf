"""Where one top-level Markdown block ends and the next begins.

A streaming answer keeps only its last block live (it may still grow: a
paragraph gains words, a list gains items, a fence gains lines); every block
before it is complete and is drawn once. Deciding which blocks are complete is
parsing: markdown-it's top-level tokens carry the source lines they cover.
"""

from __future__ import annotations

from itertools import pairwise

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("gfm-like")


def block_starts(source: str) -> list[int]:
    """Line numbers where each top-level block of `source` starts, in order."""
    return [t.map[0] for t in _PARSER.parse(source) if t.level == 0 and t.map is not None]


def split_complete(source: str) -> tuple[str, str]:
    """`source` as (its complete blocks, its last block), split on a line boundary.

    Everything before the last block's first line is complete: a later line can
    extend only the last block. (One construct does reach back: a reference
    link defined after the paragraph using it; that link then shows as text.)
    """
    starts = block_starts(source)
    if len(starts) < 2:
        return "", source
    lines = source.splitlines(keepends=True)
    cut = starts[-1]
    return "".join(lines[:cut]), "".join(lines[cut:])


def split_blocks(source: str) -> list[str]:
    """`source` cut into its top-level blocks (blank lines go with the block before)."""
    starts = block_starts(source)
    if not starts:
        return [source] if source.strip() else []
    lines = source.splitlines(keepends=True)
    bounds = [0, *starts[1:], len(lines)]
    return ["".join(lines[a:b]) for a, b in pairwise(bounds) if a < b]
