"""The shell parser: what bash would run, decoded, and when we must not trust it."""

from __future__ import annotations

import pytest

from copilot.sandbox.crosscheck import bashlex_command_names
from copilot.sandbox.shellparse import decode_ansi_c, normalize, parse


def names(command: str) -> list[str]:
    return [c.name for c in parse(command).commands]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("ls && rm -rf ~", ["ls", "rm"]),
        ("ls; rm x", ["ls", "rm"]),
        ("ls || rm x", ["ls", "rm"]),
        ("ls | wc -l", ["ls", "wc"]),
        ("ls & rm x", ["ls", "rm"]),
        ("ls\nrm x", ["ls", "rm"]),
        ("(cd src && ls)", ["cd", "ls"]),
        ("{ ls; rm x; }", ["ls", "rm"]),
        ("if [ -f x ]; then ls; else rm x; fi", ["[", "ls", "rm"]),
        ("for f in a b; do echo $f; done", ["echo"]),
        ("while read l; do echo; done < f", ["read", "echo"]),
        ("! ls", ["ls"]),
    ],
)
def test_compounds_split_into_every_simple_command(command: str, expected: list[str]) -> None:
    parsed = parse(command)
    assert parsed.understood, parsed.problems
    assert sorted(names(command)) == sorted(expected)


@pytest.mark.parametrize(
    ("command", "inner"),
    [
        ('echo "$(id)"', "id"),
        ("echo `id`", "id"),
        ("cat <(curl -s example.invalid)", "curl"),
        ("diff >(tee x) y", "tee"),
        ("echo ${a:-$(whoami)}", "whoami"),
        ("cat <<EOF\n$(id)\nEOF", "id"),
        ('cat <<< "$(id)"', "id"),
        ("export A=$(id)", "id"),
        ("x=1 y=$(id) ls", "id"),
    ],
)
def test_substitutions_are_commands_too(command: str, inner: str) -> None:
    assert inner in names(command)


def test_function_bodies_are_walked_and_reported() -> None:
    parsed = parse("f(){ rm -rf ~; }; f")
    assert parsed.functions == ("f",)
    assert [c.text for c in parsed.commands if c.context == "function"] == ["rm -rf ~"]


@pytest.mark.parametrize(
    ("command", "argv"),
    [
        ("\\rm -rf ~", ("rm", "-rf", "~")),
        ("r''m -rf ~", ("rm", "-rf", "~")),
        ('"rm" -rf ~', ("rm", "-rf", "~")),
        ("$'\\x72\\x6d' -rf ~", ("rm", "-rf", "~")),
        ('echo a\\ b \'c d\' "e\\"f"', ("echo", "a b", "c d", 'e"f')),
        ("tr\\\nuncate -s0 src/app.py", ("truncate", "-s0", "src/app.py")),
        ("ls \\\n -la", ("ls", "-la")),
    ],
)
def test_words_are_decoded_as_bash_would(command: str, argv: tuple[str, ...]) -> None:
    assert parse(command).commands[-1].argv == argv


def test_ansi_c_escapes() -> None:
    assert decode_ansi_c(r"\x72\x6d") == "rm"
    assert decode_ansi_c(r"\162\155") == "rm"
    assert decode_ansi_c(r"a\tb\n\u00e9\'") == "a\tb\né'"
    assert decode_ansi_c(r"\cA") == "\x01"


def test_backslash_newline_is_joined_except_in_single_quotes_and_comments() -> None:
    assert normalize("tr\\\nuncate")[0] == "truncate"
    assert normalize("echo 'a\\\nb'")[0] == "echo 'a\\\nb'"
    assert normalize("echo a # c \\\nrm")[0] == "echo a # c \\\nrm"
    assert names("echo a # c \\\nrm") == ["echo", "rm"]


def test_assignments_and_redirects_are_recorded() -> None:
    cmd = parse("LD_PRELOAD=./e.so ls > out.txt 2>/dev/null >&2 < in.txt").commands[0]
    assert cmd.assignments == (("LD_PRELOAD", "./e.so"),)
    writes = {r.target for r in cmd.redirects if r.writes}
    others = {r.target for r in cmd.redirects if not r.writes and not r.fd_dup}
    assert writes == {"out.txt"}
    assert others == {"in.txt", "/dev/null"}
    assert [r.target for r in cmd.redirects if r.fd_dup] == ["2"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        # tree-sitter-bash hangs these on the whole list or pipeline; bash does not.
        ("ls -la && echo hi > out.txt", [[], ["out.txt"]]),
        ("a | b > f", [[], ["f"]]),
        ("a && b | c 2> e > f", [[], [], ["e", "f"]]),
        ("a | b && ! c > f &", [[], [], ["f"]]),
        ("a > g && b > f", [["g"], ["f"]]),
        # A compound statement's redirection is every command's inside it.
        ("{ a; b; } > f", [["f"], ["f"]]),
        ("(a && b) > f", [["f"], ["f"]]),
        ("if x; then a; fi > f", [["f"], ["f"]]),
    ],
)
def test_a_redirection_after_a_list_belongs_to_its_last_command(
    command: str, expected: list[list[str]]
) -> None:
    parsed = parse(command)
    assert parsed.understood
    assert [[r.target for r in c.redirects] for c in parsed.commands] == expected


def test_heredoc_output_redirect_and_pipeline_after_it_are_seen() -> None:
    piped = parse("cat <<EOF | sh\nrm -rf ~\nEOF")
    assert piped.understood
    assert sorted(c.name for c in piped.commands) == ["cat", "sh"]
    written = parse("cat <<EOF > out\nx\nEOF")
    assert any(r.writes and r.target == "out" for r in written.commands[0].redirects)
    # tree-sitter-bash cannot parse both after one heredoc: that must not pass as understood
    assert not parse("cat <<EOF > out | sh\nrm -rf ~\nEOF").understood


@pytest.mark.parametrize(
    ("command", "reason"),
    [
        ("a=rm; $a -rf ~", "program name is computed"),
        ("rm${IFS}-rf${IFS}~", "program name is computed"),
        ("x=1; echo ${x@P}", "prompt expansion"),
        ("echo $((1+2))", "arithmetic"),
        ("l? -la", "glob pattern"),
        ("cat {notes,/etc/passwd}", "brace expansion"),
        ("cat <<EOF\n$HOME\nEOF", "here-document expands"),
        ("[[ $x -eq 1 ]]", "arithmetic"),
    ],
)
def test_run_time_meaning_is_flagged(command: str, reason: str) -> None:
    dynamic = [d for c in parse(command).commands for d in c.dynamic]
    assert any(reason in d for d in dynamic), dynamic


@pytest.mark.parametrize(
    "command",
    [
        "$'\\x72\\x6d' -rf ~",  # bashlex does not decode ANSI-C: the parsers disagree
        "coproc rm -rf ~",  # bashlex does not implement coproc
        "ls\rrm -rf ~",  # a carriage return hides text on a terminal
        "cat <<EOF\n`id`\nEOF",  # a backquote the grammar leaves as text
        "cat <<'EOF'\nfoo\\\nEOF\nrm -rf ~",  # continuation beside a quoted heredoc
        "ls <> f",  # syntax tree-sitter-bash does not support
        "echo $(",  # incomplete
        "case $x in a) ls;; esac",  # bashlex cannot parse it
        "{rm,-rf,~}",  # brace expansion as the program: a grammar error
    ],
)
def test_not_understood_when_parsers_disagree_or_fail(command: str) -> None:
    assert not parse(command).understood


def test_eval_and_sh_c_code_is_parsed_as_nested_commands() -> None:
    parsed = parse("bash -c 'ls; rm -rf ~'")
    assert [c.text for c in parsed.commands if c.context == "nested"] == ["ls", "rm -rf ~"]
    assert "rm" in [c.name for c in parse('eval "rm -rf ~"').commands]


def test_background_is_reported() -> None:
    assert parse("ls & rm x").background
    assert not parse("ls && rm x").background


def test_bashlex_names_match_on_plain_commands() -> None:
    assert bashlex_command_names("ls && r''m x | wc") == (["ls", "rm", "wc"], "")
    names_, error = bashlex_command_names("echo $((1))")
    assert names_ == [] and error


def test_the_approval_text_shows_what_each_command_writes() -> None:
    from copilot.sandbox.classify import render

    assert render(parse("ls -la && echo hi > out.txt")) == (
        "ls -la && echo hi > out.txt\n→ runs: ls -la\n→ runs: echo hi   (writes out.txt)"
    )
    assert render(parse("make 2>&1 > /dev/null")) == "make 2>&1 > /dev/null\n→ runs: make"
    assert render(parse("ls -la")) == "ls -la"
