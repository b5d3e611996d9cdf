"""copilot: a terminal AI copilot that stays present while you work."""

__version__ = "0.1.0"
