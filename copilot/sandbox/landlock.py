"""Landlock inside the sandbox: the kernel itself refuses writes outside the workspace.

The mount layout (bwrap.py) already makes everything but the workspace, `/tmp` and
`/dev` read-only; Landlock states the same policy a second time, in a layer that does
not depend on mounts (so a mistake in the layout, or a writable pseudo-file such as
`/proc/self/attr/*`, is still refused), and scopes signals and abstract UNIX sockets
to the command's own processes.

A Landlock domain must be entered by the process it restricts, and a restricted process
may no longer mount, so it cannot wrap bubblewrap: bubblewrap runs a helper as the
sandbox's command, which enters the domain and execs the real command. The helper is
Perl (`landlock.pl`), because it starts in ~2 ms: a Python helper costs ~17 ms per
command (the interpreter plus ctypes), over the 15 ms sandbox budget on its own, and
Debian 12's `setpriv` predates its Landlock options. `perl-base` is part of every
Debian and Ubuntu system. Where Perl or Landlock is missing the sandbox still runs,
without this layer, and `copilot policy` says so.

Only write-type rights are handled (reading is governed by the mounts and the hidden
credential paths), and no network rights: a command without network already has its
own empty network namespace, where servers on loopback must keep working for tests.
"""

import ctypes
import functools
import os
import platform
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

_SYS_CREATE_RULESET = 444
_CREATE_RULESET_VERSION = 1

#: prctl's syscall number, which the helper needs for no_new_privs, by machine.
_SYS_PRCTL: dict[str, int] = {"x86_64": 157, "aarch64": 167}

# Filesystem rights (linux/landlock.h), each with the ABI version that added it.
_WRITE_RIGHTS_BY_ABI: tuple[tuple[int, int], ...] = (
    (1, 1 << 1),  # WRITE_FILE
    (1, 1 << 4),  # REMOVE_DIR
    (1, 1 << 5),  # REMOVE_FILE
    (1, 1 << 6),  # MAKE_CHAR
    (1, 1 << 7),  # MAKE_DIR
    (1, 1 << 8),  # MAKE_REG
    (1, 1 << 9),  # MAKE_SOCK
    (1, 1 << 10),  # MAKE_FIFO
    (1, 1 << 11),  # MAKE_BLOCK
    (1, 1 << 12),  # MAKE_SYM
    (2, 1 << 13),  # REFER: rename or link across folders
    (3, 1 << 14),  # TRUNCATE
)
_SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
_SCOPE_SIGNAL = 1 << 1
_SCOPES_ABI = 6

#: ABI 1 handles no REFER right, and then refuses every rename between folders, which
#: would break ordinary commands (`mv a/x b/`), so the first usable version is 2.
MIN_ABI = 2

#: Folders a sandboxed command writes besides its writable roots: bubblewrap's private
#: `/tmp` and `/dev` (`/dev/null`, `/dev/shm`).
SANDBOX_WRITABLE: tuple[Path, ...] = (Path("/tmp"), Path("/dev"))


@dataclass(frozen=True, slots=True)
class LandlockStatus:
    """Whether commands enter a Landlock domain, with the ABI version or a one-line why not."""

    abi: int
    reason: str = ""
    perl: str = ""

    @property
    def ok(self) -> bool:
        return not self.reason


def kernel_abi() -> int:
    """The kernel's Landlock ABI version, 0 when it has none (or it is disabled)."""
    if platform.system() != "Linux":
        return 0
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    version = libc.syscall(
        ctypes.c_long(_SYS_CREATE_RULESET),
        None,
        ctypes.c_size_t(0),
        ctypes.c_uint32(_CREATE_RULESET_VERSION),
    )
    return max(int(version), 0)


def handled_rights(abi: int) -> int:
    """The write-type rights this ABI knows: all are refused outside the allowed folders."""
    return sum(right for added, right in _WRITE_RIGHTS_BY_ABI if abi >= added)


def scopes(abi: int) -> int:
    """Signal and abstract-socket scoping, where the ABI has it (6 and later)."""
    return _SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL if abi >= _SCOPES_ABI else 0


@functools.cache
def _script() -> str:
    """The helper without its comment lines, which would only lengthen every argv."""
    text = resources.files("copilot.sandbox").joinpath("landlock.pl").read_text()
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


#: Set for the helper only (see landlock.pl): Perl's locale warning would otherwise
#: open every command's output where the user's locale is not installed.
QUIET_LOCALE = ("PERL_BADLANG", "0")


def wrap(
    layer: LandlockStatus,
    writable: Sequence[Path],
    command: Sequence[str],
    badlang: str | None = None,
) -> list[str]:
    """`command` run through the helper, writable only under `writable` and the sandbox's own.

    `layer` is what `status` found (its ABI and Perl). The helper is started with
    `QUIET_LOCALE` set; `badlang` is the user's own PERL_BADLANG (None when unset),
    which the command gets back.
    """
    abi = layer.abi
    folders = [str(path) for path in dict.fromkeys([*writable, *SANDBOX_WRITABLE])]
    numbers = [str(_SYS_PRCTL[platform.machine()]), str(handled_rights(abi)), str(scopes(abi))]
    restore = "-" if badlang is None else f"={badlang}"
    return [layer.perl, "-e", _script(), *numbers, restore, *folders, "--", *command]


@functools.cache
def status() -> LandlockStatus:
    """Probed once: the kernel's ABI, Perl, and the helper entering a domain for real."""
    if platform.machine() not in _SYS_PRCTL:
        return LandlockStatus(0, f"not set up for this machine ({platform.machine()})")
    abi = kernel_abi()
    if abi == 0:
        return LandlockStatus(0, "the kernel has no Landlock (or it is disabled)")
    if abi < MIN_ABI:
        return LandlockStatus(abi, f"the kernel's Landlock ABI {abi} is too old (2 needed)")
    perl = shutil.which("perl")
    if perl is None:
        return LandlockStatus(abi, "perl is not installed (the helper that enters Landlock)")
    found = LandlockStatus(abi, perl=perl)
    # The probe restricts only its own short-lived process, the same way a real run does.
    probe = wrap(found, [Path("/tmp")], ["true"])
    env = {**os.environ, QUIET_LOCALE[0]: QUIET_LOCALE[1]}
    try:
        result = subprocess.run(probe, capture_output=True, text=True, timeout=30, env=env)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return LandlockStatus(abi, f"the Landlock helper did not run: {exc}")
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        return LandlockStatus(abi, lines[-1] if lines else f"exit code {result.returncode}")
    return found
