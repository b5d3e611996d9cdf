"""Turn stored messages into a history the Messages API accepts.

Stored history is what happened, including the awkward parts: answers cut off
by an interrupt, tool calls that never got a result, two user messages in a
row after an error. The API needs strict alternation and a result for every
tool call, so this module repairs the view without touching what is stored.
"""

from __future__ import annotations

from typing import Any

from copilot.memory.records import StoredMessage

INTERRUPTED_NOTE = "[The user interrupted your previous answer; it is incomplete as shown.]"
NOT_RUN = "Not run: the turn was interrupted before this tool call finished."


def tool_result(call_id: str, content: str, is_error: bool) -> dict[str, Any]:
    """One `tool_result` block: the shape every answered (or unanswered) call takes."""
    return {"type": "tool_result", "tool_use_id": call_id, "content": content, "is_error": is_error}


def _blocks(content: list[dict[str, Any]] | str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return [dict(b) for b in content if b.get("type") != "text" or b.get("text")]


def to_api_messages(stored: list[StoredMessage]) -> list[dict[str, Any]]:
    """Alternating user/assistant messages, each tool call answered, interrupts noted."""
    out: list[dict[str, Any]] = []
    pending_note = False
    open_calls: list[str] = []
    for message in stored:
        blocks = _blocks(message.content)
        if message.role == "assistant":
            if not blocks:
                pending_note = pending_note or message.interrupted
                continue
            if out and out[-1]["role"] == "assistant":
                _close_calls(out, open_calls)
            if not out:
                out.append({"role": "user", "content": [{"type": "text", "text": "(continue)"}]})
            out.append({"role": "assistant", "content": blocks})
            open_calls = [b["id"] for b in blocks if b.get("type") == "tool_use"]
            pending_note = message.interrupted
            continue
        if open_calls:
            answered = {b.get("tool_use_id") for b in blocks if b.get("type") == "tool_result"}
            missing = [tool_result(cid, NOT_RUN, True) for cid in open_calls if cid not in answered]
            results = [b for b in blocks if b.get("type") == "tool_result"]
            others = [b for b in blocks if b.get("type") != "tool_result"]
            blocks = missing + results + others
            open_calls = []
        else:
            blocks = [b for b in blocks if b.get("type") != "tool_result"]
        if pending_note:
            blocks = _tool_results_first([*blocks, {"type": "text", "text": INTERRUPTED_NOTE}])
            pending_note = False
        if not blocks:
            continue
        if out and out[-1]["role"] == "user":
            out[-1]["content"] = _tool_results_first(out[-1]["content"] + blocks)
        else:
            out.append({"role": "user", "content": blocks})
    return out


def _tool_results_first(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The API wants tool results before any text in a user message."""
    results = [b for b in blocks if b.get("type") == "tool_result"]
    return results + [b for b in blocks if b.get("type") != "tool_result"]


def _close_calls(out: list[dict[str, Any]], open_calls: list[str]) -> None:
    """Two assistant messages in a row: answer the first one's calls, then alternate."""
    results = [tool_result(cid, NOT_RUN, True) for cid in open_calls]
    out.append({"role": "user", "content": results or [{"type": "text", "text": "(continue)"}]})
    open_calls.clear()
