"""Where the session database lives when the caller does not say.

The default is ``platformdirs.user_data_dir("copilot") / "copilot.db"`` (on Linux
``~/.local/share/copilot/copilot.db``). Setting the environment variable
``COPILOT_DATA_DIR`` moves the *folder*; the file name stays ``copilot.db``. That
lets a user keep history on another disk, and lets tests and CI point every
component at a throwaway folder without patching code.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: Environment variable naming the folder that holds ``copilot.db``.
DATA_DIR_ENV = "COPILOT_DATA_DIR"

#: File name of the database inside the data folder.
DB_FILE_NAME = "copilot.db"


def data_dir() -> Path:
    """The folder for copilot's data: ``$COPILOT_DATA_DIR`` if set and non-empty."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("copilot"))


def default_db_path() -> Path:
    """The database file used when ``Store.open`` is given no path."""
    return data_dir() / DB_FILE_NAME
