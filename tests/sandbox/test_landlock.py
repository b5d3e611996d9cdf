"""Landlock inside the real sandbox: a second wall that holds where the mounts allow."""

import os
import subprocess
from pathlib import Path

import pytest

from copilot.sandbox import bwrap, landlock
from copilot.sandbox.bwrap import SandboxSpec
from copilot.sandbox.runner import run

pytestmark = pytest.mark.sandbox


@pytest.fixture(autouse=True)
def _require_landlock() -> None:
    state = landlock.status()
    if state.ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"Landlock must be tested in CI: {state.reason}")
    pytest.skip(f"Landlock unavailable: {state.reason}")


# /proc/PID/comm is writable by its owner: the mounts cannot make it read-only, so only
# Landlock refuses it.
RENAME_SELF = 'printf hijacked > /proc/$$/comm; read -r name < /proc/$$/comm; echo "$name"'


async def test_a_write_the_mounts_allow_is_refused(ws: Path, env: dict[str, str]) -> None:
    without = await run(RENAME_SELF, spec=SandboxSpec(workspace=ws, landlock=False), env=env)
    assert without.output().strip() == "hijacked", without.output()
    within = await run(RENAME_SELF, spec=SandboxSpec(workspace=ws), env=env)
    assert "hijacked" not in within.output()
    assert "Permission denied" in within.output(), within.output()


async def test_ordinary_work_in_the_workspace_still_runs(ws: Path, env: dict[str, str]) -> None:
    script = (
        "mkdir -p a b && echo x > a/f && mv a/f b/f && ln -s b/f link && mkfifo pipe"
        " && echo t > /tmp/t && mv /tmp/t moved && : > /dev/null && echo out > /dev/stdout"
        " && truncate -s 0 notes.txt && rm -r a && echo done"
    )
    result = await run(script, spec=SandboxSpec(workspace=ws), env=env)
    assert result.exit_code == 0, result.output()
    assert result.output().splitlines() == ["out", "done"]
    assert (ws / "b" / "f").read_text() == "x\n" and (ws / "moved").read_text() == "t\n"
    assert (ws / "notes.txt").read_text() == "" and not (ws / "a").exists()


async def test_signals_stay_inside_the_command(ws: Path, env: dict[str, str]) -> None:
    """The sandbox's init (bubblewrap, outside the domain) cannot be signalled from inside."""
    probe = "kill -0 1 && echo REACHED-INIT; sleep 0.1 & kill -0 $! && echo OWN-CHILD"
    without = await run(probe, spec=SandboxSpec(workspace=ws, landlock=False), env=env)
    assert "REACHED-INIT" in without.output(), without.output()
    within = await run(probe, spec=SandboxSpec(workspace=ws), env=env)
    assert "REACHED-INIT" not in within.output()
    assert "OWN-CHILD" in within.output(), within.output()


def test_the_helper_fails_closed(tmp_path: Path) -> None:
    """A folder it cannot hold is an error before the command, never a looser domain."""
    marker = tmp_path / "ran"
    argv = landlock.wrap(landlock.status(), [tmp_path / "missing"], ["touch", str(marker)])
    result = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert result.returncode == 126
    assert result.stderr.startswith("copilot-landlock: ") and "missing" in result.stderr
    assert not marker.exists()


def test_without_perl_the_sandbox_runs_without_the_layer(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landlock.status.cache_clear()
    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        state = landlock.status()
        argv = bwrap.build_argv(SandboxSpec(workspace=ws), ["true"])
        described = bwrap.describe()
    finally:
        monkeypatch.undo()
        landlock.status.cache_clear()
    assert not state.ok and "perl" in state.reason
    assert argv[argv.index("--") + 1 :] == ["true"]
    assert described.endswith(f"no Landlock: {state.reason}")
    assert f"Landlock ABI {landlock.status().abi}" in bwrap.describe()


async def test_a_locale_missing_here_adds_nothing_to_the_output(
    ws: Path, env: dict[str, str]
) -> None:
    """Perl warns at start-up about a locale that is not installed (an SSH session
    brings the client's); the helper must not put that into every command's output."""
    broken = {**env, "LC_ALL": "xx_YY.UTF-8", "LANG": "C.UTF-8"}
    check = "echo out; echo ${PERL_BADLANG-unset}"
    plain = await run(check, spec=SandboxSpec(workspace=ws), env=broken)
    assert plain.output().splitlines()[-2:] == ["out", "unset"], plain.output()
    assert "perl" not in plain.output()
    own = await run(check, spec=SandboxSpec(workspace=ws), env={**broken, "PERL_BADLANG": "1"})
    assert own.output().splitlines()[-2:] == ["out", "1"], own.output()
