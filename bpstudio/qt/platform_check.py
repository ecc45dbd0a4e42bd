"""Before Qt starts on Linux/X11: are the system libraries its xcb plugin needs there?

Qt's X11 platform plugin loads only with a few xcb utility libraries the PySide6 wheels do not
ship: ``libxcb-cursor.so.0`` (Qt 6.5+), which a fresh Debian/Ubuntu lacks, and
``libxcb-icccm.so.4`` and ``libxcb-keysyms.so.1``, which minimal installs and containers lack.
Without one of them Qt prints "Could not load the Qt platform plugin "xcb"" with a page of
hints and aborts the process (SIGABRT, a core dump), so we look first and print the one
command that installs every missing package. No Qt import here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Library:
    soname: str  # what Qt's plugin asks the loader for
    name: str  # for ctypes.util.find_library
    packages: dict[str, str]  # package manager -> the package holding it


LIBRARIES = [
    Library(
        "libxcb-cursor.so.0",
        "xcb-cursor",
        {
            "apt": "libxcb-cursor0",
            "dnf": "xcb-util-cursor",
            "zypper": "libxcb-cursor0",
            "pacman": "xcb-util-cursor",
        },
    ),
    Library(
        "libxcb-icccm.so.4",
        "xcb-icccm",
        {
            "apt": "libxcb-icccm4",
            "dnf": "xcb-util-wm",
            "zypper": "libxcb-icccm4",
            "pacman": "xcb-util-wm",
        },
    ),
    Library(
        "libxcb-keysyms.so.1",
        "xcb-keysyms",
        {
            "apt": "libxcb-keysyms1",
            "dnf": "xcb-util-keysyms",
            "zypper": "libxcb-keysyms1",
            "pacman": "xcb-util-keysyms",
        },
    ),
]
# how each package manager installs packages (the first one found is named)
INSTALL = [
    ("apt", "sudo apt install"),
    ("dnf", "sudo dnf install"),
    ("zypper", "sudo zypper install"),
    ("pacman", "sudo pacman -S"),
]


def will_use_xcb(environ=None, platform: str | None = None) -> bool:
    """True when Qt will start its xcb (X11) plugin: Linux, an X display, and no other
    platform asked for (QT_QPA_PLATFORM unset, or xcb first) and no Wayland session that
    Qt would try first."""
    env = os.environ if environ is None else environ
    if not (platform or sys.platform).startswith("linux"):
        return False
    asked = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if asked:
        return asked.split(";")[0].split(":")[0] == "xcb"
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE", "").lower() == "wayland":
        return False  # Qt tries its wayland plugin first there
    return bool(env.get("DISPLAY"))


def library_present(lib: Library = LIBRARIES[0]) -> bool:
    """Can the dynamic loader find the library (as Qt's plugin will ask it)?"""
    try:
        ctypes.CDLL(lib.soname)
        return True
    except OSError:
        pass
    return ctypes.util.find_library(lib.name) is not None


def missing_libraries() -> list[Library]:
    return [lib for lib in LIBRARIES if not library_present(lib)]


def install_command(libs: list[Library] | None = None) -> str:
    """One command installing the packages of libs (default: libxcb-cursor's)."""
    libs = libs if libs is not None else LIBRARIES[:1]
    tool, command = next(((t, c) for t, c in INSTALL if shutil.which(t)), INSTALL[0])
    # Debian/Ubuntu's when no known tool is found: the common case, and the packages' names
    return " ".join([command, *(lib.packages[tool] for lib in libs)])


def missing_library_message() -> str | None:
    """The lines to print (and exit 2) if Qt would abort for want of an xcb library, else None."""
    if not will_use_xcb():
        return None
    missing = missing_libraries()
    if not missing:
        return None
    names = [lib.soname for lib in missing]
    which = (
        f"the system library {names[0]}, which is not installed"
        if len(names) == 1
        else f"the system libraries {', '.join(names[:-1])} and {names[-1]}, which are not installed"
    )
    return (
        f"error: the desktop app cannot start: Qt's X11 platform plugin (xcb) needs {which}.\n"
        f"Install {'it' if len(names) == 1 else 'them'} with:\n\n    {install_command(missing)}\n\n"
        "and run bpstudio again. (The command line tools, e.g. bpstudio check, do not need it.)"
    )
