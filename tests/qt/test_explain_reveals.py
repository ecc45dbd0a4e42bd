"""The Explain dock as a class uses it while the lecturer steps the pass.

It never shows a number the stepped pass has not revealed on the canvas (the class is asked
to predict it), writes negative factors in parentheses, and never breaks a number across
lines.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model.stepper import BACKWARD, StepState
from bpstudio.paths import example_files


def window_on(make_window, qtbot, name: str):
    w = make_window(path=next(p for p in example_files() if p.stem == name))
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.pass_tools.controller.set_speed(0)
    w.pass_tools.explain_dock.raise_()
    return w


def click(w, qtbot, item) -> None:
    pos = w.view.mapFromScene(item.sceneBoundingRect().center())
    QTest.mouseClick(
        w.view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pos
    )
    qtbot.wait(10)


def explain(w) -> str:
    return w.pass_tools.explain.plain_text()


def shows(w, qtbot, text: str) -> bool:
    """The dock follows the pass a moment later (its refresh is batched): wait for it."""
    qtbot.waitUntil(lambda: text in explain(w), timeout=3000)
    return True


def test_explain_waits_for_the_pass_to_reach_a_value(make_window, qtbot):
    w = window_on(make_window, qtbot, "handwritten_221")
    click(w, qtbot, w.scene.neuron_item("o1"))
    assert "z = Σ w·a + b" in explain(w)  # no pass yet: the lecturer explores, all is shown
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F6)  # forward: layer 1 (the hidden layer)
    assert shows(w, qtbot, "appear when the forward pass reaches layer 2")
    assert "1.1059" not in explain(w)  # z of o1, not on the canvas yet
    qtbot.keyClick(w.view, Qt.Key.Key_F6)  # layer 2: o1's z and a
    assert shows(w, qtbot, "= 1.1059") and "∂L/∂z =" not in explain(w)
    qtbot.keyClick(w.view, Qt.Key.Key_F6)  # the loss
    click(w, qtbot, w.scene.neuron_item("h1"))
    assert shows(w, qtbot, "∂L/∂z appears when the backward pass reaches layer 1")
    assert "0.0134" not in explain(w)
    qtbot.keyClick(w.view, Qt.Key.Key_F7)  # backward: the output layer
    assert w.pass_tools.stepper.state == StepState(BACKWARD, 2)
    # not a fixed wait: the dock has written h1's explanation at this step
    qtbot.waitUntil(lambda: w.pass_tools.explain.rendered_step == StepState(BACKWARD, 2))
    assert "0.0134" not in explain(w)  # still h1's turn to come
    qtbot.keyClick(w.view, Qt.Key.Key_F7)  # backward: layer 1
    assert shows(w, qtbot, "∂L/∂z = σ′(z)·∂L/∂a") and "0.0134" in explain(w)


def test_explain_of_a_weight_waits_for_its_gradient(make_window, qtbot):
    w = window_on(make_window, qtbot, "handwritten_221")
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # forward pass
    click(w, qtbot, w.scene.edge_item("w1"))
    assert w.scene.selected_ids() == ([], ["w1"])
    assert "∂L/∂w1 appears when the backward pass reaches layer 1" in explain(w)
    assert "0.0006684" not in explain(w)
    qtbot.keyClick(w.view, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)  # backward pass
    assert shows(w, qtbot, "∂L/∂w1 = ∂L/∂z_h1 · a_x1") and "= 0.0006684" in explain(w)


def test_negative_factors_are_in_parentheses(make_window, qtbot):
    w = window_on(make_window, qtbot, "softmax_3class")  # negative weights and gradients
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)  # whole pass
    texts = []
    for eid in list(w.graph.edges)[:8]:
        click(w, qtbot, w.scene.edge_item(eid))
        texts.append(explain(w))
    text = "\n".join(texts)
    assert "× (−" in text
    # an operator is never followed directly by a minus sign
    assert not re.search(r"[×+] −", text), re.search(r".{20}[×+] −.{10}", text)


def test_no_number_is_broken_across_lines(make_window, qtbot):
    w = window_on(make_window, qtbot, "softmax_3class")
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)
    click(w, qtbot, w.scene.edge_item(next(iter(w.graph.edges))))
    panel = w.pass_tools.explain
    numbers = set(re.findall(r"−?\d+\.\d+(?:e[−+]?\d+)?", panel.doc.plain()))
    assert numbers
    for width in (180, 240, 320):  # a narrow dock
        page = panel.document().clone()  # what the panel shows, laid out at this width
        page.setTextWidth(width)
        page.size()  # lays the document out
        lines = []
        block = page.begin()
        while block.isValid():
            lay = block.layout()
            for i in range(lay.lineCount()):
                line = lay.lineAt(i)
                lines.append(block.text()[line.textStart() : line.textStart() + line.textLength()])
            block = block.next()
        shown = set(re.findall(r"−?\d+\.\d+(?:e[−+]?\d+)?", "\n".join(lines)))
        assert numbers <= shown, (width, numbers - shown)
