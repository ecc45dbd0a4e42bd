"""The canvas crosses into bulk drawing (more than BULK_EDGES edges) and back by edits, with
the pass overlay shown: Connect Selected Fully, its undo and redo, then the pass keys on each
canvas. The switch came with Connect Fully's speed-up (it drew 10,000 labelled items); the
numbers on the canvas are checked against numpy's forward pass of the same network."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpstudio.model.graph import Edge, Graph, Neuron
from bpstudio.model.stepper import LOSS
from bpstudio.qt.canvas.scene import BULK_EDGES

N_HIDDEN, N_WIRED = 400, 100  # hidden neurons; how many feed the output at first
X, Y = (0.3, -0.7), 0.25
CTRL = Qt.KeyboardModifier.ControlModifier


def wide_network() -> Graph:
    g = Graph(name="wide")
    g.neurons["x1"] = Neuron("x1", "input", x=0.0, y=0.0)
    g.neurons["x2"] = Neuron("x2", "input", x=0.0, y=80.0)
    for k in range(N_HIDDEN):
        g.neurons[f"h{k}"] = Neuron(f"h{k}", "hidden", activation="tanh", bias=0.01 * (k % 7),
                                    x=300.0, y=30.0 * k)  # fmt: skip
    g.neurons["o"] = Neuron("o", "output", activation="identity", bias=0.1, x=600.0, y=0.0)
    for k in range(N_HIDDEN):
        for i, x in enumerate(("x1", "x2")):
            g.edges[f"a{k}_{i}"] = Edge(f"a{k}_{i}", x, f"h{k}", weight=0.05 * ((k + i) % 9 - 4))
    for k in range(N_WIRED):
        g.edges[f"b{k}"] = Edge(f"b{k}", f"h{k}", "o", weight=0.02 * (k % 5 - 2))
    g.data = {"samples": [{"x": list(X), "y": [Y]}]}
    g.training.update(loss="half_squared_error")
    return g


def numpy_loss(g: Graph) -> float:
    """The forward pass by hand, from every edge's weight."""
    a = {"x1": X[0], "x2": X[1]}
    for k in range(N_HIDDEN):
        h = f"h{k}"
        z = g.neurons[h].bias + sum(a[e.source] * e.weight for e in g.edges.values()
                                    if e.target == h)  # fmt: skip
        a[h] = np.tanh(z)
    out = g.neurons["o"].bias + sum(a[e.source] * e.weight for e in g.edges.values()
                                    if e.target == "o")  # fmt: skip
    return 0.5 * (Y - out) ** 2


def forward_and_check(window, qtbot) -> None:
    tools = window.pass_tools
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)
    c, ov = tools.controller, tools.overlay
    qtbot.waitUntil(lambda: not c.walking and not ov.animating and not ov.refreshing,
                    timeout=20000)  # fmt: skip
    assert tools.stepper.state.phase == LOSS
    badge = ov.visible_loss_badge()
    assert badge is not None and badge.scene() is window.scene
    # edges added by Connect Fully have no weight in the file: the pass drew them (the seed)
    compiled = tools.stepper.result.compiled
    params = compiled.net.params
    g = window.graph.copy()
    for eid, index in zip(compiled.edge_ids, compiled.edge_param, strict=True):
        if g.edges[eid].weight is None:
            g.edges[eid].weight = float(params[index])
    assert badge.values["loss"] == pytest.approx(numpy_loss(g), rel=1e-12)


def test_the_pass_overlay_across_connect_fully_into_bulk_drawing_and_back(make_window, qtbot):
    with qtbot.captureExceptions() as exceptions:
        w = make_window(wide_network())
        w.pass_tools.controller.set_speed(0)
        assert not w.scene.bulk and len(w.graph.edges) <= BULK_EDGES
        forward_and_check(w, qtbot)
        w.scene.select_ids([*(f"h{k}" for k in range(N_HIDDEN)), "o"])
        qtbot.keyClick(w.view, Qt.Key.Key_C, CTRL | Qt.KeyboardModifier.ShiftModifier)
        assert len(w.graph.edges) == 2 * N_HIDDEN + N_HIDDEN and w.scene.bulk
        forward_and_check(w, qtbot)
        qtbot.keyClick(w.view, Qt.Key.Key_Z, CTRL)  # back under BULK_EDGES: one item per edge
        assert not w.scene.bulk and w.scene.edge_item("b0") is not None
        forward_and_check(w, qtbot)
        qtbot.keyClick(w.view, Qt.Key.Key_Y, CTRL)
        assert w.scene.bulk
        forward_and_check(w, qtbot)
    assert not exceptions, exceptions
