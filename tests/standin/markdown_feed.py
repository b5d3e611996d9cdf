"""Endless, deterministic Markdown for `Reply.stream_forever`.

Each section mixes the constructs a Markdown renderer handles differently (headings,
paragraphs with inline markup, lists, fenced code), so a throughput or interrupt benchmark
exercises block starts and ends, not just one growing paragraph. Sections are numbered so a
test can tell how far the stream got from what is on screen.
"""

from collections.abc import Iterator
from itertools import count


def markdown_section(number: int) -> str:
    """The `number`-th section of the endless document."""
    return (
        f"## Section {number}\n\n"
        f"This is paragraph {number}, with **bold**, *emphasis* and `inline code`, long "
        "enough to wrap in an 80 column terminal so the renderer has to reflow it.\n\n"
        f"- item {number}.1: read the file\n"
        f"- item {number}.2: run the tests\n"
        f"  - nested {number}.2.1\n\n"
        "```python\n"
        f"def step_{number}(values: list[int]) -> int:\n"
        f"    return sum(v * {number} for v in values)\n"
        "```\n\n"
    )


def endless_markdown() -> Iterator[str]:
    """Sections 1, 2, 3, ... forever."""
    for number in count(1):
        yield markdown_section(number)
