"""Where a streaming answer's blocks end: what can settle, and how items join."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from copilot.ui.markdown_blocks import (
    continues_list,
    fence_code,
    open_fence,
    split_blocks,
    split_complete,
)

SOURCE = (
    "Intro:\n\n"
    "- a\n- b\n  - nested\n- c\n\n"
    "1. one\n2. two\n\n"
    "3) other delimiter\n\n"
    "- loose\n\n- loose too\n\n"
    "* other bullet\n"
    "```\n- not a list\n```\n"
)


def test_a_top_level_list_is_a_block_per_item_with_its_nested_lines() -> None:
    assert split_blocks(SOURCE) == [
        "Intro:\n\n",
        "- a\n",
        "- b\n  - nested\n",
        "- c\n\n",
        "1. one\n",
        "2. two\n\n",
        "3) other delimiter\n\n",
        "- loose\n\n",
        "- loose too\n\n",
        "* other bullet\n",
        "```\n- not a list\n```\n",
    ]
    assert "".join(split_blocks(SOURCE)) == SOURCE


def test_items_of_one_tight_list_continue_it_and_nothing_else_does() -> None:
    blocks = split_blocks(SOURCE)
    joined = [continues_list(a, b) for a, b in pairwise(blocks)]
    assert joined == [
        False,  # a paragraph, then a list
        True,  # - a, - b
        True,  # - b (ends with its nested item), - c
        False,  # - c, then a blank line and another list
        True,  # 1. one, 2. two
        False,  # "." and ")" are two lists
        False,  # an ordered list, then a bullet list
        False,  # loose: a blank line between the items
        False,  # "-" and "*" are two lists
        False,  # a fence is not an item
    ]


def test_only_the_last_item_of_a_growing_list_stays_live() -> None:
    assert split_complete("Intro\n\n- a\n- b\n- partial it") == (
        ["Intro\n\n", "- a\n", "- b\n"],
        "- partial it",
    )
    assert split_complete("- only item so f") == ([], "- only item so f")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("```python\ncode\nmore", ("python", "code\nmore")),
        ("```\na\n```\n", None),
        ("````\na\n```\nb", ("", "a\n```\nb")),  # a shorter run does not close it
        ("~~~\na\n```\n", ("", "a\n```\n")),  # nor the other character
        ("```\na\n   ```\n", None),  # up to three spaces before the closer
        ("```\na\n    ```\n", ("", "a\n    ```\n")),
        ("```\na\n``` x\n", ("", "a\n``` x\n")),  # text after the run: not a closer
        ("``` a`b\nx\n", None),  # a backtick in the info string: not a fence
        ("text\n```\nx\n", None),
        ("```py", None),  # the opening line itself is not complete yet
    ],
)
def test_an_open_fence_is_recognised_as_commonmark_does(
    source: str, expected: tuple[str, str] | None
) -> None:
    assert open_fence(source) == expected


_PARSER = MarkdownIt("gfm-like")


@given(st.text(alphabet="`~ \nab", max_size=40))
def test_what_is_taken_for_an_open_fence_markdown_it_parses_as_one_unclosed_fence(
    body: str,
) -> None:
    for source in ("```" + body, "~~~~" + body):
        found = open_fence(source)
        if found is None:
            continue
        tokens = _PARSER.parse(source)
        assert [t.type for t in tokens] == ["fence"], source
        # The same code, up to the trailing blanks a fence is drawn without (Rich
        # strips them; markdown-it drops a last line of spaces).
        info, code = found
        assert (tokens[0].info.strip(), tokens[0].content.rstrip()) == (info, code.rstrip())
        assert split_complete(source) == ([], source)


def test_a_growing_fence_is_not_parsed_again_until_a_line_could_close_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import copilot.ui.markdown_blocks as blocks

    parsed: list[str] = []
    parse = blocks._PARSER.parse
    monkeypatch.setattr(blocks._PARSER, "parse", lambda src: parsed.append(src) or parse(src))
    source = "```python\n" + "x = 1\n" * 200
    assert split_complete(source) == ([], source)
    assert parsed == []
    done, live = split_complete(source + "```\n\nAfter.\n")
    assert done == [source + "```\n\n"] and live == "After.\n"


def test_only_a_lone_fenced_block_is_a_fence() -> None:
    assert fence_code("```\nplain\n") == ("text", "plain\n")
    assert fence_code("~~~rust extra\nfn main() {}\n~~~\n") == ("rust", "fn main() {}\n")
    assert fence_code("A paragraph.\n") is None
    assert fence_code("    indented code\n") is None
    assert fence_code("```\na\n```\n\nafter\n") is None


def test_the_last_code_block_is_found_at_any_depth() -> None:
    from copilot.ui.markdown_blocks import last_code_block

    assert last_code_block("a\n\n```py\nfirst\n```\n\nb\n\n~~~\nsecond\n~~~\n") == "second\n"
    assert last_code_block("- step\n\n  ```sh\n  make\n  ```\n") == "make\n"
    assert last_code_block("text\n\n    indented\n") == "indented\n"
    assert last_code_block("no `code` here") is None
