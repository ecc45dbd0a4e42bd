"""Divergence explained on the real window (issue 14): a relu network trained at learning
rate 50 diverges; the canvas marks the item an independent numpy replay finds first, the
training dock says where and why (wrapped within its width), Explain writes the update
out, and the next edit takes it all away."""

from __future__ import annotations

from divergence_replay import replay
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bpstudio.model import templates
from bpstudio.model.compile import compile_graph


def relu_xor():
    g = templates.xor_241()
    for n in g.neurons.values():
        if n.role == "hidden":
            n.activation = "relu"
        elif n.role == "output":
            n.activation = "identity"
    g.training.update(loss="mse", optimizer="sgd", learning_rate=50.0, seed=1, epochs=1000)
    compile_graph(g).write_back(g)  # the initial weights, explicit: the replay reads them
    return g


def test_divergence_is_marked_where_the_replay_finds_it(make_window, qtbot):
    g = relu_xor()
    expected = replay(g.copy(), 1000)
    assert expected is not None
    epoch, stage, kind, ident = expected
    w = make_window(g)
    tools = w.training_tools
    dock, panel = tools.docks["training"], tools.training_panel
    dock.raise_()
    width = dock.width()
    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tools.controller.running, timeout=60_000)
    assert tools.controller.epoch == epoch - 1  # the last finite weights, as before

    note = tools.divergence_view.note
    assert note is not None and (note.epoch, note.kind, note.item_id) == (epoch, kind, ident)
    marker = tools.divergence_view.marker
    assert marker is not None and marker.scene() is w.scene and marker.isVisible()
    item = w.scene.neuron_item(ident) if kind == "neuron" else w.scene.edge_item(ident)
    assert marker.boundingRect().contains(item.sceneBoundingRect().center())
    assert f"epoch {epoch}" in marker.text

    msg = panel.message
    text = msg.text()
    assert text.startswith(f"Diverged at epoch {epoch}:") and "learning rate 50" in text
    assert "Try a learning rate of 5" in text
    qtbot.wait(20)
    assert dock.width() == width  # the message wraps: the dock keeps its width
    assert msg.width() <= dock.width()
    assert msg.height() > 2 * msg.fontMetrics().height()  # several lines

    button = tools.divergence_view.explain_button
    assert button.isVisible()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    explain = w.pass_tools.explain
    shown = explain.toPlainText()
    assert f"Training diverged at epoch {epoch}" in shown and "←" in shown

    # the next edit: the learning rate typed into its field
    lr = panel.lr
    lr.setFocus(Qt.FocusReason.MouseFocusReason)
    lr.selectAll()
    QTest.keyClicks(lr, "0.01")
    QTest.keyClick(lr, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: tools.divergence_view.note is None)
    assert w.graph.training["learning_rate"] == 0.01
    assert tools.divergence_view.marker is None and marker.scene() is None
    assert not button.isVisible() and "Diverged" not in msg.text()
    assert "Training diverged" not in explain.toPlainText()
    # and training now goes on from the restored weights
    qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    assert tools.controller.epoch == epoch


def test_a_new_run_clears_the_mark(make_window, qtbot):
    w = make_window(relu_xor())
    tools = w.training_tools
    tools.docks["training"].raise_()
    qtbot.mouseClick(tools.training_panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tools.controller.running, timeout=60_000)
    assert tools.divergence_view.marker is not None
    qtbot.mouseClick(tools.training_panel.play_button, Qt.MouseButton.LeftButton)  # again
    qtbot.waitUntil(lambda: not tools.controller.running, timeout=60_000)
    # it diverges again at once from the same weights: marked again, one marker only
    markers = [i for i in w.scene.items() if type(i).__name__ == "DivergenceMarker"]
    assert len(markers) == 1 and markers[0] is tools.divergence_view.marker
