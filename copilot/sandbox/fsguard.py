"""The file boundary for writes we make in our own process (write_file, edit_file).

These tools do not run in bubblewrap, so the boundary the sandbox draws with mounts
has to be drawn here exactly: a path is resolved with realpath (every symlink in the
chain, `..`, `~`, absolute paths), compared on whole components (`/work/ws-evil` is
not inside `/work/ws`), and refused if it lands in `.git` or `.copilot` at any depth.

Checking and then writing by name would leave a window in which a sandboxed command
swaps a folder for a symlink. So the write walks from the workspace down with
`O_NOFOLLOW | O_DIRECTORY` one component at a time, and lands the data through a
temporary file renamed over the target in that same directory: the target is either
the old file or the new one, never half written, and never somewhere else.
"""

import contextlib
import os
import secrets
import stat
from pathlib import Path

from copilot.sandbox.bwrap import PROTECTED_NAMES


class PathEscape(ValueError):
    """A path the model gave resolves outside the workspace."""


class ProtectedPath(PathEscape):
    """A path inside the workspace that is ours or git's to write, not the model's."""


def resolve_path(workspace: Path, path: str) -> Path:
    """Where `path` really points: `~` expanded, relative to the workspace, realpath'd."""
    if not path or "\0" in path:
        raise PathEscape(f"not a usable path: {path!r}")
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        candidate = workspace / candidate
    return Path(os.path.realpath(candidate))


def is_inside(workspace: Path, path: Path) -> bool:
    """Whether the real `path` is the workspace or below it, on whole components."""
    root = Path(os.path.realpath(workspace))
    return path == root or root in path.parents


def resolve_inside(workspace: Path, path: str) -> Path:
    """Resolve `path` and insist that it stays inside the workspace."""
    resolved = resolve_path(workspace, path)
    if not is_inside(workspace, resolved):
        root = os.path.realpath(workspace)
        raise PathEscape(f"{path} resolves to {resolved}, outside the workspace {root}")
    return resolved


def protected_part(workspace: Path, resolved: Path) -> str | None:
    """The protected component (`.git`, `.copilot`) a real path goes through, if any.

    Case is ignored: on case-insensitive file systems `.GIT` is `.git`.
    """
    relative = resolved.relative_to(os.path.realpath(workspace))
    names = {name.casefold() for name in PROTECTED_NAMES}
    return next((part for part in relative.parts if part.casefold() in names), None)


def check_writable(workspace: Path, path: str) -> Path:
    """The real target of a write to `path`, or PathEscape / ProtectedPath saying why not."""
    resolved = resolve_inside(workspace, path)
    if resolved == Path(os.path.realpath(workspace)):
        raise PathEscape(f"{path} is the workspace folder itself, not a file")
    part = protected_part(workspace, resolved)
    if part is not None:
        raise ProtectedPath(f"{path} is inside {part}/, which only you may change")
    return resolved


def _open_dir(name: str, dir_fd: int, *, create: bool) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        if not create:
            raise
        with contextlib.suppress(FileExistsError):
            os.mkdir(name, 0o777, dir_fd=dir_fd)
        return os.open(name, flags, dir_fd=dir_fd)


def write_atomic(workspace: Path, path: str, data: bytes) -> Path:
    """Write `data` to `path` inside the workspace, atomically; return the real target.

    Missing parent folders are created. An existing file keeps its permission bits.
    Raises PathEscape (or ProtectedPath) when the path is refused or changed under us
    into a symlink while we walked it, IsADirectoryError when it names a folder.
    """
    target = check_writable(workspace, path)
    root = Path(os.path.realpath(workspace))
    *parents, name = target.relative_to(root).parts
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parents:
            try:
                next_fd = _open_dir(part, fd, create=True)
            except OSError as exc:
                raise PathEscape(f"{path}: {part} is not a plain folder ({exc.strerror})") from exc
            os.close(fd)
            fd = next_fd
        mode = 0o666
        try:
            existing = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            existing = None
        if existing is not None:
            if stat.S_ISLNK(existing.st_mode):
                raise PathEscape(f"{path} became a symlink while writing; not followed")
            if stat.S_ISDIR(existing.st_mode):
                raise IsADirectoryError(f"{path} is a folder")
            mode = stat.S_IMODE(existing.st_mode)
        _replace(fd, name, data, mode, keep_mode=existing is not None)
    finally:
        os.close(fd)
    return target


def _replace(dir_fd: int, name: str, data: bytes, mode: int, *, keep_mode: bool) -> None:
    temp = f".{name}.{secrets.token_hex(4)}.copilot-tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(temp, flags, mode, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            if keep_mode:
                os.fchmod(handle.fileno(), mode)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=dir_fd)
        raise
