"""copilot.ui."""
