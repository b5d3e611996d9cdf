"""Messages the user typed while the assistant worked: visible, editable, removable."""

from __future__ import annotations

import itertools

from copilot.bus.events import QueuedItem


class InputQueue:
    """An ordered list of queued messages with stable ids."""

    def __init__(self) -> None:
        self._items: list[QueuedItem] = []
        self._ids = itertools.count(1)

    def add(self, text: str) -> QueuedItem:
        item = QueuedItem(item_id=f"q{next(self._ids)}", text=text)
        self._items.append(item)
        return item

    def edit(self, item_id: str, text: str | None) -> bool:
        """Replace the text of an item, or remove it when `text` is None or blank."""
        for index, item in enumerate(self._items):
            if item.item_id == item_id:
                if text is None or not text.strip():
                    del self._items[index]
                else:
                    self._items[index] = QueuedItem(item_id=item_id, text=text)
                return True
        return False

    def drain(self) -> list[str]:
        """Take every queued text, oldest first, leaving the queue empty."""
        texts = [item.text for item in self._items]
        self._items.clear()
        return texts

    @property
    def items(self) -> tuple[QueuedItem, ...]:
        return tuple(self._items)

    def __len__(self) -> int:
        return len(self._items)
