"""copilot.sandbox."""
