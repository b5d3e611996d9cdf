"""Themes are TOML files users can copy and edit; this turns them into Textual Themes.

Searched in order: the `themes/` folder shipped beside the package, then the
user's `~/.config/copilot/themes/`; a user file with the same name wins.
"""

from __future__ import annotations

import tomllib
from dataclasses import fields
from pathlib import Path

from textual.theme import Theme

from copilot.config import user_config_dir

SHIPPED = Path(__file__).resolve().parents[2] / "themes"
_KEYS = {f.name for f in fields(Theme)}


def theme_dirs() -> list[Path]:
    return [SHIPPED, user_config_dir() / "themes"]


def load_theme(path: Path) -> Theme:
    """One theme file; raises ValueError with a one-line reason."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"theme {path}: {exc}") from None
    unknown = set(data) - _KEYS
    if unknown:
        raise ValueError(f"theme {path}: unknown keys {', '.join(sorted(unknown))}")
    if "name" not in data or "primary" not in data:
        raise ValueError(f"theme {path}: needs at least 'name' and 'primary'")
    return Theme(**data)


def discover() -> tuple[list[Theme], list[str]]:
    """All loadable themes, and one line per file that could not be used."""
    themes: dict[str, Theme] = {}
    problems: list[str] = []
    for folder in theme_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme(path)
            except ValueError as exc:
                problems.append(str(exc))
                continue
            themes[theme.name] = theme
    return list(themes.values()), problems
