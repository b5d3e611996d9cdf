"""Each request's history, within the token budget, with what must never be forgotten.

A request is: the system prompt (instructions files are in it), a pinned
memory block, the turns since the last compaction verbatim, and the ambient
block. The pinned block leads the first message and holds the facts the user
asked to remember, the current task list and the structured summary of the
compacted turns. It changes only when one of those changes, so the prompt
cache prefix survives from one request to the next.

After each turn, when the request has passed `compact_at` of the window, the
older turns are summarised (see `compaction`) and the summary is stored next to
the span it replaced; the originals stay in the store and in `recall`. If a
single turn outgrows the budget before a compaction can help (a huge tool
result), the request drops its oldest turns, then cuts the largest blocks in
the middle: the stored history is never touched, only this request's view.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from copilot.bus import Bus
from copilot.bus.events import CompactionDone, Lane, TaskUpdate
from copilot.config import ModelConfig
from copilot.engine.compaction import Summariser, render, turn_starts
from copilot.engine.history import to_api_messages
from copilot.engine.task_board import TaskBoard
from copilot.memory.facts import Fact, facts
from copilot.memory.records import StoredMessage
from copilot.memory.store import Store
from copilot.memory.summaries import Summary, add_summary, latest_summary
from copilot.models.anthropic_client import AnthropicClient, build_params
from copilot.models.tokens import TokenCounter, request_chars

#: Share of the input budget the remembered facts may take; older ones beyond it
#: are left to `recall` and the block says so.
FACTS_SHARE = 0.15
#: Past this share of the threshold, the exact count is asked for before deciding.
NEAR_THRESHOLD = 0.85
#: After a compaction the kept turns should fit in this share of the threshold.
KEEP_SHARE = 0.5
#: Rounds of cutting the largest block when one turn alone is over budget.
MAX_CUTS = 32

MEMORY_INTRO = (
    "<memory>\nCopilot's memory of this workspace and conversation. It is not the user's "
    "latest message. The full earlier messages are stored: use the recall tool for details."
)


class ContextWindow:
    """Builds requests within budget and compacts the history after a turn when needed."""

    def __init__(
        self,
        bus: Bus,
        store: Store,
        client: AnthropicClient,
        config: ModelConfig,
        workspace: str,
    ) -> None:
        self.store = store
        self.config = config
        self.workspace = workspace
        self.counter = TokenCounter(config)
        self.summariser = Summariser(client, config, self.counter)
        self.tasks = TaskBoard()
        self.summary: Summary | None = None
        self.facts: list[Fact] = []
        self.last_params: dict[str, Any] = {}
        self.last_chars = 0
        self.last_tokens = 0
        self._observed = False
        self._session_id: str | None = None
        self._updates = bus.subscribe("context-window", lanes=(Lane.TOOL,))

    # --- budget -----------------------------------------------------------------

    @property
    def input_budget(self) -> int:
        """Tokens a request may have: the window less the room kept for the answer."""
        window, answer = self.config.context_window, self.config.max_tokens
        return window - answer if answer < window // 2 else window // 2

    @property
    def threshold(self) -> int:
        """Request size past which the history is compacted after the turn."""
        return min(int(self.config.compact_at * self.config.context_window), self.input_budget)

    # --- requests ---------------------------------------------------------------

    async def request(
        self,
        session_id: str,
        system: str,
        history: Sequence[StoredMessage],
        tools: list[dict[str, Any]],
        ambient: str = "",
    ) -> dict[str, Any]:
        """The request body for the next reply, within `input_budget`."""
        await self._refresh(session_id)
        params, chars = self._fit(system, self._tail(history), tools, ambient)
        self.last_params = params
        self.last_chars = chars
        self.last_tokens = self.counter.from_chars(chars)
        self._observed = False
        return params

    def observe(self, reported: int) -> int:
        """Calibrate from the API's count of the last request; returns the context used."""
        if self.last_params and reported and not self._observed:
            self._observed = True
            self.counter.observe_chars(self.last_chars, reported)
            self.last_tokens = max(reported, self.counter.from_chars(self.last_chars))
        return self.last_tokens

    async def _refresh(self, session_id: str) -> None:
        """Load the session's latest summary once; facts and tasks every request."""
        if session_id != self._session_id:
            self.summary = await latest_summary(self.store, session_id)
            self._session_id = session_id
        self.facts = await facts(self.store, self.workspace)
        while (event := self._updates.get_nowait()) is not None:
            if isinstance(event, TaskUpdate):
                self.tasks.note(event)

    def _tail(self, history: Sequence[StoredMessage]) -> list[StoredMessage]:
        """The messages after the latest summary's span."""
        if self.summary is None:
            return list(history)
        for index in range(len(history) - 1, -1, -1):
            if history[index].id == self.summary.last_message_id:
                return list(history[index + 1 :])
        return list(history)

    def pinned_text(self, omitted: int = 0) -> str:
        """The memory block: remembered facts, tasks, summary; empty when there is none."""
        parts = []
        shown, hidden = self._facts_within_budget()
        if shown:
            lines = "\n".join(f"- {fact.text}" for fact in shown)
            more = f"\n({hidden} older facts are not shown here; recall finds them.)"
            parts.append(
                "Facts the user asked you to remember (follow them):\n"
                + lines
                + (more if hidden else "")
            )
        tasks = self.tasks.text()
        if tasks:
            parts.append("Background tasks:\n" + tasks)
        if self.summary is not None:
            parts.append("Summary of the earlier conversation:\n" + self.summary.text)
        if omitted:
            parts.append(
                f"({omitted} earlier messages are left out of this request to fit the window.)"
            )
        if not parts:
            return ""
        return MEMORY_INTRO + "\n\n" + "\n\n".join(parts) + "\n</memory>"

    def _facts_within_budget(self) -> tuple[list[Fact], int]:
        """The newest facts that fit in `FACTS_SHARE` of the budget, in their order."""
        room = int(self.input_budget * FACTS_SHARE)
        shown: list[Fact] = []
        for fact in reversed(self.facts):
            room -= self.counter.text_tokens(fact.text) + 2
            if room < 0:
                break
            shown.append(fact)
        return shown[::-1], len(self.facts) - len(shown)

    def _build(
        self,
        system: str,
        tail: Sequence[StoredMessage],
        tools: list[dict[str, Any]],
        ambient: str,
        omitted: int = 0,
    ) -> dict[str, Any]:
        messages = to_api_messages(list(tail))
        pinned = self.pinned_text(omitted)
        if pinned:
            block = {"type": "text", "text": pinned}
            if messages and messages[0]["role"] == "user":
                messages[0] = {**messages[0], "content": [block, *messages[0]["content"]]}
            else:
                messages.insert(0, {"role": "user", "content": [block]})
        return build_params(self.config, system, messages, tools, ambient=ambient)

    def _fits(self, params: dict[str, Any]) -> bool:
        return self.counter.estimate(params) <= self.input_budget

    def _fit(
        self,
        system: str,
        tail: list[StoredMessage],
        tools: list[dict[str, Any]],
        ambient: str,
    ) -> tuple[dict[str, Any], int]:
        """The full request if it fits; else without the oldest turns; else with cuts.

        Returns the request and its size in characters of JSON, measured once: the
        measure serialises the whole history, so it is not repeated on a turn's path.
        """
        params = self._build(system, tail, tools, ambient)
        chars = request_chars(params)
        if self.counter.from_chars(chars) <= self.input_budget:
            return params, chars
        starts = [i for i in turn_starts(tail) if i > 0]
        low, high = 0, len(starts)
        while low < high:
            middle = (low + high) // 2
            start = starts[middle]
            if self._fits(self._build(system, tail[start:], tools, ambient, start)):
                high = middle
            else:
                low = middle + 1
        start = starts[low] if low < len(starts) else (starts[-1] if starts else 0)
        params = self._build(system, tail[start:], tools, ambient, start)
        if not self._fits(params):
            params = self._cut(params)
        return params, request_chars(params)

    def _cut(self, params: dict[str, Any]) -> dict[str, Any]:
        """Halve the largest text or tool result, oldest first on ties, until it fits."""
        params = copy.deepcopy(params)
        for _ in range(MAX_CUTS):
            excess = self.counter.estimate(params) - self.input_budget
            if excess <= 0:
                break
            candidates = _texts(params["messages"])
            if not candidates:
                break
            holder, key, text = max(candidates, key=lambda t: len(t[2]))
            keep = max(0, min(len(text) // 2, len(text) - self.counter.chars_for(excess) - 64))
            holder[key] = (
                f"{text[: keep // 2]}\n[… cut to fit the context window; the full text is "
                f"stored …]\n{text[len(text) - keep // 2 :]}"
            )
        return params

    # --- compaction -------------------------------------------------------------

    async def after_turn(
        self,
        session_id: str,
        system: str,
        history: Sequence[StoredMessage],
        tools: list[dict[str, Any]],
    ) -> CompactionDone | None:
        """Compact when the history has passed the threshold; the event to show, if any."""
        await self._refresh(session_id)
        tail = self._tail(history)
        full = self._build(system, tail, tools, "")
        tokens = self.counter.estimate(full)
        if tokens < NEAR_THRESHOLD * self.threshold:
            return None
        tokens = await self.counter.count(full)
        if tokens < self.threshold:
            return None
        cut = self._cut_point(system, tail, tools)
        if cut is None:
            return None
        span = tail[:cut]
        body = await self.summariser.summarise(self.summary, span, self.input_budget)
        text = render(body)
        previous = self.summary
        self.summary = Summary("", session_id, span[0].id, span[-1].id, body, text, 0, 0, 0.0)
        after = self.counter.estimate(self._build(system, tail[cut:], tools, ""))
        try:
            self.summary = await add_summary(
                self.store,
                session_id,
                span[0].id,
                span[-1].id,
                body,
                text,
                tokens_before=tokens,
                tokens_after=after,
            )
        except BaseException:
            self.summary = previous
            raise
        return CompactionDone(
            summary=text,
            first_message_id=span[0].id,
            last_message_id=span[-1].id,
            tokens_before=tokens,
            tokens_after=after,
        )

    def _cut_point(
        self, system: str, tail: list[StoredMessage], tools: list[dict[str, Any]]
    ) -> int | None:
        """Where the kept turns begin: the last `keep_turns`, fewer if they are too large."""
        starts = [i for i in turn_starts(tail) if i > 0]
        if not starts:
            return None
        keep = max(1, self.config.keep_turns)
        candidates = starts[-keep:]
        target = KEEP_SHARE * self.threshold
        for start in candidates:
            kept = self._build(system, tail[start:], tools, "")
            if self.counter.estimate(kept) <= target:
                return start
        return candidates[-1]

    async def close(self) -> None:
        self._updates.close()
        await self.counter.close()


def _texts(messages: list[dict[str, Any]]) -> list[tuple[dict[str, Any], str, str]]:
    """Every (holder, key, text) a cut may shorten, in order; never the memory block."""
    found: list[tuple[dict[str, Any], str, str]] = []
    for message in messages:
        for block in message["content"]:
            if block.get("type") == "text" and not block["text"].startswith(MEMORY_INTRO):
                found.append((block, "text", block["text"]))
            elif block.get("type") == "tool_result" and isinstance(block.get("content"), str):
                found.append((block, "content", block["content"]))
    return found
