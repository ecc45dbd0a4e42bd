"""During an exercise no view shows a value it hides (the canvas, Explain, Matrices, tips).

The leak this guards: the exercise put the Explain and Matrices docks away, but View →
Explain opened Explain again and it showed every ∂L/∂z and ∂L/∂w the student was asked to
work out. Now every view asks model/reveal.py, the one source of what is shown. Driven as a
student would: Ctrl+Shift+X, then the View menu opened and its Explain and Matrices entries
clicked with the mouse, a neuron and an edge clicked on the canvas.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMenu

from bpstudio.model.numfmt import fmt

REF = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
EXACT = json.loads((REF / "handwritten_221.trace.json").read_text(encoding="utf-8"))
HIDDEN = [EXACT["neurons"][n]["dL_dz"] for n in ("h1", "h2", "o1")]
HIDDEN += [EXACT["neurons"][n]["dL_da"] for n in ("h1", "h2", "o1")]
HIDDEN += [e["grad"] for e in EXACT["edges"].values()]


@pytest.fixture
def window(make_window, qtbot):
    w = make_window(path=REF / "handwritten_221.json")
    w.pass_tools.controller.set_speed(0)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.view.setFocus()
    return w


def _click(widget, pos) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos)


def open_from_view_menu(w, qtbot, dock) -> None:
    """Menu bar → View (a click), then the dock's entry in the open menu (a click)."""
    bar = w.menuBar()
    view_menu = w.menus["View"]
    _click(bar, bar.actionGeometry(view_menu.menuAction()).center())
    qtbot.waitUntil(view_menu.isVisible, timeout=3000)
    action = dock.toggleViewAction()
    assert action in view_menu.actions()
    _click(view_menu, view_menu.actionGeometry(action).center())
    qtbot.waitUntil(lambda: not isinstance(QApplication.activePopupWidget(), QMenu))
    qtbot.waitUntil(dock.isVisible, timeout=3000)
    dock.raise_()


def click_item(w, qtbot, item) -> None:
    _click(w.view.viewport(), w.view.mapFromScene(item.sceneBoundingRect().center()))
    qtbot.wait(10)


def numbers_of(text: str) -> list[str]:
    return [t for v in HIDDEN if (t := fmt(v)) in text]


def test_explain_and_matrices_reopened_during_an_exercise_show_no_hidden_value(window, qtbot):
    w = window
    tools = w.pass_tools
    qtbot.keyClick(
        w.view,
        Qt.Key.Key_X,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    mode = tools.exercise
    assert mode.active and mode.hides_values
    assert not tools.explain_dock.isVisible() and not tools.matrix_dock.isVisible()

    open_from_view_menu(w, qtbot, tools.explain_dock)
    assert mode.active  # opening a dock does not end the exercise
    click_item(w, qtbot, w.scene.neuron_item("o1"))
    assert tools.explain.selection == ("neuron", "o1")
    text = tools.explain.plain_text()
    assert fmt(EXACT["neurons"]["o1"]["z"]) in text  # the forward values are given
    assert "hidden in the exercise" in text
    assert numbers_of(text) == []
    click_item(w, qtbot, w.scene.edge_item("w5"))
    assert tools.explain.selection == ("edge", "w5")
    text = tools.explain.plain_text()
    assert "hidden in the exercise" in text and numbers_of(text) == []

    open_from_view_menu(w, qtbot, tools.matrix_dock)
    m = tools.matrix
    _click(m.mode_buttons["backward"], m.mode_buttons["backward"].rect().center())
    assert m.mode == "backward"
    for t in m.tables:
        cells = [t.item(i, j) for i in range(t.rowCount()) for j in range(t.columnCount())]
        assert all(c.text() == "" for c in cells)  # δ, ∂L/∂W, ∂L/∂b, ∂L/∂a: all withheld
        assert all(c.data(Qt.ItemDataRole.UserRole) is None for c in cells)

    # the canvas: blanks, and the tips say the values are hidden
    assert tools.overlay.edge_badge("w5").lines == ["∂L/∂w = _____"]
    assert "hidden" in tools.tips.text_for(("edge", "w5"))

    # leaving the exercise gives every view its numbers back
    mode.actions["leave"].trigger()
    qtbot.waitUntil(lambda: fmt(EXACT["edges"]["w5"]["grad"]) in tools.explain.plain_text())
    assert any(t.item(0, 0).text() for t in m.tables)
