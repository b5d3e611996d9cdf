"""`BlockMarkdown` is Rich's Markdown with a shared parser: same state, same drawing."""

from __future__ import annotations

import io
import re

import pytest
from rich.console import Console
from rich.markdown import Markdown

from copilot.ui.block_markdown import BlockMarkdown

BLOCKS = [
    "## A heading with `code`\n\n",
    "A paragraph with **bold**, *emphasis*, ~~struck~~ and a [link](https://example.com).\n\n",
    "- item\n  - nested\n",
    "1. first\n",
    "> quoted\n\n",
    "```python\ndef f(x: int) -> int:\n    return x * 2\n```\n\n",
    "| a | b |\n|---|---|\n| 1 | 2 |\n\n",
    "---\n\n",
]


def drawn(markdown: Markdown) -> str:
    console = Console(file=io.StringIO(), width=60, force_terminal=True, color_system="truecolor")
    console.print(markdown)
    # A hyperlink's id is drawn at random per render.
    return re.sub(r"id=\d+", "id=", console.file.getvalue())  # type: ignore[attr-defined]


@pytest.mark.parametrize("block", BLOCKS)
def test_a_block_draws_as_through_rich_own_constructor(block: str) -> None:
    assert drawn(BlockMarkdown(block, "monokai")) == drawn(Markdown(block, code_theme="monokai"))


def test_it_sets_every_attribute_rich_sets_and_to_the_same_values() -> None:
    ours, rich = BlockMarkdown("*x*\n", "github-dark"), Markdown("*x*\n", code_theme="github-dark")
    mine, theirs = vars(ours), vars(rich)
    assert mine.keys() == theirs.keys()
    assert {k: v for k, v in mine.items() if k != "parsed"} == {
        k: v for k, v in theirs.items() if k != "parsed"
    }
    assert [t.type for t in ours.parsed] == [t.type for t in rich.parsed]
