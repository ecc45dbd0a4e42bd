"""Palette drags in tests: the tile's own QDrag, its drop played to the canvas as Qt would.

``QDrag.exec`` runs a nested event loop until the user drops, which a test cannot do. The
:class:`DragPlayer` replaces it: when a palette tile starts its drag (a real press and move on
the tile), the player sends ``QDragEnterEvent``, ``QDragMoveEvent``\\ s along the way and a
``QDropEvent`` with the drag's own mime data to the canvas viewport, with the modifiers the
test holds, and returns the action the view accepted. Each :meth:`drag` counts one gesture.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDrag, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTabBar, QWidget

COPY = Qt.DropAction.CopyAction
LEFT = Qt.MouseButton.LeftButton


class DragPlayer:
    def __init__(self, window, monkeypatch):
        self.window = window
        self.view = window.view
        self.gestures = 0
        self.target: QPointF | None = None
        self.mods = Qt.KeyboardModifier.NoModifier
        self.status_before_drop: str = ""
        self.ghosts_before_drop: int = 0
        self.accepted: list[bool] = []
        player = self
        monkeypatch.setattr(QDrag, "exec", lambda drag, *a, **k: player.play(drag))

    def vp_point(self, scene_pos: QPointF) -> QPoint:
        return self.view.mapFromScene(scene_pos)

    def play(self, drag: QDrag) -> Qt.DropAction:
        vp = self.view.viewport()
        mime = drag.mimeData()
        end = self.vp_point(self.target)
        start = QPoint(2, end.y())  # the drag comes in over the canvas's left edge
        enter = QDragEnterEvent(start, COPY, mime, LEFT, self.mods)
        QApplication.sendEvent(vp, enter)
        self.accepted.append(enter.isAccepted())
        if not enter.isAccepted():
            return Qt.DropAction.IgnoreAction
        for k in range(1, 6):
            p = start + (end - start) * (k / 5)
            QApplication.sendEvent(vp, QDragMoveEvent(p, COPY, mime, LEFT, self.mods))
        self.status_before_drop = self.window._hint.text()
        self.ghosts_before_drop = len(self.view.drops.ghosts)
        drop = QDropEvent(QPointF(end), COPY, mime, LEFT, self.mods)
        QApplication.sendEvent(vp, drop)
        return drop.dropAction() if drop.isAccepted() else Qt.DropAction.IgnoreAction

    def drag(self, tile: QWidget, scene_pos: tuple[float, float], shift: bool = False) -> None:
        """One gesture: press on the tile, move (the tile starts its QDrag), drop there."""
        self.gestures += 1
        self.target = QPointF(*scene_pos)
        self.mods = Qt.KeyboardModifier.ShiftModifier if shift else Qt.KeyboardModifier.NoModifier
        c = tile.rect().center()
        QTest.mousePress(tile, LEFT, Qt.KeyboardModifier.NoModifier, c)
        QTest.mouseMove(tile, c + QPoint(QApplication.startDragDistance() + 8, 0))
        QTest.mouseRelease(tile, LEFT, Qt.KeyboardModifier.NoModifier, c)

    def click(self, widget: QWidget, pos: QPoint | None = None) -> None:
        self.gestures += 1
        QTest.mouseClick(widget, LEFT, Qt.KeyboardModifier.NoModifier,
                         pos if pos is not None else widget.rect().center())  # fmt: skip

    def double_click(self, widget: QWidget, pos: QPoint) -> None:
        self.gestures += 1
        QTest.mouseDClick(widget, LEFT, Qt.KeyboardModifier.NoModifier, pos)

    def click_tab(self, title: str) -> None:
        for bar in self.window.findChildren(QTabBar):
            if not bar.isVisible():
                continue
            for i in range(bar.count()):
                if bar.tabText(i) == title:
                    self.click(bar, bar.tabRect(i).center())
                    return
        raise LookupError(title)
