"""Issue 4 end to end: a command that fails in the neighbouring tmux pane becomes context.

Copilot runs in one pane of a window of a private tmux server; the pane below it runs an
interactive bash with the hook a user puts in their rc file (`eval "$(copilot init bash)"`).
Both share HOME and `COPILOT_RUNTIME_DIR`, as two programs of one user do. A command fails
in the shell, the user asks copilot, and the request the stand-in receives must carry the
command and the error lines, which only the capture of the other pane can have supplied.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import pytest

from copilot.sensors.rendezvous import link_name
from tests.e2e.conftest import MakeRig
from tests.e2e.rig import Rig, copilot_command

pytestmark = pytest.mark.tmux

FAILING = "ls /nonexistent-dir"
#: What ls prints to the terminal: no sensor but the pane capture can know it.
ERROR_LINE = "cannot access '/nonexistent-dir': No such file or directory"
SHELL_PROMPT = "ready>"
POLL_S = 0.05


def write_rc(home: Path) -> Path:
    """The bash rc file of the neighbouring shell: a known prompt, then the hook."""
    hook = shlex.join([*copilot_command(), "init", "bash"])
    rc = home / ".bashrc-copilot"
    rc.write_text(f"PS1='{SHELL_PROMPT} '\neval \"$({hook})\"\n", encoding="utf-8")
    return rc


def wait_for_path(path: Path, timeout: float = 20.0) -> None:
    """Poll until `path` exists (a symlink counts as soon as it is made)."""
    deadline = time.monotonic() + timeout
    while not path.is_symlink() and not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear after {timeout}s")
        time.sleep(POLL_S)


def context_texts(request: dict[str, Any]) -> list[str]:
    """The text blocks of the request's last user message (the ambient block rides there)."""
    last = request["body"]["messages"][-1]
    assert last["role"] == "user", last
    return [b["text"] for b in last["content"] if b.get("type") == "text"]


def fail_beside(rig: Rig, *copilot_args: str, ready: str = "idle") -> tuple[str, str]:
    """Copilot in one pane, a hooked bash below it; run FAILING there. Returns both panes."""
    runtime_dir = rig.folder / "rt"
    home = Path(rig.tmux.env["HOME"])
    rig.tmux.env["COPILOT_RUNTIME_DIR"] = str(runtime_dir)  # before the server starts
    pane = rig.launch(*copilot_args)
    shell = rig.tmux.run(
        "split-window",
        "-v",
        "-l",
        "12",
        "-P",
        "-F",
        "#{pane_id}",
        "-t",
        pane,
        "-c",
        str(rig.workspace),
        *["bash", "--noprofile", "--rcfile", str(write_rc(home)), "-i"],
    ).strip()
    rig.tmux.wait_for(pane, ready)
    rig.tmux.wait_for(shell, SHELL_PROMPT)
    wait_for_path(runtime_dir / link_name(rig.workspace))
    rig.tmux.type(shell, FAILING)
    rig.tmux.send(shell, "Enter")
    rig.tmux.wait_for(shell, ERROR_LINE)
    return pane, shell


def test_a_failure_in_the_other_pane_reaches_the_request(make_rig: MakeRig) -> None:
    rig = make_rig([{"kind": "text", "text": "The folder does not exist."}])
    pane, shell = fail_beside(rig)
    rig.tmux.wait_for(pane, "tmux pane")  # the capture is in the context pane

    rig.say(pane, "why did that fail?")
    request = rig.standin.wait_request(0)
    texts = context_texts(request)
    assert texts[0] == "why did that fail?"
    ambient = "\n".join(texts[1:])
    assert f"`{FAILING}` failed (exit 2" in ambient, ambient
    assert ERROR_LINE in ambient, ambient
    assert f"tmux pane {shell}" in ambient, ambient
    rig.tmux.wait_for(pane, "The folder does not exist.")


@pytest.mark.parametrize(
    ("copilot_args", "ready"), [((), "idle"), (("--plain",), "Ctrl+D quits")], ids=["app", "line"]
)
def test_ctrl_e_asks_about_the_failure_with_what_its_pane_showed(
    make_rig: MakeRig, copilot_args: tuple[str, ...], ready: str
) -> None:
    rig = make_rig([{"kind": "text", "text": "The folder does not exist."}])
    pane, _shell = fail_beside(rig, *copilot_args, ready=ready)
    rig.tmux.wait_for(pane, "Ctrl+E to ask about it")  # the hint, never taking focus
    time.sleep(0.5)  # the pane's capture follows the hint
    rig.tmux.send(pane, "C-e")
    asked = context_texts(rig.standin.wait_request(0))[0]
    assert asked.startswith("This failed in my shell. Explain why and how to fix it.")
    assert FAILING in asked and ERROR_LINE in asked, asked
    rig.tmux.wait_for(pane, "The folder does not exist.")
