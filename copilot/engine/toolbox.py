"""Tool calls of one turn: through the gate, into the sandbox, onto the bus.

Independent calls of one reply run concurrently (the gate still shows their
prompts one at a time). Every call ends with exactly one `tool_result` block,
also when it was denied or interrupted, so the history stays valid and the
model learns what happened. Output reaches the screen at most ~30 times a
second, and only its tail: the full output is on disk and in the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from copilot.bus import Bus
from copilot.bus.events import Event, ToolCallStarted, ToolFinished, ToolOutput, ToolStatus
from copilot.engine.calls import describe
from copilot.engine.history import tool_result
from copilot.engine.throttle import Throttle
from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.gate import Authorization, Gate
from copilot.tools.base import ToolContext, ToolResult
from copilot.tools.memory_tools import MemoryTools
from copilot.tools.registry import execute, tool_schemas

#: Screen updates per call per second, at most.
OUTPUT_HZ = 30
#: Of the output that arrived between two updates, the screen gets this tail.
SCREEN_TAIL = 16 * 1024

Persist = Callable[[str, dict[str, Any]], Awaitable[None]]


class GatedToolbox:
    """The engine's `Toolbox`: the registry's tools behind the gate and the sandbox."""

    def __init__(
        self,
        bus: Bus,
        gate: Gate,
        workspace: Path,
        *,
        output_dir: Path | None = None,
        persist: Persist | None = None,
        session_id: Callable[[], str] = lambda: "",
        memory: MemoryTools | None = None,
    ) -> None:
        self.bus = bus
        self.gate = gate
        self.workspace = workspace
        self.output_dir = output_dir
        self._persist = persist
        self._session_id = session_id
        self.memory = memory

    def schemas(self) -> list[dict[str, Any]]:
        return tool_schemas() + (self.memory.schemas() if self.memory is not None else [])

    def publish(self, event: Event) -> None:
        event.source = event.source or "tools"
        event.session_id = self._session_id()
        self.bus.publish(event)

    async def run(
        self, calls: list[dict[str, Any]], results: list[dict[str, Any]], task: str = ""
    ) -> None:
        """Run the calls concurrently; `results` gets one block per call, in call order."""
        slots: list[dict[str, Any] | None] = [None] * len(calls)
        try:
            await asyncio.gather(
                *(self._one(index, call, slots, task) for index, call in enumerate(calls))
            )
        finally:
            for index, call in enumerate(calls):
                results.append(
                    slots[index]
                    or tool_result(call["id"], "Not run: the turn was interrupted first.", True)
                )

    async def _one(
        self, index: int, call: dict[str, Any], slots: list[dict[str, Any] | None], task: str
    ) -> None:
        call_id, name = call["id"], call["name"]
        args = call.get("input") or {}
        self.publish(
            ToolCallStarted(
                call_id=call_id, tool=name, summary=describe(name, args), arguments=args, task=task
            )
        )
        if self.memory is not None and name in self.memory.names:
            await self._remember_or_recall(index, call_id, name, args, slots)
            return
        try:
            auth = await self.gate.authorize(call_id, name, args, task=task)
        except asyncio.CancelledError:
            slots[index] = tool_result(
                call_id, "Not run: interrupted while waiting for approval.", True
            )
            self.publish(ToolFinished(call_id=call_id, status="interrupted"))
            raise
        if not auth.allowed:
            slots[index] = tool_result(call_id, self._denial(auth), True)
            self.publish(ToolFinished(call_id=call_id, status="denied", summary=auth.reason))
            await self._record(call_id, name, args, "denied", auth.reason)
            return
        self.publish(ToolStatus(call_id=call_id, status="running"))
        throttle = Throttle(
            lambda text: self.publish(ToolOutput(call_id=call_id, chunk=text)),
            1 / OUTPUT_HZ,
            tail=SCREEN_TAIL,
        )
        started = time.monotonic()
        try:
            result = await execute(name, args, self._context(auth, throttle.add))
        except asyncio.CancelledError:
            result = ToolResult(
                content="Interrupted by the user before it finished.",
                is_error=True,
                status="interrupted",
                duration_s=time.monotonic() - started,
            )
        throttle.flush()
        slots[index] = tool_result(call_id, self._content(result), result.is_error)
        self.publish(
            ToolFinished(
                call_id=call_id,
                status=result.status,
                exit_code=result.exit_code,
                duration_s=result.duration_s,
                summary="unsandboxed" if auth.unsandboxed else "",
            )
        )
        await self._record(call_id, name, args, result.status, result.content, result)
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise asyncio.CancelledError

    async def _remember_or_recall(
        self,
        index: int,
        call_id: str,
        name: str,
        args: dict[str, Any],
        slots: list[dict[str, Any] | None],
    ) -> None:
        """A memory tool touches only copilot's own store: no gate, no sandbox."""
        assert self.memory is not None
        self.publish(ToolStatus(call_id=call_id, status="running"))
        result = await self.memory.run(name, args)
        slots[index] = tool_result(call_id, result.content, result.is_error)
        self.publish(
            ToolFinished(
                call_id=call_id,
                status=result.status,
                duration_s=result.duration_s,
                summary="no approval needed: copilot's own memory only",
            )
        )
        await self._record(call_id, name, args, result.status, result.content, result)

    def _context(self, auth: Authorization, on_output: Callable[[str], None]) -> ToolContext:
        sandbox = None if auth.unsandboxed else SandboxSpec(self.workspace, network=auth.network)
        return ToolContext(
            workspace=self.workspace,
            sandbox=sandbox,
            network=auth.network,
            on_output=on_output,
            output_dir=self.output_dir,
        )

    @staticmethod
    def _denial(auth: Authorization) -> str:
        reason = auth.reason or "no reason given"
        who = "the user" if auth.source == "answer" else "a policy rule"
        return f"Denied by {who}: {reason}. Do not retry the same call; ask or adapt."

    @staticmethod
    def _content(result: ToolResult) -> str:
        if result.status == "interrupted" and "interrupt" not in result.content.lower():
            return f"{result.content}\n[interrupted by the user; output above is partial]"
        return result.content

    async def _record(
        self,
        call_id: str,
        name: str,
        args: dict[str, Any],
        status: str,
        content: str,
        result: ToolResult | None = None,
    ) -> None:
        if self._persist is None:
            return
        payload: dict[str, Any] = {
            "call_id": call_id,
            "tool": name,
            "args": args,
            "status": status,
            "content": content,
        }
        if result is not None:
            payload["exit_code"] = result.exit_code
            payload["duration_s"] = result.duration_s
            payload["output_path"] = str(result.output_path) if result.output_path else None
        await asyncio.shield(self._persist("tool", payload))
