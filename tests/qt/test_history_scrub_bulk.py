"""Scrubbing a network drawn in bulk mode (> 1,000 edges): the one edge picture and the
neurons' biases show the scrubbed epoch, and the end gives the document's back."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from bpstudio.model import templates


def test_the_bulk_picture_follows_the_slider(make_window, qtbot):
    g = templates.dense_network([30, 40, 1], "bulk")  # 1,240 edges
    g.data = {"samples": [{"x": [0.1 * i for i in range(30)], "y": [1.0]}]}
    g.training = {"loss": "mse", "optimizer": "sgd", "learning_rate": 20.0, "epochs": 30}
    w = make_window(g)
    assert w.scene.bulk
    tools = w.training_tools
    tools.docks["training"].raise_()
    qtbot.mouseClick(tools.training_panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tools.controller.running, timeout=60_000)
    layer = w.scene._layer

    def drawn_keys():
        w.scene.flush()
        return layer._drawn[2].copy()

    document = np.array([e.weight for e in w.graph.edges.values()], float)
    live = layer._keys(document)  # what the picture draws of the document's weights
    slider = tools.scrubber.bar.slider
    slider.setFocus(Qt.FocusReason.MouseFocusReason)
    QTest.keyClick(slider, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: tools.scrubber.scrubbed)
    shown = tools.scrubber.current()
    assert shown.epoch == 0
    weights = np.array([shown.weights[e] for e in w.graph.edges], float)
    assert np.array_equal(drawn_keys(), layer._keys(weights))  # the epoch-0 colours/widths
    assert not np.array_equal(layer._keys(weights), live)  # (training moved them)
    nid = next(n for n in w.graph.neurons if w.graph.neurons[n].role == "hidden")
    w.scene.neuron_item(nid).refresh_tooltip()
    assert f"bias: {shown.biases[nid]:g}" in w.scene.neuron_item(nid).toolTip()
    QTest.keyClick(slider, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: not tools.scrubber.scrubbed)
    assert np.array_equal(drawn_keys(), live)
