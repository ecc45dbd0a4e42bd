"""Regularisation in the real window: λ₂ typed into the training dock trains with the penalty
(the same weights as the engine trained headless), the loss plot shows data loss and penalty,
the setting is one undo step and is saved in the file; the pass and Explain include the
penalty's term in ∂L/∂w."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from test_explain_reveals import click, explain, shows, window_on
from test_number_fields import _type

from bpstudio.core.trainer import Trainer
from bpstudio.model import explain as ex
from bpstudio.model import fileformat, templates
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset


def xor_file(tmp_path):
    g = templates.xor_241()
    g.training.update(loss="binary_cross_entropy", optimizer="momentum", learning_rate=0.3,
                      seed=1, epochs=1000)  # fmt: skip
    g.data = {"samples": [{"x": [a, b], "y": [float(a != b)]} for a in (0, 1) for b in (0, 1)]}
    compile_graph(g).write_back(g)  # the file carries its weights
    path = tmp_path / "xor.json"
    path.write_text(fileformat.dumps(g), encoding="utf-8")
    return path


def headless(path, training: dict, epochs: int):
    """The engine's own run of the file with ``training`` merged in (no Qt)."""
    g = fileformat.load(path)
    g.training.update(training)
    c = compile_graph(g)
    trainer = Trainer(c.net, dataset(g), g.settings)
    stats = trainer.run_epochs(epochs)
    c.write_back(g)
    return g, stats


def test_l2_typed_in_the_panel_trains_plots_undoes_and_round_trips(make_window, qtbot, tmp_path):
    path = xor_file(tmp_path)
    w = make_window(path=path)
    w.training_tools.docks["training"].raise_()
    panel = w.training_tools.training_panel
    assert panel.l2.text() == "off" and panel.l1.text() == "off"  # the defaults: no penalty
    _type(qtbot, panel.l2, "0.05")
    assert w.graph.training["l2"] == 0.05 and "l1" not in w.graph.training
    stack = w.document.undo_stack
    assert stack.text(stack.index() - 1) == "Set l2 (λ₂)"
    for _ in range(6):
        qtbot.mouseClick(panel.step_button, Qt.MouseButton.LeftButton)
    want, stats = headless(path, {"l2": 0.05}, 6)
    plain, _ = headless(path, {}, 6)
    for eid, e in w.graph.edges.items():
        assert math.isclose(e.weight, want.edges[eid].weight, rel_tol=1e-12, abs_tol=1e-15)
    assert any(abs(e.weight - plain.edges[eid].weight) > 1e-6 for eid, e in want.edges.items())
    # the loss plot: the data loss and the penalty, one point per epoch
    plot = w.training_tools.loss_plot
    plot.update_view()
    assert plot.penalty_curve.isVisible()
    np.testing.assert_allclose(plot.penalty_curve.yData, [s.penalty for s in stats], rtol=1e-12)
    np.testing.assert_allclose(plot.train_curve.yData, [s.train_loss for s in stats], rtol=1e-12)
    assert "data loss" in plot.info.text() and "penalty" in plot.info.text()
    assert "penalty" in plot.csv_text().splitlines()[0]
    # saved in the file, and the file opens with it
    w.action_by_name["save"].trigger()
    assert fileformat.load(path).training["l2"] == 0.05
    w2 = make_window(path=path)
    assert w2.training_tools.training_panel.l2.value() == 0.05
    # undo: the epochs stepped, then the setting (the key leaves the file's training)
    texts = [stack.text(i) for i in range(stack.index())]
    assert texts[-7:] == ["Set l2 (λ₂)"] + ["Train 1 epoch"] * 6, texts
    for _ in range(7):
        w.action_by_name["undo"].trigger()
    assert "l2" not in w.graph.training and panel.l2.text() == "off"
    w.action_by_name["redo"].trigger()
    assert w.graph.training["l2"] == 0.05 and panel.l2.value() == 0.05
    # 0 turns it off: the key goes (old files stay as they were)
    _type(qtbot, panel.l2, "0")
    assert "l2" not in w.graph.training
    _type(qtbot, panel.l1, "-1")  # refused, with the rule under the field
    assert "l1" not in w.graph.training and ">= 0" in panel.notes["l1"].text()


def test_the_pass_and_explain_include_the_penalty_term(make_window, qtbot):
    w = window_on(make_window, qtbot, "handwritten_221")
    w.training_tools.docks["training"].raise_()
    panel = w.training_tools.training_panel
    _type(qtbot, panel.l2, "0.5")
    _type(qtbot, panel.l1, "0.01")
    w.pass_tools.explain_dock.raise_()
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # forward pass
    qtbot.keyClick(w.view, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)  # backward pass
    click(w, qtbot, w.scene.edge_item("w5"))
    r = w.pass_tools.stepper.result
    weight = r.trace.params[r.compiled.edge_param[r.compiled.edge_index["w5"]]]
    data = r.edge_data_grad("w5")
    total = r.edge_grad("w5")
    assert math.isclose(total, data + 0.5 * weight + 0.01 * np.sign(weight), rel_tol=1e-12)
    assert shows(w, qtbot, "Regularisation")
    text = explain(w)
    assert "∂L/∂w5 = ∂L_data/∂w5 + λ₂·w + λ₁·sign(w)" in text
    assert f"= {ex.fmt(total, 4)}   (the ∂L/∂w5 shown on the canvas" in text
    assert f"engine's ∂L_data/∂w5 = {ex.fmt(data, 4)}" in text
    # the canvas: the loss badge has the penalty beside L
    badge = w.pass_tools.overlay.visible_loss_badge()
    assert badge is not None and math.isclose(badge.values["penalty"], r.trace.penalty)
    click(w, qtbot, w.scene.neuron_item("o1"))
    assert shows(w, qtbot, "biases are not penalised")
    QTest.qWait(10)
