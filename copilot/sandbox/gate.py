"""The gate the engine calls before every tool call.

`Gate.authorize` classifies the call against the policy; when the verdict is
ask it publishes an `ApprovalRequest` on the bus and waits for the matching
`ApprovalAnswer` from whichever front end is attached. Prompts are shown one
at a time (parallel calls wait their turn, and are re-classified when their
turn comes, since the answer before may have granted them). No answer — the
gate closed, the session quit, a timeout — is a deny. Every request and every
decision is handed to the audit callback.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from copilot.bus.bus import Bus, Subscription
from copilot.bus.events import ApprovalAnswer, ApprovalRequest, Lane, Quit
from copilot.sandbox.classify import Decision, Request, Verdict, decide, request_for
from copilot.sandbox.policy import Policy
from copilot.sandbox.preview import proposed_change

Audit = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Authorization:
    """The gate's answer for one call.

    `source` is `rule` (a rule or session grant decided), `answer` (the user
    answered a prompt) or `mode` (the mode's default decided). `reason` is what
    the model is told when the call is denied. `network` says the call may use
    the network; `unsandboxed` that the user chose to run it outside the sandbox.
    """

    allowed: bool
    source: str
    reason: str = ""
    network: bool = False
    unsandboxed: bool = False
    decision: Decision | None = None


class Gate:
    """Classifies tool calls and, when needed, asks the user over the bus."""

    def __init__(
        self,
        bus: Bus,
        policy: Policy,
        workspace: Path,
        audit: Audit,
        sandbox_available: bool,
        session_id: str = "",
        *,
        answer_timeout: float | None = None,
    ) -> None:
        self.bus = bus
        self.policy = policy
        self.workspace = workspace
        self.sandbox_available = sandbox_available
        self.session_id = session_id
        self._audit = audit
        self._timeout = answer_timeout
        self._turn = asyncio.Lock()
        self._waiting: Subscription | None = None
        self._closed = False

    async def authorize(
        self, call_id: str, tool: str, args: Mapping[str, Any], *, task: str = ""
    ) -> Authorization:
        """Decide one call; may wait for the user. Cancelling withdraws the prompt."""
        request = request_for(tool, args, sandbox_available=self.sandbox_available)
        decision = decide(self.policy, request)
        await self._record("request", call_id, request, decision, task=task)
        if decision.verdict is not Verdict.ASK:
            return await self._settle(call_id, request, decision, task)
        async with self._turn:
            decision = decide(self.policy, request)
            if decision.verdict is not Verdict.ASK:
                return await self._settle(call_id, request, decision, task)
            if self._closed:
                result = Authorization(False, "answer", "the session ended before an answer")
                await self._record("decision", call_id, request, decision, result, task=task)
                return result
            return await self._prompt(call_id, tool, args, request, decision, task)

    def close(self) -> None:
        """End the session: a waiting prompt and every later one are denied."""
        self._closed = True
        if self._waiting is not None:
            self._waiting.close()

    async def _settle(
        self, call_id: str, request: Request, decision: Decision, task: str
    ) -> Authorization:
        allowed = decision.verdict is Verdict.ALLOW
        result = Authorization(
            allowed=allowed,
            source=decision.source,
            reason="" if allowed else f"Denied by the user's policy: {decision.reason}",
            network=allowed and decision.needs_network,
            decision=decision,
        )
        await self._record("decision", call_id, request, decision, result, task=task)
        return result

    async def _prompt(
        self,
        call_id: str,
        tool: str,
        args: Mapping[str, Any],
        request: Request,
        decision: Decision,
        task: str,
    ) -> Authorization:
        request_id = uuid.uuid4().hex
        diff, note = proposed_change(tool, args, self.workspace)
        sub = self.bus.subscribe(f"gate-{request_id}", lanes=[Lane.CONTROL])
        self._waiting = sub
        try:
            self.bus.publish(
                ApprovalRequest(
                    source="gate",
                    session_id=self.session_id,
                    request_id=request_id,
                    call_id=call_id,
                    tool=tool,
                    summary=decision.decoded,
                    detail=_detail(decision, note),
                    diff=diff,
                    reason=decision.reason,
                    scope_label=decision.scope_label if decision.scope else "",
                    sandboxed=decision.sandboxed,
                    task=task,
                )
            )
            answer = await self._answer(sub, request_id)
        except asyncio.CancelledError:
            self.bus.publish(
                ApprovalAnswer(
                    source="gate",
                    session_id=self.session_id,
                    request_id=request_id,
                    decision="deny",
                    reason="interrupted",
                )
            )
            withdrawn = Authorization(False, "answer", "interrupted before the user answered")
            await asyncio.shield(
                self._record("decision", call_id, request, decision, withdrawn, task=task)
            )
            raise
        finally:
            self._waiting = None
            sub.close()
        result = self._apply(answer, decision)
        await self._record("decision", call_id, request, decision, result, answer=answer, task=task)
        return result

    async def _answer(self, sub: Subscription, request_id: str) -> ApprovalAnswer | None:
        """The matching answer, or None when the gate closed, the user quit, or time ran out."""
        try:
            async with asyncio.timeout(self._timeout):
                while True:
                    try:
                        event = await sub.get()
                    except asyncio.CancelledError:
                        task = asyncio.current_task()
                        if self._closed and task is not None and not task.cancelling():
                            return None
                        raise
                    if isinstance(event, ApprovalAnswer) and event.request_id == request_id:
                        return event
                    if isinstance(event, Quit):
                        return None
        except TimeoutError:
            return None

    def _apply(self, answer: ApprovalAnswer | None, decision: Decision) -> Authorization:
        """Turn the user's answer into an Authorization (and a grant for `scope`)."""
        if answer is None:
            return Authorization(False, "answer", "No answer from the user; not run.")
        choice = answer.decision
        if choice == "deny":
            why = answer.reason.strip()
            text = f"The user denied this: {why}" if why else "The user denied this call."
            return Authorization(False, "answer", text, decision=decision)
        if choice == "unsandboxed":
            if decision.sandboxed:
                return Authorization(False, "answer", "Invalid answer: the sandbox is available.")
            return Authorization(True, "answer", network=True, unsandboxed=True, decision=decision)
        if choice in ("once", "scope"):
            if not decision.sandboxed:
                return Authorization(
                    False,
                    "answer",
                    "The sandbox is unavailable; only an explicit unsandboxed answer runs this.",
                )
            if choice == "scope" and decision.scope:
                self.policy.grant(decision.scope)
            return Authorization(True, "answer", network=decision.needs_network, decision=decision)
        return Authorization(False, "answer", f"Unknown answer {choice!r}; not run.")

    async def _record(
        self,
        event: str,
        call_id: str,
        request: Request,
        decision: Decision,
        result: Authorization | None = None,
        *,
        answer: ApprovalAnswer | None = None,
        task: str = "",
    ) -> None:
        record: dict[str, Any] = {
            "event": event,
            "session_id": self.session_id,
            "call_id": call_id,
            "tool": request.tool,
            "kind": request.kind,
            "summary": decision.decoded,
            "verdict": str(decision.verdict),
            "reason": decision.reason,
            "rule": str(decision.rule) if decision.rule else "",
            "mode": str(self.policy.mode),
            "scope": [str(r) for r in decision.scope or ()],
            "task": task,
        }
        if result is not None:
            record |= {
                "outcome": "allowed" if result.allowed else "denied",
                "source": result.source,
                "answer": answer.decision if answer else "",
                "answer_reason": answer.reason if answer else result.reason,
                "network": result.network,
                "unsandboxed": result.unsandboxed,
            }
        await self._audit(record)


def _detail(decision: Decision, note: str) -> str:
    """The lines under the summary: why it asks, risks, network, sandbox state."""
    lines = [f"why: {decision.reason}"]
    lines += [f"risk: {r}" for r in decision.risk]
    if decision.needs_network:
        lines.append("needs the network (allowed for this call only if you approve)")
    if not decision.sandboxed:
        lines.append("the sandbox cannot start: approving runs this WITHOUT the sandbox")
    if note:
        lines.append(note)
    return "\n".join(lines)
