"""Decide allow / ask / deny for one tool call, and what "allow for a scope" offers.

`decide(policy, request)` is pure apart from reading the filesystem to resolve
symlinks and expand globs. A shell command is allowed only when EVERY simple
command in it is allowed on its own, so a grant of `ls` never covers
`ls && rm -rf ~`. Deny rules win over ask rules, which win over allow rules
and grants; a parse either parser does not fully understand always asks.
"""

from __future__ import annotations

import glob
import itertools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from copilot.sandbox.policy import Mode, Policy
from copilot.sandbox.programs import (
    AUTO_SAFE,
    SUBCOMMAND_PROGRAMS,
    WRAPPERS,
    WRITES_ARGS,
    ProgramFacts,
    examine,
    hosts_named,
    is_interpreter,
)
from copilot.sandbox.rules import CompiledRule, Rule, is_inside, resolve_path
from copilot.sandbox.shellparse import ParsedCommand, SimpleCommand, parse

#: Tool names the engine uses, mapped to the kind of access they need.
_TOOL_KINDS = {
    "run_shell": "shell",
    "shell": "shell",
    "read_file": "read",
    "list_files": "read",
    "search": "read",
    "git": "read",
    "write_file": "write",
    "edit_file": "edit",
}
_GLOB_LIMIT = 1000


class Verdict(StrEnum):
    ALLOW = "allow"
    ASK = "ask"
    DENY = "deny"


@dataclass(frozen=True, slots=True)
class Request:
    """One tool call reduced to what the policy needs.

    `kind` is shell, read, write, edit or other (asks, no scope).
    """

    kind: str
    tool: str
    command: str = ""
    path: str = ""
    sandbox_available: bool = True


@dataclass(frozen=True, slots=True)
class Decision:
    """The classifier's answer and everything the prompt needs to show.

    `source` is `rule` (a rule or a grant decided), or `mode` (the mode's
    default decided). `scope` is the grant an "allow for a scope" answer adds,
    None when that answer must not be offered.
    """

    verdict: Verdict
    reason: str
    source: str = "mode"
    rule: Rule | None = None
    decoded: str = ""
    scope: tuple[Rule, ...] | None = None
    scope_label: str = ""
    needs_network: bool = False
    risk: tuple[str, ...] = ()
    sandboxed: bool = True


def request_for(tool: str, args: Mapping[str, Any], *, sandbox_available: bool = True) -> Request:
    """Map an engine tool call onto a Request."""
    kind = _TOOL_KINDS.get(tool, "other")
    if kind == "shell":
        return Request(
            "shell",
            tool,
            command=str(args.get("command", "")),
            sandbox_available=(sandbox_available),
        )
    if kind == "read":
        path = str(args.get("path") or ".")
        pattern = str(args.get("glob") or "")
        if pattern.startswith(("/", "~")) or ".." in pattern:
            path = _literal_prefix(pattern) or "."
        return Request("read", tool, path=path)
    if kind in ("write", "edit"):
        return Request(kind, tool, path=str(args.get("path", "")))
    return Request("other", tool)


def _literal_prefix(pattern: str) -> str:
    parts: list[str] = []
    for part in pattern.split("/"):
        if set(part) & set("*?["):
            break
        parts.append(part)
    return "/".join(parts) or ("/" if pattern.startswith("/") else "")


def decide(policy: Policy, request: Request) -> Decision:
    """The verdict for one request under `policy`."""
    if request.kind == "shell":
        return _ShellJudge(policy, request).decide()
    if request.kind in ("read", "write", "edit"):
        return _decide_path(policy, request)
    return Decision(
        Verdict.ASK, f"{request.tool} is not a tool the policy knows", decoded=request.tool
    )


# --- files -------------------------------------------------------------------


def _decide_path(policy: Policy, request: Request) -> Decision:
    ws = policy.workspace
    target = resolve_path(request.path, ws)
    decoded = request.path if str(target) == request.path else f"{request.path} → {target}"
    kind = request.kind
    base = {"decoded": decoded}
    if rule := _first(policy.compiled("deny"), lambda r: r.matches_path(kind, target)):
        return Decision(Verdict.DENY, f"denied by rule {rule}", "rule", rule, **base)
    writing = kind in ("write", "edit")
    if writing and policy.mode is Mode.READ_ONLY:
        return Decision(Verdict.DENY, "read-only mode: writes and edits are off", **base)
    if writing and not is_inside(target, ws):
        return Decision(Verdict.DENY, f"{target} is outside the workspace {ws}", **base)
    if rule := _first(policy.compiled("ask"), lambda r: r.matches_path(kind, target)):
        return Decision(Verdict.ASK, f"rule {rule} says to ask", "rule", rule, **base)
    if rule := _first(policy.compiled("allow"), lambda r: r.matches_path(kind, target)):
        return Decision(Verdict.ALLOW, f"allowed by rule {rule}", "rule", rule, **base)
    if writing and policy.mode is Mode.SANDBOX_AUTO:
        return Decision(Verdict.ALLOW, "sandbox-auto: writes inside the workspace", **base)
    reason = (
        f"ask mode: every {kind} asks unless a rule allows it"
        if writing
        else f"{target} is outside the workspace"
    )
    scope, label = _path_scope(kind, target, ws)
    return Decision(Verdict.ASK, reason, scope=scope, scope_label=label, **base)


def _path_scope(kind: str, target: Path, ws: Path) -> tuple[tuple[Rule, ...] | None, str]:
    """`write(src/**)` ("writes under src/") or `read(/dir/**)` for a directory."""
    tool = "read" if kind == "read" else "write"
    verb = "reads" if tool == "read" else "writes"
    if set(str(target)) & set("*?["):
        return None, ""
    if is_inside(target, ws):
        rel = target.relative_to(ws)
        if str(rel.parent) == ".":
            return (Rule(tool, str(rel), "session"),), f"{verb} to {rel}, this session"
        folder = rel.parent.as_posix()
        return (Rule(tool, f"{folder}/**", "session"),), f"{verb} under {folder}/, this session"
    folder = target.parent
    if folder in (Path("/"), Path.home()) or Path.home().is_relative_to(folder):
        return None, ""
    return (Rule(tool, f"{folder}/**", "session"),), f"{verb} under {folder}/, this session"


# --- shell -------------------------------------------------------------------


@dataclass(slots=True)
class _Judged:
    """One simple command's verdict and why."""

    cmd: SimpleCommand
    facts: ProgramFacts
    verdict: Verdict
    reason: str
    source: str = "mode"
    rule: Rule | None = None
    scope_ok: bool = False
    outside: list[str] = field(default_factory=list)


class _ShellJudge:
    """Judges every simple command of one shell request, then the whole."""

    def __init__(self, policy: Policy, request: Request) -> None:
        self.policy = policy
        self.ws = policy.workspace
        self.request = request
        self.parsed: ParsedCommand = parse(request.command)
        self.global_risks: list[str] = list(self.parsed.problems)
        if self.parsed.functions:
            self.global_risks.append("defines shell functions")
        if self.parsed.background:
            self.global_risks.append("runs something in the background")

    def decide(self) -> Decision:
        judged = [self.judge(c) for c in self.parsed.commands]
        risks = tuple(
            dict.fromkeys(
                self.global_risks
                + [r for j in judged for r in j.facts.risks]
                + [d for j in judged for d in j.cmd.dynamic]
                + [f"outside the workspace: {p}" for j in judged for p in j.outside]
            )
        )
        network = any(j.facts.network for j in judged)
        common = {
            "decoded": render(self.parsed),
            "needs_network": network,
            "risk": risks,
            "sandboxed": self.request.sandbox_available,
        }
        if denied := next((j for j in judged if j.verdict is Verdict.DENY), None):
            return Decision(Verdict.DENY, denied.reason, denied.source, denied.rule, **common)
        if self.policy.mode is Mode.READ_ONLY:
            return Decision(Verdict.DENY, "read-only mode: shell commands are off", **common)
        if not self.parsed.commands:
            return Decision(Verdict.ASK, "the command is empty or only comments", **common)
        asking = [j for j in judged if j.verdict is Verdict.ASK]
        if not asking and not self.global_risks:
            deciding = next((j for j in judged if j.rule is not None), judged[0])
            reasons = "; ".join(dict.fromkeys(j.reason for j in judged))
            if not self.request.sandbox_available:
                return Decision(
                    Verdict.ASK,
                    f"the sandbox cannot start, so this would run unsandboxed ({reasons})",
                    **common,
                )
            return Decision(Verdict.ALLOW, reasons, deciding.source, deciding.rule, **common)
        reason = (
            "; ".join(dict.fromkeys(j.reason for j in asking))
            if asking
            else f"not understood: {self.global_risks[0]}"
        )
        scope, label = self.scope(asking)
        if not self.request.sandbox_available:
            scope, label = None, ""
            reason = f"the sandbox cannot start, so this would run unsandboxed; {reason}"
        return Decision(Verdict.ASK, reason, scope=scope, scope_label=label, **common)

    # per simple command -------------------------------------------------------

    def judge(self, cmd: SimpleCommand) -> _Judged:
        facts = examine(cmd)
        paths = self.path_args(cmd)
        writes = self.write_targets(cmd, facts)
        outside = [raw for raw, p in paths + writes if not is_inside(p, self.ws)]
        judged = _Judged(cmd, facts, Verdict.ASK, "", outside=outside)
        candidates = self.candidates(cmd, facts)
        all_paths = [p for _, p in paths + writes]
        strict_paths = all_paths if cmd.name not in AUTO_SAFE else [p for _, p in writes]
        hosts = hosts_named(cmd)

        def touches(rule: CompiledRule) -> bool:
            return (
                any(rule.matches_path("read", p) for p in all_paths)
                or any(rule.matches_path("write", p) for p in strict_paths)
                or any(rule.matches_host(h) for h in hosts)
            )

        if hit := self.match("deny", candidates, touches):
            judged.verdict, judged.source, judged.rule = Verdict.DENY, "rule", hit.rule
            judged.reason = f"denied by rule {hit.rule} ({cmd.text or 'assignment'})"
            return judged
        if hit := self.match("ask", candidates, touches):
            judged.reason = f"rule {hit.rule} says to ask ({cmd.text})"
            return judged
        understood = not self.global_risks and not cmd.dynamic
        unwritable = [str(p) for _, p in writes if not self.write_permitted(p)]
        hit = next((r for r in self.policy.compiled("allow") if r.matches_command(cmd.text)), None)
        env_risk = any(r.startswith("sets ") for r in facts.risks)
        if hit is not None and understood and not env_risk and not unwritable:
            granted = hit.rule.source == "session"
            if not granted or (self.grantable(facts) and not outside):
                judged.verdict, judged.source, judged.rule = Verdict.ALLOW, "rule", hit.rule
                judged.reason = f"allowed by {'grant' if granted else 'rule'} {hit.rule}"
                return judged
        if not cmd.argv and not cmd.assignments and not unwritable and understood:
            judged.verdict, judged.reason = Verdict.ALLOW, "no command to run"
            return judged
        judged.reason = self.mode_reason(cmd, facts, understood, outside, unwritable)
        if not judged.reason:
            judged.verdict = Verdict.ALLOW
            judged.reason = "sandbox-auto: read-only tools that stay in the sandbox"
        judged.scope_ok = (
            understood and self.grantable(facts) and not outside and not writes and bool(cmd.argv)
        )
        return judged

    def mode_reason(
        self,
        cmd: SimpleCommand,
        facts: ProgramFacts,
        understood: bool,
        outside: list[str],
        unwritable: list[str],
    ) -> str:
        """Why the mode's default asks for this command ('' when sandbox-auto allows it)."""
        if self.policy.mode is not Mode.SANDBOX_AUTO:
            return "ask mode: every shell command asks unless a rule allows it"
        if self.global_risks:
            return f"not understood: {self.global_risks[0]}"
        if cmd.dynamic:
            return f"decided only at run time: {cmd.dynamic[0]}"
        if facts.network:
            return f"{cmd.name} needs the network"
        if facts.risks:
            return facts.risks[0]
        if cmd.argv and not facts.auto_safe:
            return f"{cmd.name} is not a known read-only tool"
        if outside:
            return f"touches paths outside the workspace: {', '.join(outside)}"
        if unwritable:
            return f"writes where no rule allows it: {', '.join(unwritable)}"
        return ""

    def grantable(self, facts: ProgramFacts) -> bool:
        """Whether a grant may cover this command (nothing that could widen it)."""
        return not facts.risks and not facts.wrapper and not facts.network

    def candidates(self, cmd: SimpleCommand, facts: ProgramFacts) -> list[str]:
        """Texts shell rules are matched against: the command, and behind wrappers."""
        texts = [cmd.text]
        if facts.wrapper:
            texts += [" ".join(cmd.argv[i:]) for i in range(1, len(cmd.argv))]
        return texts

    def match(
        self, verdict: str, texts: list[str], touches: Callable[[CompiledRule], bool]
    ) -> CompiledRule | None:
        """The first rule of `verdict` naming one of `texts`, or a path or host touched."""
        for rule in self.policy.compiled(verdict):
            if rule.rule.tool == "shell":
                if any(rule.matches_command(t) for t in texts):
                    return rule
            elif touches(rule):
                return rule
        return None

    def write_permitted(self, path: Path) -> bool:
        if any(r.matches_path("write", path) for r in self.policy.compiled("allow")):
            return True
        return self.policy.mode is Mode.SANDBOX_AUTO and is_inside(path, self.ws)

    # paths -------------------------------------------------------------------

    def path_args(self, cmd: SimpleCommand) -> list[tuple[str, Path]]:
        """Every argument that could name a file, resolved (globs expanded)."""
        raws: list[tuple[int, str]] = []
        for index, arg in enumerate(cmd.argv[1:], start=1):
            if arg.startswith("-"):
                if "=" in arg:
                    raws.append((-1, arg.partition("=")[2]))
                continue
            raws.append((index, arg))
        if cmd.name in ("cd", "pushd") and not any(i > 0 for i, _ in raws):
            raws.append((-1, "~"))
        if cmd.name in ("cd", "pushd", "popd") and "-" in cmd.argv[1:]:
            raws.append((-1, "/"))
        raws += [(-1, r.target) for r in cmd.redirects if r.target and not (r.writes or r.fd_dup)]
        out: list[tuple[str, Path]] = []
        for index, raw in raws:
            out += [(raw, p) for p in self.expand(raw, index in cmd.globs)]
        return out

    def write_targets(self, cmd: SimpleCommand, facts: ProgramFacts) -> list[tuple[str, Path]]:
        """Files the command writes that we can see: redirections, mkdir/touch args."""
        raws = [r.target for r in cmd.redirects if r.writes]
        if cmd.name in WRITES_ARGS:
            raws += [a for a in cmd.argv[1:] if not a.startswith("-")]
        return [
            (raw, resolve_path(raw, self.ws))
            for raw in raws
            if not raw.startswith(("/dev/tcp/", "/dev/udp/"))
        ]

    def expand(self, raw: str, is_glob: bool) -> list[Path]:
        if not is_glob:
            return [resolve_path(raw, self.ws)]
        pattern = os.path.join(self.ws, os.path.expanduser(raw))
        found = list(itertools.islice(glob.iglob(pattern), _GLOB_LIMIT))
        return [resolve_path(p, self.ws) for p in found] or [resolve_path(raw, self.ws)]

    # scope -------------------------------------------------------------------

    def scope(self, asking: list[_Judged]) -> tuple[tuple[Rule, ...] | None, str]:
        """The grant for the commands that asked, when every one of them may have one."""
        if self.global_risks or not asking or not all(j.scope_ok for j in asking):
            return None, ""
        prefixes: list[str] = []
        for j in asking:
            prefix = _scope_prefix(j.cmd)
            if prefix is None:
                return None, ""
            prefixes.append(prefix)
        prefixes = list(dict.fromkeys(prefixes))
        rules = tuple(Rule("shell", f"{p} *", "session") for p in prefixes)
        named = " and ".join(f"`{p}`" for p in prefixes)
        return rules, f"{named} in this workspace, this session"


def _scope_prefix(cmd: SimpleCommand) -> str | None:
    """`npm test` for `npm test -- -x`, `ls` for `ls -la`; None if no safe prefix."""
    if cmd.name in WRAPPERS or is_interpreter(cmd.name):
        return None
    words = list(cmd.argv[:1])
    if cmd.name in SUBCOMMAND_PROGRAMS:
        if len(cmd.argv) < 2 or cmd.argv[1].startswith("-"):
            return None
        words.append(cmd.argv[1])
    if any("*" in w or not w.isprintable() or not w.isascii() for w in words):
        return None
    return " ".join(words)


def _first(rules: list[CompiledRule], test: Any) -> Rule | None:
    return next((r.rule for r in rules if test(r)), None)


# --- display -----------------------------------------------------------------


def visible(text: str) -> str:
    """Make characters a terminal would hide or act on visible.

    A carriage return could overwrite what the user sees with something
    harmless-looking; a newline starts another command. Both are shown as
    markers (a newline keeps its line break so the layout stays readable).
    """
    out: list[str] = []
    for ch in text:
        if ch == "\n":
            out.append("↵\n")
        elif ch == "\r":
            out.append("␍")
        elif ch == "\t":
            out.append(ch)
        elif not ch.isprintable():
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def render(parsed: ParsedCommand) -> str:
    """The command as the user must see it before approving.

    The source (with line continuations joined as bash joins them), followed,
    unless it is one plain command, by a `→ runs:` line per simple command in
    decoded form (`$'\\x72\\x6d'`, `\\rm`, `r''m` all show `rm`) with the files its
    redirections write, and a note for program names that are not plain ASCII
    (lookalike letters).
    """
    lines = [visible(parsed.normalized)]
    if parsed.normalized != parsed.source:
        lines.append("(backslash-newline joined, as bash does)")
    commands = [c for c in parsed.commands if c.argv]
    plain = len(commands) == 1 and commands[0].text == parsed.normalized.strip()
    for cmd in commands:
        shown = visible(cmd.text)
        # `cmd.text` leaves out its redirections: a write must not hide behind `echo hi`.
        written = [visible(r.target) for r in cmd.redirects if r.writes and not r.fd_dup]
        if written:
            shown += f"   (writes {', '.join(written)})"
        if not cmd.name.isascii():
            codes = " ".join(f"U+{ord(c):04X}" for c in cmd.name if not c.isascii())
            lines.append(f"→ runs: {shown}   (program name is not ASCII: {codes})")
        elif not plain:
            lines.append(f"→ runs: {shown}")
    return "\n".join(lines)
