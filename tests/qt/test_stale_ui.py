"""Nothing on screen describes a network, run or selection that is gone (issue 9, item 10).

Each test drives the real window as a lecturer would (File menu, keys, clicks on the canvas,
typing into the panels) and reads what the panels show afterwards.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from bpstudio.paths import example_files
from bpstudio.qt import dialogs

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(make_window, qtbot, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")  # edited: modified
    w = make_window()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)  # the shortcuts need it
    return w


def _open_example(window, name):
    (act,) = [a for a in window.example_menu.actions() if a.text() == name]
    act.trigger()


def _example_training(stem: str) -> dict:
    path = next(p for p in example_files() if p.stem == stem)
    return json.loads(path.read_text(encoding="utf-8"))["training"]


def _type_into(qtbot, spin, text: str) -> None:
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key_A, CTRL)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def _points(curve) -> int:
    x = curve.getOriginalDataset()[0]
    return 0 if x is None else len(x)


def _key(window, qtbot, key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    window.view.setFocus()
    qtbot.keyClick(window.view, key, mods)


def test_opening_another_file_resets_the_training_dock(window, qtbot):
    tools = window.training_tools
    panel, c = tools.training_panel, tools.controller
    _open_example(window, "spirals tanh")
    tools.docks["training"].raise_()
    _type_into(qtbot, panel.epochs, "3")
    assert window.graph.training["epochs"] == 3
    _key(window, qtbot, Qt.Key_Space, CTRL)  # Train → Play: runs to the 3 epochs and stops
    qtbot.waitUntil(lambda: not c.running, timeout=10000)
    assert panel.epoch_label.text() == "epoch 3 / 3"
    assert panel.message.text().startswith("Trained 3 epochs")
    assert tools.loss_plot.info.text().startswith(f"{window.graph.name}: epoch 3")

    _open_example(window, "handwritten 221")
    want = _example_training("handwritten_221")["epochs"]
    # at once, before the new network is compiled: nothing of the old run is left
    assert panel.epoch_label.text() == f"epoch 0 / {want:,}"
    assert panel.message.text() == ""
    assert "no epochs yet" in tools.loss_plot.info.text()
    qtbot.wait(50)  # the new file is compiled: its run, its layers
    assert panel.epoch_label.text() == f"epoch 0 / {want:,}"
    assert tools.loss_plot.info.text() == f"{window.graph.name}: no epochs yet"
    assert _points(tools.loss_plot.train_curve) == 0
    assert len(tools.grad_plot.curves) == 2  # 2-2-1: two weight layers
    _key(window, qtbot, Qt.Key_E, CTRL)  # Step: epoch 1 of the new run
    assert panel.epoch_label.text() == f"epoch 1 / {want:,}"


def test_a_click_on_empty_canvas_clears_explain(window, qtbot, mouse):
    explain = window.pass_tools.explain
    m = mouse(window.view)
    p = window.scene.neuron_item("h1").pos()
    m.click(p.x(), p.y())
    assert window.scene.selected_ids() == (["h1"], [])
    assert explain.selection == ("neuron", "h1")
    assert "h" in explain.plain_text() and "Select a neuron" not in explain.plain_text()
    empty = window.scene.network_rect().bottomRight() + QPointF(150, 150)
    m.click(empty.x(), empty.y())
    assert window.scene.selected_ids() == ([], [])
    assert explain.selection is None
    assert "Select a neuron or an edge" in explain.toPlainText()
    # an edge, then empty canvas again
    e = window.graph.edges["w5"]
    a, b = window.scene.neuron_item(e.source).pos(), window.scene.neuron_item(e.target).pos()
    # past the middle: the first third of an edge leaving a hidden neuron runs under its tile
    m.click(a.x() + (b.x() - a.x()) * 0.6, a.y() + (b.y() - a.y()) * 0.6)
    assert explain.selection == ("edge", "w5")
    m.click(empty.x(), empty.y())
    assert explain.selection is None and "Select a neuron" in explain.toPlainText()


def test_the_edit_pause_message_goes_with_undo(window, qtbot, mouse):
    tools = window.training_tools
    panel, c = tools.training_panel, tools.controller
    _open_example(window, "spirals tanh")
    window.undo_stack.setClean()
    _key(window, qtbot, Qt.Key_Space, CTRL)  # Play (3,000 epochs: still running below)
    assert c.running
    qtbot.mouseClick(
        window.toolbar.widgetForAction(window.action_by_name["tool_place_hidden"]),
        Qt.MouseButton.LeftButton,
    )
    spot = window.scene.network_rect().bottomRight() + QPointF(120, 60)
    n_before = len(window.graph.neurons)
    mouse(window.view).click(spot.x(), spot.y())  # a new hidden neuron, mid-training
    assert len(window.graph.neurons) == n_before + 1
    qtbot.waitUntil(lambda: "network was edited" in panel.message.text(), timeout=3000)
    assert not c.running
    _key(window, qtbot, Qt.Key_Z, CTRL)  # Undo: the neuron goes, and the message with it
    assert len(window.graph.neurons) == n_before
    assert panel.message.text() == ""


def test_a_blank_network_says_there_is_nothing_to_train(window, qtbot):
    tools = window.training_tools
    _key(window, qtbot, Qt.Key_E, CTRL)  # a run on the 2-2-1 start-up network
    assert tools.loss_plot.info.text().startswith(f"{window.graph.name}: epoch 1")
    assert len(tools.grad_plot.curves) == 2
    _key(window, qtbot, Qt.Key_N, CTRL)  # File → New → Blank
    assert not window.graph.neurons
    qtbot.wait(50)
    for plot in (tools.loss_plot, tools.grad_plot):
        text = plot.info.text()
        assert text.startswith("Nothing to train yet:"), text
        assert "no input neurons" in text and "sigmoid" not in text
    assert tools.grad_plot.curves == []
    names = [label.text for _sample, label in tools.grad_plot.legend.items]
    assert not [n for n in names if n.startswith("layer")], names  # (earlier runs stay, grey)
    assert tools.training_panel.epoch_label.text().startswith("epoch 0")
    assert tools.training_panel.message.text() == ""
    _key(window, qtbot, Qt.Key_E, CTRL)  # Step: says why not, still nothing drawn
    assert "Cannot train" in tools.training_panel.message.text()
    assert tools.grad_plot.curves == []


def test_another_file_after_selecting_an_edge(window, qtbot, mouse):
    """The scene's rebuild for the new file empties the selection before the pass stepper
    has heard of the file: the Matrices dock must not rebuild from the old pass then."""
    tools = window.pass_tools
    tools.controller.set_speed(0)
    e = window.graph.edges["w5"]
    a, b = window.scene.neuron_item(e.source).pos(), window.scene.neuron_item(e.target).pos()
    mouse(window.view).click(a.x() + (b.x() - a.x()) * 0.6, a.y() + (b.y() - a.y()) * 0.6)
    assert tools.matrix.selected_edge() == "w5" and tools.explain.selection == ("edge", "w5")
    with qtbot.captureExceptions() as exceptions:
        _key(window, qtbot, Qt.Key_F9)  # a full step: new weights,
        _key(window, qtbot, Qt.Key_F6)  # a new pass (the hidden matrix catches up later)
        _open_example(window, "ecs171 321")  # at once
        qtbot.wait(20)
    assert exceptions == []
    assert tools.explain.selection is None
    assert tools.matrix.selected_edge() is None
    _key(window, qtbot, Qt.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # and the pass runs
    assert tools.stepper.state.phase == "loss"
