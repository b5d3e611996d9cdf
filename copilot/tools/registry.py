"""The registry: every tool by name, its schema for the SDK, and one way to call it.

`execute` is the single entry the gate uses once a call is allowed. It checks the
arguments against the schema's basics (a model can send anything), turns refusals
and OS errors into `is_error` results the model can act on, and times the call.
"""

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from copilot.sandbox.fsguard import PathEscape
from copilot.tools.base import ToolContext, ToolResult, ToolSpec, error
from copilot.tools.edit import EDIT, WRITE, EditRefused, plan_edit, plan_write
from copilot.tools.git import GIT
from copilot.tools.listing import LIST
from copilot.tools.read import READ
from copilot.tools.search import SEARCH
from copilot.tools.shell import SHELL

TOOLS: dict[str, ToolSpec] = {
    spec.name: spec for spec in (SHELL, READ, WRITE, EDIT, LIST, SEARCH, GIT)
}

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def tool_schemas() -> list[dict[str, Any]]:
    """The `tools` list for the Anthropic Messages API, in a stable order."""
    return [dict(spec.schema) for spec in TOOLS.values()]


def _check_args(schema: dict[str, Any], args: Any) -> str | None:
    """Why `args` does not fit the input schema (required keys and types), or None."""
    if not isinstance(args, dict):
        return "the arguments must be a JSON object"
    properties: dict[str, Any] = schema.get("properties", {})
    for name in schema.get("required", []):
        if name not in args:
            return f"missing argument: {name}"
    for name, value in args.items():
        expected = properties.get(name, {}).get("type")
        if expected is None or (value is None and name not in schema.get("required", [])):
            continue
        wrong_bool = isinstance(value, bool) and expected in {"integer", "number"}
        if wrong_bool or not isinstance(value, _JSON_TYPES[expected]):
            return f"argument {name} must be of type {expected}"
        items = properties[name].get("items", {}).get("type")
        if items is not None and not all(isinstance(item, _JSON_TYPES[items]) for item in value):
            return f"argument {name} must be a list of {items}s"
    return None


async def execute(name: str, args: dict[str, Any], ctx: ToolContext) -> ToolResult:
    """Run one allowed call. Never raises for a bad call; the result says what went wrong.

    A run_shell or git call cancelled mid-way returns its partial output with
    `status="interrupted"`; the caller is still cancelled and must re-raise.
    """
    spec = TOOLS.get(name)
    if spec is None:
        return error(f"unknown tool {name!r}; available: {', '.join(TOOLS)}")
    problem = _check_args(spec.schema["input_schema"], args)
    if problem is not None:
        return error(f"{name}: {problem}")
    started = time.monotonic()
    try:
        result = await spec.run(args, ctx)
    except PathEscape as exc:
        result = error(str(exc))
    except (IsADirectoryError, NotADirectoryError) as exc:
        result = error(f"{name}: {exc}")
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        result = error(f"{name} failed: {exc.strerror or exc}{where}")
    if result.duration_s:
        return result
    return replace(result, duration_s=time.monotonic() - started)


def preview(name: str, args: dict[str, Any], workspace: Path) -> str:
    """The unified diff a write_file or edit_file call would make, for the prompt.

    Empty for other tools. When the call would be refused, a one-line `error: ...`
    instead, so the prompt shows why before the user answers.
    """
    if name not in {"write_file", "edit_file"}:
        return ""
    spec = TOOLS[name]
    problem = _check_args(spec.schema["input_schema"], args)
    if problem is not None:
        return f"error: {problem}"
    try:
        if name == "write_file":
            change = plan_write(workspace, args["path"], args["content"])
        else:
            change = plan_edit(workspace, args["path"], args["old"], args["new"])
    except (PathEscape, EditRefused, OSError) as exc:
        return f"error: {exc}"
    return change.diff()
