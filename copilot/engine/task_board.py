"""The current task list, followed from `TaskUpdate` events, for the pinned context.

Background tasks run for minutes; a compaction in the meantime must not make
the model forget what it delegated. Running tasks are pinned with their goal
and step; the few latest finished ones with their outcome, so a result that
arrived during a long conversation is still known.
"""

from __future__ import annotations

from collections import OrderedDict

from copilot.bus.events import TaskUpdate

#: Finished tasks still pinned, newest kept.
FINISHED_KEPT = 3
#: Longest goal, step or result line pinned.
LINE_CHARS = 200

_FINAL = frozenset({"done", "failed", "cancelled"})


def _line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= LINE_CHARS else flat[: LINE_CHARS - 1] + "…"


class TaskBoard:
    """Latest state per task; `text()` is what gets pinned."""

    def __init__(self) -> None:
        self._running: dict[str, TaskUpdate] = {}
        self._finished: OrderedDict[str, TaskUpdate] = OrderedDict()

    def note(self, update: TaskUpdate) -> None:
        if update.status in _FINAL:
            self._running.pop(update.task_id, None)
            self._finished.pop(update.task_id, None)
            self._finished[update.task_id] = update
            while len(self._finished) > FINISHED_KEPT:
                self._finished.popitem(last=False)
        else:
            self._running[update.task_id] = update

    def text(self) -> str:
        """One line per task, running first; empty when there are none."""
        lines = []
        for task in self._running.values():
            step = f" — now: {_line(task.step)}" if task.step else ""
            lines.append(f"- [{task.status}] {_line(task.goal)}{step}")
        for task in reversed(self._finished.values()):
            result = f" — {_line(task.result)}" if task.result else ""
            lines.append(f"- [{task.status}] {_line(task.goal)}{result}")
        return "\n".join(lines)
