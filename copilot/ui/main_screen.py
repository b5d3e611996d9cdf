"""The app's one screen: Textual's Screen without a full repaint on every focus change.

Textual declares `Screen.focused` as a reactive that repaints, so each focus move
redraws every widget on the screen from its cache: ~16 ms here with a few answers
and a running tool, paid twice per approval (the prompt takes focus, the input
takes it back) just as the approved command starts printing, where keys typed
meanwhile waited for it. What focus changes on screen is the two widgets' own
`:focus` styles, and those widgets restyle and repaint themselves.
"""

from __future__ import annotations

from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget


class MainScreen(Screen[None]):
    """The default screen; its `focused` reactive repaints nothing by itself."""

    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
