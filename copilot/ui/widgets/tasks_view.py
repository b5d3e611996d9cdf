"""Background tasks: goal, status, current step and elapsed time, with a guarded cancel.

`c` on a running task asks for confirmation; `y` then cancels it, any other
key keeps it. A plain interrupt (Ctrl+C, Esc) never reaches a task.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from copilot.bus.events import TaskUpdate

STATUS_STYLE = {"running": "bold", "done": "green", "failed": "red", "cancelled": "dim"}


class TasksView(OptionList):
    """One row per task, newest last; hidden until the first task starts."""

    BORDER_TITLE = "tasks"
    BINDINGS = [
        Binding("c", "ask_cancel", "Cancel task", id="task-cancel"),
        Binding("y", "confirm_cancel", "Confirm", show=False, id="task-cancel-confirm"),
    ]

    @dataclass
    class CancelRequested(Message):
        """The user confirmed cancelling this task."""

        task_id: str

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.tasks: dict[str, TaskUpdate] = {}
        self.confirming: str | None = None
        self.display = False

    def update_task(self, update: TaskUpdate) -> None:
        self.tasks[update.task_id] = update
        self._redraw()

    def _redraw(self) -> None:
        highlighted = self.highlighted
        self.clear_options()
        for task in self.tasks.values():
            label = Text()
            label.append(f"{task.task_id} ", style="bold")
            label.append(f"{task.status:<9}", style=STATUS_STYLE.get(task.status, ""))
            label.append(f" {task.elapsed_s:>4.0f}s ", style="dim")
            label.append(" ".join(task.goal.split()))
            if task.status == "running" and task.step:
                label.append(f"  · {task.step}", style="italic dim")
            if self.confirming == task.task_id:
                label = Text(
                    f"Cancel {task.task_id}? y cancels, any other key keeps it",
                    style="bold reverse",
                )
            self.add_option(Option(label, id=task.task_id))
        self.display = bool(self.tasks)
        if self.tasks:
            self.highlighted = min(highlighted or 0, len(self.tasks) - 1)

    def _selected(self) -> TaskUpdate | None:
        if self.highlighted is None:
            return None
        return list(self.tasks.values())[self.highlighted]

    def action_ask_cancel(self) -> None:
        task = self._selected()
        if task is not None and task.status == "running":
            self.confirming = task.task_id
            self._redraw()

    def action_confirm_cancel(self) -> None:
        if self.confirming is not None:
            self.post_message(self.CancelRequested(self.confirming))
            self.confirming = None
            self._redraw()

    def on_key(self, event: events.Key) -> None:
        if self.confirming is not None and event.key not in ("y", "c"):
            self.confirming = None
            self._redraw()
