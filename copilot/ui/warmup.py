"""Load what the first answer needs while the user is still typing their question.

The answer widgets load on first use so the first frame is not kept waiting
(Rich's Markdown, markdown-it, Pygments' lexers and styles). Left at
that, the first answer paid for them: its first blocks held the loop for
100-300 ms while 200 tok/s streamed in, and keys typed meanwhile waited. This
loads and exercises them in a thread after the first frame instead: pure
computation, no app state, and Python's import lock makes a first answer that
arrives sooner simply wait for the module being loaded.
"""

from __future__ import annotations

import io

SAMPLE = (
    "## Warm\n\nSome **bold** `code`.\n\n- one\n  - two\n\n"
    "```python\ndef f(x):\n    return x\n```\n"
)


def warm_answer_rendering() -> None:
    """Import and run once the parsers and highlighters an answer uses."""
    from rich.console import Console

    import copilot.ui.widgets.assistant_message  # noqa: F401  (the answer's widgets)
    from copilot.ui.block_markdown import BlockMarkdown
    from copilot.ui.markdown_blocks import split_blocks

    console = Console(file=io.StringIO(), width=80)
    for block in split_blocks(SAMPLE):
        console.print(BlockMarkdown(block, "monokai"))
