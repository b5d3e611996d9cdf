"""Large pastes held beside the input: placeholders expand to their text, once."""

from __future__ import annotations

from copilot.engine.pasted import Pastes, describe_size


def test_a_placeholder_expands_to_its_paste_and_edited_ones_stay_as_typed() -> None:
    pastes = Pastes()
    big = "\n".join(f"row {i}" for i in range(3))
    first = pastes.hold(big)
    second = pastes.hold("second")
    assert first == "[paste 1: 3 lines, 0 kB]"
    assert second == "[paste 2: 1 line, 0 kB]"
    message = f"look at {first} and {second[:-1]} please"
    assert pastes.expand(message) == f"look at {big} and {second[:-1]} please"


def test_a_paste_holding_placeholder_words_is_not_expanded_again() -> None:
    pastes = Pastes()
    inner = pastes.hold("inner text")
    outer = pastes.hold(f"quoting {inner} verbatim")
    assert pastes.expand(outer) == f"quoting {inner} verbatim"


def test_clear_starts_the_numbering_again_and_forgets() -> None:
    pastes = Pastes()
    held = pastes.hold("x")
    pastes.clear()
    assert pastes.expand(held) == held
    assert pastes.hold("y") == "[paste 1: 1 line, 0 kB]"


def test_sizes_read_in_lines_and_bytes() -> None:
    assert describe_size("a\n" * 99_999 + "a") == "100,000 lines, 200 kB"
    assert describe_size("x" * 9_300_000) == "1 line, 9.3 MB"
    assert describe_size("é" * 1500) == "1 line, 3 kB"
