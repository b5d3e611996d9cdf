"""Run the real app against the stand-in server, with helpers to wait on what shows.

Waiting is by polling with generous deadlines (never by asserting on time), so
these tests hold on a loaded two-core machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from textual import events
from textual.pilot import Pilot

from copilot.config import load
from copilot.engine.runtime import Runtime
from copilot.ui.app import CopilotApp
from copilot.ui.widgets import AssistantMessage, NoticeLine, UserMessage

DEADLINE_S = 15.0


def make_app(workspace: Path, flags: dict | None = None, **runtime_kwargs: object) -> CopilotApp:
    """An app on a temp workspace and database, reading no user config."""
    config = load(workspace, flags=flags, env={})
    runtime = Runtime(
        config=config,
        workspace=workspace,
        db_path=workspace / ".db" / "copilot.db",
        **runtime_kwargs,  # type: ignore[arg-type]
    )
    return CopilotApp(runtime)


async def wait_for(pilot: Pilot, predicate: Callable[[], bool], what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


async def input_ready(pilot: Pilot) -> None:
    """Wait for the real input: the first frame shows a stand-in (input_shell.py)."""
    await wait_for(pilot, lambda: bool(pilot.app.query("#input")), "the input")


def answers(app: CopilotApp) -> list[AssistantMessage]:
    return list(app.query(AssistantMessage))


def turn_over(app: CopilotApp) -> bool:
    """The turn has ended and every answer has finished drawing.

    The idle state travels on the bus's control lane, ahead of the answer's last
    text on the assistant lane, so `state == "idle"` alone can be seen while an
    answer still takes in its final fragments.
    """
    return app.state == "idle" and not any(a.has_class("-streaming") for a in answers(app))


def answer_text(app: CopilotApp) -> list[str]:
    return [a.text for a in answers(app)]


def users(app: CopilotApp) -> list[str]:
    return [u.text for u in app.query(UserMessage)]


def notices(app: CopilotApp) -> list[str]:
    return [str(n.render()) for n in app.query(NoticeLine)]


async def send(pilot: Pilot, text: str) -> None:
    """Type and send; `pilot.press` waits for the app to go idle (the turn may end)."""
    await pilot.press(*text)
    await pilot.press("enter")


async def hit(pilot: Pilot, *keys: str) -> None:
    """Post key events the way a terminal does, without waiting for idle.

    `pilot.press` waits until the app is idle, which never happens while an
    answer streams; a user does not wait either.
    """
    for key in keys:
        char = key if len(key) == 1 else None
        pilot.app.post_message(events.Key(key, char))
        await asyncio.sleep(0)
    await pilot.pause(0.05)


async def type_and_send(pilot: Pilot, text: str) -> None:
    await hit(pilot, *text, "enter")
