"""copilot.tools."""
