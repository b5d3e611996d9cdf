"""copilot.voice."""
