"""Load what the first answer needs while the user is still typing their question.

The answer widgets load on first use so the first frame is not kept waiting
(Textual's Markdown and markdown-it, Pygments' lexers and styles). Left at
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
    from markdown_it import MarkdownIt
    from rich.console import Console
    from rich.markdown import Markdown as RichMarkdown
    from textual.highlight import highlight

    import copilot.ui.widgets.assistant_message  # noqa: F401  (Textual's Markdown widgets)

    MarkdownIt("gfm-like").parse(SAMPLE)
    highlight("def f(x):\n    return x\n", language="python")
    Console(file=io.StringIO(), width=80).print(RichMarkdown(SAMPLE, code_theme="monokai"))
