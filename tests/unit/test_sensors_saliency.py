"""Saliency order, decay, repeats, pins and mutes, and the block's budget."""

from __future__ import annotations

from copilot.sensors.block import build_block, format_age
from copilot.sensors.items import ContextItem
from copilot.sensors.saliency import ContextStore
from copilot.sensors.tokens import estimate_tokens


class Clock:
    """A hand-moved clock, so ages are exact and no test waits."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def store(half_life_s: float = 600.0, max_items: int = 200) -> tuple[ContextStore, Clock]:
    clock = Clock()
    return ContextStore(half_life_s, max_items, clock), clock


def test_failed_command_outranks_saved_file_outranks_git_outranks_success() -> None:
    s, _ = store()
    s.observe("shell", "make", "command", "ran `make`")
    s.observe("git", "repo", "git", "git: on `main`", repeat=False)
    s.observe("files", "a.py", "saved", "saved `a.py`")
    s.observe("shell", "pytest", "failed", "`pytest` failed (exit 1)")
    assert [i.key for i in s.ranked()] == ["shell:pytest", "files:a.py", "git:repo", "shell:make"]


def test_old_items_decay_below_fresh_ones() -> None:
    s, clock = store(half_life_s=600)
    s.observe("shell", "pytest", "failed", "`pytest` failed")
    clock.now += 1800  # three half-lives: 1.0 -> 0.125
    s.observe("shell", "ls", "command", "ran `ls`")
    ranked = s.ranked()
    assert [i.key for i in ranked] == ["shell:ls", "shell:pytest"]
    assert ranked[1].age_s == 1800
    assert abs(ranked[1].score - 0.125) < 1e-3


def test_repeats_merge_into_one_item_with_a_counter() -> None:
    s, _ = store()
    for _ in range(3):
        s.observe("shell", "pytest", "failed", "`pytest` failed (exit 1)")
    s.observe("git", "repo", "git", "git: clean", repeat=False)
    s.observe("git", "repo", "git", "git: 1 changed", repeat=False)
    items = {i.key: i for i in s.ranked()}
    assert len(items) == 2
    assert items["shell:pytest"].count == 3
    assert items["git:repo"].count == 1
    assert items["git:repo"].summary == "git: 1 changed"
    block = build_block(s.ranked())
    assert "x3" in block.text


def test_pinned_always_first_and_muted_never_included() -> None:
    s, clock = store()
    s.observe("shell", "make", "command", "ran `make`")
    clock.now += 3600
    s.observe("shell", "pytest", "failed", "`pytest` failed")
    s.observe("files", "secret.txt", "saved", "saved `secret.txt`")
    s.pin("shell:make")
    s.mute("files:secret.txt")
    ranked = s.ranked()
    assert ranked[0].key == "shell:make" and ranked[0].pinned
    block = build_block(ranked)
    included = {i.key: i.included for i in block.items}
    assert included == {"shell:make": True, "shell:pytest": True, "files:secret.txt": False}
    assert "secret.txt" not in block.text
    assert block.text.index("make") < block.text.index("pytest")


def test_store_is_bounded_and_keeps_pins() -> None:
    s, clock = store(max_items=20)
    s.pin("files:keep.py")
    s.observe("files", "keep.py", "saved", "saved `keep.py`")
    for n in range(500):
        clock.now += 1
        s.observe("files", f"f{n}.py", "saved", f"saved `f{n}.py`")
    assert len(s) <= 25
    assert "files:keep.py" in s
    assert "files:f499.py" in s


def test_store_redacts_what_it_keeps() -> None:
    s, _ = store()
    s.observe(
        "shell",
        "x",
        "failed",
        "`curl -H token=abcdef123` failed",
        "sk-ant-api03-abcdefghijklmnopqrstu",
    )
    item = s.ranked()[0]
    assert "abcdef123" not in item.summary
    assert "sk-ant" not in item.detail


def test_block_stays_within_budget_and_says_what_it_left_out() -> None:
    s, clock = store()
    for n in range(200):
        clock.now += 1
        s.observe(
            "files",
            f"src/module_{n}.py",
            "saved",
            f"saved `src/module_{n}.py` (+3 -1 lines)",
            "\n".join(f"+line {k} of a long diff hunk" for k in range(12)),
        )
    for budget in (60, 300, 1500, 4000):
        block = build_block(s.ranked(), budget)
        assert block.tokens <= budget
        assert block.tokens == estimate_tokens(block.text)
        assert "more items" in block.text
        included = [i for i in block.items if i.included]
        assert included and included == [i for i in block.items[: len(included)]]


def test_lower_items_fall_back_to_their_headline_before_being_dropped() -> None:
    s, clock = store()
    s.observe("shell", "pytest", "failed", "`pytest` failed (exit 1)", "E" * 2000)
    clock.now += 1
    s.observe("files", "a.py", "saved", "saved `a.py`", "+x")
    block = build_block(s.ranked(), budget_tokens=120)
    assert "`pytest` failed" in block.text
    assert "E" * 100 not in block.text
    assert "saved `a.py`" in block.text


def test_terminal_output_keeps_its_end_and_diffs_keep_their_start() -> None:
    lines = "\n".join(f"line {n}" for n in range(100))
    pane = ContextItem("tmux:%1", "tmux", "pane", 1.0, 0.0, detail=lines)
    diff = ContextItem("files:a", "files", "saved", 0.5, 0.0, detail=lines)
    text = build_block([pane, diff], 10_000).text
    pane_part, diff_part = text.split("saved")
    assert "line 99" in pane_part and "line 0\n" not in pane_part
    assert "line 0\n" in diff_part and "line 99" not in diff_part


def test_empty_store_gives_an_empty_block() -> None:
    s, _ = store()
    block = build_block(s.ranked())
    assert (block.text, block.tokens, block.items) == ("", 0, ())


def test_estimate_tokens_counts_symbols_on_top_of_characters() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("a" * 400) == 100
    prose = "the quick brown fox jumps over the lazy dog " * 10
    code = "x[i]->y(z);{}" * 34
    assert len(code) >= len(prose)
    assert estimate_tokens(code) > estimate_tokens(prose)


def test_ages_read_short() -> None:
    assert [format_age(s) for s in (5, 125, 7300, 200_000)] == ["5s", "2m", "2h", "2d"]
