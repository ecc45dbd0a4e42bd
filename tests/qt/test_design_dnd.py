"""Issue 15: drag-and-drop design. The 2-2-1 lecture network from an empty canvas in a few
gestures, palette drops with their preview, layers edited as a unit, each one undo step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from design_helpers import DragPlayer
from gestures import choose
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model import fileformat, templates
from bpstudio.qt import dialogs

REFERENCE = Path("/work/shared/reference/handwritten_221.json")
if not REFERENCE.exists():  # the checkout's copy of the shared reference
    REFERENCE = Path(__file__).resolve().parents[1] / "fixtures/reference/handwritten_221.json"


def structure(doc: dict) -> dict:
    """What makes the network the lecture's: topology, roles, activations, numbers, data."""
    return {
        "neurons": [(n["id"], n["role"], n.get("activation"), float(n.get("bias", 0.0)))
                    for n in doc["neurons"]],
        "edges": [(e["id"], e["source"], e["target"], e.get("weight")) for e in doc["edges"]],
        "samples": [([float(v) for v in s["x"]], [float(v) for v in s["y"]])
                    for s in doc["data"]["samples"]],
    }  # fmt: skip


def type_keys(text: str, end=Qt.Key.Key_Return) -> None:
    """Typing is not a mouse gesture: the numbers, then Enter or Tab, each key to the widget
    that has the keyboard focus at that moment (as a keyboard does)."""
    for ch in text:
        QTest.keyClick(QApplication.focusWidget(), ch)
    QTest.keyClick(QApplication.focusWidget(), end)


@pytest.fixture
def blank_window(make_window):
    return make_window(graph=templates.blank())


def test_build_the_221_lecture_network_by_drag_and_drop_in_8_gestures(
    blank_window, qtbot, monkeypatch, tmp_path
):
    w = blank_window
    pal, panel = w.design_palette, w.layer_panel
    player = DragPlayer(w, monkeypatch)
    # an empty canvas puts the palette in front
    qtbot.waitUntil(lambda: pal.isVisible())
    assert not w.graph.neurons

    player.drag(pal.layer_tiles["input"], (0, 0))  # 1: Input ×2
    assert [n.role for n in w.graph.neurons.values()] == ["input", "input"]
    player.drag(pal.layer_tiles["hidden"], (215, 12))  # 2: Hidden ×2 beside it
    assert "fully connected from x₁, x₂ (4 new edges)" in player.status_before_drop
    assert player.ghosts_before_drop == 2 + 4  # the preview: two ghosts and four edges
    assert len(w.graph.edges) == 4 and panel.column == ["h1", "h2"]
    player.click(panel.weights)  # 3: the layer's Weights field (the drop selected the layer)
    type_keys("0.15 0.20 0.25 0.30", Qt.Key.Key_Tab)  # Tab: to Bias
    type_keys("0.35")
    player.drag(pal.layer_tiles["output"], (430, -5))  # 4: Output ×1 beside the hidden layer
    assert panel.column == ["o1"]
    player.click(panel.weights)  # 5
    type_keys("0.40 0.45", Qt.Key.Key_Tab)
    type_keys("0.60")
    player.click_tab("Data")  # 6: the Data panel
    dp = w.training_tools.data_panel
    player.click(dp.add_row_button)  # 7: Add sample
    table = dp.table
    player.click(table.viewport(), table.visualRect(table.model().index(0, 0)).center())  # 8
    for text in ("0.05", "0.10"):
        type_keys(text, Qt.Key.Key_Tab)
    type_keys("0.01")
    qtbot.wait(10)
    assert player.gestures == 8 <= 10
    assert all(player.accepted)

    path = tmp_path / "built_221.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(path))  # the name typed
    QTest.keyClick(w.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # File > Save
    assert path.exists(), w._hint.text()
    saved = json.loads(path.read_text("utf-8"))
    reference = json.loads(REFERENCE.read_text("utf-8"))
    assert structure(saved) == structure(reference)
    # and it computes what the lecture computes: the saved file opens and trains the same
    assert fileformat.load(path).edges["w5"].weight == 0.40

    # one undo step per gesture that changed the network: undo all gives the blank canvas
    stack = w.undo_stack
    steps = stack.count()
    assert steps == 11  # 3 drops, 2 weight fields, 2 bias fields, Add sample, 3 cells
    final = fileformat.dumps(w.graph)
    while stack.canUndo():
        w.action_by_name["undo"].trigger()
    assert not w.graph.neurons and not w.graph.edges
    for _ in range(steps):
        w.action_by_name["redo"].trigger()
    assert fileformat.dumps(w.graph) == final


def snapshot(w) -> str:
    return fileformat.dumps(w.graph)


def undo_redo_exact(w, before: str, after: str) -> None:
    """Undo gives back the document before the step, bit for bit; redo the one after it."""
    w.action_by_name["undo"].trigger()
    assert snapshot(w) == before
    w.action_by_name["redo"].trigger()
    assert snapshot(w) == after


def test_a_layer_block_dropped_beside_a_layer_connects_fully_and_undoes_exactly(
    make_window, monkeypatch
):
    w = make_window()  # the 2-2-1 lecture network: inputs at x=0, hidden 220, output 440
    player = DragPlayer(w, monkeypatch)
    w.design_palette.counts["hidden"].setValue(3)
    w.design_palette.activations["hidden"].setCurrentText("tanh")
    before = snapshot(w)
    player.drag(w.design_palette.layer_tiles["hidden"], (650, 30))  # right of the output: no source
    assert "connected" not in player.status_before_drop
    w.action_by_name["undo"].trigger()
    assert snapshot(w) == before
    player.drag(w.design_palette.layer_tiles["hidden"], (230, 300))  # onto the hidden column: joins
    assert "into the column of 2 hidden (sigmoid)" in player.status_before_drop
    assert "fully connected from x₁, x₂ (6 new edges)" in player.status_before_drop
    after = snapshot(w)
    new = [n for n in w.graph.neurons.values() if n.id not in ("x1", "x2", "h1", "h2", "o1")]
    assert [(n.role, n.activation, n.x) for n in new] == [("hidden", "tanh", 220.0)] * 3
    assert {(e.source, e.target) for e in w.graph.edges.values() if e.target in
            {n.id for n in new}} == {(s, n.id) for s in ("x1", "x2") for n in new}  # fmt: skip
    assert w.undo_stack.count() == 1  # the drop is one step
    undo_redo_exact(w, before, after)


def test_shift_while_dropping_does_not_connect(make_window, monkeypatch):
    w = make_window(graph=templates.blank())
    player = DragPlayer(w, monkeypatch)
    player.drag(w.design_palette.layer_tiles["input"], (0, 0))
    player.drag(w.design_palette.layer_tiles["output"], (220, 0), shift=True)
    assert "without edges" in player.status_before_drop
    assert not w.graph.edges and len(w.graph.neurons) == 3
    # the checkbox off and Shift held: connected again
    w.design_palette.connect_box.setChecked(False)
    player.drag(w.design_palette.tiles["hidden"], (440, 0), shift=True)
    assert "fully connected from" not in player.status_before_drop  # beside an output only
    player.drag(w.design_palette.tiles["output"], (220, 300), shift=True)  # into the output column
    assert [(e.source, e.target) for e in w.graph.edges.values()] == [("x1", "o2"), ("x2", "o2")]


def test_a_drag_from_another_application_is_ignored(make_window):
    from PySide6.QtCore import QMimeData, QPoint
    from PySide6.QtGui import QDragEnterEvent

    w = make_window()
    mime = QMimeData()
    mime.setText("hello")
    ev = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                         Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(w.view.viewport(), ev)
    assert not ev.isAccepted()


def handle(w, ids: list[str]):
    QApplication.processEvents()  # the handles follow the graph on the next event turn
    return next(h for h in w.layer_handles.handles if h.ids == ids)


def click_handle(w, mouse, ids: list[str]) -> None:
    h = handle(w, ids)
    mouse(w.view).click(h.pos().x(), h.pos().y())


def test_one_click_on_a_column_handle_selects_the_layer_and_a_drag_moves_it(make_window, mouse):
    w = make_window()
    click_handle(w, mouse, ["h1", "h2"])
    assert w.scene.selected_ids() == (["h1", "h2"], [])
    assert w.layer_panel.column == ["h1", "h2"]
    h = handle(w, ["h1", "h2"])
    before = snapshot(w)
    mouse(w.view).drag((h.pos().x(), h.pos().y()), (h.pos().x() + 40, h.pos().y() + 20))
    assert (w.graph.neurons["h1"].x, w.graph.neurons["h2"].x) == (260.0, 260.0)
    assert w.graph.neurons["x1"].x == 0.0 and w.undo_stack.count() == 1
    w.action_by_name["undo"].trigger()
    assert snapshot(w) == before


def test_growing_and_shrinking_a_layer_each_undo_and_redo_exactly(make_window, mouse):
    w = make_window()
    click_handle(w, mouse, ["h1", "h2"])
    panel = w.layer_panel
    before = snapshot(w)
    panel.size_field.setFocus()
    QTest.keyClick(panel.size_field, Qt.Key.Key_Up)  # grow to 3
    grown = snapshot(w)
    h3 = w.graph.neurons["h3"]
    assert (h3.role, h3.activation, h3.x) == ("hidden", "sigmoid", 220.0)
    ins = [(e.source, e.weight) for e in w.graph.edges.values() if e.target == "h3"]
    outs = [(e.target, e.weight) for e in w.graph.edges.values() if e.source == "h3"]
    assert [s for s, _ in ins] == ["x1", "x2"] and [t for t, _ in outs] == ["o1"]
    assert all(wt is not None and wt != 0 for _, wt in ins + outs)  # initialised
    assert panel.column == ["h1", "h2", "h3"] and w.undo_stack.count() == 1
    assert w.scene.selected_ids()[0] == ["h1", "h2", "h3"]  # selected on the canvas too
    undo_redo_exact(w, before, grown)
    QTest.keyClick(panel.size_field, Qt.Key.Key_Down)  # shrink back: h3 goes
    QTest.keyClick(panel.size_field, Qt.Key.Key_Down)  # and h2
    assert list(w.graph.neurons) == ["x1", "x2", "h1", "o1"]
    shrunk = snapshot(w)
    w.action_by_name["undo"].trigger()
    w.action_by_name["undo"].trigger()
    assert snapshot(w) == grown
    w.action_by_name["redo"].trigger()
    w.action_by_name["redo"].trigger()
    assert snapshot(w) == shrunk
    # the whole layer's activation, one step
    choose(panel.activation, "relu")
    assert w.graph.neurons["h1"].activation == "relu"
    undo_redo_exact(w, shrunk, snapshot(w))


def test_layer_weights_field_says_what_is_wrong_and_changes_nothing(make_window, mouse):
    w = make_window()
    click_handle(w, mouse, ["h1", "h2"])
    panel = w.layer_panel
    assert panel.weights.text() == "0.15 0.2; 0.25 0.3"
    before = snapshot(w)
    panel.weights.setFocus()
    panel.weights.selectAll()
    type_keys("0.1 0.2 0.3")
    assert "4 weights expected (h₁ ← x₁, x₂; h₂ ← x₁, x₂), got 3" in panel.weights_note.text()
    panel.weights.selectAll()
    type_keys("0.1 abc 0.3 0.4")
    assert "value 2 ('abc') is not a number" in panel.weights_note.text()
    assert snapshot(w) == before and w.undo_stack.count() == 0


def test_a_palette_tile_clicked_not_dragged_says_how_it_is_used(make_window, qtbot):
    w = make_window()
    tile = w.design_palette.tiles["hidden"]
    w.palette_dock.show()
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert w._hint.text().startswith("Drag a hidden neuron") and "onto the canvas" in w._hint.text()


def test_a_drop_previewed_at_the_origin_draws_its_ghost_edges(blank_window, monkeypatch):
    """A ghost neuron at (0, 0) is a null QPointF, which is falsy: the preview looked for the
    ghost's (absent) scene item and raised in dragMoveEvent (found by the random user)."""
    w = blank_window
    pal = w.design_palette
    player = DragPlayer(w, monkeypatch)
    player.drag(pal.layer_tiles["input"], (-215, 0))
    player.drag(pal.tiles["hidden"], (0, 0))  # one hidden neuron, fed by both inputs
    hidden = [n for n in w.graph.neurons.values() if n.role == "hidden"]
    assert len(hidden) == 1 and (hidden[0].x, hidden[0].y) == (0.0, 0.0)
    assert player.ghosts_before_drop == 1 + 2  # the ghost and its two edges
    assert len(w.graph.edges) == 2
