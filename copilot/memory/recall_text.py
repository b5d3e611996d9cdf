"""Turn stored records into searchable text, and user input into a safe FTS5 query.

Full-text recall indexes what a person would remember seeing: the words of a
message, the command a tool was asked to run (the tool_use input), and what the
tool printed (tool_result content). Events contribute their string values.

User queries are never passed to FTS5 raw: ``-``, ``*``, quotes, ``AND``/``NOT``
and parentheses are FTS5 syntax, and a stray one is either an error or a
different question. Each whitespace-separated term becomes a quoted phrase, so
every term must appear (implicit AND); a trailing ``*`` keeps its familiar
meaning of "prefix".
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

#: A Python str never holds surrogate pairs, so any surrogate is a lone one.
_SURROGATE = re.compile("[\ud800-\udfff]")

#: Longest session title derived from the first user message.
TITLE_MAX_CHARS = 80


def utf8_safe(text: str) -> str:
    """``text`` with lone surrogates replaced, so SQLite can store it.

    Strings decoded with ``surrogateescape`` (paths and tool output with invalid
    UTF-8) carry lone surrogates, which SQLite refuses; losing a message over
    one undecodable byte would be worse than showing U+FFFD in its place.
    """
    return _SURROGATE.sub("\ufffd", text)


def _block_texts(blocks: Iterable[Any]) -> Iterator[str]:
    """Yield the searchable strings of a list of content blocks."""
    for block in blocks:
        if isinstance(block, str):
            yield block
            continue
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text":
            yield str(block.get("text", ""))
        elif kind == "tool_use":
            yield str(block.get("name", ""))
            yield json.dumps(block.get("input", {}), ensure_ascii=False, default=str)
        elif kind == "tool_result":
            inner = block.get("content", "")
            if isinstance(inner, str):
                yield inner
            elif isinstance(inner, list):
                yield from _block_texts(inner)


def message_text(content: list[dict[str, Any]]) -> str:
    """The text of a message's content blocks, as indexed for recall."""
    return "\n".join(part for part in _block_texts(content) if part)


def _strings(value: Any) -> Iterator[str]:
    """Yield every string leaf of a JSON-like value (keys are structure, not content)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def payload_text(payload: dict[str, Any]) -> str:
    """The text of an event payload, as indexed for recall."""
    return "\n".join(part for part in _strings(payload) if part)


def title_from(content: list[dict[str, Any]]) -> str:
    """A one-line session title from the first words the user typed."""
    texts = (b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    line = " ".join(" ".join(texts).split())
    if len(line) <= TITLE_MAX_CHARS:
        return utf8_safe(line)
    return utf8_safe(line[: TITLE_MAX_CHARS - 1].rstrip() + "…")


def fts_query(text: str) -> str | None:
    """Quote user input into an FTS5 MATCH expression; None if nothing to search."""
    phrases: list[str] = []
    # FTS5 parses the expression as a C string: a NUL would cut it mid-quote.
    for term in utf8_safe(text).replace("\0", " ").split():
        core = term.rstrip("*")
        prefix = bool(core) and core != term
        if not prefix:
            core = term
        phrases.append('"' + core.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(phrases) or None
