"""Settings, layered: defaults < user TOML (XDG) < project `.copilot/` < env < flags.

A bad file never stops copilot: it is reported in one line and the layer is
skipped, so the user keeps a working tool while they fix it.

The settings are frozen msgspec Structs, like the bus events, because they are
read on the launch path: frozen slots dataclasses cost ~8 ms to define there.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

#: Default model ids, chosen from the installed SDK's `Model` literal (a unit
#: test checks they are still in it, so an SDK upgrade that drops one fails CI).
#: The fast interaction model owns the conversation; the stronger background
#: model does delegated, multi-step work.
DEFAULT_INTERACTION_MODEL = "claude-haiku-5-5"
DEFAULT_BACKGROUND_MODEL = "claude-sonnet-5-5"
DEFAULT_MODEL = DEFAULT_INTERACTION_MODEL

#: Textual's escape delay if the user did not set ESCDELAY: Esc must feel instant.
#: A terminal writes each escape sequence whole (one write, one SSH packet, one tmux
#: write to the pane), so its bytes arrive together and a short wait tells a lone Esc
#: from the start of a sequence; at 25 ms Esc took ~40 ms to stop a stream.
DEFAULT_ESCDELAY_MS = 10


class ModelConfig(Struct, frozen=True):
    """Which models to call and how.

    `name` is the interaction model (also accepted as `interaction` in TOML):
    it answers in the conversation and delegates long work to `background`.
    """

    name: str = DEFAULT_MODEL
    background: str = DEFAULT_BACKGROUND_MODEL
    delegate: bool = True
    max_tokens: int = 8192
    context_window: int = 200_000
    api_key: str | None = None
    base_url: str | None = None
    max_attempts: int = 5
    retry_base_s: float = 1.0
    retry_cap_s: float = 30.0
    system_prompt: str = ""
    #: Compact when the request passes this share of `context_window`.
    compact_at: float = 0.75
    #: The latest turns that stay verbatim through a compaction.
    keep_turns: int = 4

    @property
    def interaction(self) -> str:
        return self.name


#: Other names a TOML table may use for a field, per table.
ALIASES = {"interaction": "name"}


class UIConfig(Struct, frozen=True):
    """Looks and keys."""

    theme: str = "copilot-dark"
    escdelay_ms: int = DEFAULT_ESCDELAY_MS
    keymap: dict[str, str] = field(default_factory=dict)
    side_min_width: int = 100


class SandboxConfig(Struct, frozen=True):
    """How the gate treats the model's actions."""

    mode: str = "ask"


class SensorsSettings(Struct, frozen=True):
    """Which ambient sensors run and how much of them reaches the model."""

    files: bool = True
    shell: bool = True
    git: bool = True
    tmux: bool = True
    instructions: bool = True
    budget_tokens: int = 1500
    half_life_s: float = 600.0
    auto_explain: bool = False


class MemorySettings(Struct, frozen=True):
    """Retention: how long history is kept and how large the database may grow."""

    max_age_days: float = 90.0
    max_mb: int = 512


class VoiceSettings(Struct, frozen=True):
    """Optional voice (needs the `voice` extra); off unless `enabled`."""

    enabled: bool = False
    mode: str = "push"
    send_on_final: bool = False
    speak: bool = False
    vad_aggressiveness: int = 2
    confirm_ms: int = 300
    model_path: str | None = None
    backend: str = "local"


class Config(Struct, frozen=True):
    """Everything copilot reads at start. Immutable: a change makes a new one."""

    model: ModelConfig = field(default_factory=ModelConfig)
    ui: UIConfig = field(default_factory=UIConfig)
    sandbox: SandboxConfig = field(default_factory=SandboxConfig)
    sensors: SensorsSettings = field(default_factory=SensorsSettings)
    memory: MemorySettings = field(default_factory=MemorySettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    data_dir: str | None = None
    problems: tuple[str, ...] = ()


class ConfigError(ValueError):
    """A config layer could not be used; the message is one line for the user."""


def user_config_dir() -> Path:
    """`$XDG_CONFIG_HOME/copilot`, else `~/.config/copilot`."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "copilot"


def _merge(base: Any, data: dict[str, Any], where: str) -> Any:
    """Overlay a TOML table on a settings record, checking names and types."""
    known = base.__struct_fields__
    changes: dict[str, Any] = {}
    for key, value in data.items():
        key = ALIASES.get(key, key) if isinstance(base, ModelConfig) else key
        if key not in known or key == "problems":
            raise ConfigError(f"{where}: unknown setting '{key}'")
        current = getattr(base, key)
        if isinstance(current, Struct):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [{key}] must be a table")
            changes[key] = _merge(current, value, f"{where} [{key}]")
            continue
        expected = type(current) if current is not None else str
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{where}: '{key}' should be {expected.__name__}, got {type(value).__name__}"
            )
        changes[key] = value
    return replace(base, **changes)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None


#: Settings a repository's own `.copilot/config.toml` may not set: a cloned
#: repository must not redirect prompts to another server, swap the key, or
#: loosen the gate (the sandbox mode).
PROJECT_FORBIDDEN = {("model", "api_key"), ("model", "base_url"), ("sandbox", "mode")}


def _strip_forbidden(data: dict[str, Any], where: str, problems: list[str]) -> dict[str, Any]:
    clean = {key: dict(value) if isinstance(value, dict) else value for key, value in data.items()}
    for table, key in PROJECT_FORBIDDEN:
        section = clean.get(table)
        if isinstance(section, dict) and key in section:
            del section[key]
            problems.append(f"{where}: a project may not set {table}.{key}; ignored")
    return clean


def _env_layer(env: dict[str, str]) -> dict[str, Any]:
    layer: dict[str, Any] = {}
    if env.get("COPILOT_MODEL"):
        layer.setdefault("model", {})["name"] = env["COPILOT_MODEL"]
    if env.get("COPILOT_SANDBOX_MODE"):
        layer.setdefault("sandbox", {})["mode"] = env["COPILOT_SANDBOX_MODE"]
    if env.get("COPILOT_DATA_DIR"):
        layer["data_dir"] = env["COPILOT_DATA_DIR"]
    return layer


def load(
    workspace: Path,
    flags: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
) -> Config:
    """Build the effective config; problems are collected, never raised."""
    env = dict(os.environ) if env is None else env
    config = Config()
    problems: list[str] = []
    layers: list[tuple[str, dict[str, Any] | Path]] = [
        ("user config", user_config_dir() / "config.toml"),
        ("project config", workspace / ".copilot" / "config.toml"),
        ("environment", _env_layer(env)),
        ("flags", flags or {}),
    ]
    for label, source in layers:
        try:
            if isinstance(source, Path):
                if not source.is_file():
                    continue
                data = _read_toml(source)
                where = str(source)
                if label == "project config":
                    data = _strip_forbidden(data, where, problems)
            else:
                data, where = source, label
            config = _merge(config, data, where)
        except ConfigError as exc:
            problems.append(f"{exc}; ignoring {label}")
    if config.sandbox.mode not in ("ask", "sandbox-auto", "read-only"):
        problems.append(f"sandbox mode '{config.sandbox.mode}' is unknown; using 'ask'")
        config = replace(config, sandbox=SandboxConfig())
    return replace(config, problems=tuple(problems))
