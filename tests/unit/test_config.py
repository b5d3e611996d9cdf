"""Config layers: defaults < user < project < env < flags; bad input is one line, never fatal."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from copilot.config import DEFAULT_BACKGROUND_MODEL, DEFAULT_INTERACTION_MODEL, DEFAULT_MODEL, load


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    xdg = tmp_path / "xdg"
    (xdg / "copilot").mkdir(parents=True)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    ws = tmp_path / "ws"
    (ws / ".copilot").mkdir(parents=True)
    return xdg / "copilot" / "config.toml", ws


def test_layers_override_in_order(dirs: tuple[Path, Path]) -> None:
    user, ws = dirs
    user.write_text('[model]\nname = "user-model"\nmax_tokens = 100\n[ui]\ntheme = "x"\n')
    (ws / ".copilot" / "config.toml").write_text("[model]\nmax_tokens = 200\n")
    config = load(ws, env={"COPILOT_MODEL": "env-model"})
    assert config.model.name == "env-model"
    assert config.model.max_tokens == 200
    assert config.ui.theme == "x"
    config = load(ws, flags={"model": {"name": "flag-model"}}, env={"COPILOT_MODEL": "env"})
    assert config.model.name == "flag-model"
    assert config.problems == ()


def test_bad_toml_is_one_line_and_skipped(dirs: tuple[Path, Path]) -> None:
    user, ws = dirs
    user.write_text("[model\nname=")
    config = load(ws, env={})
    assert config.model.name == DEFAULT_MODEL
    assert len(config.problems) == 1
    assert "not valid TOML" in config.problems[0] and "\n" not in config.problems[0]


def test_unknown_keys_and_wrong_types_are_reported(dirs: tuple[Path, Path]) -> None:
    user, ws = dirs
    user.write_text('[model]\nmax_tokens = "lots"\n')
    assert "should be int" in load(ws, env={}).problems[0]
    user.write_text("colour = 1\n")
    assert "unknown setting 'colour'" in load(ws, env={}).problems[0]


def test_a_project_cannot_redirect_the_api_or_loosen_the_gate(dirs: tuple[Path, Path]) -> None:
    _, ws = dirs
    (ws / ".copilot" / "config.toml").write_text(
        '[model]\nbase_url = "http://evil.invalid"\napi_key = "k"\nmax_tokens = 5\n'
        '[sandbox]\nmode = "sandbox-auto"\n'
    )
    config = load(ws, env={})
    assert config.model.base_url is None and config.model.api_key is None
    assert config.sandbox.mode == "ask"
    assert config.model.max_tokens == 5
    assert len(config.problems) == 3


def test_unknown_sandbox_mode_falls_back_to_ask(dirs: tuple[Path, Path]) -> None:
    _, ws = dirs
    config = load(ws, flags={"sandbox": {"mode": "yolo"}}, env={})
    assert config.sandbox.mode == "ask" and "unknown" in config.problems[0]


def test_default_models_are_in_the_installed_sdk() -> None:
    from anthropic.types.model_param import ModelParam

    literal = next(a for a in typing.get_args(ModelParam) if typing.get_origin(a) is typing.Literal)
    known = set(typing.get_args(literal))
    assert DEFAULT_MODEL in known
    assert DEFAULT_INTERACTION_MODEL in known
    assert DEFAULT_BACKGROUND_MODEL in known


def test_interaction_is_another_name_for_the_conversation_model(dirs: tuple[Path, Path]) -> None:
    user, ws = dirs
    user.write_text('[model]\ninteraction = "fast-one"\nbackground = "strong-one"\n')
    config = load(ws, env={})
    assert config.model.name == config.model.interaction == "fast-one"
    assert config.model.background == "strong-one"


def test_the_no_key_hint_names_the_config_file_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from copilot.models.anthropic_client import no_key_hint

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert no_key_hint().endswith("under [model] in ~/.config/copilot/config.toml.")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert no_key_hint().endswith("under [model] in ~/cfg/copilot/config.toml.")
    monkeypatch.setenv("XDG_CONFIG_HOME", "/etc/xdg")
    assert no_key_hint().endswith("under [model] in /etc/xdg/copilot/config.toml.")
