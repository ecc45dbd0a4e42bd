"""One display-settings object (qt/passes/display.py): the Decimals setting and the sample a
whole-batch pass focuses on reach the canvas overlay, Explain, Matrices and the weight
labels together, set as a user sets them (Pass menu, the toolbar's controls)."""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import Qt

from bpstudio.model import templates
from bpstudio.model.numfmt import fmt

REF = Path(__file__).resolve().parent.parent / "fixtures" / "reference"


def _window(make_window):
    g = templates.xor_241()
    g.data = {"samples": [{"x": [a, b], "y": [float(a != b)]} for a in (0, 1) for b in (0, 1)]}
    w = make_window(g)
    w.pass_tools.controller.set_speed(0)
    return w


def _views(tools):
    return (tools.overlay, tools.explain, tools.matrix)


def test_decimals_from_the_pass_menu_reach_every_view(make_window):
    w = make_window(path=REF / "handwritten_221.json")
    ref = json.loads((REF / "handwritten_221.trace.json").read_text())["edges"]["w5"]
    tools = w.pass_tools
    tools.controller.set_speed(0)
    tools.controller.backward_all()
    w.scene.select_ids(edges=["w5"])
    for d in (2, 6, 3):
        tools.pass_menu.decimals[d].trigger()  # Pass > Decimals > d
        assert tools.display.decimals == d
        assert [v.decimals for v in _views(tools)] == [d, d, d]
        assert tools.overlay.edge_badge("w5").text() == fmt(ref["grad"], d)  # the canvas
        assert w.scene.edge_item("w5").label_text() == fmt(ref["weight"], d)  # weight label
        assert fmt(ref["grad"], d) in tools.explain.plain_text()  # Explain


def test_the_focused_sample_of_a_batch_reaches_every_view(make_window, qtbot):
    w = _window(make_window)
    tools = w.pass_tools
    c = tools.controls
    tools.pass_menu.batch.trigger()  # Pass > Whole Batch
    c.sample.setFocus()
    qtbot.keyClick(c.sample, Qt.Key.Key_Up)
    qtbot.keyClick(c.sample, Qt.Key.Key_Up)  # sample 2 of the batch
    tools.controller.forward_all()
    assert tools.display.focus == 2
    assert [v.focus for v in _views(tools)] == [2, 2, 2]
    tools.pass_menu.one.trigger()  # Pass > One Sample: the pass is of sample 2 alone
    assert tools.stepper.samples == [2]
    assert [v.focus for v in _views(tools)] == [0, 0, 0]
    qtbot.keyClick(c.sample, Qt.Key.Key_Down)
    assert tools.stepper.samples == [1] and [v.focus for v in _views(tools)] == [0, 0, 0]
