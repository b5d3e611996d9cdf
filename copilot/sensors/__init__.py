"""Ambient context: what the user is doing, ranked, redacted and within a budget.

Sensors (files, shell hook and history, git, tmux, instruction files) publish
`SensorEvent`s on the bus; `Sensors` ranks them into `ContextItem`s and a
`ContextBlock` for the next request, and publishes `ContextChanged` and `Hint`.
"""

from copilot.sensors.block import build_block
from copilot.sensors.config import SensorsConfig
from copilot.sensors.hook import SHELLS, render_hook
from copilot.sensors.items import ContextBlock, ContextItem
from copilot.sensors.manager import Sensors
from copilot.sensors.redact import redact
from copilot.sensors.shell import ShellListener
from copilot.sensors.tokens import estimate_tokens

__all__ = [
    "SHELLS",
    "ContextBlock",
    "ContextItem",
    "Sensors",
    "SensorsConfig",
    "ShellListener",
    "build_block",
    "estimate_tokens",
    "redact",
    "render_hook",
]
