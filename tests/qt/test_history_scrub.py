"""Scrub the training history on the real window (issue 14): train XOR, move the history
slider with the mouse and the arrow keys; the canvas, the decision boundary and the loss
plot show that epoch (checked against the kept snapshot and against a retrain), the
document does not change, Play trains on from the end, Restore is one undo step."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QStyle, QStyleOptionSlider

from bpstudio.model import templates
from bpstudio.model.numfmt import fmt
from bpstudio.model.training_session import TrainingSession
from bpstudio.qt.commands import graph_parameters

EPOCHS = 200


def xor(epochs=EPOCHS):
    g = templates.xor_241()
    g.training["epochs"] = epochs
    return g


def retrain(epochs: int) -> TrainingSession:
    """The same file trained from scratch for ``epochs`` epochs, without the app."""
    s = TrainingSession(xor())
    assert s.ensure()
    s.run_for(120.0, epochs)
    assert s.epoch == epochs
    return s


@pytest.fixture
def trained(make_window, qtbot):
    w = make_window(xor())
    tools = w.training_tools
    tools.docks["training"].raise_()
    tools.docks["boundary"].raise_()  # the boundary is drawn only when on screen
    qtbot.mouseClick(tools.training_panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tools.controller.running, timeout=120_000)
    assert tools.controller.epoch == EPOCHS
    return w


def handle_center(slider) -> QPoint:
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    r = slider.style().subControlRect(QStyle.ComplexControl.CC_Slider, opt,
                                      QStyle.SubControl.SC_SliderHandle, slider)  # fmt: skip
    return r.center()


def drag_slider(qtbot, slider, fraction: float) -> None:
    """Press on the handle, move to ``fraction`` of the groove, release (a person's drag)."""
    start = handle_center(slider)
    end = QPoint(int(slider.width() * fraction), start.y())
    QTest.mousePress(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 6):
        p = start + (end - start) * (k / 5)
        QTest.mouseMove(slider, p)
    QTest.mouseRelease(slider, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    qtbot.wait(20)


def canvas_weights(w) -> dict[str, str]:
    return {e.edge_id: e.label_text() for e in w.scene.edge_items()}


def assert_canvas_shows(w, weights: dict[str, float], biases: dict[str, float]) -> None:
    dec = w.scene.decimals
    assert canvas_weights(w) == {eid: fmt(v, dec) for eid, v in weights.items()}
    if w.scene.biases_paused:  # a pass on screen has the bias labels' room
        return
    for nid, b in biases.items():
        item = w.scene.neuron_item(nid)
        assert item.bias_text() == f"b = {fmt(b, dec)}"


def test_drag_and_keys_show_that_epoch_everywhere_and_leave_the_document(trained, qtbot):
    w = trained
    tools = w.training_tools
    scrub, slider = tools.scrubber, tools.scrubber.bar.slider
    seen = []
    scrub.shown.connect(seen.append)
    document = graph_parameters(w.graph)
    undo_count, modified = w.undo_stack.count(), w.document.modified
    assert slider.maximum() == EPOCHS and slider.value() == EPOCHS  # every epoch is kept

    drag_slider(qtbot, slider, 0.3)
    e = scrub.shown_epoch
    assert 0 < e < EPOCHS and slider.value() == e and scrub.scrubbed
    snaps = tools.session.run.snapshots
    kept = tools.session.parameters_for(snaps.params(snaps.index_of(e)))
    again = retrain(e)
    assert kept == (again.compiled.weights(), again.compiled.biases())  # snapshot = retrain
    assert_canvas_shows(w, *kept)
    assert seen and seen[-1].epoch == e and not seen[-1].live  # the typed notification
    assert seen[-1].weights == kept[0] and np.array_equal(
        seen[-1].params, again.compiled.net.params
    )
    # the decision boundary is that epoch's network over the plane
    qtbot.waitUntil(lambda: tools.boundary_plot._grid is not None)
    xs, ys, P = tools.boundary_plot._grid
    assert np.array_equal(P, again.predict_grid(len(xs))[2])
    assert tools.loss_plot.marker.isVisible() and tools.loss_plot.marker.value() == e
    assert f"showing epoch {e}" in tools.loss_plot.info.text()

    # arrow keys step one kept epoch, Home/End go to the ends
    QTest.keyClick(slider, Qt.Key.Key_Left)
    QTest.keyClick(slider, Qt.Key.Key_Left)
    qtbot.wait(10)
    assert scrub.shown_epoch == e - 2
    again = retrain(e - 2)
    assert_canvas_shows(w, again.compiled.weights(), again.compiled.biases())
    QTest.keyClick(slider, Qt.Key.Key_Home)
    qtbot.wait(10)
    assert scrub.shown_epoch == 0
    assert_canvas_shows(w, *tools.session.parameters_for(tools.session.run.initial_params))
    QTest.keyClick(slider, Qt.Key.Key_Right)
    qtbot.wait(10)
    assert scrub.shown_epoch == 1 and seen[-1].epoch == 1
    # scrubbing never touched the document
    assert graph_parameters(w.graph) == document
    assert w.undo_stack.count() == undo_count and w.document.modified == modified
    QTest.keyClick(slider, Qt.Key.Key_End)
    qtbot.wait(10)
    assert not scrub.scrubbed and seen[-1].live and seen[-1].epoch == EPOCHS
    assert_canvas_shows(w, *({k: v for k, v in d.items() if v is not None} for d in document))
    assert not tools.loss_plot.marker.isVisible()


def test_play_trains_on_from_the_end(trained, qtbot):
    w = trained
    tools = w.training_tools
    slider = tools.scrubber.bar.slider
    drag_slider(qtbot, slider, 0.5)
    assert tools.scrubber.scrubbed
    qtbot.mouseClick(tools.training_panel.play_button, Qt.MouseButton.LeftButton)
    assert not tools.scrubber.scrubbed and slider.value() == slider.maximum()
    qtbot.waitUntil(lambda: not tools.controller.running, timeout=120_000)
    assert tools.controller.epoch == 2 * EPOCHS  # Play continued: 200 more epochs
    straight = retrain(2 * EPOCHS)
    h = tools.session.run.history
    assert np.array_equal(h.train_loss, straight.run.history.train_loss)
    weights, biases = graph_parameters(w.graph)
    assert weights == straight.compiled.weights() and biases == straight.compiled.biases()
    assert slider.maximum() == 2 * EPOCHS


def test_restore_weights_is_one_undo_step(trained, qtbot):
    w = trained
    tools = w.training_tools
    slider, button = tools.scrubber.bar.slider, tools.scrubber.bar.restore_button
    end = graph_parameters(w.graph)
    assert not button.isEnabled()
    slider.setFocus(Qt.FocusReason.MouseFocusReason)
    for _ in range(30):  # (PgUp/PgDn stay the presenter clicker's pass steps)
        QTest.keyClick(slider, Qt.Key.Key_Left)
    qtbot.wait(10)
    e = tools.scrubber.shown_epoch
    assert e == EPOCHS - 30 and button.isEnabled() and str(e) in button.text()
    count = w.undo_stack.count()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.wait(10)
    again = retrain(e)
    assert graph_parameters(w.graph) == (again.compiled.weights(), again.compiled.biases())
    assert w.undo_stack.count() == count + 1
    assert w.undo_stack.text(count) == f"Restore weights from epoch {e}"
    assert not tools.scrubber.scrubbed and not button.isEnabled()
    assert_canvas_shows(w, again.compiled.weights(), again.compiled.biases())
    w.action_by_name["undo"].trigger()
    assert graph_parameters(w.graph) == end
    w.action_by_name["redo"].trigger()
    assert graph_parameters(w.graph) == (again.compiled.weights(), again.compiled.biases())


def test_scrubbing_while_training_pauses_and_an_edit_goes_back_to_live(make_window, qtbot):
    w = make_window(xor(epochs=0))  # no limit: it trains until paused
    tools = w.training_tools
    tools.docks["training"].raise_()
    qtbot.mouseClick(tools.training_panel.play_button, Qt.MouseButton.LeftButton)
    slider = tools.scrubber.bar.slider
    # and a frame has shown them: the slider follows the frames (on a fast machine the first
    # 50 epochs come before the first frame, and a Left on the still disabled slider did not
    # pause training)
    qtbot.waitUntil(
        lambda: tools.controller.epoch > 50 and slider.isEnabled() and slider.maximum() > 1,
        timeout=60_000,
    )
    count = w.undo_stack.count()
    slider.setFocus(Qt.FocusReason.MouseFocusReason)
    before = slider.value()  # the slider's end follows training (its last frame)
    QTest.keyClick(slider, Qt.Key.Key_Left)
    assert not tools.controller.running  # paused at once
    qtbot.waitUntil(lambda: tools.scrubber.scrubbed)
    assert tools.scrubber.shown_epoch == before - 1 < tools.controller.epoch
    assert w.undo_stack.count() == count + 1  # the stretch so far: its own undo entry
    assert w.undo_stack.text(count).startswith("Train ")
    # an edit (a weight typed in the inspector's way: through the undo stack) goes live
    from bpstudio.qt.commands import SetNetworkCommand

    w.undo_stack.push(SetNetworkCommand(w.graph, {"training": {**w.graph.training,
                                                               "learning_rate": 0.01}},
                                        "Set learning rate"))  # fmt: skip
    qtbot.waitUntil(lambda: not tools.scrubber.scrubbed)
    assert w.scene.shown_parameters is None


def test_a_pass_and_the_scrubbed_history_take_turns_on_the_canvas(trained, qtbot):
    """A pass is computed from the document's weights: scrubbing puts a pass in progress
    away, and stepping a pass brings the live network back."""
    from bpstudio.model.stepper import IDLE

    w = trained
    tools, passes = w.training_tools, w.pass_tools
    passes.controller.actions["forward"].trigger()
    passes.controller.land()
    assert passes.stepper.state.phase != IDLE
    slider = tools.scrubber.bar.slider
    slider.setFocus(Qt.FocusReason.MouseFocusReason)
    QTest.keyClick(slider, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: tools.scrubber.scrubbed)
    assert passes.stepper.state.phase == IDLE and w.scene.shown_parameters is not None
    passes.controller.actions["forward"].trigger()
    passes.controller.land()
    assert not tools.scrubber.scrubbed and w.scene.shown_parameters is None
    document = graph_parameters(w.graph)
    assert_canvas_shows(w, *({k: v for k, v in d.items() if v is not None} for d in document))
