"""Settings of the ambient sensors."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True, slots=True)
class SensorsConfig:
    """Which sensors run and how much of what they see reaches the model.

    `auto_explain` is read by the engine: when on, a failed command is explained
    without the user asking. The sensors themselves never call a model.
    """

    files: bool = True
    shell: bool = True
    git: bool = True
    tmux: bool = True
    instructions: bool = True
    budget_tokens: int = 1500
    half_life_s: float = 600.0
    auto_explain: bool = False
    max_items: int = 200
    #: Files changed in one batch beyond this are summarised per folder.
    bulk_threshold: int = 50
    #: Extra gitignore-style patterns the files sensor skips.
    ignore: tuple[str, ...] = ()
    #: Minimum seconds between two ContextChanged events (at most ~5/s).
    publish_interval_s: float = 0.2

    @classmethod
    def from_settings(cls, settings: object) -> SensorsConfig:
        """Build from any object with same-named attributes (e.g. the app's config section)."""
        values = {
            f.name: getattr(settings, f.name) for f in fields(cls) if hasattr(settings, f.name)
        }
        if "ignore" in values:
            values["ignore"] = tuple(values["ignore"])
        return cls(**values)
