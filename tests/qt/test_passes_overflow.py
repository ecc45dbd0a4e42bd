"""Stepping a pass that overflows float64 in the real window: a message, never NaN badges.

F6 (forward), F7 (backward) and F8 (update) on a network whose weight of 1e308 overflows z,
and on one whose learning rate overflows the update: the status bar names the place, no
badge shows inf/NaN, the graph keeps its finite weights, and nothing raises (pytest-qt fails
the test on an exception in a slot).
"""

from __future__ import annotations

import json
import math

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpstudio.model.stepper import IDLE


def _doc(weight: float, lr: float, x: float = 1.0) -> dict:
    return {
        "format": "bpstudio-network",
        "version": 1,
        "name": "overflow",
        "neurons": [
            {"id": "x", "role": "input", "x": 0, "y": 0},
            {"id": "h", "role": "hidden", "activation": "identity", "bias": 0.0, "x": 200, "y": 0},
            {"id": "o", "role": "output", "activation": "identity", "bias": 0.0, "x": 400, "y": 0},
        ],
        "edges": [
            {"id": "w1", "source": "x", "target": "h", "weight": weight},
            {"id": "w2", "source": "h", "target": "o", "weight": 10.0},
        ],
        "training": {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": lr},
        "data": {"samples": [{"x": [x], "y": [0.0]}]},
    }


def _open(make_window, tmp_path, qtbot, doc):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    w = make_window(path=path)
    w.pass_tools.controller.set_speed(0)
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.view.setFocus()
    return w


def _badge_values(window) -> list[float]:
    overlay = window.pass_tools.overlay
    values = []
    for badge in [*overlay.neuron_badges.values(), *overlay.edge_badges.values()]:
        if badge.isVisible():
            values += [v for v in badge.values.values() if isinstance(v, float)]
    return values


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        (_doc(1e308, 0.1), "overflows at neuron o: z = inf"),
        (_doc(1.0, 1e308, x=10.0), "update overflows at edge w1: updated weight = -inf"),
    ],
    ids=["weight-1e308", "learning-rate-1e308"],
)
def test_stepping_an_overflowing_pass_says_where(make_window, tmp_path, qtbot, doc, where):
    window = _open(make_window, tmp_path, qtbot, doc)
    stepper = window.pass_tools.stepper
    weights = {e: window.graph.edges[e].weight for e in window.graph.edges}
    for key, mods in [
        (Qt.Key_F6, Qt.NoModifier),
        (Qt.Key_F6, Qt.ShiftModifier),
        (Qt.Key_F7, Qt.NoModifier),
        (Qt.Key_F7, Qt.ShiftModifier),
        (Qt.Key_F8, Qt.NoModifier),
    ]:
        window._hint.setText("")
        qtbot.keyClick(window.view, key, mods)
        text = window._hint.text()
        assert text.startswith("cannot run a pass: ") and where in text, text
        assert stepper.state.phase == IDLE
        assert all(math.isfinite(v) for v in _badge_values(window))
        assert window.pass_tools.overlay.visible_loss_badge() is None
    # the update was never applied: no infinite weight entered the document
    assert {e: window.graph.edges[e].weight for e in window.graph.edges} == weights
    assert window.undo_stack.count() == 0


def test_after_fixing_the_learning_rate_the_pass_steps_again(make_window, tmp_path, qtbot):
    window = _open(make_window, tmp_path, qtbot, _doc(1.0, 1e308, x=10.0))
    qtbot.keyClick(window.view, Qt.Key_F8)
    assert "update overflows" in window._hint.text()
    lr = window.training_tools.training_panel.lr  # the learning rate, typed as a user would
    lr.setFocus()
    lr.lineEdit().selectAll()
    qtbot.keyClicks(lr, "0.001")
    qtbot.keyClick(lr, Qt.Key_Return)
    assert window.graph.training["learning_rate"] == 0.001
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_F8)
    assert window.pass_tools.stepper.updated
    assert window.graph.edges["w1"].weight == pytest.approx(1.0 - 0.001 * 10000.0)
    assert all(math.isfinite(v) for v in _badge_values(window))


def test_path_products_that_overflow_a_finite_pass(
    make_window, tmp_path, qtbot, monkeypatch, mouse
):
    """A finite pass whose chain-rule paths multiply 1e200 by ±1e200 (tests/test_overflow_cli.py
    builds it): stepping works, clicking the edge explains it without the fsum traceback, and
    File → Export worked example names the path that overflows and writes nothing."""
    from test_overflow_cli import CANCELLING_PATHS  # tests/ is on sys.path (its conftest)

    from bpstudio.qt import dialogs

    window = _open(make_window, tmp_path, qtbot, CANCELLING_PATHS)
    qtbot.keyClick(window.view, Qt.Key_F6, Qt.ShiftModifier)
    qtbot.keyClick(window.view, Qt.Key_F7, Qt.ShiftModifier)
    assert window.pass_tools.stepper.backward_done
    window.view.centerOn(200, 0)
    m = mouse(window.view)
    m.click(50, 0)  # on edge w0 (x at 0, h0 at 100)
    tools = window.pass_tools
    assert tools.explain.selection == ("edge", "w0")
    text = tools.explain.plain_text()
    assert "engine's ∂L/∂w0 = 0" in text and "✓ they agree" not in text
    assert "the product of path 1 overflows float64" in text
    # the worked example: the message box names the path, nothing is written
    out = tmp_path / "cancel_worked_example.md"
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a: str(out))
    shown = []
    monkeypatch.setattr(dialogs, "show_errors", lambda *a: shown.append(a))
    window.action_by_name["export worked example"].trigger()
    assert len(shown) == 1
    assert shown[0][3] == [
        "the chain rule of ∂L/∂w of edge w0 overflows along the path x → h0 → h1 → h2a → o: "
        "its product is -inf (sample 0), although ∂L/∂w = 0 is finite; the weights on the "
        "path are too large for float64 products"
    ]
    assert not out.exists()
