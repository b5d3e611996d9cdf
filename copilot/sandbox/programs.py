"""What the gate knows about programs: wrappers, network use, hidden writes.

This is a conservative table, not a sandbox: anything it does not know is
treated as unknown and asks. It exists so that "allow for a scope" is never
offered where a grant could be abused (a wrapper runs any program, `sed w`
writes files, `git -c` runs any command) and so that `sandbox-auto` can let a
short list of well-understood read-only tools through without a prompt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from copilot.sandbox.shellparse import SimpleCommand

#: Programs that run another program or arbitrary code given as arguments.
WRAPPERS = frozenset(
    {
        "env", "xargs", "sudo", "doas", "su", "runuser", "nohup", "timeout", "nice", "ionice",
        "stdbuf", "setsid", "chroot", "unshare", "nsenter", "time", "command", "builtin",
        "exec", "eval", "source", ".", "coproc", "watch", "flock", "chrt", "taskset", "script",
        "strace", "ltrace", "gdb", "parallel", "fakeroot", "firejail", "bwrap", "systemd-run",
        "busybox", "unbuffer", "rlwrap", "npx", "uvx", "pipx", "bunx", "trap", "alias",
        "enable", "shopt", "set", "hash",
    }
)  # fmt: skip
#: Programs that interpret code (a grant of `python x.py` would cover any script).
INTERPRETERS = frozenset(
    {
        "sh", "bash", "dash", "zsh", "ksh", "mksh", "fish", "csh", "tcsh", "deno", "bun",
        "awk", "gawk", "mawk", "nawk", "tclsh", "wish", "expect", "osascript", "pwsh",
        "Rscript", "R", "julia", "irb", "ipython", "jshell", "groovy", "scala", "make",
    }
)  # fmt: skip
_INTERPRETER_FAMILIES = re.compile(r"^(python|pypy|perl|ruby|php|lua|luajit|node|nodejs)[\d.]*$")

#: Programs that always talk to the network.
_NETWORK_PROGRAMS = frozenset(
    {
        "curl", "wget", "ssh", "scp", "sftp", "rsync", "nc", "ncat", "netcat", "socat",
        "telnet", "ftp", "ping", "ping6", "dig", "nslookup", "host", "http", "https",
        "aria2c", "lynx", "w3m", "links", "npx", "uvx", "pipx", "bunx", "apt", "apt-get",
        "brew", "gem", "conda", "mamba", "whois", "traceroute", "mosh",
    }
)  # fmt: skip
#: Subcommands that need the network, per program.
_NETWORK_SUBCOMMANDS: dict[str, frozenset[str]] = {
    "git": frozenset({"fetch", "pull", "push", "clone", "ls-remote", "submodule", "remote"}),
    "pip": frozenset({"install", "download", "search", "index"}),
    "pip3": frozenset({"install", "download", "search", "index"}),
    "npm": frozenset({"install", "i", "ci", "add", "update", "publish", "view", "info",
                      "outdated", "audit", "exec", "login", "search", "pack", "dlx"}),
    "pnpm": frozenset({"install", "i", "add", "update", "publish", "dlx", "outdated", "audit"}),
    "yarn": frozenset({"install", "add", "upgrade", "publish", "dlx", "info", "npm"}),
    "uv": frozenset({"pip", "sync", "add", "lock", "run", "tool", "publish", "python"}),
    "cargo": frozenset({"install", "fetch", "update", "publish", "search", "add"}),
    "go": frozenset({"get", "install", "mod"}),
    "docker": frozenset({"pull", "push", "login", "run", "build", "search"}),
    "podman": frozenset({"pull", "push", "login", "run", "build", "search"}),
    "poetry": frozenset({"install", "add", "update", "lock", "publish"}),
}  # fmt: skip

#: Environment names a command prefix may set without changing what loads or runs.
_BENIGN_ENV = frozenset(
    {
        "CI", "NO_COLOR", "FORCE_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "COLUMNS",
        "LINES", "TZ", "LANG", "LANGUAGE", "NODE_ENV", "RUST_BACKTRACE", "RUST_LOG", "DEBUG",
        "VERBOSE",
    }
)  # fmt: skip

#: Read-only tools `sandbox-auto` may run without a prompt (after the checks below).
AUTO_SAFE = frozenset(
    {
        "ls", "cat", "head", "tail", "wc", "nl", "cut", "tr", "uniq", "comm", "paste", "fold",
        "fmt", "column", "rev", "tac", "od", "hexdump", "base64", "md5sum", "sha1sum",
        "sha256sum", "sha512sum", "cksum", "stat", "file", "du", "df", "tree", "pwd", "echo",
        "printf", "true", "false", "test", "[", "basename", "dirname", "realpath", "readlink",
        "which", "whoami", "id", "uname", "date", "grep", "egrep", "fgrep", "rg", "diff",
        "cmp", "sort", "sed", "jq", "git", "mkdir", "touch", "seq", "sleep", "find", "cd",
        "type", "expr",
    }
)  # fmt: skip
#: Programs whose path arguments are written to.
WRITES_ARGS = frozenset({"mkdir", "touch"})
#: Programs with subcommands: a scope covers `program subcommand`, not the whole program.
SUBCOMMAND_PROGRAMS = frozenset(
    {"git", "npm", "pnpm", "yarn", "cargo", "go", "uv", "pip", "pip3", "poetry", "docker",
     "podman", "kubectl", "dotnet", "mvn", "gradle", "bundle", "mix", "just", "task", "hatch",
     "tox", "nox", "pdm", "rye", "deno", "bun", "composer", "swift", "zig", "stack", "cabal"}
)  # fmt: skip
#: git subcommands that only read (global options are checked separately).
_GIT_READ = frozenset(
    {"status", "log", "diff", "show", "rev-parse", "ls-files", "blame", "describe",
     "shortlog", "cat-file", "ls-tree", "branch", "tag", "grep", "reflog", "merge-base",
     "rev-list", "name-rev", "show-ref", "count-objects", "version", "help"}
)  # fmt: skip
_GIT_RISKY_ARGS = (
    "--output", "--ext-diff", "--open-files-in-pager", "--upload-pack", "--receive-pack",
    "--exec", "--config-env", "--exec-path", "--git-dir", "--work-tree", "--paginate",
    "--textconv", "--namespace", "--super-prefix",
)  # fmt: skip
_GIT_RISKY_SHORT = frozenset({"-c", "-C", "-p", "-O"})
_GIT_LISTING_FLAGS = re.compile(
    r"^(-l|--list|-a|--all|-r|--remotes|-v|-vv|--verbose|--show-current|--contains.*|"
    r"--no-contains.*|--merged.*|--no-merged.*|--sort=.*|--format=.*|--color.*|--no-color|"
    r"--column.*|--no-column|--points-at.*|-n\d*|--ignore-case|--abbrev.*|--no-abbrev)$"
)
_FIND_EXEC = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FIND_WRITES = frozenset({"-delete", "-fprint", "-fprint0", "-fprintf", "-fls"})


@dataclass(slots=True)
class ProgramFacts:
    """What one simple command does beyond its argv, as far as the tables know."""

    risks: list[str] = field(default_factory=list)
    wrapper: bool = False
    network: bool = False
    auto_safe: bool = False


def is_interpreter(name: str) -> bool:
    return name in INTERPRETERS or bool(_INTERPRETER_FAMILIES.match(name))


def risky_env(name: str) -> bool:
    """Whether setting `name` may change what a program loads or runs."""
    return name not in _BENIGN_ENV and not name.startswith("LC_")


def examine(cmd: SimpleCommand) -> ProgramFacts:
    """Risks, wrapper-ness, network need and auto-safety of one simple command."""
    facts = ProgramFacts()
    name = cmd.name
    args = cmd.argv[1:]
    for var, _ in cmd.assignments:
        if risky_env(var):
            facts.risks.append(f"sets {var}, which can change what runs")
    if not name:
        return facts
    if not name.isascii() or not name.isprintable():
        facts.risks.append(f"program name has non-ASCII or hidden characters: {name!r}")
        return facts
    if "/" in name:
        facts.risks.append(f"runs a program by path ({name}), not the one on PATH")
        return facts
    if name == "command" and args[:1] in (("-v",), ("-V",)):
        facts.auto_safe = True
        return facts
    if name in WRAPPERS or is_interpreter(name):
        facts.wrapper = True
        kind = "a wrapper" if name in WRAPPERS else "an interpreter"
        facts.risks.append(f"{name} is {kind}: it can run anything")
    facts.network = needs_network(cmd)
    checker = _CHECKS.get(name)
    if checker is not None:
        checker(args, facts)
    facts.auto_safe = name in AUTO_SAFE and not facts.risks and not facts.wrapper
    return facts


def needs_network(cmd: SimpleCommand) -> bool:
    """Whether the command needs the network (by program, subcommand or /dev/tcp)."""
    if any(r.target.startswith(("/dev/tcp/", "/dev/udp/")) for r in cmd.redirects):
        return True
    if any("/dev/tcp/" in a or "/dev/udp/" in a for a in cmd.argv):
        return True
    name = cmd.name
    if name in _NETWORK_PROGRAMS:
        return True
    subcommands = _NETWORK_SUBCOMMANDS.get(name)
    if subcommands is None:
        return False
    return bool(subcommands & set(_positional(cmd.argv[1:])[:1]))


_URL_HOST = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/@]*@)?(\[[^\]]+\]|[^/:?#]+)")
_SCP_HOST = re.compile(r"^(?:[^/@:]+@)?([A-Za-z0-9.-]+):(?!//)")


def hosts_named(cmd: SimpleCommand) -> list[str]:
    """Host names a command names: URLs, `user@host:path`, `/dev/tcp/host/port`."""
    hosts: list[str] = []
    words = list(cmd.argv[1:]) + [r.target for r in cmd.redirects]
    for word in words:
        value = word.partition("=")[2] if word.startswith("-") else word
        if value.startswith(("/dev/tcp/", "/dev/udp/")):
            hosts.append(value.split("/")[3] if value.count("/") >= 3 else "")
        elif found := _URL_HOST.match(value) or _SCP_HOST.match(value):
            hosts.append(found.group(1))
        elif cmd.name in ("ssh", "mosh") and not value.startswith("-") and "@" in value:
            hosts.append(value.rpartition("@")[2])
    return [h.lower() for h in hosts if h]


def _positional(args: tuple[str, ...]) -> list[str]:
    return [a for a in args if not a.startswith("-")]


def _check_git(args: tuple[str, ...], facts: ProgramFacts) -> None:
    for arg in args:
        if arg in _GIT_RISKY_SHORT or arg.startswith(_GIT_RISKY_ARGS) or arg.startswith("-c"):
            facts.risks.append(f"git {arg.split('=')[0]} can write files or run commands")
            return
    words = _positional(args)
    sub = words[0] if words else ""
    if sub not in _GIT_READ:
        facts.risks.append(f"git {sub or '(no subcommand)'} is not a read-only git command")
        return
    if sub in ("branch", "tag"):
        flags = [a for a in args if a.startswith("-")]
        listing = any(a in ("-l", "--list") for a in flags) and "--no-list" not in flags
        if any(not _GIT_LISTING_FLAGS.match(f) for f in flags) or (len(words) > 1 and not listing):
            facts.risks.append(f"git {sub} with these options can create or delete refs")


def _check_find(args: tuple[str, ...], facts: ProgramFacts) -> None:
    for arg in args:
        if arg in _FIND_EXEC:
            facts.wrapper = True
            facts.risks.append(f"find {arg} runs another program")
        elif arg in _FIND_WRITES:
            facts.risks.append(f"find {arg} writes or deletes files")


def _check_rg(args: tuple[str, ...], facts: ProgramFacts) -> None:
    if any(a.startswith("--pre") for a in args):
        facts.risks.append("rg --pre runs a program on every file")


def _check_sort(args: tuple[str, ...], facts: ProgramFacts) -> None:
    for arg in args:
        cluster = arg.startswith("-") and not arg.startswith("--")
        if arg.startswith(("--output", "--compress-program")) or (cluster and "o" in arg):
            facts.risks.append("sort -o/--compress-program writes files or runs programs")
            return


def _check_tee(args: tuple[str, ...], facts: ProgramFacts) -> None:
    facts.risks.append("tee writes to files")


def _check_sed(args: tuple[str, ...], facts: ProgramFacts) -> None:
    scripts: list[str] = []
    positional: list[str] = []
    explicit = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith(("--in-place", "--file")):
            facts.risks.append("sed -i/--file edits files or hides its script")
            return
        if arg.startswith("--expression"):
            explicit = True
            value = (
                arg.partition("=")[2] if "=" in arg else (args[i + 1] if i + 1 < len(args) else "")
            )
            scripts.append(value)
            i += 1 if "=" in arg else 2
            continue
        if arg.startswith("--") or arg == "-":
            i += 1
            continue
        if arg.startswith("-"):
            for pos, flag in enumerate(arg[1:], start=1):
                if flag in "if":
                    facts.risks.append("sed -i/-f edits files or hides its script")
                    return
                if flag in "el":
                    rest = arg[pos + 1 :] or (args[i + 1] if i + 1 < len(args) else "")
                    if flag == "e":
                        explicit = True
                        scripts.append(rest)
                    i += 0 if arg[pos + 1 :] else 1
                    break
            i += 1
            continue
        positional.append(arg)
        i += 1
    if not explicit and positional:
        scripts.append(positional[0])
    if any(sed_script_risky(s) for s in scripts):
        facts.risks.append("the sed script writes files or runs commands (w, W, e, r, R)")


_CHECKS = {
    "git": _check_git,
    "find": _check_find,
    "rg": _check_rg,
    "sort": _check_sort,
    "tee": _check_tee,
    "sed": _check_sed,
}

_SED_PLAIN = frozenset("pPdDnNgGhHxlz=qQF")
_SED_RISKY = frozenset("wWeErR")


def sed_script_risky(script: str) -> bool:
    """Whether a sed script can write files, read files or run commands.

    A small scanner over GNU sed syntax: addresses, then a command letter;
    `s` and `y` bodies are skipped so `s/new/wow/` is not mistaken for `w`.
    Anything it does not recognise counts as risky.
    """
    i, n = 0, len(script)
    while i < n:
        ch = script[i]
        if ch in " \t\n;{}!" or ch.isdigit() or ch in "$,~+":
            i += 1
        elif ch == "/" or ch == "\\":
            delim = "/" if ch == "/" else (script[i + 1] if i + 1 < n else "")
            i = _skip_delimited(script, i + (1 if ch == "/" else 2), delim)
            if i < 0:
                return True
            while i < n and script[i] in "IM":
                i += 1
        elif ch == "#":
            i = _line_end(script, i)
        elif ch in _SED_RISKY:
            return True
        elif ch in "sy":
            if i + 1 >= n:
                return True
            delim = script[i + 1]
            i = _skip_delimited(script, i + 2, delim)
            i = _skip_delimited(script, i, delim) if i >= 0 else i
            if i < 0:
                return True
            flags_end = i
            while flags_end < n and script[flags_end] not in ";}\n":
                flags_end += 1
            if ch == "s" and set(script[i:flags_end]) & {"w", "e", "W"}:
                return True
            i = flags_end
        elif ch in "aic":
            i = _line_end(script, i)
        elif ch in ":btT":
            while i < n and script[i] not in ";\n":
                i += 1
        elif ch in _SED_PLAIN:
            i += 1
        else:
            return True
    return False


def _skip_delimited(text: str, start: int, delim: str) -> int:
    """Index just past the next unescaped `delim`, or -1 if none."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == delim:
            return i + 1
        i += 1
    return -1


def _line_end(text: str, start: int) -> int:
    end = text.find("\n", start)
    return len(text) if end < 0 else end + 1
