"""The stand-in Anthropic server as a separate process, with its JSON-lines log.

End-to-end tests run copilot as its own process (in tmux), and the render and memory
benchmarks must not count the server's CPU or memory as the app's, so both start the
stand-in through its CLI (`python -m tests.standin`) rather than as a thread in their own
process. The script is fixed at start: one reply spec per request, in order; requests past
the end of the script get the stand-in's echo reply. With `by_model`, requests naming one of
its models take from that model's own script instead (`tests.e2e.standin_models`).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 15.0
POLL_S = 0.02

Record = dict[str, Any]


class StandinProcess:
    """`with StandinProcess(folder, [{"kind": "text", ...}]) as srv: srv.base_url ...`."""

    def __init__(
        self,
        folder: Path,
        replies: Sequence[dict[str, Any]] = (),
        by_model: Mapping[str, Sequence[dict[str, Any]]] | None = None,
    ) -> None:
        self.folder = folder
        self.replies = list(replies)
        #: Scripts for requests naming one model; these run `tests.e2e.standin_models`.
        self.by_model = {model: list(specs) for model, specs in (by_model or {}).items()}
        self.log_path = folder / "standin.jsonl"
        self.base_url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> StandinProcess:
        self.folder.mkdir(parents=True, exist_ok=True)
        script = self.folder / "script.json"
        script.write_text(json.dumps(self.replies), encoding="utf-8")
        ready = self.folder / "standin.url"
        module, per_model = "tests.standin", []
        if self.by_model:
            module = "tests.e2e.standin_models"
            for number, (model, specs) in enumerate(self.by_model.items()):
                path = self.folder / f"script-model-{number}.json"
                path.write_text(json.dumps(specs), encoding="utf-8")
                per_model += ["--model-script", f"{model}={path}"]
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                *per_model,
                "--port",
                "0",
                "--ready-file",
                str(ready),
                "--script",
                str(script),
                "--log",
                str(self.log_path),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ready.exists():
            if self._process.poll() is not None:
                raise RuntimeError(f"the stand-in exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the stand-in did not write its ready file")
            time.sleep(POLL_S)
        self.base_url = ready.read_text(encoding="utf-8").strip()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """SIGTERM (the stand-in stops cleanly on it), then SIGKILL if it lingers."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)

    def records(self) -> list[Record]:
        """Every complete log line so far (a line still being written is skipped)."""
        try:
            text = self.log_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]

    def wait_for(self, predicate: Callable[[Record], bool], timeout: float = 15.0) -> Record:
        """Poll the log until a record matches; returns it."""
        deadline = time.monotonic() + timeout
        while True:
            for record in self.records():
                if predicate(record):
                    return record
            if time.monotonic() > deadline:
                raise TimeoutError(f"no matching stand-in record after {timeout}s")
            time.sleep(POLL_S)

    def wait_request(self, index: int, timeout: float = 15.0) -> Record:
        """The `index`-th `/v1/messages` request, once it arrived."""
        return self.wait_for(
            lambda r: (
                r["event"] == "request" and r["path"] == "/v1/messages" and r["index"] == index
            ),
            timeout,
        )

    def wait_disconnect(self, request_index: int, timeout: float = 15.0) -> Record:
        """The record of the client leaving request `request_index` mid-response."""
        return self.wait_for(
            lambda r: r["event"] == "disconnect" and r["request_index"] == request_index,
            timeout,
        )

    def wait_response(self, request_index: int, timeout: float = 15.0) -> Record:
        """How the response to `request_index` ended, with its fragments' send times."""
        return self.wait_for(
            lambda r: r["event"] == "response" and r["request_index"] == request_index,
            timeout,
        )
