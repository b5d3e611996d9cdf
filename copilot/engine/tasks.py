"""Background tasks: delegated work with its own model loop, beside the conversation.

The interaction model delegates long, multi-step work through the `delegate`
tool. Each task runs the background model with the same tools behind the same
gate (its prompts are labelled with the task), while the conversation goes on.
A plain interrupt never touches a task; only `CancelTask` does. When a task
ends, the engine is told and weaves the result into the conversation at the
next boundary.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from copilot.bus import Bus
from copilot.bus.events import Event, TaskUpdate
from copilot.config import Config
from copilot.engine.calls import describe
from copilot.memory.store import Store
from copilot.models.anthropic_client import AnthropicClient, build_params
from copilot.models.reply import ModelError, Reply

#: Model calls one task may make before it must report.
MAX_STEPS = 30

DELEGATE_TOOL: dict[str, Any] = {
    "name": "delegate",
    "description": (
        "Start a background task for work that takes several steps or tool calls (investigating "
        "a failure across files, making and testing a change, a long search). It returns at "
        "once; a stronger model does the work with the same tools while you keep talking with "
        "the user, and its result reaches you later. Answer simple questions yourself instead."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "task": {"type": "string", "description": "What to achieve, as a clear goal."},
            "context": {
                "type": "string",
                "description": "What the worker needs to know: files, errors, constraints.",
            },
        },
        "required": ["task"],
    },
}

BACKGROUND_SYSTEM = (
    "You are copilot's background worker. You were given one task by the assistant that is "
    "talking with the user. Do it with the tools (each shell command and file change is shown "
    "to the user for approval and runs in a sandbox). Work step by step, check your results, "
    "and end with a short report: what you did, what you found, what is left."
)


@dataclass
class BackgroundTask:
    """One delegated task and what the tasks view shows of it."""

    task_id: str
    goal: str
    context: str = ""
    status: str = "running"
    step: str = "starting"
    result: str = ""
    started: float = field(default_factory=time.monotonic)
    runner: asyncio.Task[None] | None = None

    @property
    def label(self) -> str:
        goal = " ".join(self.goal.split())
        return f"{self.task_id}: {goal[:40]}"

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started


class TaskManager:
    """Starts, tracks and cancels background tasks; reports each end through `on_done`."""

    def __init__(
        self,
        bus: Bus,
        store: Store,
        client: AnthropicClient,
        config: Config,
        toolbox: Any,
        session_id: Callable[[], str],
        on_done: Callable[[BackgroundTask], None],
    ) -> None:
        self.bus = bus
        self.store = store
        self.client = client
        self.config = config
        self.toolbox = toolbox
        self._session_id = session_id
        self._on_done = on_done
        self.tasks: dict[str, BackgroundTask] = {}
        self._ids = itertools.count(1)

    def publish(self, event: Event) -> None:
        event.source = event.source or "tasks"
        event.session_id = self._session_id()
        self.bus.publish(event)

    def running(self) -> list[BackgroundTask]:
        return [t for t in self.tasks.values() if t.status == "running"]

    def start(self, goal: str, context: str = "") -> BackgroundTask:
        task = BackgroundTask(task_id=f"t{next(self._ids)}", goal=goal, context=context)
        self.tasks[task.task_id] = task
        task.runner = asyncio.create_task(self._run(task), name=f"task-{task.task_id}")
        self._update(task)
        return task

    async def cancel(self, task_id: str) -> bool:
        """Cancel one task; its tools are interrupted like a foreground turn's."""
        task = self.tasks.get(task_id)
        if task is None or task.runner is None or task.runner.done():
            return False
        task.runner.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task.runner
        return True

    async def close(self) -> None:
        for task in self.running():
            await self.cancel(task.task_id)

    def _update(self, task: BackgroundTask) -> None:
        self.publish(
            TaskUpdate(
                task_id=task.task_id,
                goal=task.goal,
                status=task.status,
                step=task.step,
                elapsed_s=task.elapsed_s,
                result=task.result,
            )
        )

    def _step(self, task: BackgroundTask, step: str) -> None:
        task.step = step
        self._update(task)

    async def _run(self, task: BackgroundTask) -> None:
        await self.store.add_event(
            self._session_id(),
            "task",
            {
                "task_id": task.task_id,
                "goal": task.goal,
                "context": task.context,
                "status": "running",
            },
        )
        try:
            task.result = await self._loop(task)
            task.status = "done"
        except asyncio.CancelledError:
            task.status, task.result = "cancelled", "Cancelled by the user."
        except ModelError as exc:
            task.status, task.result = "failed", exc.message
        except Exception as exc:
            task.status, task.result = "failed", f"{type(exc).__name__}: {exc}"
        task.step = task.status
        await asyncio.shield(
            self.store.add_event(
                self._session_id(),
                "task",
                {
                    "task_id": task.task_id,
                    "goal": task.goal,
                    "status": task.status,
                    "result": task.result,
                },
            )
        )
        self._update(task)
        self._on_done(task)

    async def _loop(self, task: BackgroundTask) -> str:
        prompt = task.goal + (f"\n\nContext:\n{task.context}" if task.context else "")
        messages: list[dict[str, Any]] = [{"role": "user", "content": prompt}]
        tools = self.toolbox.schemas() if self.toolbox is not None else []
        reply = Reply()
        for _ in range(MAX_STEPS):
            self._step(task, "thinking")
            reply = Reply()
            params = build_params(
                self.config.model,
                BACKGROUND_SYSTEM,
                messages,
                tools,
                model=self.config.model.background,
            )
            await self.client.stream(
                params,
                reply,
                on_text=lambda _text: None,
                on_retry=lambda attempt, seconds, reason: self._step(
                    task, f"retrying in {seconds:.0f}s ({reason})"
                ),
                on_usage=lambda _reply: None,
            )
            messages.append({"role": "assistant", "content": reply.content()})
            calls = reply.tool_calls()
            if not calls or reply.stop_reason != "tool_use" or self.toolbox is None:
                return reply.text or "(the task ended without a report)"
            self._step(
                task,
                "running "
                + "; ".join(describe(c["name"], c.get("input") or {})[:60] for c in calls),
            )
            results: list[dict[str, Any]] = []
            await self.toolbox.run(calls, results, task=task.label)
            messages.append({"role": "user", "content": results})
        return (reply.text + "\n\n" if reply.text else "") + (
            f"(stopped after {MAX_STEPS} steps without finishing)"
        )
