"""The context pane: what the sensors saw, ranked, and what the next request carries."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


def _age(seconds: float) -> str:
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    return f"{int(seconds // 3600)}h"


class ContextPane(Vertical):
    """A ranked list with ages; the footer shows the block's token count."""

    BORDER_TITLE = "context"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.items: tuple[Any, ...] = ()
        self.block = ""
        self._list = OptionList()
        self._footer = Static("nothing sensed yet", classes="context-footer")

    def compose(self) -> ComposeResult:
        yield self._list
        yield self._footer

    def show(self, items: tuple[Any, ...], block: str, tokens: int) -> None:
        self.items = items
        self.block = block
        self._list.clear_options()
        for item in items:
            label = Text(no_wrap=True, overflow="ellipsis")
            marks = ("📌" if getattr(item, "pinned", False) else "") + (
                "∅" if getattr(item, "muted", False) else ""
            )
            label.append(f"{_age(getattr(item, 'age_s', 0.0)):>4} ", style="dim")
            label.append(f"{getattr(item, 'sensor', '')}: ", style="bold")
            label.append(f"{marks}{getattr(item, 'summary', '')}")
            style = "" if getattr(item, "included", True) else "dim strike"
            label.stylize(style)
            self._list.add_option(Option(label, id=str(getattr(item, "key", ""))))
        self._footer.update(Text(f"next request carries {tokens} tokens of context", style="dim"))
