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
    """The assistant message as far as it has streamed.

    Text arrives in thousands of small fragments; each text block keeps them
    in a list and joins them only when read, so a long answer costs linear
    time to build instead of one whole-string copy per fragment.
    """

    blocks: list[dict[str, Any]] = field(default_factory=list)
    stop_reason: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0
    _fragments: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def start_text(self) -> int:
        """Open a new text block; returns its position for `add_text`."""
        self.blocks.append({"type": "text", "text": ""})
        self._fragments[len(self.blocks) - 1] = []
        return len(self.blocks) - 1

    def add_text(self, fragment: str, position: int) -> None:
        self._fragments[position].append(fragment)

    @property
    def prompt_tokens(self) -> int:
        """The whole request's size: the API reports the cached prefix apart from the rest."""
        return self.input_tokens + self.cache_read_tokens + self.cache_creation_tokens

    @property
    def text(self) -> str:
        return "".join(b["text"] for b in self.content() if b.get("type") == "text")

    def tool_calls(self) -> list[dict[str, Any]]:
        return [b for b in self.blocks if b.get("type") == "tool_use"]

    def content(self) -> list[dict[str, Any]]:
        """Blocks fit to store and resend: text joined, no empty text blocks."""
        content = []
        for position, block in enumerate(self.blocks):
            if block.get("type") == "text":
                text = "".join(self._fragments.get(position, ())) or block.get("text", "")
                if text:
                    content.append({"type": "text", "text": text})
            else:
                content.append(block)
        return content


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
