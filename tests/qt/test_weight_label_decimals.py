"""Weight labels follow the Decimals setting, like every number a student reads.

They used 3 significant digits: after an update 0.15 → 0.149666 still read "0.15", so the
step the class had just computed was invisible on the canvas.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpstudio.model import numfmt
from bpstudio.paths import example_files


def test_weight_labels_show_the_update_at_the_chosen_decimals(make_window, qtbot):
    w = make_window(path=next(p for p in example_files() if p.stem == "ecs171_321"))
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.pass_tools.controller.set_speed(0)
    edge = w.scene.edge_item("wAZ")
    assert edge.label_text() == "0.9"  # exact: no rounded digit to show
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F9)  # forward, backward and the update
    new = w.graph.edges["wAZ"].weight
    assert new != 0.9
    qtbot.waitUntil(lambda: edge.label_text() == numfmt.fmt(new, 4), timeout=3000)
    assert edge.label_text() == "0.8994"  # 0.899353…: the step shows
    w.pass_tools.controls.decimals.setValue(6)  # Pass > Decimals
    assert edge.label_text() == numfmt.fmt(new, 6)
