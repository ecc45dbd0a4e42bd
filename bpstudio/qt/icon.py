"""The app icon (bpstudio/resources/bpstudio.svg), for the application and its windows."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from ..paths import resources_dir


def icon_path() -> Path:
    return resources_dir() / "bpstudio.svg"


@cache
def app_icon() -> QIcon:
    """One QIcon for every window (the SVG scales to the title bar, the taskbar, the dock)."""
    return QIcon(str(icon_path()))
