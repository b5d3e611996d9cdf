"""Drive a headless Runtime turn by turn, and a stand-in that answers fast.

Used in-process by the long-session tests and the context benchmark, and run
as a child process (`python -m tests.functional.session_driver WS DB TURNS`)
by the kill -9 test: it prints `turn N` after each turn ends, then keeps going.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from copilot.bus.events import (
    ApprovalRequest,
    CompactionDone,
    Event,
    Lane,
    StateChanged,
    UserInput,
)
from copilot.config import Config, load
from copilot.engine.compaction import SUMMARY_TOOL
from copilot.engine.runtime import Runtime
from tests.standin import Reply, StandinServer
from tests.standin.replies import last_user_text

#: A window small enough that compaction happens every few dozen turns.
SMALL_WINDOW = {"context_window": 8000, "max_tokens": 1024, "keep_turns": 2}
TURN_TIMEOUT_S = 60.0


def small_config(workspace: Path) -> Config:
    """The effective config with an 8k window, reading no user config."""
    return load(workspace, flags={"model": SMALL_WINDOW}, env={})


def filler(turn: int) -> str:
    """A user message of about 300 characters that differs from turn to turn."""
    return f"Turn {turn}: " + " ".join(f"word{(turn * 7 + i) % 97}" for i in range(45))


class FastStandin(StandinServer):
    """Unscripted requests get an instant short echo; summary requests a structured
    summary at once, or never (`hang_summaries`) to catch a compaction mid-way."""

    def __init__(self, *, hang_summaries: bool = False) -> None:
        super().__init__()
        self.hang_summaries = hang_summaries

    def _take_reply(self, body: dict[str, Any]) -> Reply:
        if is_summary_request(body):
            if self.hang_summaries:
                return Reply.hang_after(0)
            return Reply.tool_use(
                SUMMARY_TOOL,
                {
                    "goals": ["Keep the conversation going"],
                    "decisions": [],
                    "files": [],
                    "open_questions": [],
                    "preferences": [],
                },
            )
        if self.pending:
            return super()._take_reply(body)
        return Reply.text(f"You said: {last_user_text(body)[-200:]}", tokens_per_s=None)


def is_summary_request(body: Mapping[str, Any]) -> bool:
    choice = body.get("tool_choice") or {}
    return choice.get("name") == SUMMARY_TOOL


class Driver:
    """Sends one message at a time and waits for the turn (and any compaction) to end."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.compactions: list[CompactionDone] = []
        self.approvals: list[ApprovalRequest] = []
        self._inbox = runtime.bus.subscribe(
            "driver", lanes=(Lane.CONTROL, Lane.ASSISTANT, Lane.TOOL)
        )

    async def turn(self, text: str) -> None:
        self.runtime.bus.publish(UserInput(text=text))
        busy = False
        while True:
            event = await asyncio.wait_for(self._inbox.get(), TURN_TIMEOUT_S)
            self._note(event)
            if isinstance(event, StateChanged):
                if event.state != "idle":
                    busy = True
                elif busy:
                    break
        # The idle state (control lane) overtakes what waits on lower lanes.
        while (event := self._inbox.get_nowait()) is not None:
            self._note(event)

    def _note(self, event: Event) -> None:
        if isinstance(event, CompactionDone):
            self.compactions.append(event)
        elif isinstance(event, ApprovalRequest):
            self.approvals.append(event)


async def _child(workspace: Path, db: Path, turns: int) -> None:
    runtime = Runtime(
        config=small_config(workspace), workspace=workspace, db_path=db, tools=False, sense=False
    )
    session = await runtime.start()
    print(f"session {session.id}", flush=True)
    driver = Driver(runtime)
    for turn in range(turns):
        await driver.turn(filler(turn))
        print(f"turn {turn}", flush=True)
    await runtime.stop()


if __name__ == "__main__":
    asyncio.run(_child(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])))
