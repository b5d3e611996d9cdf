"""Rich's `Markdown` for one settled block, parsed by a parser made once.

Rich builds a new markdown-it parser for every `Markdown` it makes (0.6 ms,
more than parsing a block), and an answer settles a block at a time: at
2,000 tok/s ~100 blocks a second, 7% of the loop spent making parsers. This is
the same renderable with one parser shared by every block. The attributes are
Rich's (rich 15); `tests/unit/test_block_markdown.py` checks that they still
are and that blocks render the same as through Rich's own constructor.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from rich.markdown import Markdown

#: The parser Rich's `Markdown.__init__` builds, with the same rules enabled.
_PARSER = MarkdownIt().enable("strikethrough").enable("table")


class BlockMarkdown(Markdown):
    """A Markdown block rendered by Rich, parsed with the shared parser."""

    def __init__(self, markup: str, code_theme: str) -> None:
        # Not Rich's `__init__`: building its parser is the cost avoided here.
        self.markup = markup
        self.parsed = _PARSER.parse(markup)
        self.code_theme = code_theme
        self.justify = None
        self.style = "none"
        self.hyperlinks = True
        self.inline_code_lexer = None
        self.inline_code_theme = code_theme
