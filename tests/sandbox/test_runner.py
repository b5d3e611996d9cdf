"""The runner under the real sandbox: interrupts, timeouts, huge and binary output."""

import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.runner import CHUNK, RunResult, run

pytestmark = pytest.mark.sandbox


def sleepers(tag: str) -> list[int]:
    """Host pids of `sleep <tag>` processes (the tag is unique per test)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[:2] == [b"sleep", tag.encode()]:
            found.append(int(entry.name))
    return found


async def wait_for(predicate: object, timeout: float = 20.0) -> None:
    """Poll until `predicate()` is true; generous, not a timing assertion."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():  # type: ignore[operator]
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


def tag() -> str:
    return str(random.randint(10**6, 10**7))


async def start_and_interrupt(
    command: str, spec: SandboxSpec | None, ws: Path, ready: str
) -> RunResult:
    chunks: list[str] = []
    task = asyncio.ensure_future(
        run(command, spec=spec, cwd=ws, on_output=chunks.append, timeout_s=120)
    )
    await wait_for(lambda: ready in "".join(chunks))
    task.cancel()
    return await task


@pytest.mark.parametrize("sandboxed", [True, False], ids=["sandbox", "unsandboxed"])
async def test_interrupt_kills_the_whole_group(
    spec: SandboxSpec, ws: Path, sandboxed: bool
) -> None:
    t = tag()
    result = await start_and_interrupt(
        f"sleep {t} & sleep {t} & echo started; wait", spec if sandboxed else None, ws, "started"
    )
    assert result.interrupted and not result.timed_out
    assert result.output() == "started\n"
    await wait_for(lambda: sleepers(t) == [])


async def test_sigint_comes_first(spec: SandboxSpec, ws: Path) -> None:
    result = await start_and_interrupt(
        "trap 'echo got INT; exit 7' INT; echo ready; sleep 60 & wait", spec, ws, "ready"
    )
    assert result.interrupted
    assert "got INT" in result.output()
    assert result.exit_code == 7


async def test_a_command_that_ignores_signals_is_still_killed(spec: SandboxSpec, ws: Path) -> None:
    t = tag()
    result = await start_and_interrupt(
        f"trap '' INT TERM; setsid sleep {t} & sleep {t} & echo ready; wait", spec, ws, "ready"
    )
    assert result.interrupted
    await wait_for(lambda: sleepers(t) == [])


async def test_daemons_die_with_the_command(spec: SandboxSpec, ws: Path) -> None:
    t = tag()
    result = await run(f"setsid nohup sleep {t} >/dev/null 2>&1 & echo left", spec=spec, cwd=ws)
    assert result.exit_code == 0 and result.output() == "left\n"
    await wait_for(lambda: sleepers(t) == [])


async def test_timeout_stops_it_and_says_so(spec: SandboxSpec, ws: Path) -> None:
    t = tag()
    result = await run(f"echo before; sleep {t}", spec=spec, cwd=ws, timeout_s=1)
    assert result.timed_out and not result.interrupted
    assert result.output() == "before\n"
    await wait_for(lambda: sleepers(t) == [])


async def test_kill_parent_does_not_reach_the_runner(spec: SandboxSpec, ws: Path) -> None:
    result = await run("kill -9 $PPID; kill -9 -1; echo still-here", spec=spec, cwd=ws)
    assert result.exit_code is not None
    assert os.getppid() > 1


async def test_binary_output_does_not_break_anything(spec: SandboxSpec, ws: Path) -> None:
    chunks: list[str] = []
    result = await run(
        "head -c 2000000 /dev/urandom",
        spec=spec,
        cwd=ws,
        on_output=chunks.append,
        max_capture=4096,
    )
    assert result.exit_code == 0 and result.total_bytes == 2_000_000
    assert len(result.output_head) <= 2048 and len(result.output_tail) <= 2048
    assert result.truncated_bytes >= 2_000_000 - 4096
    assert sum(len(chunk) for chunk in chunks) > 0


async def test_multibyte_text_is_decoded_across_chunks(spec: SandboxSpec, ws: Path) -> None:
    chunks: list[str] = []
    text = "é€🙂" * 40_000
    (ws / "text.txt").write_text(text)
    result = await run("cat text.txt", spec=spec, cwd=ws, on_output=chunks.append)
    assert "".join(chunks) == text
    assert all(len(chunk.encode()) <= CHUNK + 3 for chunk in chunks)  # + a carried partial char
    assert "\ufffd" not in result.output_head + result.output_tail


async def test_small_output_is_kept_whole(spec: SandboxSpec, ws: Path) -> None:
    result = await run("seq 1 1000", spec=spec, cwd=ws)
    assert result.output() == "".join(f"{n}\n" for n in range(1, 1001))
    assert result.truncated_bytes == 0 and result.output_tail == ""


async def test_full_output_goes_to_the_file(spec: SandboxSpec, ws: Path, tmp_path: Path) -> None:
    log = tmp_path / "logs" / "call.log"
    result = await run("seq 1 300000", spec=spec, cwd=ws, output_path=log)
    assert log.read_text() == "".join(f"{n}\n" for n in range(1, 300001))
    assert result.full_output_path == log
    assert result.output().startswith("1\n2\n") and result.output().endswith("299999\n300000\n")
    assert "bytes cut" in result.output()


async def test_a_flood_takes_turns_with_the_event_loop(spec: SandboxSpec, ws: Path) -> None:
    # The screen's work shares the loop with reading a flood: with a consumer that
    # costs 1 ms a chunk, reading without turns would fill nearly the whole run; it may
    # use READ_BUDGET_S of each READ_WINDOW_S (a quarter) and the pipe waits meanwhile.
    inside = 0.0
    seen = 0

    def slow_consumer(text: str) -> None:
        nonlocal inside, seen
        started = time.perf_counter()
        seen += len(text)
        while time.perf_counter() - started < 0.001:
            pass
        inside += time.perf_counter() - started

    started = time.perf_counter()
    result = await run("yes | head -c 8M", spec=spec, cwd=ws, on_output=slow_consumer)
    elapsed = time.perf_counter() - started
    assert result.total_bytes == seen == 8 * 2**20
    assert inside / elapsed < 0.6


async def test_a_failing_callback_surfaces(spec: SandboxSpec, ws: Path) -> None:
    def broken(text: str) -> None:
        raise ValueError("callback bug")

    with pytest.raises(ValueError, match="callback bug"):
        await run("echo hi", spec=spec, cwd=ws, on_output=broken)


RSS_PROBE = """
import asyncio, json, resource, sys
from pathlib import Path
from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.runner import run

def rss_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

async def main():
    ws, log = Path(sys.argv[1]), Path(sys.argv[2])
    seen = 0
    def on_output(text):
        nonlocal seen
        seen += len(text)
    await run("true", spec=SandboxSpec(workspace=ws), cwd=ws)
    before = rss_mb()
    result = await run("yes | head -c 100M", spec=SandboxSpec(workspace=ws), cwd=ws,
                       on_output=on_output, output_path=log)
    print(json.dumps({"before": before, "after": rss_mb(), "total": result.total_bytes,
                      "seen": seen, "kept": len(result.output_head) + len(result.output_tail)}))

asyncio.run(main())
"""


def test_100mb_of_output_stays_bounded(ws: Path, tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    probe = subprocess.run(
        [sys.executable, "-c", RSS_PROBE, str(ws), str(log)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    figures = json.loads(probe.stdout)
    assert figures["total"] == 100 * 2**20 == figures["seen"]
    assert log.stat().st_size == 100 * 2**20
    assert figures["kept"] <= 64 * 1024
    assert figures["after"] - figures["before"] < 50, figures
