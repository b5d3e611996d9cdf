"""Compaction: which older turns to summarise, and the summary the fast model writes.

The summary is structured (goals, decisions, files, open questions, user
preferences, notes) because those are what the peers' users complain are
forgotten; the fast model fills it through a forced tool call so the shape
holds. Each summary folds in the previous one, so the request carries one
summary however many compactions happened.

Nothing here deletes anything: the span is already in the store and the
caller records the summary next to it. If the model cannot be reached, a
plain summary (the previous one plus the user's requests, verbatim) is used:
a poor summary loses nothing, a context that overflows loses the turn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from copilot.config import ModelConfig
from copilot.memory.records import StoredMessage
from copilot.memory.summaries import Summary
from copilot.models.anthropic_client import AnthropicClient, build_params
from copilot.models.reply import ModelError, Reply
from copilot.models.tokens import TokenCounter

#: The structured summary's sections, in the order they are shown.
SECTIONS: dict[str, str] = {
    "goals": "Goals",
    "decisions": "Decisions",
    "files": "Files touched",
    "open_questions": "Open questions",
    "preferences": "User preferences",
}
#: Items kept per section, and characters per item.
MAX_ITEMS, ITEM_CHARS = 12, 300
#: Characters of free-form notes kept.
NOTES_CHARS = 1500
#: Characters of one message in the transcript the summariser reads.
MESSAGE_CHARS = 2000
#: User requests quoted by the plain summary used when the model is unreachable.
FALLBACK_REQUESTS = 10

SUMMARY_TOOL = "record_summary"

SUMMARY_SYSTEM = (
    "You compact the conversation of a terminal coding assistant so that it can carry on "
    "without the original messages. Merge the previous summary (if any) with the new "
    "transcript; drop what was superseded. Keep exactly what the assistant needs: the user's "
    "goals, decisions taken and why, files touched (paths), open questions, and preferences "
    f"the user stated. Be specific: names, paths, commands, numbers. Call {SUMMARY_TOOL} once."
)

_ITEMS = {"type": "array", "items": {"type": "string"}}
SUMMARY_SCHEMA: dict[str, Any] = {
    "name": SUMMARY_TOOL,
    "description": "Record the structured summary of the conversation so far.",
    "input_schema": {
        "type": "object",
        "properties": {
            **{key: {**_ITEMS, "description": title} for key, title in SECTIONS.items()},
            "notes": {"type": "string", "description": "Anything else worth keeping."},
        },
        "required": list(SECTIONS),
    },
}


def is_turn_start(message: StoredMessage) -> bool:
    """A user message with something besides tool results begins a turn."""
    if message.role != "user":
        return False
    return any(b.get("type") != "tool_result" for b in message.content)


def turn_starts(messages: Sequence[StoredMessage]) -> list[int]:
    """Indexes of the messages that begin a turn."""
    return [i for i, m in enumerate(messages) if is_turn_start(m)]


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[… {len(text) - 2 * half} characters cut …]\n{text[-half:]}"


def _block_line(role: str, block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "text":
        return f"{role}: {block.get('text', '')}"
    if kind == "tool_use":
        args = json.dumps(block.get("input", {}), ensure_ascii=False)
        return f"{role} called {block.get('name')}({args})"
    if kind == "tool_result":
        inner = block.get("content", "")
        if isinstance(inner, list):
            inner = "\n".join(str(b.get("text", "")) for b in inner if isinstance(b, dict))
        return f"tool result: {inner}"
    return ""


def transcript(span: Sequence[StoredMessage], max_chars: int) -> str:
    """The span as plain lines for the summariser, long messages and the middle cut."""
    lines: list[str] = []
    for message in span:
        body = "\n".join(line for b in message.content if (line := _block_line(message.role, b)))
        if message.interrupted:
            body += "\n[interrupted]"
        lines.append(_clip(body, MESSAGE_CHARS))
    return _clip("\n\n".join(lines), max(max_chars, 200))


def normalise(raw: dict[str, Any]) -> dict[str, Any]:
    """The model's summary with the expected shape and bounded sizes."""
    body: dict[str, Any] = {}
    for key in SECTIONS:
        value = raw.get(key) or []
        items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        body[key] = [
            " ".join(str(item).split())[:ITEM_CHARS] for item in items[:MAX_ITEMS] if str(item)
        ]
    notes = raw.get("notes")
    body["notes"] = str(notes)[:NOTES_CHARS] if notes else ""
    return body


def render(body: dict[str, Any]) -> str:
    """The summary as the model and the user read it (Markdown)."""
    parts = []
    for key, title in SECTIONS.items():
        items = body.get(key) or []
        if items:
            parts.append(f"## {title}\n" + "\n".join(f"- {item}" for item in items))
    if body.get("notes"):
        parts.append(f"## Notes\n{body['notes']}")
    return "\n\n".join(parts) or "(nothing of note yet)"


def fit(body: dict[str, Any], limit: int) -> dict[str, Any]:
    """`body` cut until its rendering has at most `limit` characters: notes, then items."""
    excess = len(render(body)) - limit
    if excess > 0 and body["notes"]:
        body["notes"] = body["notes"][: max(0, len(body["notes"]) - excess)]
    while len(render(body)) > limit:
        longest = max(SECTIONS, key=lambda key: len(body[key]))
        if not body[longest]:
            break
        body[longest].pop()
    return body


def _parse(reply: Reply) -> dict[str, Any]:
    for call in reply.tool_calls():
        if call.get("name") == SUMMARY_TOOL and isinstance(call.get("input"), dict):
            return normalise(call["input"])
    try:
        data = json.loads(reply.text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        return normalise(data)
    return normalise({"notes": reply.text})


def fallback(previous: Summary | None, span: Sequence[StoredMessage]) -> dict[str, Any]:
    """A summary written without a model: the previous one plus the user's requests."""
    body = normalise(previous.body if previous else {})
    asked = [
        " ".join(b.get("text", "").split())[:ITEM_CHARS]
        for m in span
        if is_turn_start(m)
        for b in m.content
        if b.get("type") == "text" and b.get("text")
    ]
    body["goals"] = (body["goals"] + asked[-FALLBACK_REQUESTS:])[-MAX_ITEMS:]
    body["fallback"] = True
    return body


class Summariser:
    """Asks the fast model (`config.interaction`) for the structured summary of a span."""

    def __init__(self, client: AnthropicClient, config: ModelConfig, counter: TokenCounter):
        self.client = client
        self.config = config
        self.counter = counter

    @property
    def max_tokens(self) -> int:
        """Output room for one summary: an eighth of the window, within 256..2048."""
        return max(256, min(2048, self.config.context_window // 8))

    def params(
        self, previous: Summary | None, span: Sequence[StoredMessage], input_budget: int
    ) -> dict[str, Any]:
        """The summarising request, its transcript cut so the request fits `input_budget`."""
        head = f"<previous_summary>\n{previous.text}\n</previous_summary>\n\n" if previous else ""
        prompt = head + "<transcript>\n{}\n</transcript>"
        params = self._request(prompt.format(""))
        room = input_budget - self.counter.estimate(params)
        text = transcript(span, self.counter.chars_for(room) - 64)
        return self._request(prompt.format(text))

    def _request(self, prompt: str) -> dict[str, Any]:
        messages = [{"role": "user", "content": [{"type": "text", "text": prompt}]}]
        params = build_params(
            self.config, SUMMARY_SYSTEM, messages, [SUMMARY_SCHEMA], model=self.config.interaction
        )
        params["max_tokens"] = self.max_tokens
        params["tool_choice"] = {"type": "tool", "name": SUMMARY_TOOL}
        return params

    async def summarise(
        self, previous: Summary | None, span: Sequence[StoredMessage], input_budget: int
    ) -> dict[str, Any]:
        """The new summary's body; the plain fallback when the model fails."""
        reply = Reply()
        try:
            await self.client.stream(
                self.params(previous, span, input_budget),
                reply,
                on_text=_ignore,
                on_retry=_ignore,
                on_usage=_ignore,
            )
        except ModelError:
            return fallback(previous, span)
        return fit(_parse(reply), self.counter.chars_for(self.max_tokens))


def _ignore(*args: object) -> None:
    del args
