"""Where one top-level Markdown block ends and the next begins.

A streaming answer keeps only its last block live (it may still grow: a
paragraph gains words, a fence gains lines); every block before it is complete
and is drawn once. Deciding which blocks are complete is parsing: markdown-it's
top-level tokens carry the source lines they cover.

A top-level list counts as one block per item. Textual's `Markdown` rebuilds a
live list whole (every item's four widgets, mounted, styled and laid out again)
at each fragment appended to it, so a list of twenty items streamed at ~20
frames' worth of work per fragment; an item is complete once the next begins.
Drawn one after another, the items of a tight list stay together
(`continues_list`).
"""

from __future__ import annotations

import re
from itertools import pairwise

from markdown_it import MarkdownIt

_PARSER = MarkdownIt("gfm-like")


_LISTS = ("bullet_list_open", "ordered_list_open")

#: A fence opened at the start of a line (CommonMark: three or more backticks with no
#: backtick in the info string, or three or more tildes).
_OPENER = re.compile(r"(`{3,})([^`\n]*)\n|(~{3,})([^\n]*)\n")


def open_fence(source: str) -> tuple[str, str] | None:
    """(info string, code) when `source` is one fenced code block opened on its first
    line, at the margin, and not closed yet; else None.

    While a model writes a file out the answer's last block is such a fence, and each
    fragment extended it: parsing it again (~1 ms per 100 lines) at every fragment to
    learn that nothing in it was complete cost a fifth of the loop at 200 tok/s. Until
    a line that could close it arrives, nothing in it can be complete."""
    opener = _OPENER.match(source)
    if opener is None:
        return None
    run = opener.group(1) or opener.group(3)
    closer = re.compile(rf"^ {{0,3}}{re.escape(run[0])}{{{len(run)},}}[ \t]*$", re.MULTILINE)
    if closer.search(source, opener.end()):
        return None
    info = opener.group(2) if opener.group(1) else opener.group(4)
    return info.strip(), source[opener.end() :]


def fence_code(block: str) -> tuple[str, str] | None:
    """(lexer name, code) when `block` is one fenced code block, closed or not; else
    None."""
    growing = open_fence(block)
    if growing is not None:
        info, code = growing
    elif block.lstrip(" ").startswith(("```", "~~~")):
        tokens = _PARSER.parse(block)
        if len(tokens) != 1 or tokens[0].type != "fence":
            return None
        info, code = tokens[0].info, tokens[0].content
    else:
        return None
    return info.partition(" ")[0] or "text", code


def last_code_block(source: str) -> str | None:
    """The code of the last fenced or indented code block in `source`, at any depth
    (in a list item too), as markdown-it reads it; None if there is none."""
    codes = [t.content for t in _PARSER.parse(source) if t.type in ("fence", "code_block")]
    return codes[-1] if codes else None


def block_starts(source: str) -> list[int]:
    """Line numbers where each top-level block (or top-level list item) of `source`
    starts, in order."""
    starts: list[int] = []
    in_list = False
    for token in _PARSER.parse(source):
        if token.map is None:
            continue
        if token.level == 0:
            in_list = token.type in _LISTS
            if not in_list:
                starts.append(token.map[0])
        elif in_list and token.level == 1 and token.type == "list_item_open":
            starts.append(token.map[0])
    return starts


def continues_list(before: str, block: str) -> bool:
    """Whether `block` is the next item of a tight list whose item `before` is: the
    two are then drawn with no blank row between them.

    Items of one list share their marker (a bullet character, or an ordered list's
    `.` or `)`); a blank line after an item makes the list loose.
    """
    lines = before.splitlines()
    if not lines or not lines[-1].strip():
        return False  # a blank line after it: a loose list, or nothing to continue
    marker = _list_marker(block)
    return marker is not None and marker == _list_marker(before)


def _list_marker(block: str) -> str | None:
    """The marker of the list `block` begins with, if it begins with one."""
    for token in _PARSER.parse(block):
        if token.map is not None and token.level == 0:
            return token.markup if token.type in _LISTS else None
    return None


def split_complete(source: str) -> tuple[list[str], str]:
    """`source` as (its complete blocks, its last block), split on line boundaries.

    Everything before the last block's first line is complete: a later line can
    extend only the last block. (One construct does reach back: a reference
    link defined after the paragraph using it; that link then shows as text.)
    """
    if open_fence(source) is not None:
        return [], source
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
