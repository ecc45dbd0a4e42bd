"""`bpstudio` on Linux/X11 without libxcb-cursor0, libxcb-icccm4 or libxcb-keysyms1 (issue 9, item 19).

Qt's xcb plugin cannot load without the system library libxcb-cursor.so.0 and Qt then aborts
the process ("Could not load the Qt platform plugin "xcb"", SIGABRT). The GUI entry looks for
the library first and prints the one command that installs it, exit 2. The library lookup is
monkeypatched here (this machine has it); the last test runs the real console entry point in
a fresh interpreter whose loader cannot find it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import subprocess
import sys
import textwrap

import pytest

from bpstudio.qt import platform_check

X11 = {"DISPLAY": ":0"}


@pytest.mark.parametrize(
    ("env", "platform", "xcb"),
    [
        (X11, "linux", True),
        ({**X11, "QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({**X11, "QT_QPA_PLATFORM": "xcb:nomitshm"}, "linux", True),
        ({**X11, "QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({**X11, "QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
        ({**X11, "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}, "linux", False),
        ({**X11, "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"}, "linux", True),
        ({}, "linux", False),  # no display: Qt fails otherwise, not for this library
        (X11, "darwin", False),
        (X11, "win32", False),
    ],
)
def test_when_qt_will_use_xcb(env, platform, xcb):
    assert platform_check.will_use_xcb(env, platform) is xcb


def _no_library(monkeypatch, *missing: str):
    """The loader finds none of the libraries named in missing (default: libxcb-cursor) and
    every other xcb library Qt needs (whatever this machine has)."""
    missing = missing or ("xcb-cursor",)
    needed = [lib.name for lib in platform_check.LIBRARIES]

    def cdll(name, *args, **kwargs):
        if any(m in str(name) for m in missing):
            raise OSError(f"{name}: cannot open shared object file: No such file or directory")
        if any(n in str(name) for n in needed):
            return object()
        return real_cdll(name, *args, **kwargs)

    real_cdll = ctypes.CDLL
    monkeypatch.setattr(ctypes, "CDLL", cdll)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)


@pytest.fixture
def x11_linux(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)


def test_bpstudio_says_which_command_installs_the_library(x11_linux, monkeypatch, capsys):
    _no_library(monkeypatch)
    monkeypatch.setattr(platform_check.shutil, "which", lambda tool: f"/usr/bin/{tool}")
    from bpstudio import cli
    from bpstudio.qt import app

    def no_qt(*_a, **_k):
        raise AssertionError("Qt was started: it would abort the process")

    monkeypatch.setattr(app, "application", no_qt)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0" in err
    assert "\n    sudo apt install libxcb-cursor0\n" in err
    assert err.count("sudo ") == 1  # the one command
    assert cli.main(["net.json"]) == 2  # bpstudio FILE too


@pytest.mark.parametrize(
    ("tools", "command"),
    [
        ({"apt", "dnf"}, "sudo apt install libxcb-cursor0"),
        ({"dnf"}, "sudo dnf install xcb-util-cursor"),
        ({"pacman"}, "sudo pacman -S xcb-util-cursor"),
        (set(), "sudo apt install libxcb-cursor0"),
    ],
)
def test_the_command_fits_the_package_manager(x11_linux, monkeypatch, tools, command):
    _no_library(monkeypatch)
    monkeypatch.setattr(
        platform_check.shutil, "which", lambda tool: f"/usr/bin/{tool}" if tool in tools else None
    )
    assert f"\n    {command}\n" in platform_check.missing_library_message()


@pytest.mark.parametrize(
    ("missing", "tools", "sonames", "command"),
    [
        (["xcb-icccm"], {"apt"}, ["libxcb-icccm.so.4"], "sudo apt install libxcb-icccm4"),
        (["xcb-keysyms"], {"apt"}, ["libxcb-keysyms.so.1"], "sudo apt install libxcb-keysyms1"),
        (["xcb-icccm", "xcb-keysyms"], {"dnf"}, ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"],
         "sudo dnf install xcb-util-wm xcb-util-keysyms"),
        (["xcb-cursor", "xcb-icccm", "xcb-keysyms"], set(),
         ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"],
         "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1"),
    ],
)  # fmt: skip
def test_icccm_and_keysyms_are_checked_too(x11_linux, monkeypatch, capsys, missing, tools,
                                           sonames, command):  # fmt: skip
    """Qt's xcb plugin also aborts without libxcb-icccm4 or libxcb-keysyms1 (minimal installs,
    containers): each missing library is named and one command installs all of them."""
    _no_library(monkeypatch, *missing)
    monkeypatch.setattr(
        platform_check.shutil, "which", lambda tool: f"/usr/bin/{tool}" if tool in tools else None
    )
    from bpstudio import cli
    from bpstudio.qt import app

    def no_qt(*_a, **_k):
        raise AssertionError("Qt was started: it would abort the process")

    monkeypatch.setattr(app, "application", no_qt)
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    for soname in sonames:
        assert soname in err
    for lib in platform_check.LIBRARIES:
        if lib.soname not in sonames:
            assert lib.soname not in err
    assert f"\n    {command}\n" in err
    assert err.count("sudo ") == 1


def test_nothing_is_said_when_the_library_is_there(x11_linux, monkeypatch):
    monkeypatch.setattr(ctypes, "CDLL", lambda name, *a, **k: object())
    assert platform_check.missing_library_message() is None
    # found by name only (another soname): Qt's loader may well find it, so no refusal
    _no_library(monkeypatch)
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: "libxcb-cursor.so.1")
    assert platform_check.missing_library_message() is None


def test_nothing_is_checked_offscreen(x11_linux, monkeypatch):
    _no_library(monkeypatch)
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.missing_library_message() is None


def test_the_console_entry_exits_2_instead_of_aborting(tmp_path):
    """A fresh interpreter, as `bpstudio` runs: the real entry point, the real Qt import, a
    loader that cannot find the library. Exit 2 with the command, no SIGABRT."""
    code = textwrap.dedent(
        """
        import ctypes, ctypes.util, os, sys
        real = ctypes.CDLL
        def cdll(name, *a, **k):
            if "xcb-cursor" in str(name):
                raise OSError(name)
            return real(name, *a, **k)
        ctypes.CDLL = cdll
        ctypes.util.find_library = lambda name: None
        sys.platform = "linux"
        from bpstudio.cli import main
        sys.exit(main([]))
        """
    )
    env = {"PATH": "/usr/bin:/bin", "DISPLAY": ":0", "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 2, done.stderr
    assert "libxcb-cursor.so.0" in done.stderr
    assert "sudo " in done.stderr and "Could not load the Qt platform plugin" not in done.stderr
