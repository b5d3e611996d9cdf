"""The message of a headless run: the `-p` argument, then whatever was piped in.

`git diff | copilot -p "review this"` sends the question and the diff as one message,
as the peers' `-p` modes do. Input that is not UTF-8 text (a binary file piped in by
mistake) is refused in one line before anything is sent or stored.
"""

from __future__ import annotations

from typing import BinaryIO


class MessageError(ValueError):
    """Why there is no message to send; the text is the one line the user sees."""


def compose_message(prompt: str | None, stdin: BinaryIO | None) -> str:
    """The argument and the piped text, joined by a blank line (either may be absent)."""
    piped = ""
    if stdin is not None and not stdin.isatty():
        data = stdin.read()
        text = _as_text(data)
        if text is None:
            raise MessageError(
                f"stdin is not UTF-8 text ({len(data):,} bytes, binary?); nothing was sent"
            )
        piped = text
    parts = [part for part in ((prompt or "").strip(), piped.strip("\n")) if part.strip()]
    if not parts:
        raise MessageError(
            "-p needs a message: an argument (copilot -p 'why does this fail?') "
            "or text on stdin (git diff | copilot -p 'review this')"
        )
    return "\n\n".join(parts)


def _as_text(data: bytes) -> str | None:
    """`data` decoded, or None when it is not UTF-8 text (a NUL byte means binary)."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
