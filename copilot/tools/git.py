"""git: the read-only part of git (status, diff, log, show, branch --list, blame).

Read-only is enforced three ways: the subcommand is from a short list and always
comes first (so no global option such as `-c`, `-p` or `--exec-path` can be given);
options that write or run something (`--output`, `--ext-diff`, `branch -D`, ...) are
refused, with any abbreviation of them; and it runs in the sandbox, where `.git` is
read-only and there is no network. Our own `-c` settings switch off what repository
config could make git execute (fsmonitor, pagers, hooks), and `--no-ext-diff`
keeps diff.external from running.
"""

import os
from dataclasses import replace
from typing import Any

from copilot.sandbox.bwrap import SandboxUnavailable
from copilot.sandbox.runner import run
from copilot.tools.base import MAX_RESULT_BYTES, ToolContext, ToolResult, ToolSpec, error
from copilot.tools.shell import output_file, result_from_run

SUBCOMMANDS = ("status", "diff", "log", "show", "branch", "blame")
TIMEOUT_S = 60.0

#: Options that write a file or run a program; refused with any abbreviation.
FORBIDDEN_OPTIONS = (
    "--output",
    "--output-directory",
    "--ext-diff",
    "--exec",
    "--exec-path",
    "--upload-pack",
    "--receive-pack",
    "--config",
    "--config-env",
    "--git-dir",
    "--work-tree",
    "--paginate",
    "--open-files-in-pager",
)

#: `git branch` changes branches unless told to list; only these arguments are taken.
BRANCH_FLAGS = frozenset(
    {"--list", "-l", "-a", "--all", "-r", "--remotes", "-v", "-vv", "--verbose"}
    | {"--show-current", "--no-color", "--color=never", "--no-column", "--ignore-case"}
)
BRANCH_VALUE_OPTIONS = ("--sort=", "--format=", "--contains=", "--merged=", "--no-merged=")

#: Settings that neutralise repository config which would make git run programs.
SAFE_CONFIG = (
    "core.fsmonitor=false",
    "core.pager=cat",
    "color.ui=never",
    "core.hooksPath=/dev/null",
)

SCHEMA: dict[str, Any] = {
    "name": "git",
    "description": (
        "Run a read-only git command in the workspace: "
        + ", ".join(SUBCOMMANDS)
        + " (branch only to list). Give the arguments as a list, subcommand first, e.g. "
        '["log", "--oneline", "-n", "20"] or ["diff", "--stat", "HEAD~1"]. Options that '
        "write files or run programs are refused. For anything that changes the "
        "repository, use run_shell (the user approves it; .git is read-only in the sandbox)."
    ),
    "input_schema": {
        "type": "object",
        "properties": {
            "args": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Subcommand and its arguments.",
            },
        },
        "required": ["args"],
    },
}


def _forbidden(arg: str) -> str | None:
    """The forbidden option `arg` spells (in full or abbreviated), if any."""
    if not arg.startswith("--") or len(arg) < 4:
        return None
    name = arg.split("=", 1)[0]
    return next((option for option in FORBIDDEN_OPTIONS if option.startswith(name)), None)


def check_args(args: list[str]) -> str | None:
    """Why these git arguments are refused, or None when they are read-only."""
    if not args:
        return 'give a subcommand, e.g. ["status"]'
    subcommand, rest = args[0], args[1:]
    if subcommand not in SUBCOMMANDS:
        return f"git {subcommand} is not available here; allowed: {', '.join(SUBCOMMANDS)}"
    for arg in rest:
        if arg == "--":
            break
        option = _forbidden(arg)
        if option is not None:
            return f"git {subcommand} {arg} is refused: {option} writes files or runs programs"
    if subcommand == "branch":
        return _check_branch(rest)
    return None


def _check_branch(rest: list[str]) -> str | None:
    listing = "--list" in rest or "-l" in rest
    for arg in rest:
        if arg in BRANCH_FLAGS or arg.startswith(BRANCH_VALUE_OPTIONS):
            continue
        if listing and not arg.startswith("-"):
            continue
        return f"git branch {arg} is refused: only listing branches is allowed here"
    return None


def git_argv(args: list[str]) -> list[str]:
    """The full argv: our safety settings, then the checked subcommand and arguments."""
    argv = ["git", "--no-pager", "--no-optional-locks"]
    for setting in SAFE_CONFIG:
        argv += ["-c", setting]
    subcommand, rest = args[0], args[1:]
    if subcommand in {"diff", "log", "show"}:
        return [*argv, subcommand, "--no-ext-diff", *rest]
    return [*argv, *args]


def git_env() -> dict[str, str]:
    """Our environment with pagers off and no external diff program."""
    env = {name: value for name, value in os.environ.items() if name != "GIT_EXTERNAL_DIFF"}
    env.update({"GIT_PAGER": "cat", "PAGER": "cat", "GIT_OPTIONAL_LOCKS": "0"})
    return env


async def git(args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """Run the read-only git command (see SCHEMA)."""
    arguments = [str(arg) for arg in args["args"]]
    refused = check_args(arguments)
    if refused is not None:
        return error(refused)
    spec = replace(ctx.sandbox, network=False) if ctx.sandbox is not None else None
    try:
        result = await run(
            git_argv(arguments),
            spec=spec,
            cwd=ctx.workspace,
            timeout_s=TIMEOUT_S,
            on_output=ctx.on_output,
            max_capture=MAX_RESULT_BYTES,
            output_path=output_file(ctx, "git"),
            env=git_env(),
        )
    except SandboxUnavailable as exc:
        return error(f"the sandbox cannot start, so git did not run: {exc}")
    return result_from_run(result, what="git")


GIT = ToolSpec(name="git", schema=SCHEMA, kind="git", run=git)
