"""The keys an approval prompt offers for one request: one table for every front end.

The app's inline prompt and the line-mode prompt must offer the same answers under the
same conditions: "allow for a scope" only when the gate named a scope and the call is
sandboxed, "run unsandboxed" only when the sandbox cannot start. `d` (the diff) is a
view, not an answer, and is offered when there is a diff.
"""

from __future__ import annotations

from dataclasses import dataclass

from copilot.bus.events import ApprovalRequest


@dataclass(frozen=True, slots=True)
class Choice:
    """One key of the prompt: what it answers (`decision`, or "" for the diff view)."""

    key: str
    decision: str
    label: str


def choices(request: ApprovalRequest) -> list[Choice]:
    """The keys offered for `request`, in the order they are shown."""
    offered = [Choice("y", "once", "once")]
    if request.scope_label and request.sandboxed:
        offered.append(Choice("a", "scope", f"always: {request.scope_label}"))
    if not request.sandboxed:
        offered.append(Choice("u", "unsandboxed", "run unsandboxed once"))
    offered.append(Choice("n", "deny", "deny"))
    if request.diff:
        offered.append(Choice("d", "", "diff"))
    return offered


def offers(request: ApprovalRequest, decision: str) -> bool:
    """True when `decision` is one of the answers offered for `request`."""
    return any(choice.decision == decision for choice in choices(request))
