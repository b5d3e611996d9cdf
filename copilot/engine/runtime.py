"""Wiring of the headless parts for one run of copilot: bus, store, model, engine.

Front ends (the Textual app, the plain line mode, tests) build a Runtime,
start it, subscribe to its bus, and publish intents. Nothing here knows which
front end is attached.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from copilot.bus import Bus
from copilot.config import Config
from copilot.engine.session import ContextSource, Engine, Toolbox
from copilot.memory.paths import DB_FILE_NAME, default_db_path
from copilot.memory.records import SessionInfo
from copilot.memory.store import Store
from copilot.models.anthropic_client import AnthropicClient


def db_path_for(config: Config) -> Path:
    """The database file: `data_dir` from config, else COPILOT_DATA_DIR / XDG."""
    if config.data_dir:
        return Path(config.data_dir).expanduser() / DB_FILE_NAME
    return default_db_path()


async def open_store(config: Config, path: Path | None = None) -> Store:
    return await Store.open(path or db_path_for(config))


@dataclass
class Runtime:
    """Everything one session needs, started and stopped together."""

    config: Config
    workspace: Path
    db_path: Path | None = None
    resume: str | None = None
    continue_last: bool = False
    bus: Bus = field(default_factory=Bus)
    toolbox: Toolbox | None = None
    context: ContextSource | None = None
    store: Store | None = None
    client: AnthropicClient | None = None
    engine: Engine | None = None
    _task: asyncio.Task[None] | None = None

    async def start(self) -> SessionInfo:
        """Open the store and the session and start the engine loop."""
        self.store = await open_store(self.config, self.db_path)
        self.client = AnthropicClient(self.config.model)
        self.engine = Engine(
            self.bus,
            self.store,
            self.client,
            self.config,
            self.workspace,
            toolbox=self.toolbox,
            context=self.context,
        )
        session = await self.engine.open(resume=self.resume, continue_last=self.continue_last)
        self._task = asyncio.create_task(self.engine.run(), name="engine")
        return session

    async def load_model(self) -> str | None:
        """Import the SDK (slow) and report the one-line problem, if any."""
        assert self.client is not None
        return await self.client.load()

    async def stop(self) -> None:
        """Stop the engine (persisting a partial answer) and close everything."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.client is not None:
            await self.client.close()
        if self.store is not None:
            await self.store.close()
