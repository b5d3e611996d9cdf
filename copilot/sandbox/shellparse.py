"""Split a shell command into the simple commands bash would run.

The gate judges every simple command of a compound on its own, so a grant of
`ls` can never cover `ls && rm -rf ~`. This module walks a tree-sitter-bash
tree (a real bash grammar, not shlex) and returns, for each simple command,
the argv words as bash would see them after quote removal, its environment
assignments and redirections, and flags for everything whose meaning is only
known at run time. Anything the walk does not recognise, and any disagreement
with a second parser (bashlex, see `crosscheck`), marks the whole command as
not understood, and the classifier then asks: an unknown construct is exactly
where parser-differential escapes live.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

from copilot.sandbox.crosscheck import bashlex_command_names

#: Programs that run their own arguments as shell code; their string is parsed too.
_SHELLS_WITH_C = frozenset({"sh", "bash", "dash", "zsh", "ksh", "mksh"})
#: How deep `bash -c "eval '...'"` nesting is followed before giving up.
_MAX_NESTING = 4

#: Redirection operators that open their target for writing.
_WRITE_OPS = frozenset({">", ">>", "&>", "&>>", ">|", "<>"})
#: Targets that are not files the command can damage.
_HARMLESS_TARGETS = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty"})

#: Statement nodes whose children are statements to walk in turn.
_CONTAINERS = frozenset(
    {
        "program",
        "list",
        "pipeline",
        "subshell",
        "compound_statement",
        "negated_command",
        "if_statement",
        "elif_clause",
        "else_clause",
        "while_statement",
        "for_statement",
        "do_group",
        "case_statement",
        "case_item",
    }
)
#: Where a trailing redirection belongs to the last statement only (`tail` in statement()).
_TAIL_LISTS = frozenset({"list", "pipeline"})
#: Punctuation and keywords that may appear between statements.
_SEPARATORS = frozenset(
    {
        ";",
        ";;",
        ";&",
        ";;&",
        "&",
        "&&",
        "||",
        "|",
        "|&",
        "!",
        "(",
        ")",
        "{",
        "}",
        "if",
        "then",
        "elif",
        "else",
        "fi",
        "while",
        "until",
        "for",
        "in",
        "do",
        "done",
        "case",
        "esac",
        "\n",
        "comment",
        "variable_name",
    }
)
_ARGUMENT_NODES = frozenset(
    {
        "word",
        "string",
        "raw_string",
        "ansi_c_string",
        "concatenation",
        "simple_expansion",
        "expansion",
        "command_substitution",
        "process_substitution",
        "arithmetic_expansion",
        "number",
        "brace_expression",
        "array",
    }
)
_REDIRECT_NODES = frozenset({"file_redirect", "heredoc_redirect", "herestring_redirect"})
_ANSI_SIMPLE = {
    "a": "\a",
    "b": "\b",
    "e": "\x1b",
    "E": "\x1b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_BRACE_EXPANSION = re.compile(r"\{[^{}]*(,|\.\.)[^{}]*\}")
_GLOB_CHARS = frozenset("*?[")
_PROMPT_EXPANSION = re.compile(r"@P\s*\}$")


@dataclass(frozen=True, slots=True)
class Redirect:
    """One redirection: `op` as written, the decoded `target`, whether it writes."""

    op: str
    target: str
    writes: bool
    fd_dup: bool = False
    expands: bool = False


@dataclass(frozen=True, slots=True)
class SimpleCommand:
    """One command bash would execute, with everything known about it statically.

    `context` says where it sits: `top`, `substitution` (inside `$(...)`,
    backticks or `<(...)`), `heredoc` (a substitution in a here-document body),
    `function` (a function body), `nested` (parsed out of `bash -c`/`eval`).
    `dynamic` lists reasons its meaning depends on run-time values.
    """

    argv: tuple[str, ...]
    assignments: tuple[tuple[str, str], ...] = ()
    redirects: tuple[Redirect, ...] = ()
    dynamic: tuple[str, ...] = ()
    globs: tuple[int, ...] = ()
    context: str = "top"

    @property
    def name(self) -> str:
        """The program as bash looks it up ('' for a bare assignment)."""
        return self.argv[0] if self.argv else ""

    @property
    def text(self) -> str:
        """The decoded command, words joined by single spaces (what rules match)."""
        return " ".join(self.argv)


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    """Every simple command of one shell string, and whether we trust the parse."""

    source: str
    normalized: str
    commands: tuple[SimpleCommand, ...]
    problems: tuple[str, ...] = ()
    functions: tuple[str, ...] = ()
    background: bool = False

    @property
    def understood(self) -> bool:
        """True when both parsers agree and nothing unknown was met."""
        return not self.problems


@dataclass(slots=True)
class _Word:
    """A decoded word under construction."""

    text: str = ""
    unquoted: str = ""
    dynamic: list[str] = field(default_factory=list)
    glob: bool = False


@cache
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


def normalize(source: str) -> tuple[str, list[str]]:
    """Remove backslash-newline pairs where bash removes them.

    Bash joins `\\<newline>` before it splits words, except inside single
    quotes and comments; tree-sitter treats it as a word break instead, which
    turns `tr\\<newline>uncate` into two harmless words. Doing bash's join
    first makes both parsers see what bash will run. Cases where the join
    depends on more context than this scan keeps (quoted here-documents, ANSI-C
    strings) are reported as problems so the classifier asks.
    """
    problems: list[str] = []
    if "\r" in source:
        problems.append("carriage return in the command (terminals hide what follows it)")
    out: list[str] = []
    state = "plain"
    joined = False
    i = 0
    at_word_start = True
    while i < len(source):
        ch = source[i]
        nxt = source[i + 1] if i + 1 < len(source) else ""
        if state == "single":
            out.append(ch)
            state = "plain" if ch == "'" else state
        elif state == "ansi":
            if ch == "\\" and nxt:
                if nxt == "\n":
                    problems.append("line continuation inside $'...'")
                out.append(ch + nxt)
                i += 2
                continue
            out.append(ch)
            state = "plain" if ch == "'" else state
        elif state == "comment":
            out.append(ch)
            state = "plain" if ch == "\n" else state
        elif ch == "\\" and nxt == "\n":
            joined = True
            i += 2
            continue
        elif ch == "\\" and nxt:
            out.append(ch + nxt)
            i += 2
            at_word_start = False
            continue
        elif state == "double":
            out.append(ch)
            state = "plain" if ch == '"' else state
        elif ch == "'":
            out.append(ch)
            state = "ansi" if out[-2:-1] == ["$"] else "single"
        elif ch == '"':
            out.append(ch)
            state = "double"
        elif ch == "#" and at_word_start:
            out.append(ch)
            state = "comment"
        else:
            out.append(ch)
        at_word_start = ch in " \t\n;&|()<>" and state == "plain"
        i += 1
    text = "".join(out)
    if joined and "<<" in text.replace("<<<", ""):
        problems.append("line continuation together with a here-document")
    return text, problems


def parse(source: str) -> ParsedCommand:
    """Parse a shell command string into its simple commands."""
    return _parse(source, depth=0)


def _parse(source: str, depth: int) -> ParsedCommand:
    normalized, problems = normalize(source)
    data = normalized.encode()
    tree = _parser().parse(data)
    walker = _Walker(data, depth)
    walker.statement(tree.root_node, "top", ())
    if tree.root_node.has_error:
        problems.append("the bash grammar reports a syntax error")
    problems.extend(walker.problems)
    problems.extend(_crosscheck(normalized, walker.commands))
    return ParsedCommand(
        source=source,
        normalized=normalized,
        commands=tuple(walker.commands),
        problems=tuple(dict.fromkeys(problems)),
        functions=tuple(walker.functions),
        background=walker.background,
    )


def _crosscheck(normalized: str, commands: list[SimpleCommand]) -> list[str]:
    """Compare command names with bashlex; heredoc and nested ones it cannot see."""
    theirs, error = bashlex_command_names(normalized)
    if error:
        return [f"bashlex could not parse it ({error})"]
    ours = sorted(c.name for c in commands if c.context not in ("heredoc", "nested"))
    if ours != sorted(theirs):
        return ["the two shell parsers disagree about which commands run"]
    return []


class _Walker:
    """Collects simple commands from a tree-sitter tree, whitelisting node types."""

    def __init__(self, data: bytes, depth: int) -> None:
        self.data = data
        self.depth = depth
        self.commands: list[SimpleCommand] = []
        self.problems: list[str] = []
        self.functions: list[str] = []
        self.background = False

    def text(self, node: Node) -> str:
        return self.data[node.start_byte : node.end_byte].decode(errors="replace")

    def unknown(self, node: Node) -> None:
        self.problems.append(f"unsupported shell construct: {node.type}")

    # --- statements ----------------------------------------------------------

    def statement(
        self,
        node: Node,
        context: str,
        redirects: tuple[Redirect, ...],
        tail: tuple[Redirect, ...] = (),
    ) -> None:
        """Walk one statement node, collecting commands in `context`.

        `tail` are redirections written after the node: tree-sitter-bash hangs the
        `> f` of `a && b > f` (or `a | b > f`) on the whole list, where bash gives it
        to the last command only; elsewhere they apply to the node like `redirects`.
        """
        kind = node.type
        if tail and kind not in _TAIL_LISTS:
            redirects, tail = redirects + tail, ()
        if node.is_missing or kind == "ERROR":
            self.problems.append("incomplete or invalid shell syntax")
        elif kind == "command":
            self.command(node, context, redirects)
        elif kind in _CONTAINERS:
            last = max(
                (i for i, c in enumerate(node.children) if c.type not in _SEPARATORS),
                default=-1,
            )
            for index, child in enumerate(node.children):
                if child.type == "&" and node.type in ("program", "list"):
                    self.background = True
                if child.type in _SEPARATORS:
                    continue
                if node.type in ("for_statement", "case_statement", "case_item") and (
                    child.type in _ARGUMENT_NODES
                ):
                    self.word(child, context)
                    continue
                self.statement(child, context, redirects, tail if index == last else ())
        elif kind == "redirected_statement":
            self.redirected(node, context, redirects)
        elif kind in ("variable_assignment", "variable_assignments"):
            assignments = self.assignments(node, context)
            self.commands.append(
                SimpleCommand(
                    argv=(),
                    assignments=tuple((n, v.text) for n, v in assignments),
                    redirects=redirects,
                    dynamic=tuple(r for _, v in assignments for r in v.dynamic),
                    context=context,
                )
            )
        elif kind in ("declaration_command", "unset_command"):
            self.declaration(node, context, redirects)
        elif kind == "test_command":
            self.test(node, context, redirects)
        elif kind == "function_definition":
            self.function(node)
        elif kind == "c_style_for_statement":
            self.problems.append("arithmetic for-loop")
            for child in node.children:
                if child.type == "do_group":
                    self.statement(child, context, redirects)
        elif kind in _SEPARATORS:
            return
        else:
            self.unknown(node)

    def redirected(self, node: Node, context: str, inherited: tuple[Redirect, ...]) -> None:
        body: Node | None = None
        redirects = list(inherited)
        trailing: list[Node] = []
        for child in node.children:
            if child.type in _REDIRECT_NODES:
                redirects.extend(self.redirect(child, context, trailing))
            elif body is None:
                body = child
            else:
                self.unknown(child)
        if body is None:
            self.commands.append(
                SimpleCommand(argv=(), redirects=tuple(redirects), context=context)
            )
        else:
            self.statement(body, context, inherited, tuple(redirects[len(inherited) :]))
        for extra in trailing:
            self.statement(extra, context, ())

    def command(self, node: Node, context: str, redirects: tuple[Redirect, ...]) -> None:
        argv: list[str] = []
        assignments: list[tuple[str, str]] = []
        dynamic: list[str] = []
        globs: list[int] = []
        own_redirects = list(redirects)
        for child in node.children:
            if child.type == "variable_assignment":
                for name, value in self.assignments(child, context):
                    assignments.append((name, value.text))
                    dynamic.extend(value.dynamic)
            elif child.type == "command_name":
                if child.named_child_count != 1:
                    self.unknown(child)
                    continue
                word = self.word(child.named_children[0], context)
                if word.dynamic:
                    dynamic.append("the program name is computed at run time")
                if word.glob:
                    dynamic.append("the program name is a glob pattern")
                argv.append(word.text)
            elif child.type in _ARGUMENT_NODES:
                word = self.word(child, context)
                dynamic.extend(word.dynamic)
                if word.glob:
                    globs.append(len(argv))
                argv.append(word.text)
            elif child.type in _REDIRECT_NODES:
                trailing: list[Node] = []
                own_redirects.extend(self.redirect(child, context, trailing))
                for extra in trailing:
                    self.statement(extra, context, ())
            elif child.type == "comment":
                continue
            else:
                self.unknown(child)
        if any(r.expands for r in own_redirects):
            dynamic.append("a here-document expands values at run time")
        cmd = SimpleCommand(
            argv=tuple(argv),
            assignments=tuple(assignments),
            redirects=tuple(own_redirects),
            dynamic=tuple(dict.fromkeys(dynamic)),
            globs=tuple(globs),
            context=context,
        )
        self.commands.append(cmd)
        self.nested(cmd)

    def nested(self, cmd: SimpleCommand) -> None:
        """Parse the code string of `eval` and `sh -c` so deny rules see inside it."""
        code: str | None = None
        if cmd.name == "eval":
            code = " ".join(cmd.argv[1:])
        elif cmd.name in _SHELLS_WITH_C and "-c" in cmd.argv[1:]:
            at = cmd.argv.index("-c", 1)
            code = cmd.argv[at + 1] if at + 1 < len(cmd.argv) else None
        if code is None:
            return
        if self.depth >= _MAX_NESTING:
            self.problems.append("shell code nested too deeply")
            return
        inner = _parse(code, self.depth + 1)
        for sub in inner.commands:
            self.commands.append(
                SimpleCommand(
                    argv=sub.argv,
                    assignments=sub.assignments,
                    redirects=sub.redirects,
                    dynamic=sub.dynamic,
                    globs=sub.globs,
                    context="nested",
                )
            )
        self.functions.extend(inner.functions)

    def declaration(self, node: Node, context: str, redirects: tuple[Redirect, ...]) -> None:
        """`export A=1`, `local x`, `unset y`: a builtin whose words are assignments."""
        argv: list[str] = []
        dynamic: list[str] = []
        for child in node.children:
            if not child.is_named:
                argv.append(child.type)
            elif child.type == "variable_assignment":
                for name, value in self.assignments(child, context):
                    argv.append(f"{name}={value.text}")
                    dynamic.extend(value.dynamic)
            elif child.type == "variable_name":
                argv.append(self.text(child))
            elif child.type in _ARGUMENT_NODES:
                word = self.word(child, context)
                argv.append(word.text)
                dynamic.extend(word.dynamic)
            else:
                self.unknown(child)
        self.commands.append(
            SimpleCommand(
                argv=tuple(argv),
                redirects=redirects,
                dynamic=tuple(dict.fromkeys(dynamic)),
                context=context,
            )
        )

    def test(self, node: Node, context: str, redirects: tuple[Redirect, ...]) -> None:
        """`[ ... ]` and `[[ ... ]]`: a command named by its bracket."""
        opener = node.children[0].type if node.children else "["
        dynamic = ["[[ evaluates arithmetic on variable values"] if opener == "[[" else []
        words = [opener]
        for child in node.named_children:
            words.append(self.text(child))
            self.substitutions(child, context)
        words.append("]]" if opener == "[[" else "]")
        self.commands.append(
            SimpleCommand(
                argv=tuple(words), redirects=redirects, dynamic=tuple(dynamic), context=context
            )
        )

    def function(self, node: Node) -> None:
        name = ""
        for child in node.children:
            if child.type == "word" and not name:
                name = self.text(child)
            elif child.type in ("compound_statement", "subshell", "if_statement", "test_command"):
                self.statement(child, "function", ())
            elif child.type in ("function", "(", ")"):
                continue
            else:
                self.unknown(child)
        self.functions.append(name)

    def assignments(self, node: Node, context: str) -> list[tuple[str, _Word]]:
        """Decode `NAME=value` (or several); subscripts make the name dynamic."""
        if node.type == "variable_assignments":
            out: list[tuple[str, _Word]] = []
            for child in node.named_children:
                out.extend(self.assignments(child, context))
            return out
        name = ""
        value = _Word()
        for child in node.children:
            if child.type == "variable_name":
                name = self.text(child)
            elif child.type == "subscript":
                name = self.text(child)
                value.dynamic.append("an array subscript is evaluated as arithmetic")
                self.substitutions(child, context)
            elif child.type in ("=", "+="):
                continue
            elif child.type in _ARGUMENT_NODES:
                decoded = self.word(child, context)
                value.text += decoded.text
                value.dynamic.extend(decoded.dynamic)
            else:
                self.unknown(child)
        return [(name, value)]

    # --- redirections --------------------------------------------------------

    def redirect(self, node: Node, context: str, trailing: list[Node]) -> list[Redirect]:
        """Decode one redirection; heredoc siblings that are statements go to `trailing`."""
        if node.type == "herestring_redirect":
            for child in node.named_children:
                self.word(child, context)
            return [Redirect(op="<<<", target="", writes=False)]
        if node.type == "heredoc_redirect":
            return self.heredoc(node, context, trailing)
        op = ""
        target: _Word | None = None
        for child in node.children:
            if child.type == "file_descriptor":
                continue
            if not child.is_named:
                op += child.type
            elif child.type in _ARGUMENT_NODES and target is None:
                target = self.word(child, context)
            else:
                self.unknown(child)
        if target is None:
            return [Redirect(op=op, target="", writes=False, fd_dup=True)]
        dup = op in (">&", "<&") and (target.text.isdigit() or target.text == "-")
        if target.dynamic:
            self.problems.append("a redirection target is computed at run time")
        writes = (
            not dup and (op in _WRITE_OPS or op == ">&") and target.text not in (_HARMLESS_TARGETS)
        )
        return [Redirect(op=op, target=target.text, writes=writes, fd_dup=dup)]

    def heredoc(self, node: Node, context: str, trailing: list[Node]) -> list[Redirect]:
        redirects: list[Redirect] = [Redirect(op="<<", target="", writes=False)]
        quoted = False
        for child in node.children:
            kind = child.type
            if kind == "heredoc_start":
                quoted = any(q in self.text(child) for q in "'\"\\")
            elif kind == "heredoc_body":
                if not quoted and self.heredoc_body(child):
                    redirects[0] = Redirect(op="<<", target="", writes=False, expands=True)
            elif kind == "file_redirect":
                redirects.extend(self.redirect(child, context, trailing))
            elif kind in ("heredoc_end", "<<", "<<-", "|", "&&", "||", ";", "&", "|&"):
                continue
            elif child.is_named:
                trailing.append(child)
            else:
                self.unknown(child)
        return redirects

    def heredoc_body(self, node: Node) -> bool:
        """An unquoted here-document runs its substitutions; find every one.

        Text the grammar left as plain content must not hold a substitution it
        failed to split out (tree-sitter-bash leaves backquotes there). Returns
        whether the body expands anything at run time.
        """
        expands = False
        plain: list[str] = []
        pos = node.start_byte
        for child in node.named_children:
            plain.append(self.data[pos : child.start_byte].decode(errors="replace"))
            if child.type == "heredoc_content":
                plain.append(self.text(child))
            else:
                self.word(child, "heredoc")
                expands = True
            pos = child.end_byte
        plain.append(self.data[pos : node.end_byte].decode(errors="replace"))
        raw = "".join(plain).replace("\\\\", "").replace("\\`", "").replace("\\$", "")
        if "`" in raw or "$(" in raw or "$[" in raw:
            self.problems.append("a here-document holds a substitution we cannot read")
        return expands

    # --- words ---------------------------------------------------------------

    def word(self, node: Node, context: str) -> _Word:
        """Decode one word-like node as bash's quote removal would."""
        out = _Word()
        self._word_into(node, context, out, quoted=False)
        if _BRACE_EXPANSION.search(out.unquoted):
            out.dynamic.append("brace expansion")
        out.dynamic = list(dict.fromkeys(out.dynamic))
        return out

    def _word_into(self, node: Node, context: str, out: _Word, *, quoted: bool) -> None:
        kind = node.type
        raw = self.text(node)
        if kind in ("word", "number") and not quoted:
            text, glob = _unescape_unquoted(raw)
            out.text += text
            out.unquoted += raw
            out.glob = out.glob or glob
            if "`" in raw.replace("\\`", "") or "$(" in raw.replace("\\$", ""):
                self.problems.append("a substitution the grammar did not split out")
        elif kind == "raw_string":
            out.text += raw[1:-1]
        elif kind == "ansi_c_string":
            out.text += decode_ansi_c(raw[2:-1])
        elif kind == "string":
            self._string_into(node, context, out)
        elif kind == "concatenation":
            for child in node.children:
                self._word_into(child, context, out, quoted=quoted)
        elif kind in ("simple_expansion", "expansion"):
            out.text += raw
            out.dynamic.append("variable expansion")
            if _PROMPT_EXPANSION.search(raw):
                out.dynamic.append("${...@P} runs prompt expansion")
            if raw.startswith("${!"):
                out.dynamic.append("indirect expansion")
            self.substitutions(node, context)
        elif kind == "arithmetic_expansion":
            out.text += raw
            out.dynamic.append("arithmetic expansion")
            self.substitutions(node, context)
        elif kind in ("command_substitution", "process_substitution"):
            out.text += raw
            out.dynamic.append("command substitution")
            sub_context = "heredoc" if context == "heredoc" else "substitution"
            for child in node.named_children:
                self.statement(child, sub_context, ())
        elif kind == "brace_expression":
            out.text += raw
            out.unquoted += raw
            out.dynamic.append("brace expansion")
        elif kind == "array":
            out.text += raw
            for child in node.named_children:
                self._word_into(child, context, _Word(), quoted=False)
        elif not node.is_named and kind in ("{", "}"):
            out.text += raw
            out.unquoted += raw
        else:
            self.unknown(node)

    def _string_into(self, node: Node, context: str, out: _Word) -> None:
        """A double-quoted string: literal gaps plus expansions, in source order."""
        pos = node.start_byte + 1
        end = node.end_byte - 1
        for child in node.children:
            if child.type == '"':
                continue
            if child.start_byte > pos:
                out.text += _unescape_double(self.data[pos : child.start_byte].decode())
            if child.type == "string_content":
                out.text += _unescape_double(self.text(child))
                if "`" in self.text(child).replace("\\`", ""):
                    self.problems.append("a substitution the grammar did not split out")
            else:
                self._word_into(child, context, out, quoted=True)
            pos = child.end_byte
        if end > pos:
            out.text += _unescape_double(self.data[pos:end].decode())

    def substitutions(self, node: Node, context: str) -> None:
        """Collect commands from any substitution nested anywhere below `node`."""
        for child in node.named_children:
            if child.type in ("command_substitution", "process_substitution"):
                self._word_into(child, context, _Word(), quoted=True)
            else:
                self.substitutions(child, context)


def _unescape_unquoted(raw: str) -> tuple[str, bool]:
    """Quote removal for an unquoted word; also whether it holds a live glob."""
    out: list[str] = []
    glob = False
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            out.append(raw[i + 1])
            i += 2
            continue
        glob = glob or ch in _GLOB_CHARS
        out.append(ch)
        i += 1
    return "".join(out), glob


def _unescape_double(raw: str) -> str:
    """Inside double quotes a backslash only escapes `$`, backquote, `"` and `\\`."""
    return re.sub(r'\\([$`"\\])', r"\1", raw)


def decode_ansi_c(body: str) -> str:
    """Decode the inside of a `$'...'` string as bash does."""
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        code = body[i + 1]
        i += 2
        if code in _ANSI_SIMPLE:
            out.append(_ANSI_SIMPLE[code])
        elif code in "01234567":
            digits = code + _take(body, i, "01234567", 2)
            i += len(digits) - 1
            out.append(chr(int(digits, 8) & 0xFF))
        elif code in "xuU":
            limit = {"x": 2, "u": 4, "U": 8}[code]
            digits = _take(body, i, "0123456789abcdefABCDEF", limit)
            i += len(digits)
            out.append(chr(int(digits, 16)) if digits else "\\" + code)
        elif code == "c" and i < len(body):
            out.append(chr(ord(body[i]) & 0x1F))
            i += 1
        else:
            out.append("\\" + code)
    return "".join(out)


def _take(text: str, start: int, allowed: str, limit: int) -> str:
    end = start
    while end < len(text) and end - start < limit and text[end] in allowed:
        end += 1
    return text[start:end]
