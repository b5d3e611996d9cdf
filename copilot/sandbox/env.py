"""The environment a command the model asked for runs with.

A sandbox that blocks writes and the network still hands the command whatever is in
its environment, and `env`, `printenv` or a crash log would put our API key in front
of the model (and from there anywhere). So every command, sandboxed or not, gets a
copy of our environment with credentials removed. Matching is on names (deny
patterns) and on values that carry a password inside a URL, because tokens hide in
both places.
"""

import fnmatch
import re
from collections.abc import Mapping

#: Names kept whatever the patterns say: a command needs them to behave normally.
KEEP: frozenset[str] = frozenset(
    {"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TERM", "TZ", "PWD"}
)

#: Name patterns (case-insensitive, fnmatch) of variables that hold credentials or
#: hand out access to agents that do (ssh-agent, gpg-agent, the desktop bus).
DENY_PATTERNS: tuple[str, ...] = (
    "ANTHROPIC_*",
    "OPENAI_*",
    "AWS_*",
    "AZURE_*",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GOOGLE_API_KEY",
    "GEMINI_*",
    "HF_TOKEN",
    "HUGGING_FACE_HUB_TOKEN",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "*_TOKEN",
    "*_TOKENS",
    "*TOKEN_*",
    "*_SECRET*",
    "SECRET_*",
    "*_KEY",
    "*_KEYS",
    "*APIKEY*",
    "*API_KEY*",
    "*PASSWORD*",
    "*PASSWD*",
    "*_PASS",
    "*CREDENTIAL*",
    "*_AUTH",
    "*_AUTH_*",
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "GPG_AGENT_INFO",
    "DBUS_SESSION_BUS_ADDRESS",
    "KRB5CCNAME",
    "VAULT_*",
    "DATABASE_URL",
    "COPILOT_API_*",
)

_DENY = re.compile(
    "|".join(fnmatch.translate(pattern) for pattern in DENY_PATTERNS), flags=re.IGNORECASE
)

#: A URL with a user and a password in it (`postgres://me:hunter2@db/x`).
_URL_WITH_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


def is_secret(name: str, value: str) -> bool:
    """True when a variable must not reach a command the model asked for."""
    if name in KEEP:
        return False
    return bool(_DENY.fullmatch(name) or _URL_WITH_PASSWORD.search(value))


def scrub_env(
    base: Mapping[str, str], *, sandboxed: bool, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A copy of `base` without secrets, marked so a script can tell it runs for us.

    Inside the sandbox `/tmp` is a private tmpfs, so `TMPDIR` is pointed there: the
    user's own `TMPDIR` is usually read-only inside and tools would fail on it.
    `extra` is applied last and is not filtered (the caller chose those values).
    """
    env = {name: value for name, value in base.items() if not is_secret(name, value)}
    env["COPILOT_SANDBOX"] = "1" if sandboxed else "0"
    env["GIT_TERMINAL_PROMPT"] = "0"
    if sandboxed:
        env["TMPDIR"] = "/tmp"
    if extra:
        env.update(extra)
    return env
