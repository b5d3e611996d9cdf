"""The input box as the first frame shows it, until the real one is mounted.

The real input (`PromptInput`) is Textual's `TextArea`: importing and mounting it
is ~20 ms of the launch (its module and the document, wrapping and tree-sitter
modules it pulls in, its CSS and ten component styles). The first frame shows this
stand-in instead, drawn the way an empty, focused `TextArea` draws its placeholder
and cursor (`tests/functional/test_input_shell.py` compares them cell by cell),
and the app mounts the real input in its place right after that frame
(`CopilotApp._mount_input`). Keys and pastes that reach it meanwhile (typed ahead of the
launch) are held and handed back, in order, to be replayed into the real input.
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

#: What the empty input says, idle and while a turn runs: the keys that matter then.
IDLE_PLACEHOLDER = "Ask copilot · Enter sends · Ctrl+J new line · /help"
BUSY_PLACEHOLDER = "Enter queues a message · Esc or Ctrl+C interrupts"


class InputShell(Static, can_focus=True):
    """An empty input's look; holds what is typed into it until the input arrives."""

    COMPONENT_CLASSES = {"input-shell--cursor", "input-shell--placeholder"}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._held: list[events.Key | events.Paste] = []

    def render(self) -> Content:
        content = Content(IDLE_PLACEHOLDER).stylize(
            self.get_visual_style("input-shell--placeholder")
        )
        if self.has_focus:
            cursor = self.get_component_rich_style("input-shell--cursor")
            content = content.stylize(Style.from_rich_style(cursor), 0, 1)
        return content

    def on_key(self, event: events.Key) -> None:
        event.stop()
        event.prevent_default()
        self._held.append(events.Key(event.key, event.character))

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self._held.append(events.Paste(event.text))

    def take_held(self) -> list[events.Key | events.Paste]:
        """What was typed or pasted here, oldest first; the shell keeps none of it."""
        held, self._held = self._held, []
        return held
