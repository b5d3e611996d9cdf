"""copilot.models."""
