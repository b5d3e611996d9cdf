"""copilot.sensors."""
