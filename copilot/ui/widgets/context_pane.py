"""The context pane: what the sensors saw, ranked with ages, and what the next request carries.

Keys while it has focus: `p` pin (always include), `m` mute (never include),
Enter or `o` open an item in full, `v` view the exact block the next request
will carry. The pane only posts what the user asked; the app talks to the
sensors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def age_label(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    return f"{int(seconds // 3600)}h"


class ContextPane(Vertical):
    """A ranked list; the footer shows the block's token count."""

    BORDER_TITLE = "context"
    BINDINGS = [
        Binding("p", "item('pin')", "Pin", id="context-pin"),
        Binding("m", "item('mute')", "Mute", id="context-mute"),
        Binding("o,enter", "item('open')", "Open", id="context-open"),
        Binding("v", "view_block", "View block", id="context-view"),
    ]

    @dataclass
    class ItemAction(Message):
        """`pin`, `mute` or `open` on the item with this key (pin and mute toggle)."""

        action: str
        key: str

    class ViewBlock(Message):
        """Show the exact context block of the next request."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.items: tuple[Any, ...] = ()
        self.block = ""
        self.tokens = 0
        self._list = OptionList()
        self._footer = Static("nothing sensed yet", classes="context-footer")

    def compose(self) -> ComposeResult:
        yield self._list
        yield self._footer

    def show(self, items: tuple[Any, ...], block: str, tokens: int) -> None:
        highlighted = self._list.highlighted
        self.items = items
        self.block = block
        self.tokens = tokens
        self._list.clear_options()
        for item in items:
            label = Text()
            label.append(f"{age_label(item.age_s):>4} ", style="dim")
            if item.pinned:
                label.append("pin ", style="bold")
            if item.muted:
                label.append("muted ", style="bold")
            if not item.summary.startswith(item.sensor):  # git's says "git: on `main`".
                label.append(f"{item.sensor}: ", style="bold")
            label.append(item.summary)
            if item.count > 1:
                label.append(f" x{item.count}", style="dim")
            if not item.included:
                label.stylize("dim")
            self._list.add_option(Option(label, id=item.key))
        if items:
            self._list.highlighted = min(highlighted or 0, len(items) - 1)
        included = sum(1 for item in items if item.included)
        self._footer.update(
            Text(
                f"next request: {included} item{'' if included == 1 else 's'}, "
                f"{tokens:,} tokens · v view",
                style="dim",
            )
        )

    def _current_key(self) -> str | None:
        index = self._list.highlighted
        if index is None or index >= len(self.items):
            return None
        return self.items[index].key

    def action_item(self, action: str) -> None:
        key = self._current_key()
        if key is not None:
            self.post_message(self.ItemAction(action, key))

    def action_view_block(self) -> None:
        self.post_message(self.ViewBlock())
