"""Regenerate docs/landscape-race.png: the optimizer race on the XOR network's loss landscape
(offscreen, 1280x720, the real window driven as a lecturer would).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/landscape_screenshot.py

The lecturer selects two edges on the canvas (Ctrl+click), picks "Selected weights" in the
Loss landscape dock, and clicks "Race optimizers"; the dock is given the right column.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.paths import example_files
from bpstudio.qt.main_window import MainWindow

DOCS = Path(__file__).resolve().parent
SIZE = (1280, 720)
EDGES = ("w9", "w11")  # two weights into the output: the race moves them far


def settle(app: QApplication, seconds: float = 0.4) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def click_edge(w: MainWindow, eid: str, ctrl: bool) -> None:
    g = w.graph
    a, b = g.neurons[g.edges[eid].source], g.neurons[g.edges[eid].target]
    t = 0.55
    at = w.view.mapFromScene(QPointF(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t))
    mods = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    QTest.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton, mods, at)


def main() -> None:
    app = QApplication(sys.argv)
    path = next(p for p in example_files() if p.stem == "xor_241")
    w = MainWindow(path=path)
    w.show()
    w.resize(*SIZE)  # after show: before it, Qt keeps the size the layout first asked for
    settle(app)
    tools = w.training_tools
    dock = tools.docks["landscape"]
    # the landscape gets the right column: the Inspector group hidden, the column wider
    for d in (w.inspector_dock, w.pass_tools.explain_dock, w.pass_tools.matrix_dock):
        d.hide()
    dock.show()
    dock.raise_()
    w.resizeDocks([dock], [640], Qt.Orientation.Horizontal)
    settle(app)
    w.view.fit_all()
    settle(app)
    for k, eid in enumerate(EDGES):
        click_edge(w, eid, ctrl=k > 0)
    settle(app, 0.1)
    lp = tools.landscape_plot
    assert lp.weights_button.isEnabled(), w.scene.selected_ids()
    QTest.mouseClick(lp.weights_button, Qt.MouseButton.LeftButton)
    settle(app, 0.2)
    QTest.mouseClick(lp.race_button, Qt.MouseButton.LeftButton)
    while lp.racing:
        app.processEvents()
    settle(app)
    w.grab().save(str(DOCS / "landscape-race.png"))
    w.document.undo_stack.setClean()
    w.close()


if __name__ == "__main__":
    main()
