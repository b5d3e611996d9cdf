"""What an approval prompt says and which keys it offers: one source for every front end.

The app's inline prompt and the line-mode prompt must offer the same answers under the
same conditions: "allow for a scope" only when the gate named a scope and the call is
sandboxed, "run unsandboxed" only when the sandbox cannot start. `d` (the diff) is a
view, not an answer, and is offered when there is a diff. They also show the same
lines (`question`), each in its own way.
"""

from __future__ import annotations

from dataclasses import dataclass

from copilot.bus.events import ApprovalRequest

#: Diff lines shown with a question before `d` shows them all.
PREVIEW_LINES = 12


@dataclass(frozen=True, slots=True)
class Question:
    """The text of a question about one call, as every front end shows it."""

    summary: str
    detail: str
    #: The gate's reason, "" when the detail already says it ("why: <reason>").
    reason: str
    #: The diff's lines shown now, and how many more `d` would show.
    diff: list[str]
    hidden: int


def question(request: ApprovalRequest, full_diff: bool = False) -> Question:
    """What to show for `request`: the diff's first `PREVIEW_LINES`, or all of it."""
    lines = request.diff.splitlines()
    shown = lines if full_diff else lines[:PREVIEW_LINES]
    reason = request.reason if request.reason not in request.detail else ""
    return Question(request.summary, request.detail, reason, shown, len(lines) - len(shown))


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
