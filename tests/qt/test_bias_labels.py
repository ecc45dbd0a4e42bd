"""Biases on the canvas: "b = …" under each hidden and output neuron (View > Show Biases)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpstudio.model import numfmt
from bpstudio.paths import example_files
from bpstudio.qt.canvas.edge_item import EdgeLabelItem


def _open(make_window, qtbot, name):
    w = make_window(path=next(p for p in example_files() if p.stem == name))
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    return w


def _visible_weight_labels(w):
    return [it.sceneBoundingRect() for it in w.scene.items()
            if isinstance(it, EdgeLabelItem) and it.isVisible()]  # fmt: skip


def test_a_small_network_shows_its_biases_and_no_label_covers_them(make_window, qtbot):
    w = _open(make_window, qtbot, "handwritten_221")
    assert w.action_by_name["biases"].isChecked()
    h1 = w.scene.neuron_item("h1")
    assert h1.bias_text() == "b = 0.35"
    assert w.scene.neuron_item("x1").bias_text() == ""  # an input has no bias
    qtbot.wait(50)  # the label placement runs on the next turn
    w.scene.place_labels()
    biases = [w.scene.neuron_item(n).bias_rect() for n in ("h1", "h2", "o1")]
    handles = [h.sceneBoundingRect() for h in w.layer_handles.handles]
    assert handles  # the editor shows them
    for rect in _visible_weight_labels(w):
        assert not any(rect.intersects(b) for b in biases), rect
        assert not any(rect.intersects(h) for h in handles), rect  # nor under a layer handle
    # View > Show Biases (Ctrl+B) hides them, and shows them again
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert not w.action_by_name["biases"].isChecked() and h1.bias_text() == ""
    qtbot.keyClick(w.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    assert h1.bias_text() == "b = 0.35"


def test_bias_labels_follow_the_update_and_the_decimals(make_window, qtbot):
    w = _open(make_window, qtbot, "handwritten_221")
    w.pass_tools.controller.set_speed(0)
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F9)  # forward, backward, update
    new = w.graph.neurons["h1"].bias
    assert new != 0.35
    # while the pass is on screen its badges take the room: the bias is in Explain / Matrices,
    # and the layer handles step aside too
    assert w.scene.neuron_item("h1").bias_text() == ""
    assert not w.layer_handles.visible and not w.layer_handles.handles
    qtbot.keyClick(w.view, Qt.Key.Key_F6)  # a new pass starts from the updated network …
    qtbot.keyClick(w.view, Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)  # … reset it
    qtbot.waitUntil(lambda: w.scene.neuron_item("h1").bias_text() != "")
    assert w.layer_handles.visible and w.layer_handles.handles
    new = w.graph.neurons["h1"].bias  # (Shift+F9 takes back only an update it applied)
    assert w.scene.neuron_item("h1").bias_text() == f"b = {numfmt.fmt(new, 4)}"
    assert new != 0.35
    w.pass_tools.controls.decimals.setValue(6)
    assert w.scene.neuron_item("h1").bias_text() == f"b = {numfmt.fmt(new, 6)}"


def test_a_large_network_opens_without_them(make_window, qtbot):
    w = _open(make_window, qtbot, "vanishing_sigmoid")  # 51 neurons
    assert not w.action_by_name["biases"].isChecked()
    assert all(item.bias_text() == "" for item in w.scene.neuron_items())


def test_opening_another_example_with_handles_shown_places_labels_again(make_window, qtbot):
    """The layer handles are obstacles to the placement; opening another file deletes them
    with every item (a real-window lecture raised "LayerHandle already deleted" here)."""
    w = _open(make_window, qtbot, "handwritten_221")
    assert w.layer_handles.handles
    with qtbot.captureExceptions() as raised:
        for name in ("ecs171 321", "xor 241"):
            next(a for a in w.example_menu.actions() if a.text() == name).trigger()
            qtbot.wait(30)
            w.scene.place_labels()
            w.pass_tools.controller.set_speed(0)
            w.view.setFocus()
            qtbot.keyClick(w.view, Qt.Key.Key_F6)
    assert raised == []
    assert all(h.scene() is w.scene for h in w.scene.label_obstacles)
