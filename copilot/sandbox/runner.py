"""Running one command for the model: sandboxed, streamed, bounded, interruptible.

The runner is what turns "the user approved `pytest -x`" into a process and back
into a result the model can read. Its promises:
- output is read in large chunks as it comes (never line by line) and handed to
  `on_output` decoded, so the tool pane is live; binary output is replaced, not fatal;
  a flood takes turns with the rest of the event loop (`_Protocol`);
- memory stays bounded however much is printed: the model gets the first and last
  `max_capture / 2` bytes, and the full output streams to a file when asked;
- interrupt and timeout stop everything the command started: SIGINT to its process
  group, SIGTERM half a second later, SIGKILL a second after that. In the sandbox the
  group is the one inside bubblewrap's pid namespace, and the final SIGKILL goes to
  the namespace's init, which takes every process in it down (a daemon that called
  setsid included).

On cancellation `run` does not raise: it stops the command and returns the partial
result with `interrupted=True`, because the engine must send that partial output to
the model. The caller is then still cancelled and must re-raise
(`raise asyncio.CancelledError`) once it has used the result.
"""

import asyncio
import codecs
import contextlib
import json
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from copilot.sandbox.bwrap import (
    SandboxSpec,
    SandboxUnavailable,
    available,
    build_argv,
    open_seccomp_fd,
)
from copilot.sandbox.env import scrub_env
from copilot.sandbox.masks import mask_lease
from copilot.sandbox.nested import find_nested

#: Bytes per chunk handed to `on_output`; also the unit the screen coalesces.
CHUNK = 64 * 1024
#: Reading output may use READ_BUDGET_S of the event loop in every READ_WINDOW_S.
READ_WINDOW_S = 0.02
READ_BUDGET_S = 0.005
#: Bytes of output kept for the model by default: half from the start, half the end.
DEFAULT_MAX_CAPTURE = 64 * 1024
#: Escalation: SIGINT, then SIGTERM after this long, then SIGKILL after the second.
SIGINT_GRACE_S = 0.5
SIGTERM_GRACE_S = 1.0
#: After the command exits, how long a leftover holder of its output pipe may keep
#: it open (only possible unsandboxed: a background child) before we stop reading.
DRAIN_GRACE_S = 2.0
#: How long to wait for the process to be reaped after SIGKILL before giving up.
REAP_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class RunResult:
    """How a command ended and what it printed (bounded).

    `exit_code` is None if the process could not be reaped; negative numbers are
    signals (unsandboxed), 128+N is a signal inside the sandbox (bubblewrap's report).
    """

    exit_code: int | None
    output_head: str
    output_tail: str
    truncated_bytes: int
    total_bytes: int
    duration_s: float
    interrupted: bool = False
    timed_out: bool = False
    full_output_path: Path | None = None
    sandboxed: bool = True

    def output(self) -> str:
        """Head and tail joined, with a note of what was cut between them."""
        if not self.truncated_bytes:
            return self.output_head + self.output_tail
        cut = f"\n[... {self.truncated_bytes} bytes cut ...]\n"
        return self.output_head + cut + self.output_tail


class _Capture:
    """Keeps head and tail of a byte stream, streams it to a file and to a callback."""

    def __init__(
        self,
        max_capture: int,
        on_output: Callable[[str], None] | None,
        output_path: Path | None,
    ) -> None:
        self.head_limit = max_capture // 2
        self.tail_limit = max_capture - self.head_limit
        self.head = bytearray()
        self.tail: deque[bytes] = deque()
        self.tail_len = 0
        self.total = 0
        self.on_output = on_output
        self.decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.error: BaseException | None = None
        self.path = output_path
        self.file: BinaryIO | None = None
        if output_path is not None:
            output_path.parent.mkdir(parents=True, exist_ok=True)
            self.file = output_path.open("wb")

    def keep(self, chunk: bytes) -> None:
        """Count the chunk and keep what falls in the head or (for now) the tail."""
        self.total += len(chunk)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += chunk[:room]
            chunk = chunk[room:]
        if chunk:
            self.tail.append(chunk)
            self.tail_len += len(chunk)
            while self.tail and self.tail_len - len(self.tail[0]) >= self.tail_limit:
                self.tail_len -= len(self.tail.popleft())

    def stream(self, data: bytes) -> None:
        """Send every byte to the file and the decoded text to the callback."""
        if self.file is not None:
            try:
                self.file.write(data)
            except OSError:
                self.file.close()
                self.file = None
                self.path = None
        if self.on_output is not None and self.error is None:
            text = self.decoder.decode(data)
            if text:
                try:
                    self.on_output(text)
                except Exception as exc:
                    self.error = exc

    def close(self) -> None:
        if self.on_output is not None and self.error is None:
            text = self.decoder.decode(b"", final=True)
            if text:
                try:
                    self.on_output(text)
                except Exception as exc:
                    self.error = exc
        if self.file is not None:
            self.file.close()

    def texts(self) -> tuple[str, str, int]:
        """(head, tail, bytes cut between them), decoded without splitting characters."""
        tail = b"".join(self.tail)[-self.tail_limit :] if self.tail else b""
        cut = self.total - len(self.head) - len(tail)
        if cut == 0:
            return (bytes(self.head) + tail).decode("utf-8", errors="replace"), "", 0
        head = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(bytes(self.head))
        skip = 0
        while skip < min(3, len(tail)) and 0x80 <= tail[skip] <= 0xBF:
            skip += 1
        return head, tail[skip:].decode("utf-8", errors="replace"), cut + skip


class _Protocol(asyncio.SubprocessProtocol):
    """Feeds the merged stdout+stderr pipe into a capture; signals exit and EOF.

    Reading takes turns with the screen: within each READ_WINDOW_S, once reading
    has used READ_BUDGET_S of the loop the pipe is paused until the window ends
    (the command waits on its full pipe meanwhile). Only a flood reaches that:
    `yes` came as ~6,000 reads a second, 35-50 % of the loop, and keys typed
    meanwhile waited for hundreds of them.
    """

    def __init__(self, capture: _Capture) -> None:
        self.capture = capture
        self.exited = asyncio.Event()
        self.eof = asyncio.Event()
        self.transport: asyncio.SubprocessTransport | None = None
        self._window_start = 0.0
        self._busy = 0.0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.SubprocessTransport)
        self.transport = transport

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        started = time.perf_counter()
        for start in range(0, len(data), CHUNK):
            chunk = data[start : start + CHUNK]
            self.capture.keep(chunk)
            self.capture.stream(chunk)
        self._take_turns(fd, started)

    def _take_turns(self, fd: int, started: float) -> None:
        now = time.perf_counter()
        if now - self._window_start >= READ_WINDOW_S:
            self._window_start, self._busy = started, 0.0
        self._busy += now - started
        if self._busy < READ_BUDGET_S or self.transport is None:
            return
        pipe = self.transport.get_pipe_transport(fd)
        if not isinstance(pipe, asyncio.ReadTransport) or not pipe.is_reading():
            return
        pipe.pause_reading()
        rest = self._window_start + READ_WINDOW_S - now
        asyncio.get_running_loop().call_later(max(rest, 0.0), self._resume, pipe)

    @staticmethod
    def _resume(pipe: asyncio.ReadTransport) -> None:
        if not pipe.is_closing():
            pipe.resume_reading()

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        del fd, exc
        self.eof.set()

    def process_exited(self) -> None:
        self.exited.set()


class _SandboxInfo:
    """Reads bubblewrap's --info-fd JSON without blocking: the sandbox init's pid."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.data = b""
        self.child_pid: int | None = None
        os.set_blocking(fd, False)
        asyncio.get_running_loop().add_reader(fd, self._readable)

    def _readable(self) -> None:
        try:
            data = os.read(self.fd, 4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        self.data += data
        with contextlib.suppress(ValueError):
            self.child_pid = int(json.loads(self.data)["child-pid"])
        if not data or self.child_pid is not None:
            self.close()

    def close(self) -> None:
        if self.fd >= 0:
            asyncio.get_running_loop().remove_reader(self.fd)
            os.close(self.fd)
            self.fd = -1


class _Process:
    """A started command and the way to stop all of it."""

    def __init__(
        self,
        transport: asyncio.SubprocessTransport,
        protocol: _Protocol,
        info: _SandboxInfo | None,
    ) -> None:
        self.transport = transport
        self.protocol = protocol
        self.info = info

    def _signal(self, sig: int) -> None:
        if self._gone():
            return
        pid = self.transport.get_pid()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.info is None:
                os.killpg(pid, sig)
            elif self.info.child_pid is not None:
                # The command's group inside the sandbox: init called setsid, and the
                # command and its children share init's process group.
                os.killpg(self.info.child_pid, sig)

    def kill(self) -> None:
        """SIGKILL everything: the sandbox init (its pid namespace dies) and our group."""
        pid = self.transport.get_pid()
        init = self.info.child_pid if self.info is not None else None
        if init is not None and not self.protocol.exited.is_set():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(init, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)

    def _gone(self) -> bool:
        """Whether everything the command started has ended.

        In the sandbox that is bubblewrap's exit (its pid namespace goes with it);
        unsandboxed, children may outlive the shell, so the group itself must be empty.
        """
        if not self.protocol.exited.is_set():
            return False
        if self.info is not None:
            return True
        try:
            os.killpg(self.transport.get_pid(), 0)
        except (ProcessLookupError, PermissionError):
            return True
        return False

    async def _gone_within(self, seconds: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.protocol.exited.wait(), seconds)
        while not self._gone() and loop.time() < deadline:
            await asyncio.sleep(0.02)
        return self._gone()

    async def stop(self) -> None:
        """The escalation: SIGINT, SIGTERM, SIGKILL, each after a grace period."""
        for sig, grace in ((signal.SIGINT, SIGINT_GRACE_S), (signal.SIGTERM, SIGTERM_GRACE_S)):
            self._signal(sig)
            if await self._gone_within(grace):
                return
        self.kill()
        await self._gone_within(REAP_TIMEOUT_S)

    async def drain(self) -> None:
        """Read what is left in the pipe; give up on a holder that outlives the command."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.protocol.eof.wait(), DRAIN_GRACE_S)


async def _finish(process: _Process, *, stop: bool) -> None:
    """Stop (if asked) and drain; a second cancel while doing so skips to SIGKILL."""

    async def work() -> None:
        if stop:
            await process.stop()
        await process.drain()

    task = asyncio.ensure_future(work())
    while not task.done():
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            process.kill()


def _spawn_argv(command: str | Sequence[str]) -> list[str]:
    if isinstance(command, str):
        return ["bash", "-c", command]
    return list(command)


async def run(
    command: str | Sequence[str],
    *,
    spec: SandboxSpec | None,
    cwd: Path | None = None,
    timeout_s: float | None = None,
    on_output: Callable[[str], None] | None = None,
    max_capture: int = DEFAULT_MAX_CAPTURE,
    output_path: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> RunResult:
    """Run `command` (a string runs as `bash -c`; a list is an argv) and wait for it.

    `spec=None` runs without the sandbox: only after the user explicitly chose that.
    `env` is the environment to start from (default ours); secrets are removed from it
    either way. Raises `SandboxUnavailable` when a sandbox was asked for and cannot
    start. On cancellation, returns the partial result with `interrupted=True` (see
    the module docstring); exceptions raised by `on_output` are re-raised at the end.
    """
    if spec is not None:
        status = available()
        if not status.ok:
            raise SandboxUnavailable(status.reason)
        nested = await asyncio.to_thread(find_nested, spec.writable_roots(), spec.protected_names)
        spec = replace(spec, nested=nested)
    workdir = cwd or (spec.workspace if spec is not None else Path.cwd())
    child_env = scrub_env(os.environ if env is None else env, sandboxed=spec is not None)
    capture = _Capture(max_capture, on_output, output_path)
    loop = asyncio.get_running_loop()
    started = time.monotonic()
    interrupted = timed_out = False
    with contextlib.ExitStack() as stack:
        info: _SandboxInfo | None = None
        pass_fds: tuple[int, ...] = ()
        argv = _spawn_argv(command)
        if spec is not None:
            stack.enter_context(mask_lease(spec.protected_paths()))
            info_read, info_write = os.pipe()
            seccomp_fd = open_seccomp_fd(spec)
            pass_fds = (info_write,) if seccomp_fd is None else (info_write, seccomp_fd)
            argv = build_argv(
                spec, argv, cwd=workdir, info_fd=info_write, seccomp_fd=seccomp_fd, env=child_env
            )
        try:
            transport, protocol = await loop.subprocess_exec(
                lambda: _Protocol(capture),
                *argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,
                cwd=workdir,
                env=child_env,
                pass_fds=pass_fds,
            )
        except BaseException:
            capture.close()
            if spec is not None:
                os.close(info_read)
            raise
        finally:
            for fd in pass_fds:
                os.close(fd)
        if spec is not None:
            info = _SandboxInfo(info_read)
            stack.callback(info.close)
        process = _Process(transport, protocol, info)
        stack.callback(transport.close)
        try:
            try:
                async with asyncio.timeout(timeout_s):
                    await protocol.exited.wait()
            except TimeoutError:
                timed_out = True
            await _finish(process, stop=timed_out)
        except asyncio.CancelledError:
            interrupted = True
            await _finish(process, stop=True)
        exit_code = transport.get_returncode()
    duration = time.monotonic() - started
    capture.close()
    if capture.error is not None:
        raise capture.error
    head, tail, cut = capture.texts()
    return RunResult(
        exit_code=exit_code,
        output_head=head,
        output_tail=tail,
        truncated_bytes=cut,
        total_bytes=capture.total,
        duration_s=duration,
        interrupted=interrupted,
        timed_out=timed_out,
        full_output_path=capture.path,
        sandboxed=spec is not None,
    )
