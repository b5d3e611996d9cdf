"""The widgets of copilot's TUI, one a module, re-exported here by name.

The widgets the first frame does not show load on first use (PEP 562
`__getattr__`): the answer widgets pull in Rich's Markdown and markdown-it,
the tool entries RichLog, the approval prompt and compaction marker their own
classes, the input Textual's TextArea (the first frame shows `InputShell`).
"""

import importlib

from copilot.ui.widgets.context_pane import ContextPane
from copilot.ui.widgets.conversation import Conversation
from copilot.ui.widgets.input_shell import InputShell
from copilot.ui.widgets.notice_line import NoticeLine
from copilot.ui.widgets.queue_view import QueueView
from copilot.ui.widgets.status_line import StatusLine
from copilot.ui.widgets.tasks_view import TasksView
from copilot.ui.widgets.tool_calls_line import ToolCallsLine
from copilot.ui.widgets.tool_pane import ToolPane
from copilot.ui.widgets.user_message import UserMessage

__all__ = [
    "ApprovalPrompt",
    "AssistantMessage",
    "CompactionMarker",
    "ContextPane",
    "Conversation",
    "FrozenAnswer",
    "InputShell",
    "NoticeLine",
    "PromptInput",
    "QueueView",
    "StatusLine",
    "TasksView",
    "ToolCallsLine",
    "ToolEntry",
    "ToolPane",
    "UserMessage",
]

_ON_FIRST_USE = {
    "ApprovalPrompt": "copilot.ui.widgets.approval_prompt",
    "AssistantMessage": "copilot.ui.widgets.assistant_message",
    "CompactionMarker": "copilot.ui.widgets.compaction_marker",
    "FrozenAnswer": "copilot.ui.widgets.frozen_answer",
    "PromptInput": "copilot.ui.widgets.prompt_input",
    "ToolEntry": "copilot.ui.widgets.tool_entry",
}


def __getattr__(name: str) -> object:
    if name in _ON_FIRST_USE:
        return getattr(importlib.import_module(_ON_FIRST_USE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
