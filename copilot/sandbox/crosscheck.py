"""A second opinion from bashlex on which commands a shell string runs.

Escapes through a gate often come from two parsers reading one string two
ways (the model's parser sees `ls`, bash runs `rm`). Asking an independent
parser and refusing to decide when the two disagree closes that class: the
classifier asks the user instead. bashlex fails on constructs it does not
implement (arithmetic, `[[`, `case`, `coproc`); that is reported as a failure
too, which errs on the side of asking.
"""

from __future__ import annotations

import importlib
from typing import Any


def _bashlex() -> Any:
    """bashlex builds its parser tables on import (~0.15 s): load it on first use only."""
    return importlib.import_module("bashlex")


def bashlex_command_names(text: str) -> tuple[list[str], str]:
    """The names of all simple commands bashlex finds, or ([], why it failed).

    A command with only assignments has the name ''. Here-document bodies are
    not looked into (bashlex keeps them as text); the caller compares only the
    commands it found outside them.
    """
    if not text.strip():
        return [], ""
    try:
        bashlex = _bashlex()
        trees = bashlex.parse(text)
    except Exception as exc:  # bashlex raises several unrelated types
        return [], f"{type(exc).__name__}: {exc}".strip()[:200]
    names: list[str] = []
    seen: set[int] = set()
    for tree in trees:
        _collect(tree, names, seen, bashlex.ast.node)
    return names, ""


def _collect(node: Any, names: list[str], seen: set[int], node_type: type) -> None:
    """Walk every child attribute; some nodes hold one child under two names."""
    if id(node) in seen:
        return
    seen.add(id(node))
    if getattr(node, "kind", None) == "command":
        words = [p for p in node.parts if p.kind == "word"]
        names.append(words[0].word if words else "")
    for value in vars(node).values():
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, node_type):
                _collect(child, names, seen, node_type)
