"""copilot.engine."""
