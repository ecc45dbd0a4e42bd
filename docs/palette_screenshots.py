"""The palette in use, as a sequence of screenshots (offscreen, 1280x720): docs/palette-*.png.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/palette_screenshots.py

The 2-2-1 lecture network is built from an empty canvas as in
tests/qt/test_design_dnd.py: each palette tile's own drag (its QDrag mime data) is played
to the canvas as Qt's drag manager would (QDrag.exec blocks), the numbers are typed into
the Layer panel. Picture 2 is taken mid-drag: the ghost layer and its dashed edges, and the
status bar saying what the drop will do.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model import templates
from bpstudio.qt.main_window import MainWindow

DOCS = Path(__file__).resolve().parent
SIZE = (1280, 720)
COPY, LEFT = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton


def settle(app: QApplication, seconds: float = 0.3) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def drag(w: MainWindow, tile, scene_xy: tuple[float, float], drop: bool = True) -> None:
    vp = w.view.viewport()
    mime = tile.drag_object().mimeData()
    end = w.view.mapFromScene(QPointF(*scene_xy))
    start = QPoint(2, end.y())
    mods = Qt.KeyboardModifier.NoModifier
    QApplication.sendEvent(vp, QDragEnterEvent(start, COPY, mime, LEFT, mods))
    for k in range(1, 6):
        QApplication.sendEvent(vp, QDragMoveEvent(start + (end - start) * (k / 5), COPY, mime,
                                                  LEFT, mods))  # fmt: skip
    if drop:
        QApplication.sendEvent(vp, QDropEvent(QPointF(end), COPY, mime, LEFT, mods))


def type_into(field, text: str) -> None:
    QTest.mouseClick(field, LEFT)
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key.Key_Return)


def main() -> None:
    app = QApplication(sys.argv)
    w = MainWindow(templates.blank())
    w.resize(*SIZE)
    w.show()
    settle(app)
    w.view.centerOn(220, 0)
    settle(app)
    pal, panel = w.design_palette, w.layer_panel
    w.grab().save(str(DOCS / "palette-1-empty.png"))
    drag(w, pal.layer_tiles["input"], (0, 0))
    drag(w, pal.layer_tiles["hidden"], (215, 12), drop=False)  # mid-drag: the preview
    settle(app)
    w.grab().save(str(DOCS / "palette-2-preview.png"))
    drag(w, pal.layer_tiles["hidden"], (215, 12))
    type_into(panel.weights, "0.15 0.20 0.25 0.30")
    type_into(panel.bias, "0.35")
    settle(app)
    w.grab().save(str(DOCS / "palette-3-layer.png"))
    drag(w, pal.layer_tiles["output"], (430, -5))
    type_into(panel.weights, "0.40 0.45")
    type_into(panel.bias, "0.60")
    settle(app)
    w.grab().save(str(DOCS / "palette-4-done.png"))
    w.document.undo_stack.setClean()
    w.close()


if __name__ == "__main__":
    main()
