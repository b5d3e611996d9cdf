"""Persistent memory: the session store (sessions, messages, events, audit, recall).

Import from here; the submodules are an implementation detail.
"""

from copilot.memory.paths import DATA_DIR_ENV, default_db_path
from copilot.memory.records import SessionInfo, StoredMessage
from copilot.memory.schema import SchemaTooNewError
from copilot.memory.store import Store

__all__ = [
    "DATA_DIR_ENV",
    "SchemaTooNewError",
    "SessionInfo",
    "Store",
    "StoredMessage",
    "default_db_path",
]
