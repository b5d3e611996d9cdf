"""The Textual app: a thin composition of panes around the headless runtime.

The app subscribes to the bus and renders what the engine publishes; user
intents (send, interrupt, queue edits) go back as bus events. It never calls
into the engine's internals, so the plain front end and tests drive the same
engine the same way.
"""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.driver import Driver
from textual.events import Key, Paste, Resize
from textual.widget import Widget
from textual.widgets import Input

from copilot.bus.bus import Subscription
from copilot.bus.events import (
    ApprovalAnswer,
    ApprovalRequest,
    AssistantDelta,
    AssistantDone,
    AssistantStarted,
    CancelTask,
    CompactionDone,
    ContextChanged,
    Event,
    Heartbeat,
    Hint,
    Interrupt,
    MessageCommitted,
    Notice,
    QueueChanged,
    QueueEdit,
    Quit,
    Retrying,
    StateChanged,
    TaskUpdate,
    ToolCallStarted,
    ToolFinished,
    ToolOutput,
    ToolStatus,
    Transcript,
    Usage,
    UserActivity,
    UserInput,
)
from copilot.engine.calls import call_lines
from copilot.engine.runtime import Runtime
from copilot.heap import freeze_startup_heap, return_free_memory
from copilot.ui import themes
from copilot.ui.main_screen import MainScreen
from copilot.ui.stylesheet import OnceStylesheet
from copilot.ui.warmup import warm_answer_rendering
from copilot.ui.widgets import (
    ContextPane,
    Conversation,
    InputShell,
    QueueView,
    StatusLine,
    TasksView,
    ToolPane,
)

if TYPE_CHECKING:
    # Loaded where first used: the first frame has none of them (the input's stand-in,
    # input_shell.py, is there instead of PromptInput's TextArea).
    from copilot.ui.widgets.approval_prompt import ApprovalPrompt
    from copilot.ui.widgets.compaction_marker import CompactionMarker
    from copilot.ui.widgets.prompt_input import PromptInput

HERE = Path(__file__).parent
#: Two Ctrl+C presses within this many seconds on an idle app quit.
DOUBLE_CTRL_C_S = 1.0


class CopilotApp(App[None]):
    """Conversation on the left; tools and context in a side column."""

    TITLE = "copilot"
    CSS_PATH = [
        HERE / "app.tcss",
        *(
            HERE / "widgets" / name
            for name in (
                "conversation.tcss",
                "input_shell.tcss",
                "prompt_input.tcss",
                "queue_view.tcss",
                "status_line.tcss",
                "tool_pane.tcss",
                "context_pane.tcss",
                "approval_prompt.tcss",
                "tasks_view.tcss",
            )
        ),
    ]
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("ctrl+c", "interrupt_or_quit", "Interrupt", priority=True, id="interrupt"),
        Binding("escape", "interrupt", "Interrupt", priority=True, show=False, id="interrupt-esc"),
        Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
        Binding("f2", "toggle_side", "Panes", id="toggle-side"),
        Binding("ctrl+up", "focus_queue", "Queue", show=False, id="focus-queue"),
        Binding("f3", "focus_approval", "Approve", id="focus-approval"),
        # Priority, or the input (a TextArea: Ctrl+E is its end of line) took it; when
        # there is nothing to explain, `check_action` lets the key through to the input.
        Binding("ctrl+e", "explain", "Explain failure", priority=True, id="explain"),
        Binding("f4", "focus_context", "Context", show=False, id="focus-context"),
        Binding("f5", "focus_tasks", "Tasks", show=False, id="focus-tasks"),
        Binding("ctrl+t", "talk", "Talk", id="push-to-talk"),
    ]

    def __init__(self, runtime: Runtime) -> None:
        super().__init__()
        self.runtime = runtime
        self.state = "idle"
        self._last_ctrl_c = 0.0
        self.first_frame_at: float | None = None
        #: When the SDK was loaded, the answer rendering warmed and the heap frozen.
        self.prepared_at: float | None = None
        self._hint: Hint | None = None
        #: Characters of the answer streaming now, for the status line's token estimate.
        self._streamed_chars = 0
        #: The app's subscription to the bus, from mount on.
        self._pump: Subscription | None = None
        self._startup_problems = self._choose_theme()
        self.stylesheet = OnceStylesheet(variables=self.get_css_variables())
        self.voice = None

    def _choose_theme(self) -> list[str]:
        """Register the themes and pick the configured one, before any CSS is parsed.

        Chosen here, the first parse already has the theme's variables and the
        stylesheet need not parse everything again (stylesheet.py).
        """
        loaded, problems = themes.discover()
        for theme in loaded:
            self.register_theme(theme)
        wanted = self.runtime.config.ui.theme
        if wanted in self.available_themes:
            self.theme = wanted
        else:
            problems.append(f"theme '{wanted}' not found; using the default")
        return problems

    def get_driver_class(self) -> type[Driver]:
        """On a Linux or macOS terminal, the driver that makes Esc arrive quickly."""
        driver_class = super().get_driver_class()
        if driver_class.__name__ != "LinuxDriver":
            return driver_class  # Windows, or a driver the user chose with TEXTUAL_DRIVER.
        from copilot.ui.driver import QuickEscapeDriver

        return QuickEscapeDriver

    # --- layout ---------------------------------------------------------------

    def get_default_screen(self) -> MainScreen:
        return MainScreen(id="_default")

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            with Vertical(id="main"):
                yield Conversation(id="conversation")
                yield QueueView(id="queue")
                yield InputShell(id="input-shell")
            with Vertical(id="side"):
                yield TasksView(id="tasks")
                yield ToolPane(id="tools")
                yield ContextPane(id="context")
        yield StatusLine(id="status")

    @property
    def conversation(self) -> Conversation:
        return self.query_one(Conversation)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def prompt(self) -> PromptInput:
        """The input box; mounted right after the first frame (`_mount_input`)."""
        return self.query_one("#input", Widget)  # type: ignore[return-value]

    async def on_mount(self) -> None:
        if self.runtime.config.ui.keymap:
            self.set_keymap(self.runtime.config.ui.keymap)
        self._apply_width(self.size.width)
        self.status.model = self.runtime.config.model.name
        self._pump = self.runtime.bus.subscribe("tui")
        self.pump_bus()
        self.call_after_refresh(self._mount_input)

    @work(exclusive=True, group="boot")
    async def boot(self) -> None:
        """Everything after the first frame: the store, the session, the gate, the sensors.

        Keys typed meanwhile are kept: the input box works from the first frame
        and the engine's inbox exists before the engine does.
        """
        self.first_frame_at = time.monotonic()
        try:
            session = await self.runtime.start()
        except LookupError as exc:
            self.exit(return_code=1, message=f"copilot: {exc.args[0]}")
            return
        self.status.session = session.id
        await self._replay()
        lines = (*self.runtime.config.problems, *self._startup_problems, *self.runtime.problems)
        for line in lines:
            await self.conversation.add_notice(line, "warning")
        self.prepare()
        if self.runtime.config.voice.enabled:
            await self._start_voice()

    async def _mount_input(self) -> None:
        """The real input in place of the first frame's stand-in (input_shell.py).

        Run as the app's own callback, so no key is handed on while it runs: keys that
        arrive meanwhile wait in the app's queue. Swapped in one batch, so no frame
        shows neither. What the stand-in held is replayed through the app's key
        handling (bindings, then the focused input) before those waiting keys, in the
        order it was typed.
        """
        from copilot.ui.widgets.prompt_input import PromptInput

        shell = self.query_one(InputShell)
        prompt = PromptInput(id="input")
        with self.batch_update():
            await shell.parent.mount(prompt, after=shell)  # type: ignore[union-attr]
            if shell.has_focus:
                self.screen.set_focus(prompt)
            await shell.remove()
        for event in shell.take_held():
            await self.on_event(event)
        # The store, the session and the sensors after the frame that shows the input
        # (and what was typed ahead into it): starting them holds the loop ~60 ms.
        self.call_after_refresh(self.boot)

    async def _start_voice(self) -> None:
        """Voice is optional: without the extra or a device, one line says why."""
        from copilot.voice import VoiceConfig, open_voice

        self.voice = open_voice(
            self.runtime.bus, VoiceConfig.from_settings(self.runtime.config.voice)
        )
        status = await self.voice.start()
        if not status.available:
            await self.conversation.add_notice(f"Voice is off: {status.detail}", "warning")

    def action_talk(self) -> None:
        """Ctrl+T toggles push-to-talk (terminals do not report key releases)."""
        if self.voice is None:
            self.status.message = "Voice is off: set enabled = true under [voice]."
            return
        listening = self.voice.toggle()
        self.status.message = "listening… Ctrl+T to stop" if listening else ""

    @work(exclusive=True, group="trim")
    async def trim_heap(self) -> None:
        """Hand the memory a turn freed back to the OS, off the loop (copilot/heap.py)."""
        await asyncio.to_thread(return_free_memory)

    @work(exclusive=True, group="prepare")
    async def prepare(self) -> None:
        """The slow loads the first frame skipped, then the heap frozen (copilot/heap.py).

        The SDK is imported and the answer widgets' parsers and highlighters warmed
        (warmup.py) side by side; once both are in, what start-up made is frozen
        and the collector, held off on the launch path, runs again whatever happened.
        """
        try:
            problem, _ = await asyncio.gather(
                self.runtime.load_model(), asyncio.to_thread(warm_answer_rendering)
            )
        finally:
            freeze_startup_heap()
        if problem:
            await self.conversation.add_notice(problem, "warning")
        self.prepared_at = time.monotonic()

    async def _replay(self) -> None:
        assert self.runtime.engine is not None
        for message in self.runtime.engine.replay():
            text = message.text
            if message.role == "user" and text:
                await self.conversation.add_user(text)
            elif message.role == "assistant":
                if text or message.interrupted:
                    await self.conversation.add_answer(text, message.interrupted)
                if calls := call_lines(message.content):
                    await self.conversation.add_tool_calls(calls)

    def on_resize(self, event: Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        self.screen.set_class(width < self.runtime.config.ui.side_min_width, "-narrow")

    # --- user intents -----------------------------------------------------------

    def publish(self, event: Event) -> None:
        event.source = "tui"
        self.runtime.bus.publish(event)

    async def on_prompt_input_submitted(self, message: PromptInput.Submitted) -> None:
        from copilot.engine import commands as shared_commands  # not on the launch path

        command = shared_commands.parse(message.text)
        if command is None:
            self.publish(UserInput(text=shared_commands.unescape(message.text)))
            return
        name, argument = command
        handler = getattr(self, f"command_{name.replace('-', '_')}", None)
        if handler is not None:
            await handler(argument)
            return
        reply = await shared_commands.answer(self.runtime, name, argument)
        if reply is None:
            await self.conversation.add_notice(f"Unknown command /{name}: try /help.", "warning")
        elif reply.report:
            await self.conversation.add_report(reply.title, reply.lines)
        else:
            await self.conversation.add_notice(reply.title, reply.level)

    async def command_help(self, _argument: str) -> None:
        from copilot.ui.commands import HELP

        await self.conversation.add_table("Commands and keys", HELP)

    async def command_copy(self, argument: str) -> None:
        """/copy: the last answer to the clipboard; /copy code: its last code block.

        Through the terminal (OSC 52, as Textual copies), so it reaches the laptop's
        clipboard over SSH and through tmux (`set -g set-clipboard on`): selecting
        with the mouse in a full-screen app takes the side column's text along.
        """
        answer = self.conversation.last_answer()
        if argument == "code":
            from copilot.ui.markdown_blocks import last_code_block  # markdown-it: ~30 ms

            code = last_code_block(answer)
            if code is None:
                await self.conversation.add_notice("The last answer has no code block.", "warning")
                return
            text, what = code, "the last code block"
        elif argument:
            await self.conversation.add_notice("Usage: /copy, or /copy code.", "warning")
            return
        else:
            text, what = answer, "the last answer"
        if not text:
            await self.conversation.add_notice("No answer to copy yet.", "warning")
            return
        self.copy_to_clipboard(text)
        self.status.flash(f"Copied {what} ({len(text):,} characters)", 4.0)

    def on_prompt_input_typing(self, message: PromptInput.Typing) -> None:
        self.publish(UserActivity(active=message.active))
        if not message.active and self._hint is not None:
            self._show_hint()

    def _show_hint(self) -> None:
        """A proactive hint waits while the user types; then it shows, or acts if asked to."""
        hint = self._hint
        if hint is None:
            return
        if self.runtime.config.sensors.auto_explain and self.state == "idle":
            self.action_explain()
            return
        self.status.message = hint.text

    def on_prompt_input_queue_focus_requested(self, _m: PromptInput.QueueFocusRequested) -> None:
        self.action_focus_queue()

    def on_prompt_input_page_requested(self, message: PromptInput.PageRequested) -> None:
        """A page of the conversation; back at the end, it follows the answer again.

        Scrolled at once: Textual's page scrolls wait for the next frame and start from
        where the view is, so keys repeating faster than frames moved it one page.
        Every Textual scroll lets go of the end, even one that cannot move (PageDown
        at the end), and only a move back to the end takes it again: PageDown there
        left the view behind a growing answer, so it anchors again explicitly.
        """
        conversation = self.conversation
        page = conversation.scrollable_content_region.height
        conversation.scroll_relative(y=message.pages * page, animate=False, immediate=True)
        if message.pages > 0 and conversation.scroll_y >= conversation.max_scroll_y:
            conversation.anchor()

    def on_queue_view_edit_requested(self, message: QueueView.EditRequested) -> None:
        self.publish(QueueEdit(item_id=message.item.item_id, text=None))
        self.prompt.load_message(message.item.text)
        self.prompt.focus()

    def on_queue_view_remove_requested(self, message: QueueView.RemoveRequested) -> None:
        self.publish(QueueEdit(item_id=message.item.item_id, text=None))

    def action_interrupt(self) -> None:
        if self.state != "idle":
            self.publish(Interrupt(reason="key"))

    def action_interrupt_or_quit(self) -> None:
        if self.state != "idle":
            self.publish(Interrupt(reason="key"))
            return
        now = time.monotonic()
        if now - self._last_ctrl_c <= DOUBLE_CTRL_C_S:
            self.exit()
            return
        self._last_ctrl_c = now
        self.status.flash("Ctrl+C again to quit (or Ctrl+Q)", DOUBLE_CTRL_C_S)

    def action_toggle_side(self) -> None:
        """F2: the side panes over the conversation in a narrow terminal, and back.

        Focus goes with it: the input is hidden while the side is open, and Textual
        left focus on the conversation after the side closed, where typed keys and
        pastes went nowhere.
        """
        self.screen.toggle_class("-side-open")
        if not self.screen.has_class("-narrow"):
            return
        if self.screen.has_class("-side-open"):
            self.query_one(ToolPane).focus()
        else:
            # The input, or its stand-in when F2 comes before the input is mounted.
            self.query("#input, #input-shell").first().focus()

    def on_key(self, event: Key) -> None:
        """A character typed where nothing takes it (the conversation after a click, a
        pane's list) goes into the input, so typing is never lost. A key some binding
        takes is left to it: Textual checks those bindings after this handler."""
        if (
            event.is_printable
            and event.character
            and self._typing_lost()
            and event.key not in self.screen.active_bindings
        ):
            event.stop()
            self.prompt.focus()
            self.prompt.insert(event.character)

    def on_paste(self, event: Paste) -> None:
        if self._typing_lost():
            event.stop()
            self.prompt.focus()
            self.prompt.paste(event.text)

    def _typing_lost(self) -> bool:
        """Whether typing would reach nothing that takes text, with the input on screen
        to take it. An approval prompt keeps its focus: a stray key there is no answer
        and must not move the user away from the decision."""
        focused = self.focused
        if isinstance(focused, Input | InputShell):
            return False
        if focused is not None and (focused.id == "input" or focused.has_class("approval")):
            return False
        prompt = self.query("#input")
        return bool(prompt) and prompt.first().is_on_screen

    def action_focus_queue(self) -> None:
        queue = self.query_one(QueueView)
        if queue.display:
            queue.focus()

    async def action_quit(self) -> None:
        self.exit()

    async def on_unmount(self) -> None:
        if self.voice is not None:
            await self.voice.stop()
        if self._pump is not None:  # None when the app failed before it mounted
            self._pump.close()
        self.runtime.bus.publish(Quit(source="tui"))
        await self.runtime.stop()

    # --- rendering engine events ------------------------------------------------

    @work(exclusive=True, group="bus")
    async def pump_bus(self) -> None:
        """Render bus events in priority order; slow frames make deltas coalesce."""
        assert self._pump is not None
        async for event in self._pump:
            try:
                await self.render_event(event)
            except NoMatches:
                return
            # `get()` does not suspend while events wait: yield, or a flood of
            # events would starve the timers, the refresh and the keyboard.
            await asyncio.sleep(0)

    async def render_event(self, event: Event) -> None:
        conversation = self.conversation
        if isinstance(event, AssistantDelta):
            await conversation.append(event.message_id, event.text)
            self._streamed_chars += len(event.text)
        elif isinstance(event, AssistantStarted):
            await conversation.start_answer(event.message_id)
            self._streamed_chars = 0
        elif isinstance(event, AssistantDone):
            await conversation.finish_answer(event.message_id, event.interrupted, event.calls)
            self._streamed_chars = 0
            self.status.tokens_out_estimate = 0
        elif isinstance(event, MessageCommitted) and event.role == "task":
            head, _, body = event.text.partition("\n\n")
            await conversation.add_report(head.strip("[]"), body.splitlines()[:40])
        elif isinstance(event, MessageCommitted):
            await conversation.add_user(event.text)
        elif isinstance(event, TaskUpdate):
            self.query_one(TasksView).update_task(event)
        elif isinstance(event, Heartbeat):
            # The API counts output tokens at the end of an answer; until then the
            # status line shows an estimate, updated with the spinner (no extra repaint).
            from copilot.models.tokens import CHARS_PER_TOKEN

            self.status.tokens_out_estimate = math.ceil(self._streamed_chars / CHARS_PER_TOKEN)
            self.status.pulse(sum(1 for item in event.running if not item.startswith("turn:")))
        elif isinstance(event, Transcript):
            self.prompt.load_text(event.text)
            self.prompt.move_cursor(self.prompt.document.end)
        elif isinstance(event, CompactionDone):
            from copilot.ui.widgets.compaction_marker import CompactionMarker

            header = (
                f"Earlier turns compacted ({event.tokens_before:,} -> {event.tokens_after:,} "
                "tokens); the originals stay in the store"
            )
            await conversation.mount_item(
                CompactionMarker(
                    header, event.summary, event.first_message_id, event.last_message_id
                )
            )
        elif isinstance(event, StateChanged):
            self.state = event.state
            self.status.state = event.state
            self.prompt.show_busy(event.state != "idle")
            if event.state != "retrying":
                self.status.stop_countdown()
            if event.state == "idle":
                self.trim_heap()
        elif isinstance(event, Notice):
            await conversation.add_notice(event.text, event.level)
        elif isinstance(event, Retrying):
            self.status.count_down(event.reason, event.seconds)
        elif isinstance(event, Usage):
            self.status.tokens_in = event.prompt_tokens
            self.status.tokens_out = event.output_tokens
            if event.context_window:
                self.status.context = f"{event.context_tokens:,}/{event.context_window:,}"
        elif isinstance(event, QueueChanged):
            self.query_one(QueueView).show_items(event.items)
        elif isinstance(event, ToolCallStarted | ToolStatus | ToolOutput | ToolFinished):
            await self._render_tool(event)
        elif isinstance(event, ApprovalRequest):
            await self._ask(event)
        elif isinstance(event, ApprovalAnswer) and event.source == "gate":
            self._withdraw(event.request_id)
        elif isinstance(event, ContextChanged):
            self.query_one(ContextPane).show(event.items, event.block, event.tokens)
        elif isinstance(event, Hint):
            self._hint = event
            if not self.prompt.typing:
                self._show_hint()

    async def _render_tool(self, event: Event) -> None:
        pane = self.query_one(ToolPane)
        if isinstance(event, ToolCallStarted):
            await pane.start(event.call_id, event.tool, event.summary, event.task)
            return
        entry = pane.entry(getattr(event, "call_id", ""))
        if entry is None:
            return
        if isinstance(event, ToolStatus):
            entry.set_status(event.status)
        elif isinstance(event, ToolOutput):
            entry.write(event.chunk)
        elif isinstance(event, ToolFinished):
            entry.finish(event.status, event.exit_code, event.duration_s, event.summary)

    async def _ask(self, request: ApprovalRequest) -> None:
        """Show the prompt; take focus only if the user is not typing.

        While the user types, focus stays in the input (nothing they type is
        lost or taken as an answer) and the status line says how to reach the
        prompt. In a narrow terminal the side column opens over the
        conversation and closes again after the answer.
        """
        screen = self.screen
        if screen.has_class("-narrow") and not screen.has_class("-side-open"):
            screen.add_class("-side-open", "-side-for-prompt")
        prompt = await self.query_one(ToolPane).ask(request)
        if not self.prompt.typing:
            prompt.focus()
        else:
            self.status.message = "approval waiting: F3 to answer"

    def _withdraw(self, request_id: str) -> None:
        prompt = self.query_one(ToolPane).prompt(request_id)
        if prompt is not None and not prompt.answered:
            prompt.answered = True
            self._after_prompt(prompt)

    def on_approval_prompt_answered(self, message: ApprovalPrompt.Answered) -> None:
        self.publish(
            ApprovalAnswer(
                request_id=message.request_id, decision=message.decision, reason=message.reason
            )
        )
        self._after_prompt(message.prompt)

    def _after_prompt(self, prompt: ApprovalPrompt) -> None:
        """Drop the answered prompt; with none left waiting, focus returns to the input.

        Focus moves before the prompt is removed: a focused widget that goes hands
        focus to its neighbour (the tool output) first, and each hop restyles a
        subtree (~1 ms) just as the approved command starts.
        """
        if not self._waiting_prompts():
            if self.screen.has_class("-side-for-prompt"):
                self.screen.remove_class("-side-open", "-side-for-prompt")
            self.status.clear_message("approval waiting")
            self.screen.set_focus(self.prompt)
        prompt.remove()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain":
            return self._hint is not None and self._hint.action.startswith("explain:")
        return True

    def action_explain(self) -> None:
        """Ask about the latest failed command the sensors saw (Ctrl+E)."""
        from copilot.engine.commands import explanation

        hint, self._hint = self._hint, None
        message = explanation(self.runtime, hint.action) if hint is not None else None
        if hint is None or message is None:
            self.status.message = "No failed command to explain."
            return
        self.status.clear_message(hint.text)
        self.publish(UserInput(text=message))

    def action_focus_tasks(self) -> None:
        tasks = self.query_one(TasksView)
        if tasks.display:
            tasks.focus()

    def on_tasks_view_cancel_requested(self, message: TasksView.CancelRequested) -> None:
        self.publish(CancelTask(task_id=message.task_id))

    def action_focus_context(self) -> None:
        self.query_one(ContextPane).query_one("OptionList").focus()

    async def on_context_pane_item_action(self, message: ContextPane.ItemAction) -> None:
        sensors = self.runtime.sensors
        if sensors is None:
            return
        item = next((i for i in sensors.items() if i.key == message.key), None)
        if message.action == "open":
            await self.conversation.add_report(
                message.key, sensors.describe(message.key).splitlines()
            )
        elif message.action == "pin" and item is not None:
            (sensors.unpin if item.pinned else sensors.pin)(message.key)
        elif message.action == "mute" and item is not None:
            (sensors.unmute if item.muted else sensors.mute)(message.key)

    async def on_context_pane_view_block(self, _message: ContextPane.ViewBlock) -> None:
        from copilot.engine.commands import context_reply

        reply = context_reply(self.runtime)
        await self.conversation.add_report(reply.title, reply.lines)

    async def on_compaction_marker_expand_requested(
        self, message: CompactionMarker.ExpandRequested
    ) -> None:
        """Read the compacted turns back from the store into the marker."""
        if self.runtime.store is None:
            return
        stored = await self.runtime.store.messages(self.runtime.session_id)
        ids = [m.id for m in stored]
        if message.first_id not in ids or message.last_id not in ids:
            message.marker.expand([])
            return
        span = stored[ids.index(message.first_id) : ids.index(message.last_id) + 1]
        lines = []
        for stored_message in span:
            text = " ".join(
                b.get("text", "") for b in stored_message.content if b.get("type") == "text"
            )
            if text:
                lines.append(f"{stored_message.role}: {' '.join(text.split())[:300]}")
        message.marker.expand(lines)

    def _waiting_prompts(self) -> list[ApprovalPrompt]:
        from copilot.ui.widgets.approval_prompt import ApprovalPrompt

        return [p for p in self.query(ApprovalPrompt) if not p.answered]

    def action_focus_approval(self) -> None:
        waiting = self._waiting_prompts()
        if waiting:
            waiting[0].focus()
