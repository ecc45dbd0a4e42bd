"""Canvas scale figures: open+show a 500-neuron / 20,000-edge file, pan/zoom repaint, and
selecting + dragging 100 neurons (time per drag step). Prints numbers; not a timed test.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_canvas.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("BPSTUDIO_RECOVERY_DIR", tempfile.mkdtemp())

from big_network import half_masked_500  # noqa: E402  (beside this script)
from PySide6.QtCore import QPointF, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

import bpstudio.qt  # noqa: E402,F401
from bpstudio.model import fileformat  # noqa: E402
from bpstudio.qt.app import application  # noqa: E402


def big_file(path: Path) -> None:
    """5 layers x 100 neurons, each fed by 50 neurons of the previous layer: 20,000 edges."""
    fileformat.save(half_masked_500(50), path)


def main() -> int:
    app = application()
    from bpstudio.qt.main_window import MainWindow

    path = Path(tempfile.mkdtemp()) / "big.json"
    big_file(path)
    window = MainWindow()
    window.resize(1280, 800)
    window.show()
    app.processEvents()
    window.undo_stack.setClean()

    t = time.perf_counter()
    assert window.open_file(path)
    window.view.viewport().repaint()
    app.processEvents()
    t_open = time.perf_counter() - t
    print(f"open + show {len(window.graph.neurons)} neurons, {len(window.graph.edges)} edges: "
          f"{t_open * 1000:.0f} ms (target < 1000)")  # fmt: skip

    view = window.view
    zooms, pans = [], []
    for k in range(10):
        view.zoom_by(1.1 if k % 2 else 1 / 1.1, anchor_under_mouse=False)
        t = time.perf_counter()
        view.viewport().repaint()
        zooms.append(time.perf_counter() - t)
        view.horizontalScrollBar().setValue(view.horizontalScrollBar().value() + 40)
        t = time.perf_counter()
        view.viewport().repaint()
        pans.append(time.perf_counter() - t)
    print(f"zoom repaint: median {statistics.median(zooms) * 1000:.1f} ms, "
          f"max {max(zooms) * 1000:.1f} ms (target < 30)")  # fmt: skip
    print(f"pan repaint:  median {statistics.median(pans) * 1000:.1f} ms, "
          f"max {max(pans) * 1000:.1f} ms (target < 30)")  # fmt: skip

    # select 100 hidden neurons and drag them with real mouse events
    ids = [f"n2_{i}" for i in range(100)]
    window.scene.select_ids(ids)
    view.fit_all()
    app.processEvents()
    vp = view.viewport()
    start = window.scene.neuron_item("n2_10").pos()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     view.mapFromScene(start))  # fmt: skip
    steps = []
    for s in range(1, 21):
        p = view.mapFromScene(start + QPointF(4 * s, 2 * s))
        t = time.perf_counter()
        QTest.mouseMove(vp, p)
        vp.repaint()
        steps.append(time.perf_counter() - t)
    t = time.perf_counter()
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       view.mapFromScene(start + QPointF(80, 40)))  # fmt: skip
    window.scene.flush()
    vp.repaint()
    t_drop = time.perf_counter() - t
    moved = window.graph.neurons["n2_10"].x - start.x()
    print(f"drag 100 selected neurons: per step median {statistics.median(steps[1:]) * 1000:.1f}"
          f" ms, max {max(steps[1:]) * 1000:.1f} ms, first step {steps[0] * 1000:.0f} ms; "
          f"drop (one undo command) {t_drop * 1000:.0f} ms; moved {moved:.0f} px, "
          f"undo steps {window.undo_stack.count()}")  # fmt: skip
    window.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
