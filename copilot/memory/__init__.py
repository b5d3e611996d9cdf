"""copilot.memory."""
