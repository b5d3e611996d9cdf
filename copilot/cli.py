"""Entry point: parse arguments, load config, pick a front end or run a subcommand.

Kept free of heavy imports: Textual is imported only when the TUI starts (after
ESCDELAY is set, which Textual reads at import), the SDK only after the first
frame.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from copilot import __version__
from copilot.config import Config, load
from copilot.heap import release_collector

if TYPE_CHECKING:
    from copilot.engine.runtime import Runtime


def find_workspace(start: Path) -> Path:
    """The git root above `start`, else `start` itself."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="copilot",
        description=(
            "A terminal AI copilot. Subcommands: sessions, audit, policy, init SHELL, gc, listen."
        ),
    )
    parser.add_argument("--version", action="version", version=f"copilot {__version__}")
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-c",
        "--continue",
        dest="continue_last",
        action="store_true",
        help="resume the last session of this folder",
    )
    group.add_argument("-r", "--resume", metavar="ID", help="resume the session with this id")
    parser.add_argument("-m", "--model", help="model id for this run")
    parser.add_argument(
        "--mode",
        choices=("ask", "sandbox-auto", "read-only"),
        help="how the gate treats the model's actions",
    )
    parser.add_argument("-C", "--workspace", type=Path, help="work in this folder")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="line mode: the conversation in the terminal's scrollback, a prompt below "
        "(the default when TERM=dumb)",
    )
    parser.add_argument(
        "-p",
        "--print",
        dest="print_message",
        nargs="?",
        const="",
        metavar="MESSAGE",
        help="answer once without the app: stream the answer to stdout and exit "
        "(text piped in is added to the message)",
    )
    parser.add_argument(
        "--output-format",
        choices=("text", "json", "stream-json"),
        default="text",
        help="with -p: the answer as text, one JSON object, or JSON lines as it streams",
    )
    return parser


def _flags(args: argparse.Namespace) -> dict[str, dict[str, str]]:
    flags: dict[str, dict[str, str]] = {}
    if args.model:
        flags["model"] = {"name": args.model}
    if args.mode:
        flags["sandbox"] = {"mode": args.mode}
    return flags


async def _session_exists(config: Config, session: str) -> bool:
    from copilot.engine.runtime import open_store

    async with await open_store(config) as store:
        return await store.get_session(session) is not None


def run_tui(config: Config, workspace: Path, args: argparse.Namespace) -> int:
    # A wrong id is said before the screen is taken over, not after a flash of the app.
    if args.resume and not asyncio.run(_session_exists(config, args.resume)):
        print(
            f"copilot: no session matches '{args.resume}' (see: copilot sessions)", file=sys.stderr
        )
        return 1
    # Textual reads keys from stdin and draws on stderr: without a terminal there it
    # drew escape codes into a pipe and waited forever for keys that never came.
    if _terminal_missing("the app", sys.stderr):
        return 2
    os.environ.setdefault("ESCDELAY", str(config.ui.escdelay_ms))
    from copilot.ui.app import CopilotApp

    runtime = _runtime(config, workspace, args)
    app = CopilotApp(runtime)
    app.run()
    return app.return_code or 0


def run_plain(config: Config, workspace: Path, args: argparse.Namespace) -> int:
    release_collector()  # held for the app's first frame; line mode draws none
    if _terminal_missing("line mode", sys.stdout):
        return 2
    from copilot.plain.repl import PlainRepl

    runtime = _runtime(config, workspace, args)
    try:
        return asyncio.run(PlainRepl(runtime).run())
    except KeyboardInterrupt:  # before the prompt took the keys: the terminal's own Ctrl+C
        return 130


def _terminal_missing(front_end: str, output: TextIO) -> bool:
    """True, said in one line, when stdin or the front end's `output` is no terminal."""
    if sys.stdin.isatty() and output.isatty():
        return False
    name = "stderr" if output is sys.stderr else "stdout"
    print(
        f"copilot: {front_end} needs a terminal on stdin and {name}; for one answer "
        "without it: copilot -p 'your question'",
        file=sys.stderr,
    )
    return True


def _runtime(config: Config, workspace: Path, args: argparse.Namespace) -> Runtime:
    """The session's runtime for an interactive front end: new, `--continue` or `--resume`."""
    from copilot.engine.runtime import Runtime

    return Runtime(
        config=config,
        workspace=workspace,
        resume=args.resume,
        continue_last=args.continue_last,
    )


def run_headless(config: Config, workspace: Path, args: argparse.Namespace) -> int:
    release_collector()  # held for the app's first frame; a headless run draws none
    from copilot.plain.headless import EXIT_INTERRUPTED, HeadlessRun
    from copilot.plain.message import MessageError, compose_message

    try:
        message = compose_message(args.print_message, sys.stdin.buffer)
        run = HeadlessRun(
            config,
            workspace,
            message,
            output=args.output_format,
            resume=args.resume,
            continue_last=args.continue_last,
        )
        return asyncio.run(run.run())
    except MessageError as exc:
        print(f"copilot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # while stdin was still being read: nothing was sent
        return EXIT_INTERRUPTED


async def _list_sessions(config: Config, workspace: Path, everywhere: bool) -> int:
    from copilot.engine.runtime import open_store

    async with await open_store(config) as store:
        sessions = await store.list_sessions(None if everywhere else str(workspace))
    if not sessions:
        print("No sessions yet" + ("" if everywhere else f" in {workspace}") + ".")
        return 0
    for info in sessions:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(info.updated))
        title = info.title or "(empty)"
        where = f"  {info.workspace}" if everywhere else ""
        print(f"{info.id[:12]}  {when}  {info.message_count:>4} msgs  {title}{where}")
    return 0


def cmd_sessions(argv: list[str], config: Config, workspace: Path) -> int:
    parser = argparse.ArgumentParser(
        prog="copilot sessions", description="List sessions (this folder by default)."
    )
    parser.add_argument("--all", action="store_true", help="sessions of every folder")
    args = parser.parse_args(argv)
    return asyncio.run(_list_sessions(config, workspace, args.all))


async def _print_audit(config: Config, session: str | None, limit: int) -> int:
    from copilot.engine.runtime import open_store

    async with await open_store(config) as store:
        if session:
            info = await store.get_session(session)
            if info is None:
                print(f"copilot: no session matches '{session}'", file=sys.stderr)
                return 1
            session = info.id
        records = await store.audit(session, limit=limit)
    from copilot.sandbox.audit import format_audit

    for line in format_audit(records) or ["No gate decisions recorded yet."]:
        print(line)
    return 0


def cmd_audit(argv: list[str], config: Config, workspace: Path) -> int:
    parser = argparse.ArgumentParser(
        prog="copilot audit", description="Print the gate's requests and decisions."
    )
    parser.add_argument("--session", help="only this session (id or prefix)")
    parser.add_argument("-n", "--limit", type=int, default=200)
    args = parser.parse_args(argv)
    return asyncio.run(_print_audit(config, args.session, args.limit))


def cmd_policy(argv: list[str], config: Config, workspace: Path) -> int:
    parser = argparse.ArgumentParser(
        prog="copilot policy",
        description="Print the effective rules, mode, their sources and the sandbox's layers.",
    )
    parser.parse_args(argv)
    from copilot.sandbox import bwrap
    from copilot.sandbox.policy import Policy

    print(Policy.load(workspace, config.sandbox.mode).describe())
    print(bwrap.describe())
    return 0


def cmd_init(argv: list[str], config: Config, workspace: Path) -> int:
    from copilot.sensors import SHELLS, render_hook

    parser = argparse.ArgumentParser(
        prog="copilot init",
        description='Print the shell hook; add  eval "$(copilot init bash)"  to ~/.bashrc.',
    )
    parser.add_argument("shell", choices=sorted(SHELLS))
    args = parser.parse_args(argv)
    print(render_hook(args.shell))
    return 0


def cmd_listen(argv: list[str], config: Config, workspace: Path) -> int:
    """On the laptop: capture the microphone and serve voice events to an SSH session."""
    from copilot.voice import listen_main

    return asyncio.run(listen_main(argv))


async def _gc(config: Config) -> int:
    from copilot.engine.runtime import open_store
    from copilot.memory.retention import gc

    async with await open_store(config) as store:
        report = await gc(store, config.memory.max_age_days, config.memory.max_mb * 1024 * 1024)
    print(
        f"removed {report.sessions_removed} sessions and {report.events_removed} events; "
        f"{report.bytes_before / 1e6:.1f} MB -> {report.bytes_after / 1e6:.1f} MB"
    )
    return 0


def cmd_gc(argv: list[str], config: Config, workspace: Path) -> int:
    argparse.ArgumentParser(
        prog="copilot gc",
        description="Apply the retention caps ([memory] max_age_days, max_mb) now.",
    ).parse_args(argv)
    return asyncio.run(_gc(config))


SUBCOMMANDS: dict[str, Callable[[list[str], Config, Path], int]] = {
    "listen": cmd_listen,
    "gc": cmd_gc,
    "sessions": cmd_sessions,
    "audit": cmd_audit,
    "policy": cmd_policy,
    "init": cmd_init,
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in SUBCOMMANDS:
        release_collector()  # Held by copilot/__main__.py for the app; `listen` runs for hours.
        workspace = find_workspace(Path.cwd())
        config = load(workspace)
        for line in config.problems:
            print(f"copilot: {line}", file=sys.stderr)
        return SUBCOMMANDS[argv[0]](argv[1:], config, workspace)
    args = _parser().parse_args(argv)
    workspace = find_workspace(args.workspace or Path.cwd())
    if not workspace.is_dir():
        print(f"copilot: {workspace} is not a folder", file=sys.stderr)
        return 2
    config = load(workspace, flags=_flags(args))
    try:
        if args.print_message is not None:
            return run_headless(config, workspace, args)
        if args.plain or os.environ.get("TERM") == "dumb":
            return run_plain(config, workspace, args)
        return run_tui(config, workspace, args)
    except LookupError as exc:
        print(f"copilot: {exc.args[0]}", file=sys.stderr)
        return 1
