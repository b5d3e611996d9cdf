"""The user's permission policy: rules from TOML, the mode, and session grants.

Two files feed it. The user file (`$XDG_CONFIG_HOME/copilot/policy.toml`,
else `~/.config/copilot/policy.toml`) may `allow`, `ask` and `deny`, and may
`remove` default rules. The project file (`<workspace>/.copilot/policy.toml`)
comes with the repository, so it may only make things stricter: its `allow`
and `remove` keys are ignored with a warning the front end shows. Precedence
is deny > ask > allow whatever the source. Grants from "allow for a scope"
answers live only in this object, so they end with the session.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from copilot.sandbox.rules import CompiledRule, Rule, RuleError, parse_rule

VERDICT_KEYS = ("allow", "ask", "deny")


class Mode(StrEnum):
    """How much runs without a prompt."""

    ASK = "ask"
    SANDBOX_AUTO = "sandbox-auto"
    READ_ONLY = "read-only"


#: Rules every policy starts with; `copilot policy` prints them, `remove` drops them.
DEFAULT_RULES: dict[str, tuple[Rule, ...]] = {
    "allow": (Rule("read", "./**", "default"),),
    "ask": (Rule("write", ".git/**", "default"), Rule("write", ".copilot/**", "default")),
    "deny": (),
}


def user_policy_path() -> Path:
    """The user's policy file, honouring XDG_CONFIG_HOME."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(base) / "copilot" / "policy.toml"


def project_policy_path(workspace: Path) -> Path:
    """The repository's policy file (it can only add deny and ask rules)."""
    return workspace / ".copilot" / "policy.toml"


@dataclass
class Policy:
    """Everything the classifier consults, for one workspace and session."""

    workspace: Path
    mode: Mode = Mode.ASK
    rules: dict[str, list[Rule]] = field(default_factory=lambda: {k: [] for k in VERDICT_KEYS})
    grants: list[Rule] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.workspace = Path(os.path.realpath(self.workspace))
        self._compiled: dict[str, list[CompiledRule]] = {}
        self._recompile()

    @classmethod
    def load(
        cls,
        workspace: Path,
        mode: Mode | str = Mode.ASK,
        *,
        user_file: Path | None = None,
        project_file: Path | None = None,
    ) -> Policy:
        """Defaults, then the user file, then the project file (stricter only)."""
        policy = cls(workspace=workspace, mode=Mode(mode))
        rules = {key: list(DEFAULT_RULES[key]) for key in VERDICT_KEYS}
        warnings: list[str] = []
        user = user_file or user_policy_path()
        project = project_file or project_policy_path(policy.workspace)
        for path, source in ((user, "user"), (project, "project")):
            data = _read_toml(path, warnings)
            if data is not None:
                _merge(data, path, source, rules, warnings)
        policy.rules = rules
        policy.warnings = warnings
        policy._recompile()
        return policy

    def compiled(self, verdict: str) -> list[CompiledRule]:
        """Rules (and, for allow, session grants) ready to match."""
        return self._compiled[verdict]

    def grant(self, rules: Iterable[Rule]) -> None:
        """Remember an "allow for a scope" answer for the rest of the session."""
        for rule in rules:
            granted = Rule(rule.tool, rule.pattern, "session")
            if granted not in self.grants:
                self.grants.append(granted)
        self._recompile()

    def set_mode(self, mode: Mode | str) -> None:
        """Switch mode (the in-app toggle); grants and rules stay."""
        self.mode = Mode(mode)

    def describe(self) -> str:
        """A readable listing of mode, rules and grants, for `copilot policy`."""
        lines = [f"mode: {self.mode}", f"workspace: {self.workspace}"]
        for key in ("deny", "ask", "allow"):
            lines.append(f"{key}:")
            entries = self.rules[key] + (self.grants if key == "allow" else [])
            lines.extend(f"  {rule}    [{rule.source}]" for rule in entries)
            if not entries:
                lines.append("  (none)")
        lines.extend(f"warning: {w}" for w in self.warnings)
        return "\n".join(lines)

    def _recompile(self) -> None:
        self._compiled = {
            key: [CompiledRule(r, self.workspace) for r in self.rules[key]] for key in VERDICT_KEYS
        }
        self._compiled["allow"] += [CompiledRule(r, self.workspace) for r in self.grants]


def _read_toml(path: Path, warnings: list[str]) -> dict[str, object] | None:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        warnings.append(f"{path}: not read ({exc})")
        return None


def _merge(
    data: dict[str, object],
    path: Path,
    source: str,
    rules: dict[str, list[Rule]],
    warnings: list[str],
) -> None:
    """Fold one file into `rules`, enforcing what a project file may not do."""
    for key, value in data.items():
        if key not in (*VERDICT_KEYS, "remove"):
            warnings.append(f"{path}: unknown key {key!r} ignored")
            continue
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            warnings.append(f"{path}: {key!r} must be a list of strings; ignored")
            continue
        if source == "project" and key in ("allow", "remove"):
            if value:
                warnings.append(
                    f"{path}: a project policy cannot {key} rules "
                    f"(a repository cannot grant itself permissions); ignored: {', '.join(value)}"
                )
            continue
        for text in value:
            try:
                rule = parse_rule(text, source)
            except RuleError as exc:
                warnings.append(f"{path}: {exc}")
                continue
            if key == "allow" and rule.tool == "net":
                warnings.append(
                    f"{path}: {rule} ignored: net rules can only deny or ask "
                    "(network is granted per approved command)"
                )
                continue
            if key == "remove":
                for verdict in VERDICT_KEYS:
                    rules[verdict] = [
                        r
                        for r in rules[verdict]
                        if (r.tool, r.pattern) != (rule.tool, rule.pattern)
                    ]
            else:
                rules[key].append(rule)
