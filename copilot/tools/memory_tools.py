"""The model's own memory tools: `recall` (search) and `remember` (pin a fact).

Both touch nothing but copilot's own store: no file, no process, no network.
So they run without the approval gate, and their results cite where a memory
came from (session and time) so the model can say so and the user can check.
`recall_text` is also what `/recall` shows the user.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from copilot.memory.facts import remember
from copilot.memory.store import Store
from copilot.tools.base import ToolResult, error

#: Results one recall returns at most.
RECALL_LIMIT = 10

RECALL = {
    "name": "recall",
    "description": (
        "Search copilot's memory of this workspace: every earlier message, tool call and "
        "output, and what the user did (files, commands), across past sessions too. Use it "
        "when the user refers to something not in the conversation you can see. Read-only."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "query": {"type": "string", "description": "Words to find (all must match)."},
            "limit": {"type": "integer", "description": f"At most this many (<= {RECALL_LIMIT})."},
        },
        "required": ["query"],
    },
}

REMEMBER = {
    "name": "remember",
    "description": (
        "Keep a fact for every future request and session in this workspace (a preference, "
        "a convention, a decision). Use it when the user asks you to remember something."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "fact": {"type": "string", "description": "One short, self-contained fact."}
        },
        "required": ["fact"],
    },
}


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


async def recall_text(
    store: Store, workspace: str, query: str, *, limit: int = RECALL_LIMIT, current: str = ""
) -> str:
    """Search results as lines citing session and time; says so when nothing matched."""
    hits = await store.search(query, workspace=workspace, limit=limit)
    if not hits:
        return f"Nothing in memory matches {query!r}."
    lines = []
    for hit in hits:
        session = (
            "this session" if hit["session_id"] == current else f"session {hit['session_id'][:8]}"
        )
        title = f" “{hit['title']}”" if hit["title"] and hit["session_id"] != current else ""
        what = hit["role"] or hit["kind"] or hit["source"]
        snippet = " ".join(hit["snippet"].split())
        lines.append(f"- [{_when(hit['time'])}, {session}{title}] {what}: {snippet}")
    return "\n".join(lines)


class MemoryTools:
    """The two tools, bound to one store, workspace and (current) session."""

    names = frozenset({"recall", "remember"})

    def __init__(self, store: Store, workspace: str, session_id: Callable[[], str]) -> None:
        self.store = store
        self.workspace = workspace
        self._session_id = session_id

    @staticmethod
    def schemas() -> list[dict[str, Any]]:
        return [dict(RECALL), dict(REMEMBER)]

    async def run(self, name: str, args: dict[str, Any]) -> ToolResult:
        """Run one call; a bad argument is an error result, never an exception."""
        started = time.monotonic()
        if name == "recall":
            query = args.get("query")
            limit = args.get("limit") or RECALL_LIMIT
            if not isinstance(query, str) or not query.strip():
                return error("recall: query must be a non-empty string")
            if not isinstance(limit, int) or isinstance(limit, bool):
                return error("recall: limit must be an integer")
            text = await recall_text(
                self.store,
                self.workspace,
                query,
                limit=max(1, min(limit, RECALL_LIMIT)),
                current=self._session_id(),
            )
        elif name == "remember":
            fact = args.get("fact")
            if not isinstance(fact, str) or not fact.strip():
                return error("remember: fact must be a non-empty string")
            kept = await remember(
                self.store,
                self.workspace,
                fact,
                session_id=self._session_id(),
                source="model",
            )
            text = f"Remembered for this workspace: {kept.text}"
        else:
            return error(f"unknown memory tool {name!r}")
        return ToolResult(content=text, duration_s=time.monotonic() - started)
