"""The Matrices dock in matrix form: the forward pass, δ(l) and ∂L/∂W(l) = δ(l)·a(l−1)ᵀ, the update.

The way the CSC311 notes (../shared/seeds) teach backprop: the same numbers as the canvas,
as the matrices the engine multiplies, revealed as the stepped pass reaches them.
"""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.cli import main
from bpstudio.model import explain as ex
from bpstudio.paths import example_files

H221 = next(p for p in example_files() if p.stem == "handwritten_221")


def _trace(capsys) -> dict:
    assert main(["trace", str(H221)]) == 0
    return json.loads(capsys.readouterr().out)


def _window(make_window, qtbot):
    w = make_window(path=H221)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.pass_tools.controller.set_speed(0)
    w.pass_tools.matrix_dock.raise_()
    w.view.setFocus()
    return w


def _numbers(table) -> np.ndarray:
    m = table.model()
    return np.array([[m.value(i, j) for j in range(m.columnCount())] for i in range(m.rowCount())])


def test_backward_mode_is_delta_times_a_transposed_and_waits_for_the_pass(
    make_window, qtbot, capsys
):
    t = _trace(capsys)
    w = _window(make_window, qtbot)
    m = w.pass_tools.matrix
    qtbot.keyClick(w.view, Qt.Key.Key_F6)  # forward: layer 1
    # z(2) is not revealed yet (with no pass started every number showed) …
    qtbot.waitUntil(lambda: m.table(2).item(0, 3).text() == "", timeout=3000)
    assert m.table(2).item(0, 0).text() == "0.4"  # … W(2) is known before the pass
    assert m.table(1).item(0, 3).text() == "0.3775"  # z of h1: layer 1 is revealed
    qtbot.keyClick(w.view, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # forward pass
    QTest.mouseClick(m.mode_buttons["backward"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: m.tables and m.tables[0].model().columns[0] == "δ = ∂L/∂z")
    assert m.table(2).item(0, 0).text() == ""  # not revealed: the class predicts it
    assert "∂L/∂W(2) = δ(2)·a(1)ᵀ" in m.equations[1].text()
    qtbot.keyClick(w.view, Qt.Key.Key_F7)  # backward: the output layer
    qtbot.waitUntil(lambda: m.table(2).item(0, 0).text() != "", timeout=3000)
    assert m.table(1).item(0, 0).text() == ""  # layer 1 still to come
    qtbot.keyClick(w.view, Qt.Key.Key_F7)  # backward: layer 1
    qtbot.waitUntil(lambda: m.table(1).item(0, 0).text() != "", timeout=3000)
    n, e = t["neurons"], t["edges"]
    # the cells show the engine's numbers at the displayed decimals
    assert m.table(1).item(0, 0).text() == ex.fmt(e["w1"]["grad"], 4)
    assert m.table(1).item(0, 2).text() == ex.fmt(n["h1"]["dL_dz"], 4)  # δ
    assert m.table(2).item(0, 3).text() == ex.fmt(n["o1"]["dL_db"], 4)  # ∂L/∂b
    # and they are the outer product δ(l)·a(l−1)ᵀ, checked from trace's own δ and a
    for layer, rows, srcs in ((1, ["h1", "h2"], ["x1", "x2"]), (2, ["o1"], ["h1", "h2"])):
        grid = _numbers(m.table(layer))
        delta = np.array([n[r]["dL_dz"] for r in rows])
        a_prev = np.array([n[s]["a"] for s in srcs])
        assert np.allclose(grid[:, : len(srcs)], np.outer(delta, a_prev), rtol=1e-12, atol=0)
        assert np.allclose(grid[:, len(srcs)], delta, rtol=1e-12, atol=0)


def test_update_mode_shows_the_new_weights_after_f8(make_window, qtbot, capsys):
    t = _trace(capsys)
    w = _window(make_window, qtbot)
    m = w.pass_tools.matrix
    qtbot.keyClick(w.view, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)  # the whole pass
    QTest.mouseClick(m.mode_buttons["update"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: m.tables and m.tables[0].model().columns[0] == "new b")
    assert m.table(1).item(0, 0).text() == ""  # the update has not been made
    qtbot.keyClick(w.view, Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: m.table(1).item(0, 0).text() != "", timeout=3000)
    grid = _numbers(m.table(2))
    assert grid[0, 0] == t["edges"]["w5"]["updated"] and grid[0, 1] == t["edges"]["w6"]["updated"]
    assert "W(2) ← W(2) − η·∂L/∂W(2)" in m.equations[1].text()
    QTest.mouseClick(m.mode_buttons["forward"], Qt.MouseButton.LeftButton)  # back to W, b, z, a
    qtbot.waitUntil(lambda: m.tables[0].model().columns == ("b", "z", "a"))
    assert m.mode_buttons["forward"].isChecked() and not m.mode_buttons["update"].isChecked()
