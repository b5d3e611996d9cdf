"""The compact "what the user is doing" block that goes with each request.

Built from the ranked items, most salient first, within a token budget: an item
that does not fit with its detail is tried as its one-line summary, and when not
even that fits the rest are counted in a closing line. Pinned items come first
so they are the last to be cut. Every piece is redacted again before it is
counted, so what is counted is what is sent.
"""

from __future__ import annotations

from dataclasses import replace

from copilot.sensors.items import ContextBlock, ContextItem
from copilot.sensors.redact import redact
from copilot.sensors.tokens import estimate_tokens

HEADER = (
    "## What the user is doing\n(ambient context from copilot's sensors, most relevant first)\n"
)

#: Lines of an item's detail the block carries at most.
DETAIL_LINES = 24
#: Sensors whose detail is terminal output: the end (the error) matters most.
TAIL_SENSORS = frozenset({"tmux", "shell"})


def format_age(seconds: float) -> str:
    """`12s`, `4m`, `3h`, `2d`: short enough for a pane column."""
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h"
    return f"{s // 86400}d"


def _headline(item: ContextItem) -> str:
    repeats = f", x{item.count}" if item.count > 1 else ""
    pin = " [pinned]" if item.pinned else ""
    return f"- {item.summary} ({format_age(item.age_s)} ago{repeats}){pin}\n"


def _with_detail(item: ContextItem) -> str:
    lines = item.detail.strip("\n").splitlines()
    extra = len(lines) - DETAIL_LINES
    if extra > 0 and item.sensor in TAIL_SENSORS:
        lines = [f"... ({extra} earlier lines)", *lines[-DETAIL_LINES:]]
    elif extra > 0:
        lines = [*lines[:DETAIL_LINES], f"... ({extra} more lines)"]
    fence = "````" if any("```" in line for line in lines) else "```"
    body = "".join(f"  {line}\n" for line in lines)
    return f"{_headline(item)}  {fence}\n{body}  {fence}\n"


def build_block(ranked: list[ContextItem], budget_tokens: int = 1500) -> ContextBlock:
    """The block for `ranked` items (already in order) within `budget_tokens`."""
    candidates = [i for i in ranked if not i.muted]
    if not candidates or budget_tokens <= 0:
        return ContextBlock("", 0, tuple(replace(i, included=False) for i in ranked))
    parts = [HEADER]
    used = estimate_tokens(HEADER)
    # Room for the closing "n more" line, so the total stays within the budget.
    reserve = estimate_tokens("- ... and 9999 more items\n")
    included: set[str] = set()
    omitted = 0
    for item in candidates:
        options = [_with_detail(item), _headline(item)] if item.detail else [_headline(item)]
        for text in map(redact, options):
            cost = estimate_tokens(text)
            if used + cost + reserve <= budget_tokens:
                parts.append(text)
                used += cost
                included.add(item.key)
                break
        else:
            omitted += 1
    if not included:
        return ContextBlock("", 0, tuple(replace(i, included=False) for i in ranked))
    if omitted:
        parts.append(f"- ... and {omitted} more items\n")
    text = "".join(parts)
    items = tuple(replace(i, included=i.key in included) for i in ranked)
    return ContextBlock(text, estimate_tokens(text), items)
