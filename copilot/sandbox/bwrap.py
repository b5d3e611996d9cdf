"""The OS sandbox: how a command the user approved is wrapped in bubblewrap.

The promise is that an approved command, even one the model was tricked into, can
only change the workspace, cannot reach the network unless that was allowed, and
cannot plant something that runs later outside the sandbox (a `.git/config` hook, a
`.copilot/policy.toml` that grants itself permissions, a line in `~/.bashrc`).

The layout, in mount order (later mounts sit on top of earlier ones):
- the whole host read-only (`--ro-bind / /`), a fresh `/dev` and `/proc`, and a private
  `/tmp` that vanishes with the command;
- the workspace (and any `extra_rw`) bound writable;
- `.git` and `.copilot` in every writable root (and in repositories nested inside
  them), and our user config folder, bound read-only again; when one is missing at a
  root an empty read-only tmpfs is mounted there, so the command cannot create it.
  bubblewrap must create that mount point on the host first; masks.py removes it
  when no sandbox of any copilot process masks it any more;
- credentials (`~/.ssh`, cloud CLIs, `/etc/shadow`, ...) hidden behind empty mounts.

Namespaces: user (the command runs as a non-root uid even when we are root, with no
capabilities and no further user namespaces), pid (it cannot see or signal anything
outside, and everything dies with it), ipc, uts, network (unless allowed), and a new
session (no terminal to inject keystrokes into). A seccomp filter refuses new UNIX
sockets (see seccomp.py). Where the kernel offers Landlock, the command enters a
domain that refuses writes outside its writable roots, `/tmp` and `/dev` again, and
keeps its signals and abstract sockets to itself (see landlock.py).
"""

import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from copilot.sandbox import landlock
from copilot.sandbox.seccomp import deny_unix_sockets_filter

#: Names kept read-only in every writable root, masked when missing.
PROTECTED_NAMES: tuple[str, ...] = (".git", ".copilot")

#: Credential files and folders under HOME that commands do not get to read.
HIDDEN_IN_HOME: tuple[str, ...] = (
    ".ssh",
    ".gnupg",
    ".aws",
    ".azure",
    ".config/gcloud",
    ".config/gh",
    ".docker",
    ".kube",
    ".netrc",
    ".git-credentials",
    ".pypirc",
    ".npmrc",
)

#: System secrets that root (or a group member) could otherwise read.
HIDDEN_SYSTEM: tuple[str, ...] = ("/etc/shadow", "/etc/gshadow", "/etc/shadow-", "/etc/gshadow-")

#: The uid and gid a command runs as when we are root: root inside would make tools
#: take root-only paths (and refuse to run), although it would hold no capability.
UNPRIVILEGED_ID = 1000


@dataclass(frozen=True, slots=True)
class SandboxStatus:
    """Whether commands can be sandboxed here, and if not, a one-line why."""

    ok: bool
    reason: str = ""


class SandboxUnavailable(RuntimeError):
    """A sandboxed run was asked for but bubblewrap cannot start here."""


@dataclass(frozen=True, slots=True)
class SandboxSpec:
    """What one sandboxed command may touch.

    Existing `extra_ro` paths are re-bound read-only over anything writable (more
    config that must not be changed); existing `extra_rw` folders are also writable.
    `home` is the user's home as seen by the command (its dotfiles and credentials).
    `nested` holds existing protected entries deeper in the writable roots (nested
    repositories' `.git`), which the runner finds before each command (nested.py).
    """

    workspace: Path
    network: bool = False
    extra_ro: tuple[Path, ...] = ()
    extra_rw: tuple[Path, ...] = ()
    protected_names: tuple[str, ...] = PROTECTED_NAMES
    home: Path = field(default_factory=Path.home)
    hide_secrets: bool = True
    deny_unix_sockets: bool = True
    landlock: bool = True
    nested: tuple[Path, ...] = ()

    def writable_roots(self) -> list[Path]:
        """The real paths the command may write, workspace first."""
        roots = [_real(self.workspace)]
        roots += [_real(path) for path in self.extra_rw if path.exists()]
        return _unique(roots)

    def protected_paths(self) -> list[Path]:
        """Paths inside writable roots that stay read-only (existing or to be masked)."""
        paths = [root / name for root in self.writable_roots() for name in self.protected_names]
        paths += self.nested
        home = _real(self.home)
        if any(_inside(home, root) for root in self.writable_roots()) and home.is_dir():
            paths += sorted(entry for entry in home.iterdir() if entry.name.startswith("."))
        return _unique(paths)

    def read_only_paths(self) -> list[Path]:
        """Existing paths outside the protected names that are re-bound read-only."""
        candidates = [_real(self.home) / ".config" / "copilot", *map(_real, self.extra_ro)]
        return [path for path in _unique(candidates) if path.exists()]

    def hidden_paths(self) -> list[Path]:
        """Existing credential paths to cover with an empty mount."""
        if not self.hide_secrets:
            return []
        home = _real(self.home)
        candidates = [home / name for name in HIDDEN_IN_HOME]
        candidates += [Path(name) for name in HIDDEN_SYSTEM]
        candidates += sorted(Path("/etc/ssh").glob("ssh_host_*_key"))
        return [path for path in _unique(candidates) if path.exists()]


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path.expanduser()))


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _unique(paths: Sequence[Path]) -> list[Path]:
    return list(dict.fromkeys(paths))


def _mask(path: Path) -> list[str]:
    """Arguments that cover `path` with something empty and read-only."""
    if path.is_dir() or not path.exists():
        return ["--tmpfs", str(path), "--remount-ro", str(path)]
    return ["--ro-bind", "/dev/null", str(path)]


@functools.cache
def bwrap_path() -> str | None:
    """The bubblewrap executable, or None when it is not installed."""
    return shutil.which("bwrap")


@functools.cache
def _supports(flag: str) -> bool:
    exe = bwrap_path()
    if exe is None:
        return False
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=10)
    return flag in result.stdout + result.stderr


def build_argv(
    spec: SandboxSpec,
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    info_fd: int | None = None,
    seccomp_fd: int | None = None,
    env: Mapping[str, str] | None = None,
) -> list[str]:
    """The full bwrap command line that runs `command` under `spec`.

    `info_fd` receives bubblewrap's JSON info (the host pid of the sandbox's init,
    which the runner signals on interrupt); `seccomp_fd` is a readable fd holding the
    compiled filter (see `open_seccomp_fd`); `env` is the environment the command is
    started with (the Landlock helper restores one of its variables from it).
    """
    exe = bwrap_path()
    if exe is None:
        raise SandboxUnavailable("bubblewrap is not installed")
    uid, gid = os.getuid() or UNPRIVILEGED_ID, os.getgid() or UNPRIVILEGED_ID
    argv = [exe, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    # bwrap covers /proc/sys only when it looks writable; for a real root mapped
    # through the user namespace the files are, so cover it explicitly.
    argv += ["--ro-bind-try", "/proc/sys", "/proc/sys"]
    argv += ["--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger"]
    argv += ["--tmpfs", "/tmp"]
    for root in spec.writable_roots():
        argv += ["--bind", str(root), str(root)]
    for path in spec.protected_paths():
        if path.exists():
            argv += ["--ro-bind", str(path), str(path)]
        elif not os.path.lexists(path):
            argv += _mask(path)
    for path in spec.read_only_paths():
        argv += ["--ro-bind", str(path), str(path)]
    for path in spec.hidden_paths():
        argv += _mask(path)
    argv += ["--unshare-user", "--uid", str(uid), "--gid", str(gid)]
    if _supports("--disable-userns"):
        argv.append("--disable-userns")
    argv += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not spec.network:
        argv.append("--unshare-net")
    argv += ["--new-session", "--die-with-parent", "--cap-drop", "ALL"]
    argv += ["--chdir", str(_real(cwd) if cwd else _real(spec.workspace))]
    if info_fd is not None:
        argv += ["--info-fd", str(info_fd)]
    if seccomp_fd is not None:
        argv += ["--seccomp", str(seccomp_fd)]
    if spec.landlock and (layer := landlock.status()).ok:
        argv += ["--setenv", *landlock.QUIET_LOCALE]
        badlang = (env or {}).get(landlock.QUIET_LOCALE[0])
        command = landlock.wrap(layer, spec.writable_roots(), command, badlang)
    return [*argv, "--", *command]


def open_seccomp_fd(spec: SandboxSpec) -> int | None:
    """A pipe's read end preloaded with the seccomp filter, or None if not applied.

    The filter is a few dozen bytes, far below a pipe's buffer, so writing it all
    before bubblewrap starts cannot block. The caller passes the fd to the child and
    closes it afterwards.
    """
    if not spec.deny_unix_sockets:
        return None
    program = deny_unix_sockets_filter()
    if program is None:
        return None
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, program)
    finally:
        os.close(write_fd)
    return read_fd


@functools.cache
def available() -> SandboxStatus:
    """Whether bubblewrap can start here with our options, probed once by running it."""
    exe = bwrap_path()
    if exe is None:
        return SandboxStatus(False, "bubblewrap is not installed (apt install bubblewrap)")
    with tempfile.TemporaryDirectory(prefix="copilot-probe-") as tmp:
        spec = SandboxSpec(workspace=Path(tmp), protected_names=())
        seccomp_fd = open_seccomp_fd(spec)
        fds = () if seccomp_fd is None else (seccomp_fd,)
        try:
            result = subprocess.run(
                build_argv(spec, ["true"], seccomp_fd=seccomp_fd),
                capture_output=True,
                text=True,
                timeout=30,
                pass_fds=fds,
                stdin=subprocess.DEVNULL,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return SandboxStatus(False, f"bubblewrap did not start: {exc}")
        finally:
            if seccomp_fd is not None:
                os.close(seccomp_fd)
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        detail = lines[-1] if lines else f"exit code {result.returncode}"
        return SandboxStatus(False, f"bubblewrap cannot start here: {detail}")
    return SandboxStatus(True, "")


def describe() -> str:
    """One line on the layers a sandboxed command gets here, for `copilot policy`."""
    status = available()
    if not status.ok:
        return f"sandbox: unavailable ({status.reason})"
    layers = ["bubblewrap (read-only root, private namespaces)"]
    if deny_unix_sockets_filter() is not None:
        layers.append("seccomp (no UNIX sockets)")
    layer = landlock.status()
    layers.append(f"Landlock ABI {layer.abi}" if layer.ok else f"no Landlock: {layer.reason}")
    return "sandbox: " + ", ".join(layers)
