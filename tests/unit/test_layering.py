"""Only copilot/ui imports textual; only copilot/plain imports prompt_toolkit.

Walks the real import statements (ast), so a lazy import inside a function
counts too. Also: processes start only in sandbox/, sensors/ and voice/.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "copilot"
RULES = {"textual": "ui", "prompt_toolkit": "plain"}
PROCESS_CALLS = {
    "subprocess": {"Popen", "run", "check_output", "check_call", "call"},
    "os": {"system", "popen", "execv", "execvp", "execve", "spawnv", "fork", "posix_spawn"},
    "asyncio": {"create_subprocess_exec", "create_subprocess_shell"},
}
PROCESS_PACKAGES = {"sandbox", "sensors", "voice"}


def _modules() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0] if len(parts) > 1 else ""


@pytest.mark.parametrize(("library", "home"), RULES.items())
def test_ui_libraries_stay_in_their_package(library: str, home: str) -> None:
    leaks = [
        str(p.relative_to(ROOT))
        for p in _modules()
        if library in _imports(p) and _package(p) != home
    ]
    assert leaks == []


def test_processes_start_only_in_the_gate_sensors_and_voice() -> None:
    offenders = []
    for path in _modules():
        if _package(path) in PROCESS_PACKAGES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name == "subprocess" for a in node.names):
                offenders.append(f"{path.relative_to(ROOT)}: import subprocess")
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.attr in PROCESS_CALLS.get(node.value.id, set())
            ):
                offenders.append(
                    f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}"
                )
    assert offenders == []


def test_headless_layers_never_import_the_ui() -> None:
    headless = {"bus", "engine", "models", "memory", "sandbox", "sensors", "tools"}
    leaks = []
    for path in _modules():
        if _package(path) not in headless:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and (
                    node.module.startswith("copilot.ui") or node.module.startswith("copilot.plain")
                )
            ):
                leaks.append(str(path.relative_to(ROOT)))
    assert leaks == []


def test_the_checker_sees_a_planted_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from textual.app import App\n")
    assert "textual" in _imports(bad)
