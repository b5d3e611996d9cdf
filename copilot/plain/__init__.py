"""copilot.plain."""
