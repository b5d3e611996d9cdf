"""The line-mode front end (`copilot --plain`, and the default when TERM=dumb).

The conversation goes to the terminal's own scrollback, line by line, above a
prompt_toolkit prompt that stays at the bottom: for terminals where a full-screen app
is wrong (an editor's shell buffer, TERM=dumb, a screen reader) or for users who want
the terminal's scrollback, search and copy. It is one more bus subscriber over the same
runtime as the app, and keeps the app's promises:

- Type while it works: Enter during an answer queues the message (the engine's queue).
- Ctrl+C or Esc interrupt the answer at once; the partial answer is kept. On an idle
  prompt Ctrl+C clears what was typed, twice within a second quits; Ctrl+D quits.
- Approvals are single keys (`y`, `a`, `n`, `u`, `d`), never Enter, and keys in the first
  `GUARD_S` after the question appears are ignored. A question never takes the prompt
  from someone typing: it waits (F3 answers it now) until the prompt is empty.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import deque
from typing import TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.filters import Condition
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent
from prompt_toolkit.keys import Keys
from prompt_toolkit.patch_stdout import StdoutProxy

from copilot.bus import Subscription
from copilot.bus.events import (
    ApprovalAnswer,
    ApprovalRequest,
    AssistantDelta,
    Event,
    Hint,
    Interrupt,
    Quit,
    StateChanged,
    UserInput,
)
from copilot.engine import commands
from copilot.engine.pasted import LARGE_PASTE_CHARS, Pastes
from copilot.engine.runtime import Runtime
from copilot.plain.paste_input import terminal_input
from copilot.plain.transcript import USER_MARK, Transcript
from copilot.sandbox.answers import choices

#: /help in line mode: what to type or press, and what it does.
HELP: list[tuple[str, str]] = [
    ("/help", "this list"),
    *commands.HELP,
    ("/quit", "quit (also Ctrl+D, or Ctrl+C twice)"),
    ("//text", "send a message that starts with /"),
    ("Enter", "send (queue it while an answer streams)"),
    ("Ctrl+J", "new line"),
    ("Ctrl+C, Esc", "interrupt the answer (the partial answer is kept)"),
    ("F3", "answer a waiting approval now"),
    ("Ctrl+E", "explain the last command that failed in your shell"),
    ("In a question", "y once · a for the scope shown · n deny (+reason) · d diff · u unsandboxed"),
]
#: Keys earlier than this after an approval question appeared are not answers.
GUARD_S = 0.3
#: Two Ctrl+C on an idle prompt within this many seconds quit.
QUIT_WINDOW_S = 1.0
#: How often the stdout proxy writes what was printed above the prompt (it redraws
#: the prompt each time): often enough that an answer reads as a stream.
WRITE_INTERVAL_S = 0.05


class _Switch(Exception):
    """Leave the message prompt for an approval question (what was typed is kept)."""


class _Withdrawn(Exception):
    """The gate withdrew the question (the turn was interrupted)."""


class PlainRepl:
    """Runs one session in line mode until the user quits."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.bus = runtime.bus
        self.busy = False
        self.approvals: deque[ApprovalRequest] = deque()
        self._asking: ApprovalRequest | None = None
        self._draft = ""
        self._last_ctrl_c = float("-inf")
        self._hint: Hint | None = None
        self._proxy: StdoutProxy | None = None
        self._loading: asyncio.Task[None] | None = None
        self.transcript = Transcript(self._print)
        self.pastes = Pastes()
        terminal = terminal_input()
        self.session: PromptSession[str] = PromptSession(
            # The transcript writes what was sent: a prompt left for an approval
            # question, or a message that will wait in the queue, leaves no line.
            key_bindings=self._message_keys(),
            erase_when_done=True,
            input=terminal,
        )
        self._answers: PromptSession[str] = PromptSession(erase_when_done=True, input=terminal)

    async def run(self) -> int:
        """Start the runtime, talk until the user quits, stop it; returns the exit status."""
        escdelay = self.runtime.config.ui.escdelay_ms / 1000
        for prompt in (self.session, self._answers):
            prompt.app.ttimeoutlen = escdelay  # a lone Esc is acted on at once
            prompt.app.timeoutlen = escdelay
        watch = self.bus.subscribe("plain")
        stdout, stderr = sys.stdout, sys.stderr
        with StdoutProxy(sleep_between_writes=WRITE_INTERVAL_S, raw=True) as proxy:
            self._proxy = proxy
            sys.stdout = sys.stderr = proxy  # type: ignore[assignment]
            printer = asyncio.create_task(self._follow(watch), name="plain-transcript")
            try:
                await self._start()
                await self._talk()
            finally:
                printer.cancel()
                if self._loading is not None:
                    await asyncio.wait([self._loading])  # the SDK's import cannot be cut short
                self.bus.publish(Quit(source="plain"))
                await self.runtime.stop()
                watch.close()
                sys.stdout, sys.stderr = stdout, stderr
        return 0

    async def _start(self) -> None:
        session = await self.runtime.start()
        for line in (*self.runtime.config.problems, *self.runtime.problems):
            self.transcript.line(f"copilot: {line}")
        if self.runtime.engine is not None:
            self.transcript.replay(self.runtime.engine.replay())
        model = self.runtime.config.model.name
        self.transcript.line(
            f"copilot {session.id[:12]} · {model} · {self.runtime.workspace}"
            " · Enter sends, Ctrl+J newline, Ctrl+C/Esc interrupt, Ctrl+D quits"
        )
        # The SDK loads (~2 s) while the prompt already takes keys; a message sent
        # before it is ready waits for it in the engine.
        self._loading = asyncio.create_task(self._load_model(), name="plain-load-model")

    async def _load_model(self) -> None:
        problem = await self.runtime.load_model()
        if problem:
            self.transcript.line(problem)

    async def _talk(self) -> None:
        """Prompt for messages and answer approval questions until the user quits."""
        while True:
            if self.approvals:
                await self._ask(self.approvals.popleft())
                continue
            try:
                text = await self.session.prompt_async(self._prompt_mark, default=self._draft)
            except _Switch:
                continue
            except EOFError:
                return
            self._draft = ""
            if not text.strip():
                continue
            command = commands.parse(text)
            if command is not None:
                self.transcript.user(text)
                if not await self._command(*command):
                    return
                continue
            typed = commands.unescape(text)
            text = self.pastes.expand(typed)
            self.pastes.clear()
            if not self.busy:  # else the queue shows it, and it is written when sent
                self.transcript.typed.append(text)
                self.transcript.user(typed)
            self.bus.publish(UserInput(source="plain", text=text))

    async def _command(self, name: str, argument: str) -> bool:
        """Answer a slash command; False when it asks to quit."""
        if name in ("quit", "exit"):
            return False
        if name == "help":
            width = max(len(key) for key, _ in HELP)
            for key, what in HELP:
                self.transcript.line(f"  {key:<{width}}  {what}")
            return True
        reply = await commands.answer(self.runtime, name, argument)
        if reply is None:
            self.transcript.line(f"copilot: unknown command /{name}: try /help")
        elif reply.report:
            self.transcript.line(reply.title)
            for line in reply.lines:
                self.transcript.line(f"  {line}")
        else:
            prefix = "copilot: " if reply.level == "warning" else ""
            self.transcript.line(prefix + reply.title)
        return True

    def _prompt_mark(self) -> str:
        """The prompt, under the answer's line in progress (it streams there)."""
        mark = "… " if self.busy else USER_MARK
        partial = self.transcript.partial
        return f"{partial}\n{mark}" if partial else mark

    # --- the engine's events ----------------------------------------------------

    async def _follow(self, watch: Subscription) -> None:
        async for event in watch:
            self._take(event)

    def _take(self, event: Event) -> None:
        if isinstance(event, ApprovalRequest):
            self.approvals.append(event)
            self._offer_question()
            return
        if isinstance(event, ApprovalAnswer):
            self._withdraw(event)
            return
        if isinstance(event, Hint):
            self._hint = event
        if isinstance(event, StateChanged):
            self.busy = event.state != "idle"
        self.transcript.event(event)
        if isinstance(event, StateChanged | AssistantDelta) and self.session.app.is_running:
            self.session.app.invalidate()  # the prompt shows the state and the line in progress

    def _offer_question(self) -> None:
        """Ask now unless the user is typing; then say how to answer."""
        app = self.session.app
        if not app.is_running:
            return
        if app.current_buffer.text:
            self.transcript.line("  an approval is waiting: F3 answers it")
            return
        app.exit(exception=_Switch())

    def _withdraw(self, answer: ApprovalAnswer) -> None:
        """The gate gave up on a question (interrupted): forget it, or stop asking it."""
        if answer.source != "gate":
            return
        self.approvals = deque(r for r in self.approvals if r.request_id != answer.request_id)
        asked = self._asking is not None and self._asking.request_id == answer.request_id
        if asked and self._answers.app.is_running:
            self._answers.app.exit(exception=_Withdrawn())

    # --- an approval question ---------------------------------------------------

    async def _ask(self, request: ApprovalRequest) -> None:
        self._asking = request
        self.transcript.question(request)
        try:
            decision = await self._one_key(request)
            reason = ""
            if decision == "deny":
                # Bindings given to a prompt stay with the session: typing needs none here.
                reason = await self._answers.prompt_async(
                    "  reason for the model (Enter denies): ", key_bindings=KeyBindings()
                )
        except _Withdrawn:
            self.transcript.line("  (withdrawn: the turn was interrupted)")
            return
        except (EOFError, KeyboardInterrupt):
            decision, reason = "deny", ""
        finally:
            self._asking = None
        self.bus.publish(
            ApprovalAnswer(
                source="plain",
                request_id=request.request_id,
                decision=decision,
                reason=reason.strip(),
            )
        )
        self.transcript.line(f"  → {decision}{': ' + reason.strip() if reason.strip() else ''}")

    async def _one_key(self, request: ApprovalRequest) -> str:
        """Wait for one offered key; `d` shows the whole diff and asks again."""
        keys = KeyBindings()
        shown = time.monotonic()
        offered = {choice.key: choice.decision for choice in choices(request)}

        def answer(event: KeyPressEvent) -> None:
            key = event.key_sequence[0].key
            if time.monotonic() - shown < GUARD_S or key not in offered:
                event.app.output.bell()
                return
            event.app.exit(result=offered[key])

        @keys.add("<any>")
        def _any(event: KeyPressEvent) -> None:
            answer(event)

        @keys.add("enter")
        def _enter(event: KeyPressEvent) -> None:
            event.app.output.bell()  # Enter never answers

        @keys.add("c-c")
        @keys.add("escape", eager=True)
        def _interrupt(event: KeyPressEvent) -> None:
            self.bus.publish(Interrupt(source="plain"))

        while True:
            decision = await self._answers.prompt_async("  answer: ", key_bindings=keys)
            if decision:
                return decision
            self.transcript.question(request, full_diff=True)

    # --- keys of the message prompt ---------------------------------------------

    def _message_keys(self) -> KeyBindings:
        keys = KeyBindings()

        @keys.add("c-c")
        def _ctrl_c(event: KeyPressEvent) -> None:
            buffer = event.app.current_buffer
            if self.busy:
                self.bus.publish(Interrupt(source="plain"))
            elif buffer.text:
                buffer.reset()
            elif time.monotonic() - self._last_ctrl_c < QUIT_WINDOW_S:
                event.app.exit(exception=EOFError())
            else:
                self._last_ctrl_c = time.monotonic()
                self.transcript.line("  (Ctrl+C again to quit)")

        @keys.add("escape", eager=True)
        def _escape(event: KeyPressEvent) -> None:
            if self.busy:
                self.bus.publish(Interrupt(source="plain"))

        @keys.add("c-j")
        def _newline(event: KeyPressEvent) -> None:
            event.app.current_buffer.insert_text("\n")

        @keys.add(Keys.BracketedPaste)
        def _paste(event: KeyPressEvent) -> None:
            text = event.data.replace("\r\n", "\n").replace("\r", "\n")
            if len(text) > LARGE_PASTE_CHARS:  # a placeholder line; Enter sends it whole
                text = self.pastes.hold(text)
            event.app.current_buffer.insert_text(text)

        # Only with a failure to explain: otherwise Ctrl+E stays the end of the line.
        @keys.add("c-e", filter=Condition(lambda: self._hint is not None))
        def _explain(event: KeyPressEvent) -> None:
            hint, self._hint = self._hint, None
            message = commands.explanation(self.runtime, hint.action) if hint else None
            if message is None:
                return
            self.transcript.typed.append(message)
            self.transcript.user(message)
            self.bus.publish(UserInput(source="plain", text=message))

        @keys.add("f3")
        def _answer_now(event: KeyPressEvent) -> None:
            if self.approvals:
                self._draft = event.app.current_buffer.text
                event.app.exit(exception=_Switch())

        return keys

    def _print(self, text: str) -> None:
        target: TextIO = self._proxy if self._proxy is not None else sys.stdout  # type: ignore[assignment]
        target.write(text)
