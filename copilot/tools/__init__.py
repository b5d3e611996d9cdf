"""copilot.tools: what the model can do, each call allowed by the gate first.

The public surface: `TOOLS`, `tool_schemas()`, `execute()`, `preview()` and the
`ToolContext` / `ToolResult` / `ToolSpec` shapes.
"""

from copilot.tools.base import ToolContext, ToolResult, ToolSpec
from copilot.tools.registry import TOOLS, execute, preview, tool_schemas

__all__ = ["TOOLS", "ToolContext", "ToolResult", "ToolSpec", "execute", "preview", "tool_schemas"]
