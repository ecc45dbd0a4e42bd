"""Before Qt starts on Linux/X11: is the one system library its xcb plugin needs there?

Qt 6.5+ loads its X11 platform plugin only with ``libxcb-cursor.so.0``, which the PySide6
wheels do not ship and a fresh Debian/Ubuntu lacks. Without it Qt prints "Could not load the
Qt platform plugin "xcb"" with a page of hints and aborts the process (SIGABRT, a core dump),
so we look first and print the one command that fixes it. No Qt import here.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import sys

LIBRARY = "libxcb-cursor.so.0"

# the package that holds libxcb-cursor.so.0, by package manager (the first one found is named)
INSTALL = [
    ("apt", "sudo apt install libxcb-cursor0"),
    ("dnf", "sudo dnf install xcb-util-cursor"),
    ("zypper", "sudo zypper install libxcb-cursor0"),
    ("pacman", "sudo pacman -S xcb-util-cursor"),
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


def library_present() -> bool:
    """Can the dynamic loader find libxcb-cursor (as Qt's plugin will ask it)?"""
    try:
        ctypes.CDLL(LIBRARY)
        return True
    except OSError:
        pass
    return ctypes.util.find_library("xcb-cursor") is not None


def install_command() -> str:
    for tool, command in INSTALL:
        if shutil.which(tool):
            return command
    return INSTALL[0][1]  # Debian/Ubuntu's, the common case (and the package's name)


def missing_library_message() -> str | None:
    """The lines to print (and exit 2) if Qt would abort for want of libxcb-cursor, else None."""
    if not will_use_xcb() or library_present():
        return None
    return (
        "error: the desktop app cannot start: Qt's X11 platform plugin (xcb) needs the system "
        f"library {LIBRARY}, which is not installed.\n"
        f"Install it with:\n\n    {install_command()}\n\n"
        "and run bpstudio again. (The command line tools, e.g. bpstudio check, do not need it.)"
    )
