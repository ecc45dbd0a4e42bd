"""Where every file dialog starts: the last folder used, else the user's documents folder.

Never the package folder (site-packages or the checkout): a lecturer's Save or Export must
not land beside the bundled examples. Callers pass :func:`start_dir` (or :func:`suggest`) to
the dialog functions in ``dialogs.py`` and call :func:`remember` with the file the user chose.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths

from ..paths import is_bundled

LAST_DIR_KEY = "last_dir"


def settings() -> QSettings:
    """The app's settings (recent files, the last folder used)."""
    return QSettings("bpstudio", "Backprop Studio")


def documents_dir() -> Path:
    loc = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    p = Path(loc) if loc else Path.home()
    return p if p.is_dir() else Path.home()


def start_dir() -> Path:
    """The folder of the last file opened, saved, imported or exported; else documents."""
    value = settings().value(LAST_DIR_KEY, "")
    if value:
        p = Path(str(value))
        if p.is_dir() and not is_bundled(p):
            return p
    return documents_dir()


def suggest(file_name: str) -> str:
    """A save dialog's suggestion: file_name in the start folder."""
    return str(start_dir() / file_name)


def remember(path: str | os.PathLike) -> None:
    """The user chose this file: its folder is where the next dialog starts."""
    folder = Path(path).resolve().parent
    if not is_bundled(folder):
        settings().setValue(LAST_DIR_KEY, str(folder))


def safe_file_stem(name: str) -> str:
    """A network name as a file name: no path separators or characters Windows refuses."""
    stem = "".join("_" if c in '/\\:*?"<>|' or ord(c) < 32 else c for c in name).strip(" .")
    return stem or "network"
