"""Where a streaming answer's blocks end: what can settle, and how items join."""

from __future__ import annotations

from itertools import pairwise

from copilot.ui.markdown_blocks import continues_list, split_blocks, split_complete

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
