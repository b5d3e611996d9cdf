"""The real app under Textual's Pilot, wired to a stand-in server, for in-process timing.

Benchmarks post key events straight to the app (`post_key`) instead of `pilot.press`,
which waits for the app to go idle and would time Pilot rather than copilot. The app
reads its key and base URL from the environment exactly as in a terminal, so the helper
sets them (and points config and data at a temp folder) for the life of the app.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from textual import events
from textual.pilot import Pilot

from copilot.config import load
from copilot.engine.runtime import Runtime
from copilot.ui.app import CopilotApp
from copilot.ui.widgets import AssistantMessage, FrozenAnswer

READY_TIMEOUT_S = 30.0
SETTLE_S = 0.8


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for a block and put the old values back after."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@contextmanager
def isolated(base_url: str) -> Iterator[Path]:
    """A temp folder holding workspace, config and data; the env names the stand-in."""
    with tempfile.TemporaryDirectory(prefix="copilot-bench-") as tmp:
        folder = Path(tmp)
        (folder / "workspace").mkdir()
        values = {
            "ANTHROPIC_API_KEY": "sk-ant-bench",
            "ANTHROPIC_BASE_URL": base_url,
            "XDG_CONFIG_HOME": str(folder / "config"),
            "COPILOT_DATA_DIR": str(folder / "data"),
        }
        with environment(values):
            yield folder


@asynccontextmanager
async def running_app(
    base_url: str, size: tuple[int, int] = (120, 40)
) -> AsyncIterator[tuple[CopilotApp, Pilot[None]]]:
    """Start the app against `base_url`; yields once it is ready as a user finds it a second in:
    first frame up, SDK loaded, answer rendering warmed, start-up heap frozen."""
    with isolated(base_url) as folder:
        workspace = folder / "workspace"
        runtime = Runtime(
            config=load(workspace, env={}), workspace=workspace, db_path=folder / "copilot.db"
        )
        app = CopilotApp(runtime)
        async with app.run_test(size=size) as pilot:
            await wait_until(lambda: app.prepared_at is not None and runtime.engine is not None)
            assert runtime.client is not None
            problem = await runtime.client.load()
            if problem:
                raise RuntimeError(problem)
            yield app, pilot
            # Let the status line's activity timer (0.6 s after the last heartbeat) fire
            # while the screen still exists: at teardown it raises NoMatches (reported).
            await wait_until(lambda: app.state == "idle")
            await pilot.pause(SETTLE_S)


async def wait_until(
    predicate: Callable[[], bool], timeout: float = READY_TIMEOUT_S, interval: float = 0.001
) -> float:
    """Poll `predicate` on the app's loop; returns the monotonic time it became true."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met after {timeout}s")
        await asyncio.sleep(interval)
    return time.monotonic()


def send(app: CopilotApp, text: str) -> None:
    """Submit `text` through the input box, as Enter would."""
    app.prompt.load_text(text)
    app.prompt.action_submit()


def post_key(app: CopilotApp, key: str, character: str | None = None) -> None:
    """Deliver a key the way the terminal driver does: as a Key event posted to the app."""
    app.post_message(events.Key(key, character))


def answers(app: CopilotApp) -> list[AssistantMessage | FrozenAnswer]:
    """The assistant messages on screen, oldest first (older ones frozen).

    Only the conversation's own children are scanned, not the whole DOM (`app.query`):
    every answer holds a subtree of Markdown blocks, and a poll that walks them all
    would make a long session look slow for the benchmark's own sake.
    """
    return [w for w in app.conversation.children if isinstance(w, AssistantMessage | FrozenAnswer)]
