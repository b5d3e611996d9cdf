"""Messages typed while the assistant works: shown under the transcript.

Focus it (Up on an empty input, or its key), then `e`/Enter moves an item back
into the input for editing and `x`/Delete removes it; Tab leaves.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from copilot.bus.events import QueuedItem


class QueueView(OptionList):
    """A short list of queued messages, hidden while empty."""

    BINDINGS = [
        Binding("e,enter", "edit", "Edit", id="queue-edit"),
        Binding("x,delete,backspace", "remove", "Remove", id="queue-remove"),
    ]

    @dataclass
    class EditRequested(Message):
        """Take this item out of the queue and into the input box."""

        item: QueuedItem

    @dataclass
    class RemoveRequested(Message):
        """Drop this item from the queue."""

        item: QueuedItem

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.items: tuple[QueuedItem, ...] = ()
        self.display = False

    def show_items(self, items: tuple[QueuedItem, ...]) -> None:
        self.items = items
        self.clear_options()
        for item in items:
            # One row each (the TCSS cuts it): the first words are enough to know it.
            label = Text("queued  ", style="bold") + Text(" ".join(item.text[:400].split()))
            self.add_option(Option(label, id=item.item_id))
        self.display = bool(items)
        if items and self.highlighted is None:
            self.highlighted = 0

    def _selected(self) -> QueuedItem | None:
        if self.highlighted is None or self.highlighted >= len(self.items):
            return None
        return self.items[self.highlighted]

    def action_edit(self) -> None:
        item = self._selected()
        if item is not None:
            self.post_message(self.EditRequested(item))

    def action_remove(self) -> None:
        item = self._selected()
        if item is not None:
            self.post_message(self.RemoveRequested(item))
