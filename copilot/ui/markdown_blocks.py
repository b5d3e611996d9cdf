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


def split_complete(source: str) -> tuple[list[str], str]:
    """`source` as (its complete blocks, its last block), split on line boundaries.

    Everything before the last block's first line is complete: a later line can
    extend only the last block. (One construct does reach back: a reference
    link defined after the paragraph using it; that link then shows as text.)
    """
    blocks = split_blocks(source)
    if len(blocks) < 2:
        return [], source
    return blocks[:-1], blocks[-1]


def split_blocks(source: str) -> list[str]:
    """`source` cut into its top-level blocks (blank lines go with the block before)."""
    return _cut(source, block_starts(source))


def _cut(source: str, starts: list[int]) -> list[str]:
    """`source` cut at the lines where its blocks start (the first block from line 0)."""
    if not starts:
        return [source] if source.strip() else []
    lines = source.splitlines(keepends=True)
    bounds = [0, *starts[1:], len(lines)]
    return ["".join(lines[a:b]) for a, b in pairwise(bounds) if a < b]
