"""Cut streamed assistant text into sentences to speak while the answer still streams.

Markdown is read aloud badly, so code blocks are skipped and emphasis marks, link
targets and heading hashes are removed before a sentence goes to the synthesiser.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?:;])[\"')\]]*\s+|\n\s*\n|\n(?=\s*[-*#>]|\s*\d+\.)")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"[*_`#>]+")
_SPACE = re.compile(r"\s+")
MAX_SENTENCE_CHARS = 300
"""A run-on sentence is spoken in pieces rather than waiting for its end."""


def clean_for_speech(text: str) -> str:
    """Markdown to plain words."""
    text = _LINK.sub(r"\1", text)
    text = _MARKS.sub("", text)
    text = re.sub(r"^\s*[-+]\s+", "", text)
    return _SPACE.sub(" ", text).strip()


class SentenceSplitter:
    """Feed deltas, get finished sentences; `flush()` at the end returns the rest."""

    def __init__(self) -> None:
        self._buffer = ""
        self._in_code = False

    def feed(self, text: str) -> list[str]:
        self._buffer += text
        out: list[str] = []
        while True:
            if self._in_code or self._buffer.lstrip().startswith("```"):
                if not self._skip_code():
                    return out
                continue
            fence = self._buffer.find("```")
            match = _SENTENCE_END.search(self._buffer)
            if fence >= 0 and (match is None or fence < match.start()):
                out.extend(self._emit(self._buffer[:fence]))
                self._buffer = self._buffer[fence:]
                continue
            if match is None:
                if len(self._buffer) > MAX_SENTENCE_CHARS:
                    cut = self._buffer.rfind(" ", 0, MAX_SENTENCE_CHARS)
                    cut = cut if cut > 0 else MAX_SENTENCE_CHARS
                    out.extend(self._emit(self._buffer[:cut]))
                    self._buffer = self._buffer[cut:]
                    continue
                return out
            out.extend(self._emit(self._buffer[: match.end()]))
            self._buffer = self._buffer[match.end() :]

    def _skip_code(self) -> bool:
        """Drop a fenced block; False while its closing fence has not arrived yet."""
        start = self._buffer.find("```")
        if not self._in_code:
            self._in_code = True
            self._buffer = self._buffer[start + 3 :]
        end = self._buffer.find("```")
        if end < 0:
            self._buffer = self._buffer[-2:]
            return False
        self._in_code = False
        self._buffer = self._buffer[end + 3 :]
        return True

    def flush(self) -> list[str]:
        rest, self._buffer = self._buffer, ""
        if self._in_code:
            self._in_code = False
            return []
        return self._emit(rest)

    @staticmethod
    def _emit(text: str) -> list[str]:
        cleaned = clean_for_speech(text)
        return [cleaned] if re.search(r"\w", cleaned) else []
