"""The widgets of copilot's TUI, one a module, re-exported here by name."""

from copilot.ui.widgets.approval_prompt import ApprovalPrompt
from copilot.ui.widgets.assistant_message import AssistantMessage
from copilot.ui.widgets.compaction_marker import CompactionMarker
from copilot.ui.widgets.context_pane import ContextPane
from copilot.ui.widgets.conversation import Conversation
from copilot.ui.widgets.frozen_answer import FrozenAnswer
from copilot.ui.widgets.notice_line import NoticeLine
from copilot.ui.widgets.prompt_input import PromptInput
from copilot.ui.widgets.queue_view import QueueView
from copilot.ui.widgets.status_line import StatusLine
from copilot.ui.widgets.tasks_view import TasksView
from copilot.ui.widgets.tool_entry import ToolEntry
from copilot.ui.widgets.tool_pane import ToolPane
from copilot.ui.widgets.user_message import UserMessage

__all__ = [
    "ApprovalPrompt",
    "AssistantMessage",
    "CompactionMarker",
    "ContextPane",
    "Conversation",
    "FrozenAnswer",
    "NoticeLine",
    "PromptInput",
    "QueueView",
    "StatusLine",
    "TasksView",
    "ToolEntry",
    "ToolPane",
    "UserMessage",
]
