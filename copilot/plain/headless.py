"""Headless runs (`copilot -p`): one message in, the answer streamed out, then exit.

The same engine, store, gate and sandbox as the app: this front end is one more bus
subscriber. Nobody is at the keyboard to answer the gate, so every call it would ask
about is denied, with a reason the model is told (DESIGN.md: no answer = deny); the
user's rules and the mode (`--mode sandbox-auto`) decide what runs without asking.
Background tasks are off, so the answer printed is the whole answer, and the sensors
look once (instruction files, git) instead of watching. The session is stored like the
app's, so `copilot --continue` picks it up in the app.

Ctrl+C interrupts the answer as in the app (the partial answer is printed and kept,
marked interrupted; exit 130); a second Ctrl+C, or one before the answer started,
stops at once. A reader that goes away (`copilot -p ... | head`) interrupts it too.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
import sys
from pathlib import Path
from typing import TextIO

from msgspec.structs import replace

from copilot.bus import Bus, Event, Subscription
from copilot.bus.events import (
    ApprovalAnswer,
    ApprovalRequest,
    Interrupt,
    StateChanged,
    UserInput,
)
from copilot.config import Config
from copilot.engine.runtime import Runtime
from copilot.models.anthropic_client import AnthropicClient
from copilot.plain.report import FORMATS, Result, TextReport
from copilot.sensors import Sensors, SensorsConfig

EXIT_FAILED = 1
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130

#: The model is told why a call it needed was refused, and what the user can do.
DENIAL = (
    "nobody can approve it: this is a headless run (copilot -p). Answer without it, or "
    "tell the user what to allow (a rule in ~/.config/copilot/policy.toml, or "
    "--mode sandbox-auto for sandboxed commands)."
)


class HeadlessRun:
    """One message through the engine, reported on `out` and `err` as `output` says."""

    def __init__(
        self,
        config: Config,
        workspace: Path,
        message: str,
        *,
        output: str = "text",
        resume: str | None = None,
        continue_last: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        # Background tasks would finish after the answer this run prints and exits on.
        self.config = replace(config, model=replace(config.model, delegate=False))
        self.workspace = workspace
        self.message = message
        self.resume = resume
        self.continue_last = continue_last
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.report: TextReport = FORMATS[output](self.out, self.err)
        self.result = Result(model=self.config.model.name)
        self.bus = Bus()
        self._answering = False
        self._interrupted = False
        self._main: asyncio.Task[int] | None = None

    async def run(self) -> int:
        """The exit status: 0, 1 (the model or the API failed), 130 (interrupted)."""
        loop = asyncio.get_running_loop()
        self._main = asyncio.current_task()
        loop.add_signal_handler(signal.SIGINT, self._on_sigint)
        try:
            return await self._run()
        except asyncio.CancelledError:
            if self._interrupted:
                return EXIT_INTERRUPTED
            raise
        finally:
            loop.remove_signal_handler(signal.SIGINT)

    async def _run(self) -> int:
        client = AnthropicClient(self.config.model)
        sensors = Sensors(self.bus, self.workspace, _one_look(self.config))
        # The SDK's import (~2 s) and git's answer overlap; nothing is opened or stored
        # before the key is known to be there.
        problem, _ = await asyncio.gather(client.load(), sensors.look_once())
        if problem:
            self._say(problem)
            await sensors.stop()
            return EXIT_FAILED
        runtime = Runtime(
            config=self.config,
            workspace=self.workspace,
            resume=self.resume,
            continue_last=self.continue_last,
            bus=self.bus,
            client=client,
            context=sensors,
        )
        watch = self.bus.subscribe("headless")
        try:
            session = await runtime.start()
            self.result.session_id = session.id
            for line in (*self.config.problems, *runtime.problems):
                self._say(line)
            self.bus.publish(UserInput(source="headless", text=self.message, via="headless"))
            await self._follow(watch)
        except BrokenPipeError:
            self._reader_gone()
            return EXIT_BROKEN_PIPE
        finally:
            watch.close()
            await runtime.stop()
            await sensors.stop()
        code = EXIT_INTERRUPTED if self._interrupted else EXIT_FAILED if self.result.errors else 0
        self.result.exit_code = code
        try:
            self.report.finish(self.result)
        except BrokenPipeError:
            self._reader_gone()
            return EXIT_BROKEN_PIPE
        return code

    async def _follow(self, watch: Subscription) -> None:
        """Report the engine's events until the turn is over (back to idle)."""
        while True:
            event = await watch.get()
            self._take(event)
            if isinstance(event, StateChanged):
                if event.state != "idle":
                    self._answering = True
                elif self._answering:
                    # Control events jump the queue: what the turn said before it
                    # ended may still be waiting in the lower lanes.
                    while (rest := watch.get_nowait()) is not None:
                        self._take(rest)
                    return

    def _take(self, event: Event) -> None:
        if isinstance(event, ApprovalRequest):
            self.bus.publish(
                ApprovalAnswer(
                    source="headless",
                    request_id=event.request_id,
                    decision="deny",
                    reason=DENIAL,
                )
            )
            self.result.denied(event)
            self.report.denied(event)
            return
        self.result.record(event)
        self.report.event(event)

    def _on_sigint(self) -> None:
        """First Ctrl+C during the answer interrupts it; otherwise stop now."""
        first = not self._interrupted
        self._interrupted = True
        self.result.interrupted = True
        if first and self._answering:
            self.bus.publish(Interrupt(source="headless", reason="sigint"))
        elif self._main is not None:
            self._main.cancel()

    def _reader_gone(self) -> None:
        """stdout's reader left: stop writing there, and keep Python's exit flush quiet."""
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, self.out.fileno())
        os.close(devnull)

    def _say(self, line: str) -> None:
        print(f"copilot: {line}", file=self.err, flush=True)


def _one_look(config: Config) -> SensorsConfig:
    """The user's sensor settings, without the ones that watch over time."""
    return dataclasses.replace(
        SensorsConfig.from_settings(config.sensors), files=False, shell=False, tmux=False
    )
