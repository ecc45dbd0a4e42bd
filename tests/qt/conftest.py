"""Fixtures for the desktop editor tests: headless Qt, isolated settings, no modal dialogs."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

import bpstudio.qt  # noqa: E402,F401
from bpstudio.qt import dialogs  # noqa: E402


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, tmp_path_factory, monkeypatch):
    """Recent files and recovery files go to tmp; every dialog fails loudly unless patched."""
    cfg = str(tmp_path_factory.mktemp("cfg"))  # beside tmp_path: tests may list tmp_path
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, cfg)
    # QSettings(org, app) always uses the native format (INI files on Linux): without this the
    # tests read and wrote the developer's own recent files and last folder (and a helper's
    # "Open Recent" opened another checkout's files)
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, cfg)
    monkeypatch.setenv("BPSTUDIO_RECOVERY_DIR", str(tmp_path / "recovery"))

    def unexpected(name):
        def fail(*args, **kwargs):
            raise AssertionError(f"unexpected modal dialog {name}{args[1:]!r}")

        return fail

    for name in ("ask_save_changes", "show_errors", "ask_open_path", "ask_save_path",
                 "ask_export_path", "ask_recovery", "ask_layer", "ask_quick_start", "about",
                 "ask_answers_network"):  # fmt: skip
        monkeypatch.setattr(dialogs, name, unexpected(name))


@pytest.fixture
def make_window(qtbot):
    """make_window(graph=None, path=None) -> a shown MainWindow at a fixed size and zoom 1."""
    import shiboken6

    from bpstudio.qt.main_window import MainWindow

    made = []

    def make(graph=None, path=None):
        w = MainWindow(graph=graph, path=path)
        made.append(w)
        w.resize(1200, 800)
        w.show()
        qtbot.waitExposed(w)
        w.view.reset_zoom()
        w.view.centerOn(220, 0)
        w.document.undo_stack.setClean() if not w.document.modified else None
        return w

    yield make
    for w in made:  # a test may leave edits behind: close without the unsaved-changes prompt
        if shiboken6.isValid(w):
            w.undo_stack.setClean()
            w.close()
            w.deleteLater()


class Mouse:
    """Mouse gestures on the view's viewport at scene positions (mapped with mapFromScene)."""

    def __init__(self, view):
        self.view = view
        self.vp = view.viewport()

    def at(self, x: float, y: float) -> QPoint:
        return self.view.mapFromScene(QPointF(x, y))

    def click(self, x, y, mods=Qt.KeyboardModifier.NoModifier):
        QTest.mouseClick(self.vp, Qt.MouseButton.LeftButton, mods, self.at(x, y))

    def double_click(self, x, y):
        QTest.mouseDClick(self.vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                          self.at(x, y))  # fmt: skip

    def drag(self, a, b, steps=5, mods=Qt.KeyboardModifier.NoModifier,
             button=Qt.MouseButton.LeftButton):  # fmt: skip
        QTest.mousePress(self.vp, button, mods, self.at(*a))
        for k in range(1, steps + 1):
            t = k / steps
            QTest.mouseMove(self.vp, self.at(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t))
        QTest.mouseRelease(self.vp, button, mods, self.at(*b))


@pytest.fixture
def mouse():
    return Mouse
