"""The one token estimate everything in the sensors uses.

No tokenizer ships with us (and calling the API to count would leak the very
text we are budgeting), so this is a heuristic: Claude-family tokenizers give
about four characters per token on English prose and fewer on code, paths and
punctuation-heavy output, which is what ambient context mostly is. Counting
symbols separately keeps the estimate on the high side for such text, so a block
built to the budget stays within it when the real tokenizer counts.
"""

from __future__ import annotations

import math

#: Characters per token for letters, digits and spaces.
_CHARS_PER_TOKEN = 4.0
#: Extra tokens per symbol character (punctuation often splits into its own token).
_SYMBOL_WEIGHT = 0.25


def estimate_tokens(text: str) -> int:
    """A slightly pessimistic token count for `text`."""
    if not text:
        return 0
    symbols = sum(1 for c in text if not c.isalnum() and not c.isspace())
    return math.ceil(len(text) / _CHARS_PER_TOKEN + symbols * _SYMBOL_WEIGHT)
