"""Where a running copilot listens, so shell hooks find it with builtins only.

Per user, one private folder (`$COPILOT_RUNTIME_DIR`, else
`$XDG_RUNTIME_DIR/copilot`, else `/tmp/copilot-$UID`). A copilot serving a
workspace listens on `<sha>.sock` there (short, so the 108-byte socket path
limit never bites) and points a symlink at it named after the workspace path
with `/` spelled `%` (`%home%me%proj.ws`). A shell hook walks up from `$PWD`
testing `[ -S "$dir/${d//\\//%}.ws" ]`: a few stat calls and no process when no
copilot runs.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path


def runtime_dir(env: dict[str, str] | None = None) -> Path:
    """The per-user folder for copilot sockets (not created here)."""
    env = dict(os.environ) if env is None else env
    if env.get("COPILOT_RUNTIME_DIR"):
        return Path(env["COPILOT_RUNTIME_DIR"])
    if env.get("XDG_RUNTIME_DIR"):
        return Path(env["XDG_RUNTIME_DIR"]) / "copilot"
    return Path(f"/tmp/copilot-{os.getuid()}")


def link_name(workspace: Path) -> str:
    """The name the hooks look for: the workspace path with `/` spelled `%`."""
    return str(workspace).replace("/", "%") + ".ws"


def socket_name(workspace: Path) -> str:
    """The real socket's short name: a hash of the workspace path."""
    return hashlib.sha256(str(workspace).encode()).hexdigest()[:16] + ".sock"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` 0700 and refuse one another user owns or others can write.

    `/tmp/copilot-$UID` could be pre-created by someone else to catch what the
    hooks send; a folder we do not own is never used.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PermissionError(f"{path} is not a folder owned by this user")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)
    return path
