"""Derived inputs chosen in the Data panel of the real window: each tick is an input neuron
labelled with its formula and one undo step; the circles a bare perceptron cannot fit are
fitted once x₁² and x₂² are fed."""

from __future__ import annotations

import json

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model import fileformat


def circles_perceptron():
    doc = {
        "format": "bpstudio-network", "version": 1, "name": "circles perceptron",
        "neurons": [
            {"id": "x1", "role": "input", "label": "x₁", "x": 0, "y": -55},
            {"id": "x2", "role": "input", "label": "x₂", "x": 0, "y": 55},
            {"id": "o", "role": "output", "activation": "sigmoid", "label": "o", "x": 220, "y": 0},
        ],
        "edges": [{"id": "w1", "source": "x1", "target": "o"},
                  {"id": "w2", "source": "x2", "target": "o"}],
        "training": {"loss": "binary_cross_entropy", "optimizer": "adam", "learning_rate": 0.1,
                     "seed": 2, "epochs": 800},
        "data": {"generator": {"name": "circles", "n": 200, "noise": 0.05, "seed": 3}},
    }  # fmt: skip
    return fileformat.loads(json.dumps(doc))


def click_box(w, qtbot, name: str) -> None:
    dock = w.training_tools.docks["data"]
    dock.show()
    dock.raise_()
    box = w.training_tools.data_panel.features.boxes[name]
    qtbot.waitUntil(lambda: box.isVisible())
    scroll = dock.widget()  # the panel scrolls in its dock
    if hasattr(scroll, "ensureWidgetVisible"):
        scroll.ensureWidgetVisible(box)
    QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     box.rect().center())  # fmt: skip


def accuracy(w) -> float:
    s = w.training_tools.session
    assert s.ensure()
    X, _, labels = s.data_points()
    p = s.compiled.net.predict(X)[:, 0]
    return float(np.mean((p >= 0.5).astype(int) == labels))


def train(w, qtbot) -> None:
    c = w.training_tools.controller
    w.view.setFocus()
    QTest.keyClick(w.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not c.running, timeout=60_000)


def test_ticking_x1_squared_and_x2_squared_fits_the_circles(make_window, qtbot, tmp_path):
    w = make_window(graph=circles_perceptron())
    panel = w.training_tools.data_panel.features
    assert list(panel.boxes) == ["x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)"]
    train(w, qtbot)
    assert accuracy(w) < 0.75  # a line cannot separate two rings
    click_box(w, qtbot, "x1^2")
    click_box(w, qtbot, "x2^2")
    g = w.graph
    assert g.data["features"] == ["x1^2", "x2^2"]
    labels = [n.display_label for n in g.inputs()]
    assert labels == ["x₁", "x₂", "x₁²", "x₂²"]
    new = g.inputs()[2:]
    assert all(g.edge_between(n.id, "o") is not None for n in new)
    assert w.scene.neuron_item(new[0].id) is not None  # drawn
    assert w.training_tools.data_panel.misfit is None  # the data fits the 4 inputs
    assert panel.boxes["x1^2"].isChecked() and panel.boxes["x2^2"].isChecked()
    train(w, qtbot)
    assert accuracy(w) >= 0.95
    # the dock draws the plane of x₁, x₂ (not the features): the circle is its boundary
    plot = w.training_tools.boundary_plot
    plot.update_view()
    assert "accuracy" in plot.info.text() and plot._mode == "2d"
    # saved with its features, opened again as it was
    path = tmp_path / "circles.json"
    w.document.save(path)
    assert json.loads(path.read_text())["data"]["features"] == ["x1^2", "x2^2"]
    assert w.open_file(path)
    assert w.graph.data["features"] == ["x1^2", "x2^2"]
    assert [n.display_label for n in w.graph.inputs()] == labels
    assert accuracy(w) >= 0.95


def test_each_feature_is_one_undo_step_and_a_new_generator_keeps_them(make_window, qtbot):
    w = make_window(graph=circles_perceptron())
    panel = w.training_tools.data_panel.features
    before = fileformat.dumps(w.graph)
    click_box(w, qtbot, "x1*x2")
    assert w.graph.data["features"] == ["x1*x2"] and len(w.graph.inputs()) == 3
    # another seed from the generator page: the features stay
    dp = w.training_tools.data_panel
    dp.gen_seed.setValue(9)
    assert w.graph.data["generator"]["seed"] == 9 and w.graph.data["features"] == ["x1*x2"]
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.view.setFocus()
    QTest.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the seed
    QTest.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the feature
    assert fileformat.dumps(w.graph) == before
    assert not panel.boxes["x1*x2"].isChecked()
    w.action_by_name["redo"].trigger()  # Edit > Redo
    assert w.graph.data["features"] == ["x1*x2"] and panel.boxes["x1*x2"].isChecked()
    assert w.graph.inputs()[2].display_label == "x₁x₂"
    click_box(w, qtbot, "x1*x2")  # off again: the neuron goes with it
    assert "features" not in w.graph.data and len(w.graph.inputs()) == 2
