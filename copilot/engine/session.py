"""The interaction layer: one session, its turns, the floor, interrupts and the queue.

The engine is UI-free. Front ends publish intents on the bus (UserInput,
Interrupt, QueueEdit, UserActivity, Quit) and render what the engine publishes.
Everything that matters for history is written to the store before the event
that shows it as done is published, so a crash loses nothing the user saw.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import Any, Protocol

from copilot.bus import Bus, Subscription
from copilot.bus.events import (
    AssistantDelta,
    AssistantDone,
    AssistantStarted,
    CancelTask,
    Event,
    Heartbeat,
    Interrupt,
    Lane,
    MessageCommitted,
    Notice,
    QueueChanged,
    QueueEdit,
    Quit,
    Retrying,
    StateChanged,
    Usage,
    UserActivity,
    UserInput,
    VoiceActivity,
)
from copilot.config import Config
from copilot.engine.calls import call_lines
from copilot.engine.context_window import ContextWindow
from copilot.engine.history import tool_result
from copilot.engine.queue import InputQueue
from copilot.engine.state import Floor, TurnMachine, TurnState
from copilot.engine.tasks import DELEGATE_TOOL, BackgroundTask, TaskManager
from copilot.engine.throttle import Throttle
from copilot.memory.records import SessionInfo, StoredMessage
from copilot.memory.store import Store, new_id
from copilot.models.anthropic_client import AnthropicClient
from copilot.models.reply import ModelError, Reply

log = logging.getLogger(__name__)

#: While anything runs, the front ends hear from the engine at least this often.
HEARTBEAT_S = 0.15

#: How often a streaming answer is checkpointed to the store (kill -9 safety).
CHECKPOINT_S = 0.25

#: Answer text goes to the bus at most this often (about two sends per 60 Hz frame):
#: each delta wakes every front end's pump.
DELTA_INTERVAL_S = 0.008

BASE_SYSTEM = (
    "You are copilot, a terminal assistant working beside a developer in their shell and "
    "editor. Be direct and brief; use Markdown. When you use tools, every shell command and "
    "file change is shown to the user for approval and runs in a sandbox."
)


class Toolbox(Protocol):
    """What the engine needs from the tools layer (gate + sandboxed execution)."""

    def schemas(self) -> list[dict[str, Any]]: ...

    async def run(
        self, calls: list[dict[str, Any]], results: list[dict[str, Any]], task: str = ""
    ) -> None:
        """Run calls, appending one tool_result block per call to `results` as each ends.

        On cancellation, a call that was running appends its partial result
        (marked interrupted) before the CancelledError propagates.
        """
        ...


class ContextSource(Protocol):
    """Ambient context: instructions files and the compact 'what the user does' block."""

    def instructions_text(self) -> str: ...

    def context_text(self) -> str: ...


class Engine:
    """One session's interaction loop. Start with `open()`, then `run()` as a task."""

    def __init__(
        self,
        bus: Bus,
        store: Store,
        client: AnthropicClient,
        config: Config,
        workspace: Path,
        toolbox: Toolbox | None = None,
        context: ContextSource | None = None,
        inbox: Subscription | None = None,
    ) -> None:
        self.bus = bus
        self.store = store
        self.client = client
        self.config = config
        self.workspace = workspace
        self.toolbox = toolbox
        self.context = context
        self.machine = TurnMachine()
        self.floor = Floor.IDLE
        self.queue = InputQueue()
        self.session: SessionInfo | None = None
        self.history: list[StoredMessage] = []
        self._turn: asyncio.Task[None] | None = None
        self._inbox = inbox or bus.subscribe("engine", lanes=(Lane.CONTROL, Lane.USER))
        self._closed = asyncio.Event()
        self._last_checkpoint = 0.0
        self._checkpoint: asyncio.Task[None] | None = None
        self._begun: asyncio.Task[str] | None = None
        self._deltas: Throttle | None = None
        self.window = ContextWindow(bus, store, client, config.model, str(workspace))
        self.tasks: TaskManager | None = (
            TaskManager(
                bus, store, client, config, toolbox, lambda: self.session_id, self._task_done
            )
            if config.model.delegate
            else None
        )
        self._results: list[BackgroundTask] = []
        self._committing = False
        self._interrupt_after_commit = False
        self._early: dict[str, tuple[asyncio.Task[None], list[dict[str, Any]]]] = {}

    # --- session ----------------------------------------------------------------

    async def open(self, resume: str | None = None, continue_last: bool = False) -> SessionInfo:
        """Start a new session, or resume one (crash leftovers are marked interrupted)."""
        workspace = str(self.workspace)
        session: SessionInfo | None = None
        if resume:
            session = await self.store.get_session(resume)
            if session is None:
                raise LookupError(f"no session matches '{resume}' (see: copilot sessions)")
        elif continue_last:
            session = await self.store.last_session(workspace)
        if session is None:
            session = await self.store.create_session(workspace, self.config.model.name)
        else:
            await self.store.recover(session.id)
        self.session = session
        self.history = await self.store.messages(session.id)
        return session

    @property
    def session_id(self) -> str:
        return self.session.id if self.session else ""

    def publish(self, event: Event) -> None:
        event.session_id = self.session_id
        event.source = event.source or "engine"
        self.bus.publish(event)

    async def notice(self, text: str, level: str = "error") -> None:
        """One line in the conversation, stored as an event first."""
        await self.store.add_event(self.session_id, "notice", {"level": level, "text": text})
        self.publish(Notice(level=level, text=text))

    # --- main loop --------------------------------------------------------------

    async def run(self) -> None:
        """Consume user intents until Quit; never raises for a bad turn."""
        heartbeat = asyncio.create_task(self._heartbeat(), name="heartbeat")
        try:
            while True:
                event = await self._inbox.get()
                if isinstance(event, Quit):
                    break
                await self.handle(event)
        finally:
            heartbeat.cancel()
            self._closed.set()
            await self._cancel_turn()
            if self.tasks is not None:
                await self.tasks.close()
            self._inbox.close()

    async def _heartbeat(self) -> None:
        """While anything runs, tell the front ends at least every 200 ms what it is."""
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            running = []
            if self.machine.busy:
                running.append(f"turn: {self.machine.state.value}")
            if self.tasks is not None:
                running += [
                    f"{t.label} ({t.step}, {t.elapsed_s:.0f}s)" for t in self.tasks.running()
                ]
            if running:
                self.publish(Heartbeat(running=tuple(running)))

    async def handle(self, event: Event) -> None:
        if isinstance(event, Interrupt):
            await self.interrupt()
        elif isinstance(event, UserInput):
            await self._on_input(event.text)
        elif isinstance(event, QueueEdit):
            if self.queue.edit(event.item_id, event.text):
                self.publish(QueueChanged(items=self.queue.items))
        elif isinstance(event, UserActivity):
            self._set_floor(Floor.USER if event.active else self._idle_floor())
            self._maybe_weave()
        elif isinstance(event, VoiceActivity):
            speaking = event.state in ("onset", "confirmed")
            self._set_floor(Floor.USER if speaking else self._idle_floor())
            self._maybe_weave()
        elif isinstance(event, CancelTask) and self.tasks is not None:
            await self.tasks.cancel(event.task_id)

    async def _on_input(self, text: str) -> None:
        if not text.strip():
            return
        if self._turn is not None or self.machine.busy:
            self.queue.add(text)
            self.publish(QueueChanged(items=self.queue.items))
            return
        self._start_turn([text])

    async def interrupt(self) -> None:
        """Cancel the foreground turn now; queued messages are then sent at once.

        A turn whose user message is not stored yet is not cancelled on the
        spot (the message would be lost): it stops right after the store has it.
        """
        if self._turn is None or self._turn.done():
            return
        if self._committing:
            self._interrupt_after_commit = True
            return
        self._turn.cancel()
        try:
            await self._turn
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise

    async def _cancel_turn(self) -> None:
        self.queue.drain()
        await self.interrupt()
        if self._turn is not None:
            await asyncio.wait([self._turn], timeout=10)

    def _start_turn(self, texts: list[str], via: str = "user") -> None:
        self._committing = True
        self._turn = asyncio.create_task(self._run_turn(texts, via), name="turn")
        self._turn.add_done_callback(self._after_turn)

    def _after_turn(self, task: asyncio.Task[None]) -> None:
        if task is not self._turn:
            return
        self._turn = None
        if self.queue and not self._closed.is_set():
            texts = self.queue.drain()
            self.publish(QueueChanged(items=()))
            self._start_turn(texts)
            return
        self._maybe_weave()

    # --- background results -------------------------------------------------------

    def _task_done(self, task: BackgroundTask) -> None:
        if task.status != "cancelled":
            self._results.append(task)
        self._maybe_weave()

    def _maybe_weave(self) -> None:
        """Deliver finished tasks' results at a boundary: no turn, the user not speaking."""
        if (
            not self._results
            or self._turn is not None
            or self.floor == Floor.USER
            or self._closed.is_set()
        ):
            return
        done, self._results = self._results, []
        texts = [
            f"[Background task {t.task_id} {t.status}. Goal: {t.goal}]\n\n{t.result}\n\n"
            "Tell the user the outcome in a few sentences."
            for t in done
        ]
        self._start_turn(texts, via="task")

    # --- state ------------------------------------------------------------------

    def _set_state(self, state: TurnState) -> None:
        if self.machine.to(state):
            self.publish(StateChanged(state=state.value, floor=self.floor.value))

    def _set_floor(self, floor: Floor) -> None:
        if floor != self.floor:
            self.floor = floor
            self.publish(StateChanged(state=self.machine.state.value, floor=floor.value))

    def _idle_floor(self) -> Floor:
        return Floor.ASSISTANT if self.machine.busy else Floor.IDLE

    # --- a turn -----------------------------------------------------------------

    async def _run_turn(self, texts: list[str], via: str = "user") -> None:
        content = [{"type": "text", "text": t} for t in texts]
        message = await self.store.add_message(self.session_id, "user", content)
        self.history.append(message)
        self._committing = False
        role = "task" if via == "task" else "user"
        self.publish(MessageCommitted(message_id=message.id, role=role, text="\n\n".join(texts)))
        self._set_state(TurnState.STREAMING)
        self._set_floor(Floor.ASSISTANT)
        try:
            if self._interrupt_after_commit:
                self._interrupt_after_commit = False
                raise asyncio.CancelledError
            while await self._one_reply():
                self._set_state(TurnState.STREAMING)
            await self._compact()
        except asyncio.CancelledError:
            self._set_state(TurnState.INTERRUPTED)
            raise
        finally:
            self._set_state(TurnState.IDLE)
            self._set_floor(Floor.IDLE if self.floor == Floor.ASSISTANT else self.floor)

    async def _one_reply(self) -> bool:
        """Stream one assistant message; True when tool results need another reply."""
        problem = await self.client.load()
        if problem:
            await self.notice(problem, "warning")
            return False
        reply = Reply()
        params = await self.window.request(
            self.session_id,
            self._system_prompt(),
            self.history,
            self._schemas(),
            ambient=self.ambient_block(),
        )
        # The answer's row is written while the request goes out, not before it:
        # `_finish` waits for it, and any checkpoint queues behind it on the store.
        message_id = new_id()
        self._begun = asyncio.create_task(
            self.store.begin_message(self.session_id, "assistant", message_id)
        )
        # The first checkpoint comes a full interval into the answer: a short
        # answer is stored once, by `_finish`, and never waits on a checkpoint.
        self._last_checkpoint = time.monotonic()
        self._deltas = Throttle(
            lambda text: self.publish(AssistantDelta(message_id=message_id, text=text)),
            DELTA_INTERVAL_S,
        )
        self.publish(AssistantStarted(message_id=message_id, model=self.config.model.name))
        try:
            await self.client.stream(
                params,
                reply,
                on_tool=self._start_early,
                on_text=lambda text: self._on_text(message_id, reply, text),
                on_retry=self._on_retry,
                on_usage=self._on_usage,
            )
        except asyncio.CancelledError:
            await self._finish(message_id, reply, interrupted=True)
            await self._settle_early()
            raise
        except ModelError as exc:
            await self._finish(message_id, reply, interrupted=bool(reply.blocks))
            await self._settle_early()
            await self.notice(exc.message)
            return False
        except Exception as exc:
            log.exception("turn failed")
            await self._finish(message_id, reply, interrupted=bool(reply.blocks))
            await self._settle_early()
            await self.notice(f"Internal error ({type(exc).__name__}: {exc}); the turn stopped.")
            return False
        await self._finish(message_id, reply, interrupted=False)
        calls = reply.tool_calls()
        if not calls or reply.stop_reason != "tool_use":
            return False
        return await self._run_tools(calls)

    def _schemas(self) -> list[dict[str, Any]]:
        schemas = self.toolbox.schemas() if self.toolbox is not None else []
        return [*schemas, DELEGATE_TOOL] if self.tasks is not None else schemas

    def _delegate(self, call: dict[str, Any]) -> dict[str, Any]:
        """Start a background task; its tool_result returns at once."""
        assert self.tasks is not None
        args = call.get("input") or {}
        goal = str(args.get("task", "")).strip()
        if not goal:
            content, error = "delegate needs a task.", True
        else:
            task = self.tasks.start(goal, str(args.get("context", "")))
            content, error = (
                f"Started background task {task.task_id}. It runs while you talk with the "
                "user; its result will reach you when it ends. Tell the user briefly.",
                False,
            )
        return tool_result(call["id"], content, error)

    def _start_early(self, call: dict[str, Any]) -> None:
        """Start a tool call as soon as its block is complete, while the text streams on."""
        if self.toolbox is None or call["name"] == "delegate":
            return
        sink: list[dict[str, Any]] = []
        task = asyncio.create_task(self.toolbox.run([call], sink), name=f"tool-{call['id']}")
        self._early[call["id"]] = (task, sink)

    async def _settle_early(self) -> None:
        """The reply failed or was interrupted: stop early calls and keep their results."""
        early, self._early = self._early, {}
        await self._keep_results(await _stop(list(early.values())))

    async def _keep_results(self, results: list[dict[str, Any]]) -> None:
        """Store tool results as the next user message (shielded: an interrupt keeps them)."""
        if results:
            message = await asyncio.shield(self.store.add_message(self.session_id, "user", results))
            self.history.append(message)

    async def _run_tools(self, calls: list[dict[str, Any]]) -> bool:
        self._set_state(TurnState.TOOLS)
        results: list[dict[str, Any]] = []
        early, self._early = self._early, {}
        delegated = [c for c in calls if c["name"] == "delegate" and self.tasks is not None]
        started = [c for c in calls if c["id"] in early]
        others = [c for c in calls if c not in delegated and c not in started]
        try:
            results.extend(self._delegate(call) for call in delegated)
            running = [early[call["id"]] for call in started]
            try:
                await asyncio.gather(*(task for task, _ in running))
            finally:
                results.extend(await _stop(running))
            if others and self.toolbox is not None:
                await self.toolbox.run(others, results)
            else:
                results.extend(
                    tool_result(c["id"], "Tools are off in this session.", True) for c in others
                )
        finally:
            await self._keep_results(results)
        return True

    async def _compact(self) -> None:
        """After a turn: summarise older turns once the request has passed the threshold."""
        done = await self.window.after_turn(
            self.session_id,
            self._system_prompt(),
            self.history,
            self._schemas(),
        )
        if done is not None:
            self.publish(done)

    def _on_text(self, message_id: str, reply: Reply, text: str) -> None:
        if self._deltas is not None:
            self._deltas.add(text)
        now = time.monotonic()
        if now - self._last_checkpoint >= CHECKPOINT_S and (
            self._checkpoint is None or self._checkpoint.done()
        ):
            self._last_checkpoint = now
            self._checkpoint = asyncio.create_task(
                self.store.checkpoint_message(message_id, reply.content())
            )

    def _on_retry(self, attempt: int, seconds: float, reason: str) -> None:
        self._set_state(TurnState.RETRYING)
        self.publish(Retrying(attempt=attempt, seconds=seconds, reason=reason))
        asyncio.get_running_loop().call_later(seconds, self._retry_due)

    def _retry_due(self) -> None:
        if self.machine.state == TurnState.RETRYING:
            self._set_state(TurnState.STREAMING)

    def _on_usage(self, reply: Reply) -> None:
        self.publish(
            Usage(
                input_tokens=reply.input_tokens,
                output_tokens=reply.output_tokens,
                cache_read_tokens=reply.cache_read_tokens,
                cache_creation_tokens=reply.cache_creation_tokens,
                context_tokens=self.window.observe(reply.prompt_tokens),
                context_window=self.config.model.context_window,
            )
        )

    async def _finish(self, message_id: str, reply: Reply, *, interrupted: bool) -> None:
        """Persist the reply (shielded: an interrupt must not lose it), then show it done."""
        if self._deltas is not None:
            self._deltas.flush()
            self._deltas = None
        if self._begun is not None:
            await asyncio.shield(self._begun)
            self._begun = None
        if self._checkpoint is not None and not self._checkpoint.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._checkpoint)
        stored = await asyncio.shield(
            self.store.finish_message(message_id, reply.content(), interrupted=interrupted)
        )
        self.history.append(stored)
        self.publish(
            AssistantDone(
                message_id=message_id,
                text=reply.text,
                interrupted=interrupted,
                stop_reason=reply.stop_reason,
                calls=call_lines(reply.content()),
            )
        )

    def _system_prompt(self) -> str:
        parts = [self.config.model.system_prompt or BASE_SYSTEM]
        if self.context is not None:
            instructions = self.context.instructions_text()
            if instructions:
                parts.append(instructions)
        return "\n\n".join(parts)

    def ambient_block(self) -> str:
        """The compact context block; sent after the cache breakpoint, never stored."""
        return self.context.context_text() if self.context is not None else ""

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def replay(self) -> list[StoredMessage]:
        """The session's messages so a front end can draw a resumed transcript."""
        return list(self.history)


async def _stop(
    running: list[tuple[asyncio.Task[None], list[dict[str, Any]]]],
) -> list[dict[str, Any]]:
    """Cancel tool calls still running and return every result they left (partial ones too)."""
    for task, _ in running:
        task.cancel()
    await asyncio.gather(*(task for task, _ in running), return_exceptions=True)
    return [block for _, sink in running for block in sink]
