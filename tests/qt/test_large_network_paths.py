"""A 500-neuron / 20,000-edge network in the real window: the matrix view's lazy tables, F8,
deleting 2,000 edges and undoing it. Behaviour only; benchmarks/bench_user_path.py times it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from qt_graphs import big_graph

from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.qt.passes.matrix_view import EDGE_ROLE, MASKED


def _with_data(g, n_samples: int = 3):
    width = sum(1 for n in g.neurons.values() if n.role == "input")
    outs = sum(1 for n in g.neurons.values() if n.role == "output")
    g.data = {"samples": [{"x": [((k + i) % 7) / 7 - 0.4 for i in range(width)],
                           "y": [((k * i) % 5) / 5 for i in range(outs)]}
                          for k in range(n_samples)]}  # fmt: skip
    g.training.update(learning_rate=0.1)
    return g


@pytest.fixture
def big_window(make_window, qtbot):
    """The real window on 500 neurons / 20,000 edges with the Matrices dock in front."""
    window = make_window(_with_data(big_graph()))
    tools = window.pass_tools
    tools.matrix_dock.show()
    tools.matrix_dock.raise_()
    qtbot.waitUntil(lambda: tools.matrix.exposed() and len(tools.matrix.tables) == 4)
    window.undo_stack.setClean()
    return window


def _cell_text(m, eid):
    r = m.stepper.compute()
    layer, _, _ = r.compiled.edge_cell(eid)
    t = m.table(layer)
    row, col = t.cell_of[eid]
    return t, row, col, t.item(row, col)


def test_matrix_cells_show_the_weights_and_masks_of_a_big_network(big_window):
    m = big_window.pass_tools.matrix
    g = big_window.graph
    t = m.table(2)
    assert (t.rowCount(), t.columnCount()) == (100, 103)  # 100 sources | b z a
    model = t.model()
    # headers: labels of the sources, then b z a; rows: the layer's neurons
    assert model.headerData(7, Qt.Horizontal) == "n1_7"
    assert [model.headerData(k, Qt.Horizontal) for k in (100, 101, 102)] == ["b", "z", "a"]
    assert model.headerData(3, Qt.Vertical) == "n2_3"
    for eid in ("w10001", "w12345", "w19999"):
        te, row, col, cell = _cell_text(m, eid)
        e = g.edges[eid]
        assert cell.text() == ex.fmt(e.weight, m.decimals)
        assert cell.data(EDGE_ROLE) == eid
        assert cell.toolTip() == f"{eid}: {e.source} → {e.target}"
        assert te.model().headerData(col, Qt.Horizontal) == e.source
        assert te.model().headerData(row, Qt.Vertical) == e.target
    # n2_0 is fed by n1_0 .. n1_49 only: n1_50 is a hatched, empty, unselectable cell
    hole = t.item(0, 50)
    assert hole.text() == "" and hole.toolTip() == "no edge n1_50 → n2_0"
    assert hole.data(EDGE_ROLE) is None
    brush = hole.data(Qt.BackgroundRole)
    assert brush.style() == MASKED.style() == Qt.BDiagPattern
    assert not model.flags(model.index(0, 50)) & Qt.ItemIsSelectable
    # z and a columns: the pass's numbers for the row's neuron
    r = m.stepper.compute()
    assert t.item(3, 101).text() == ex.fmt(r.value("z", "n2_3", 0), m.decimals)
    assert t.item(3, 102).text() == ex.fmt(r.value("a", "n2_3", 0), m.decimals)
    # every column is wide enough for its widest number: nothing is elided
    fm = t.fontMetrics()
    for col in (0, 50, 99, 100, 101, 102):
        widest = max(fm.horizontalAdvance(t.item(i, col).text()) for i in range(100))
        assert t.columnWidth(col) >= widest + 6


def test_f8_on_a_big_network_writes_the_update_into_the_matrix_cells(big_window, qtbot):
    window = big_window
    tools = window.pass_tools
    tools.controls.speed.setValue(0)  # instant
    m = tools.matrix
    before = fileformat.to_document(window.graph)
    r = tools.stepper.compute()
    want = {eid: r.updated_weight(eid) for eid in ("w1", "w5050", "w19999")}
    window.view.setFocus()
    QTest.keyClick(window, Qt.Key_F8)
    assert tools.stepper.updated
    qtbot.waitUntil(lambda: not tools.overlay.refreshing, timeout=30000)  # drawn in slices
    assert tools.overlay.neuron_badge("n1_0", "forward").values["new"] == r.updated_bias("n1_0")
    # every weight and bias moved to the optimizer step of this pass (one undo entry)
    new_w, new_b = r.parameters(updated=True)
    assert {eid: e.weight for eid, e in window.graph.edges.items()} == new_w
    assert {nid: window.graph.neurons[nid].bias for nid in new_b} == new_b
    assert window.undo_stack.count() == 1
    # the next pass (F6) runs on the updated weights: the cells show them
    QTest.keyClick(window, Qt.Key_F6)
    assert tools.stepper.state.phase == "forward"
    for eid, w in want.items():
        t, row, col, _ = _cell_text(m, eid)
        qtbot.waitUntil(lambda t=t, row=row, col=col, w=w: t.item(row, col).text()
                        == ex.fmt(w, m.decimals))  # fmt: skip
        assert t.item(row, col).data(Qt.UserRole) == w
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert fileformat.to_document(window.graph) == before


def test_matrix_selection_follows_the_canvas_and_a_click_on_a_cell(big_window, qtbot):
    window = big_window
    tools = window.pass_tools
    m = tools.matrix
    tools.select_edge("w12345")
    assert m.selected_edge() == "w12345"
    assert tools.explain.selection == ("edge", "w12345")
    # a real click on another weight's cell selects that edge everywhere
    t, row, col, _ = _cell_text(m, "w15050")
    index = t.model().index(row, col)
    t.scrollTo(index)
    m.scroll_area.ensureWidgetVisible(t)
    QTest.mouseClick(t.viewport(), Qt.LeftButton, Qt.NoModifier, t.visualRect(index).center())
    assert m.selected_edge() == "w15050"
    assert tools.explain.selection == ("edge", "w15050")
    # a click on a hatched cell selects nothing new
    hole = t.model().index(0, 60)
    t.scrollTo(hole)
    QTest.mouseClick(t.viewport(), Qt.LeftButton, Qt.NoModifier, t.visualRect(hole).center())
    assert tools.explain.selection == ("edge", "w15050")


def test_deleting_2000_edges_and_undo_restore_the_exact_document(big_window):
    window = big_window
    g = window.graph
    before = fileformat.to_document(g)
    victims = [f"n2_{i}" for i in range(0, 100, 5)]  # 20 neurons, 50 edges in + 50 out each
    window.scene.select_ids(victims)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Delete)
    assert len(g.edges) == 18000 and len(g.neurons) == 480
    assert not any(e.source in victims or e.target in victims for e in g.edges.values())
    after = fileformat.to_document(g)
    QTest.keyClick(window, Qt.Key_Z, Qt.ControlModifier)
    assert fileformat.to_document(g) == before  # same neurons and edges, in the same order
    assert list(g.edges) == [e["id"] for e in before["edges"]]
    QTest.keyClick(window, Qt.Key_Y, Qt.ControlModifier)
    assert fileformat.to_document(g) == after
    window.undo_stack.undo()
    # the canvas and the matrix view follow: every edge is drawn again, the tables are full
    window.scene.flush()
    layer = window.scene._layer
    assert sum(len(p) // 2 for _k, p in layer._static) == 20000
    m = window.pass_tools.matrix
    m.rebuild()
    assert sum(len(t.cell_of) for t in m.tables) == 20000


def test_deleting_scattered_edges_in_one_command_undoes_in_order(big_window):
    from bpstudio.qt.commands import DeleteCommand

    window = big_window
    g = window.graph
    before = fileformat.to_document(g)
    seen = []
    g.subscribe(seen.append)
    ids = [f"w{k}" for k in range(3, 20001, 10)]  # 2,000 edges spread over every layer
    window.undo_stack.push(DeleteCommand(g, [], ids))
    assert len(g.edges) == 18000 and not set(ids) & set(g.edges)
    assert [c.kind for c in seen] == ["edges_removed"] and set(seen[0].ids) == set(ids)
    window.undo_stack.undo()
    assert fileformat.to_document(g) == before
    assert [c.kind for c in seen] == ["edges_removed", "edges_added"]
    g.unsubscribe(seen.append)


def test_the_edge_picture_matches_the_zoom_and_is_composed_again_when_zoomed_in(big_window, qtbot):
    window = big_window
    layer = window.scene._layer
    window.view.fit_all()
    window.view.viewport().grab()
    qtbot.waitUntil(lambda: layer.picture is not None and not layer.composing, timeout=20000)
    small = layer.picture.size()
    assert layer._picture_res < 1.0  # an overview: about the screen's size, not CACHE_PX
    window.view.scale(6, 6)
    window.view.viewport().grab()  # the paint sees the finer zoom and asks for a picture
    qtbot.waitUntil(lambda: not layer.composing and layer.picture.size() != small, timeout=20000)
    assert layer.picture.height() > small.height()
    # the picture stays the edges: every static line is in it (none live, no drag)
    assert sum(len(p) // 2 for _k, p in layer._static) == len(window.graph.edges)


def test_matrices_follow_a_deletion_in_the_same_tables(big_window, qtbot):
    """Deleting neurons changes two layers' layouts: the tables are re-laid out in place
    (same widgets) and show the network as it is, cell for cell, and again after undo."""
    window = big_window
    tools, g = window.pass_tools, window.graph
    m = tools.matrix
    tables = list(m.tables)
    victims = [f"n2_{i}" for i in range(0, 100, 5)]
    window.scene.select_ids(victims)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key_Delete)
    assert len(g.neurons) == 480
    qtbot.waitUntil(lambda: m.table(2).rowCount() == 80, timeout=5000)
    assert m.tables == tables  # the same widgets
    assert (m.table(2).rowCount(), m.table(3).columnCount()) == (80, 80 + 3)
    assert "W(2) is 80×100" in m.equations[1].text()
    assert "W(3) is 100×80" in m.equations[2].text()
    assert sum(len(t.cell_of) for t in m.tables) == len(g.edges) == 18000
    for eid in ("w1", "w5101", "w10002", "w19999"):
        if eid not in g.edges:
            continue
        t, row, col, cell = _cell_text(m, eid)
        e = g.edges[eid]
        assert cell.text() == ex.fmt(e.weight, m.decimals)
        assert cell.toolTip() == f"{eid}: {e.source} → {e.target}"
        assert t.model().headerData(row, Qt.Vertical) == e.target
        assert t.model().headerData(col, Qt.Horizontal) == e.source
    # a click on a re-laid-out cell selects its edge
    t, row, col, _ = _cell_text(m, "w10002")
    index = t.model().index(row, col)
    t.scrollTo(index)
    m.scroll_area.ensureWidgetVisible(t)
    QTest.mouseClick(t.viewport(), Qt.LeftButton, Qt.NoModifier, t.visualRect(index).center())
    assert m.selected_edge() == "w10002" and tools.explain.selection == ("edge", "w10002")
    window.undo_stack.undo()
    qtbot.waitUntil(lambda: m.table(2).rowCount() == 100, timeout=5000)
    assert m.tables == tables and m.table(3).columnCount() == 103
    assert sum(len(t.cell_of) for t in m.tables) == 20000
    _t, _row, _col, cell = _cell_text(m, "w10001")
    assert cell.text() == ex.fmt(g.edges["w10001"].weight, m.decimals)
