"""The inspector's activation list and the canvas badges come from the activation registry:
every registered name is offered and drawn, and a new one (swish, registered by the test
only) can be chosen, is drawn from its entry's polyline and is explained."""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import Qt

from bpstudio.core import activations as act
from bpstudio.model import explain as ex
from bpstudio.model import templates
from bpstudio.qt.canvas.neuron_item import glyph

H1 = (220, -55)  # lecture_221's h1 at zoom 1 (tests/qt/test_editor.py)


def _badge_points(path) -> list[float]:
    """The badge path's vertices, y up again, flattened (x0, y0, x1, y1, ...)."""
    out = []
    for i in range(path.elementCount()):
        out += [path.elementAt(i).x, -path.elementAt(i).y]
    return out


def _flat(points) -> list[float]:
    return [v for p in points for v in p]


@pytest.mark.parametrize("name", act.listed())
def test_every_activation_is_offered_and_has_its_badge(make_window, mouse, name):
    window = make_window(templates.lecture_221())
    mouse(window.view).click(*H1)
    combo = window.inspector.n_act
    assert [combo.itemText(i) for i in range(combo.count())] == act.listed()
    assert _badge_points(glyph(name)) == pytest.approx(_flat(act.entry(name).glyph))


def test_a_registered_activation_can_be_chosen_drawn_and_explained(make_window, mouse, qtbot,
                                                                   swish):  # fmt: skip
    window = make_window(templates.lecture_221())
    window.pass_tools.controller.set_speed(0)
    mouse(window.view).click(*H1)
    combo = window.inspector.n_act
    assert combo.findText("swish") == combo.count() - 1  # last: registered after the built-ins
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_End)  # the keyboard picks the last entry, as a user would
    assert window.graph.neurons["h1"].activation == "swish"
    assert window.undo_stack.undoText() == "Set activation of h1"
    item = window.scene.neuron_item("h1")
    assert item.activation == "swish"
    assert _badge_points(glyph(item.activation)) == pytest.approx(_flat(swish.glyph))
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_F9)  # a full step: forward, backward, update
    window.scene.select_ids(neurons=["h1"])
    text = window.pass_tools.explain.plain_text()
    assert "(hidden, layer 1, swish, sample 0)" in text
    z = 0.15 * 0.05 + 0.2 * 0.1 + 0.35  # w1·x1 + w2·x2 + b1 of the worked example
    assert f"a = swish(z) = swish(0.3775) = {ex.fmt(z / (1 + math.exp(-z)))}\n" in text
    assert "swish′(z) = σ(z)(1 + z(1 − σ(z)))" in text
