"""What a model stream produces, independent of any SDK.

The engine reads a `Reply` while it grows and after it ends, and also after it
was cancelled: the partial text and the complete tool calls are kept, so an
interrupted answer can be stored and sent back marked as interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Reply:
    """The assistant message as far as it has streamed."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0

    @property
    def text(self) -> str:
        return "".join(b.get("text", "") for b in self.blocks if b.get("type") == "text")

    def add_text(self, fragment: str) -> None:
        if self.blocks and self.blocks[-1].get("type") == "text":
            self.blocks[-1]["text"] += fragment
        else:
            self.blocks.append({"type": "text", "text": fragment})

    def tool_calls(self) -> list[dict[str, Any]]:
        return [b for b in self.blocks if b.get("type") == "tool_use"]

    def content(self) -> list[dict[str, Any]]:
        """Blocks fit to store and resend: no empty text blocks."""
        return [b for b in self.blocks if b.get("type") != "text" or b.get("text")]


class ModelError(Exception):
    """A model call failed. `message` is one line for the conversation."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after
