"""Persistent memory: the session store (sessions, messages, events, audit, recall).

Import from here; the submodules are an implementation detail. The names load on
first use (PEP 562): the app needs `paths` before its first frame, and the store
(sqlite3, aiosqlite, the schema; ~7 ms) only after it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from copilot.memory.paths import DATA_DIR_ENV, default_db_path
    from copilot.memory.records import SessionInfo, StoredMessage
    from copilot.memory.schema import SchemaTooNewError
    from copilot.memory.store import Store

_HOME = {
    "DATA_DIR_ENV": "paths",
    "default_db_path": "paths",
    "SessionInfo": "records",
    "StoredMessage": "records",
    "SchemaTooNewError": "schema",
    "Store": "store",
}

__all__ = [
    "DATA_DIR_ENV",
    "SchemaTooNewError",
    "SessionInfo",
    "Store",
    "StoredMessage",
    "default_db_path",
]


def __getattr__(name: str) -> Any:
    """The public name from the submodule that defines it, imported now."""
    try:
        module = _HOME[name]
    except KeyError:
        raise AttributeError(f"module 'copilot.memory' has no attribute {name!r}") from None
    return getattr(import_module(f"copilot.memory.{module}"), name)
