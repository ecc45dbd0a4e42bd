"""One undo command for new weights (qt/commands.SetParametersCommand), through the graph's
mutator, for a pass's update and for training alike.

Driven on the real window: F9 (a full pass step) and the Train menu's Play, then Ctrl+Z.
The weights are compared with the graph before and after, and with the reference trace's
updated weights (tests/fixtures/reference, computed independently of the app).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from bpstudio.model import fileformat
from bpstudio.model.graph import Change, ChangeKind

REF = Path(__file__).resolve().parent.parent / "fixtures" / "reference"


def _missing_weights_window(make_window, tmp_path):
    """handwritten_221 with every weight left out of the file (drawn from init at compile)."""
    raw = json.loads((REF / "handwritten_221.json").read_text())
    for e in raw["edges"]:
        e.pop("weight", None)
    path = tmp_path / "no_weights.json"
    path.write_text(json.dumps(raw))
    w = make_window(path=path)
    w.pass_tools.controller.set_speed(0)
    assert all(e.weight is None for e in w.graph.edges.values())
    return w


def _focus(w, qtbot) -> None:
    """The canvas has the keyboard, in the active window (the pass keys are its shortcuts)."""
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    w.view.setFocus()


def _events(graph) -> list[Change]:
    seen: list[Change] = []
    graph.subscribe(seen.append)
    return seen


def test_undoing_a_pass_update_gives_back_the_missing_weights(make_window, tmp_path, qtbot):
    w = _missing_weights_window(make_window, tmp_path)
    biases = {nid: n.bias for nid, n in w.graph.neurons.items()}
    _focus(w, qtbot)
    qtbot.keyClick(w.view, Qt.Key.Key_F9)  # forward, backward, update: one undo entry
    assert w.undo_stack.undoText().startswith("Update weights")
    updated = {eid: e.weight for eid, e in w.graph.edges.items()}
    assert all(isinstance(v, float) for v in updated.values())
    seen = _events(w.graph)
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert all(e.weight is None for e in w.graph.edges.values())  # missing again, not init
    assert {nid: n.bias for nid, n in w.graph.neurons.items()} == biases
    assert [c.kind for c in seen] == [ChangeKind.WEIGHTS_CHANGED]  # one event, all edges
    w.action_by_name["redo"].trigger()  # Edit > Redo
    assert {eid: e.weight for eid, e in w.graph.edges.items()} == updated


def test_a_pass_update_is_the_reference_step_and_undoes_exactly(make_window, qtbot):
    w = make_window(path=REF / "handwritten_221.json")
    w.pass_tools.controller.set_speed(0)
    ref = json.loads((REF / "handwritten_221.trace.json").read_text())["edges"]
    before = fileformat.load(REF / "handwritten_221.json")
    _focus(w, qtbot)
    qtbot.keyClick(w.view, Qt.Key.Key_F9)
    for eid, vals in ref.items():
        assert w.graph.edges[eid].weight == pytest.approx(vals["updated"], rel=1e-9)
    qtbot.keyClick(w.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert {eid: x.weight for eid, x in w.graph.edges.items()} == {
        eid: e.weight for eid, e in before.edges.items()
    }


def test_a_pass_update_while_training_pauses_training_first(make_window, tmp_path, qtbot):
    """Training's own entries let it run on; a pass's update is an edit of the weights under
    it (same command class): training pauses, its stretch is its own undo entry below."""
    raw = json.loads((REF / "handwritten_221.json").read_text())
    raw["training"]["epochs"] = 1_000_000  # (the file trains one epoch)
    path = tmp_path / "long.json"
    path.write_text(json.dumps(raw))
    w = make_window(path=path)
    w.pass_tools.controller.set_speed(0)
    t = w.training_tools
    t.actions["play"].trigger()  # Train > Play, as from the menu
    qtbot.waitUntil(lambda: t.controller.epoch > 0, timeout=20000)
    assert t.controller._playing
    _focus(w, qtbot)
    qtbot.keyClick(w.view, Qt.Key.Key_F9)
    assert not t.controller._playing
    texts = [w.undo_stack.text(i) for i in range(w.undo_stack.count())]
    assert texts[-1].startswith("Update weights") and texts[-2].startswith("Train ")
