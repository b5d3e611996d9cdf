"""Wiring of the headless parts for one run of copilot: bus, store, model, gate, engine.

Front ends (the Textual app, tests) build a Runtime, start it, subscribe to
its bus, and publish intents. Nothing here knows which front end is attached.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from copilot.bus import Bus, Lane, Subscription
from copilot.config import Config
from copilot.memory.paths import DB_FILE_NAME, default_db_path

if TYPE_CHECKING:
    from copilot.engine.session import ContextSource, Engine, Toolbox
    from copilot.memory.records import SessionInfo
    from copilot.memory.store import Store
    from copilot.models.anthropic_client import AnthropicClient
    from copilot.sandbox.gate import Gate
    from copilot.sandbox.policy import Policy
    from copilot.sensors import Sensors

# The engine, gate, sensors and store are imported inside the methods that build
# them: a front end can create a Runtime and draw its first frame before paying
# for them (about a quarter of a second here).


def db_path_for(config: Config) -> Path:
    """The database file: `data_dir` from config, else COPILOT_DATA_DIR / XDG."""
    if config.data_dir:
        return Path(config.data_dir).expanduser() / DB_FILE_NAME
    return default_db_path()


async def open_store(config: Config, path: Path | None = None) -> Store:
    from copilot.memory.store import Store

    return await Store.open(path or db_path_for(config))


@dataclass
class Runtime:
    """Everything one session needs, started and stopped together.

    `tools=False` runs a conversation without tools (no gate, nothing touches
    the machine). Problems found while starting (bad policy lines, no
    sandbox) are collected in `problems` for the front end to show.
    """

    config: Config
    workspace: Path
    db_path: Path | None = None
    resume: str | None = None
    continue_last: bool = False
    tools: bool = True
    sense: bool = True
    bus: Bus = field(default_factory=Bus)
    context: ContextSource | None = None
    sensors: Sensors | None = None
    store: Store | None = None
    client: AnthropicClient | None = None
    engine: Engine | None = None
    policy: Policy | None = None
    gate: Gate | None = None
    problems: list[str] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _sensing: asyncio.Task[None] | None = None
    _memory_tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    inbox: Subscription | None = None

    def __post_init__(self) -> None:
        # Subscribed now, before the engine exists, so that nothing the user
        # sends while the rest starts up is lost.
        self.inbox = self.bus.subscribe("engine", lanes=(Lane.CONTROL, Lane.USER))

    async def start(self) -> SessionInfo:
        """Open the store and the session, set up the gate, start the engine loop."""
        from copilot.engine.session import Engine
        from copilot.models.anthropic_client import AnthropicClient
        from copilot.sensors import Sensors, SensorsConfig

        self.store = await open_store(self.config, self.db_path)
        if self.client is None:  # a front end may bring one it already loaded
            self.client = AnthropicClient(self.config.model)
        toolbox = await self._toolbox() if self.tools else None
        if self.sense and self.context is None:
            self.sensors = Sensors(
                self.bus, self.workspace, SensorsConfig.from_settings(self.config.sensors)
            )
            self.context = self.sensors
        self.engine = Engine(
            self.bus,
            self.store,
            self.client,
            self.config,
            self.workspace,
            toolbox=toolbox,
            context=self.context,
            inbox=self.inbox,
        )
        session = await self.engine.open(resume=self.resume, continue_last=self.continue_last)
        if self.gate is not None:
            self.gate.session_id = session.id
        self._task = asyncio.create_task(self.engine.run(), name="engine")
        if self.sensors is not None:
            self._sensing = asyncio.create_task(self._start_sensors(), name="sensors")
        self._start_memory()
        return session

    def _start_memory(self) -> None:
        """Record what the user does for recall; apply the retention caps in the background."""
        from copilot.engine.ambient_log import AmbientLog

        assert self.store is not None
        if self.sensors is not None:
            log = AmbientLog(self.bus, self.store, lambda: self.session_id)
            self._memory_tasks.append(asyncio.create_task(log.run(), name="ambient-log"))
        self._memory_tasks.append(asyncio.create_task(self._retain(), name="retention"))

    async def _retain(self) -> None:
        import sqlite3

        from copilot.memory.retention import gc

        assert self.store is not None
        memory = self.config.memory
        try:
            await gc(
                self.store,
                memory.max_age_days,
                memory.max_mb * 1024 * 1024,
                keep={self.session_id},
            )
        except (OSError, sqlite3.Error) as exc:
            self.problems.append(f"The retention pass failed ({exc}); history was kept.")

    async def _start_sensors(self) -> None:
        """Sensors start in the background: a large tree must not delay the first answer."""
        assert self.sensors is not None
        try:
            await self.sensors.start()
        except OSError as exc:
            self.problems.append(f"Sensors could not start ({exc}); context is limited.")

    async def _toolbox(self) -> Toolbox:
        from copilot.engine.toolbox import GatedToolbox
        from copilot.sandbox import bwrap
        from copilot.sandbox.gate import Gate
        from copilot.sandbox.policy import Policy
        from copilot.tools.memory_tools import MemoryTools

        assert self.store is not None
        self.policy = Policy.load(self.workspace, self.config.sandbox.mode)
        self.problems.extend(self.policy.warnings)
        status = await asyncio.to_thread(bwrap.available)
        if not status.ok:
            self.problems.append(
                f"Sandbox unavailable ({status.reason}): every command will ask, "
                "and runs only if you press u."
            )
        self.gate = Gate(
            self.bus, self.policy, self.workspace, self._audit, sandbox_available=status.ok
        )
        return GatedToolbox(
            self.bus,
            self.gate,
            self.workspace,
            output_dir=self.store.path.parent / "tool-output",
            persist=self._persist,
            session_id=lambda: self.session_id,
            memory=MemoryTools(self.store, str(self.workspace), lambda: self.session_id),
        )

    @property
    def session_id(self) -> str:
        return self.engine.session_id if self.engine else ""

    async def _audit(self, record: dict[str, Any]) -> None:
        assert self.store is not None
        await self.store.add_audit(self.session_id, record)

    async def _persist(self, kind: str, payload: dict[str, Any]) -> None:
        assert self.store is not None
        await self.store.add_event(self.session_id, kind, payload)

    def set_mode(self, mode: str) -> str:
        """Switch the gate's mode for this session; returns the one line to show."""
        if self.policy is None:
            return "Tools are off in this session."
        try:
            self.policy.set_mode(mode)
        except ValueError:
            return f"Unknown mode '{mode}': use ask, sandbox-auto or read-only."
        return f"Mode: {self.policy.mode}."

    async def audit(self, limit: int = 20) -> list[dict[str, Any]]:
        """This session's latest gate records."""
        assert self.store is not None
        return await self.store.audit(self.session_id, limit=limit)

    async def load_model(self) -> str | None:
        """Import the SDK (slow) and report the one-line problem, if any."""
        assert self.client is not None
        return await self.client.load()

    async def stop(self) -> None:
        """Stop the engine (persisting a partial answer) and close everything."""
        if self.gate is not None:
            self.gate.close()
        if self._sensing is not None:
            self._sensing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sensing
        if self.sensors is not None:
            await self.sensors.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for task in self._memory_tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self.engine is not None:
            await self.engine.window.close()
        if self.client is not None:
            await self.client.close()
        if self.store is not None:
            await self.store.close()
