"""The app's /help: its commands and keys (the commands are in copilot/engine/commands.py)."""

from __future__ import annotations

from copilot.engine import commands as shared

#: /help's rows: what to type or press, and what it does ("" between the two parts).
HELP: list[tuple[str, str]] = [
    ("/help", "this list"),
    *shared.HELP,
    ("/copy [code]", "the last answer, or its last code block, to the clipboard"),
    ("//text", "send a message that starts with /"),
    ("", ""),
    ("Enter", "send (queue it while a turn runs)"),
    ("Ctrl+J, Shift+Enter", "new line"),
    ("Ctrl+C, Esc", "interrupt the answer and send the queue"),
    ("Ctrl+C twice, Ctrl+Q", "quit"),
    ("PageUp, PageDown", "scroll the conversation (what you type stays)"),
    ("F2", "side panes (narrow terminals)"),
    ("F3", "go to a waiting approval"),
    ("Up (empty input)", "the queue: edit or remove a message"),
    ("Ctrl+E", "explain the last failed shell command"),
    ("F4", "context pane: p pin, m mute, o open, v view"),
    ("F5", "background tasks: c then y cancels one (Ctrl+C and Esc never stop a task)"),
    ("Ctrl+T", "push-to-talk on/off (needs the voice extra and [voice] enabled = true)"),
    (
        "In a prompt",
        "y once · a allow for the scope shown · n deny (+reason) · d diff · u unsandboxed",
    ),
]
