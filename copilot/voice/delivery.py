"""What happens to a final transcript, the same for local and remote voice."""

from __future__ import annotations

from copilot.bus import Bus
from copilot.bus.events import UserInput
from copilot.voice.config import VoiceConfig


def deliver_final(bus: Bus, config: VoiceConfig, text: str, source: str) -> None:
    """Hands-free with `send_on_final` sends the words at once; otherwise the UI shows
    them in the input box for review (it does that from `Transcript(final=True)`)."""
    if config.mode == "hands-free" and config.send_on_final and text.strip():
        bus.publish(UserInput(text=text.strip(), via="voice", source=source))
