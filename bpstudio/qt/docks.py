"""A workaround for tab bars that Qt 6.11 leaves behind when docks are tabified.

The second ``tabifyDockWidget`` in a window that is not shown yet creates two tab bars; the
layout uses one and the other stays visible wherever it was first placed: over the loss plot
or the canvas. A tab bar in use always touches the dock of its current tab; one that does not
is such a leftover and is hidden.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar


def hide_stale_tab_bars(window: QMainWindow) -> int:
    """Hide the main window's leftover tab bars; returns how many were hidden."""
    docks = {d.windowTitle(): d for d in window.findChildren(QDockWidget)}
    hidden = 0
    for bar in window.findChildren(QTabBar):
        if bar.parent() is not window or not bar.isVisible() or bar.count() == 0:
            continue
        dock = docks.get(bar.tabText(bar.currentIndex()))
        if dock is None or dock.isFloating() or not dock.isVisible():
            continue
        if not bar.geometry().adjusted(-4, -4, 4, 4).intersects(dock.geometry()):
            bar.hide()
            hidden += 1
    return hidden


def hide_stale_tab_bars_soon(window: QMainWindow) -> None:
    """After the pending layout has run (docks get their geometry on the next event turn)."""
    QTimer.singleShot(0, window, lambda: hide_stale_tab_bars(window))
