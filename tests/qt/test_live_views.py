"""Views that training refreshes several times a second do only the work the new weights
need: what they show must still be the network as it is now (issue 9, item 6)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QGraphicsView, QToolTip

from bpstudio.model import explain as ex
from bpstudio.model.graph import Edge, Graph, Neuron
from bpstudio.model.numfmt import exact as fmt  # what the inspector shows
from bpstudio.model.templates import dense_network
from bpstudio.qt.canvas.scene import NetworkScene
from bpstudio.qt.commands import AddItemsCommand


def graph_with_a_dead_end() -> Graph:
    """1,024 edges (bulk mode) and a hidden neuron with no path to an output."""
    g = dense_network((8, 16, 16, 16, 16, 8), "dense")
    g.add_neuron(Neuron("dead", "hidden", activation="tanh", bias=0.5, x=150.0, y=-200.0))
    g.add_edge(Edge("w_dead", "n0_0", "dead", weight=0.3))
    g.data = {"samples": [{"x": [0.1 * i for i in range(8)], "y": [0.5] * 8}]}
    return g


def train_a_little(window) -> None:
    """What a live-training frame does: some epochs, then the weights written to the graph."""
    session = window.training_tools.controller.session
    session.run_for(0.05, 3)
    session.write_back()


def tip_over(view, n: Neuron) -> str:
    """The tool tip Qt shows for a tool-tip request (the mouse resting) over the neuron."""
    QToolTip.hideText()
    vp = view.viewport()
    at = view.mapFromScene(QPointF(n.x, n.y))
    QApplication.sendEvent(vp, QHelpEvent(QEvent.ToolTip, at, vp.mapToGlobal(at)))
    return QToolTip.text()


def test_neuron_tips_name_the_bias_training_just_wrote(qapp):
    """The canvas's own tips (no pass tools: those answer with the pass's numbers): written
    when shown, not for all neurons at every weight write."""
    g = graph_with_a_dead_end()
    scene = NetworkScene(g)
    assert scene.bulk
    view = QGraphicsView(scene)
    view.resize(600, 600)
    view.show()
    view.fitInView(scene.itemsBoundingRect())
    qapp.processEvents()
    n = g.neurons["n2_3"]
    assert f"bias: {n.bias:g}" in tip_over(view, n)
    write_biases(g, 0.25)
    scene._weights_due()  # the once-a-second canvas refresh while training writes weights
    assert n.bias != 0.1 and f"bias: {n.bias:g}" in tip_over(view, n)
    g.unsubscribe(scene._on_change)


def test_inspector_follows_training_and_keeps_the_warning_right(make_window, qtbot, mouse):
    window = make_window(graph_with_a_dead_end())
    g, ins = window.graph, window.inspector
    dead = g.neurons["dead"]
    mouse(window.view).click(dead.x, dead.y)
    assert ins.neuron_ids == ["dead"]
    assert "no path to an output" in ins.n_warning.text()
    train_a_little(window)
    assert "no path to an output" in ins.n_warning.text()  # training moved weights only
    # an edge to an output (not a change of the selected neuron), then the next frame
    window.undo_stack.push(
        AddItemsCommand(g, [], [Edge("w_out", "dead", "n5_0", weight=0.2)], "Connect")
    )
    train_a_little(window)
    assert ins.n_warning.text() == ""
    ins.show_selection(["n2_3"], [])
    train_a_little(window)
    assert ins.n_bias.text() == fmt(g.neurons["n2_3"].bias)


def write_biases(g: Graph, base: float) -> None:
    """What a training frame writes: every weight and bias, one weights_changed event."""
    weights = {eid: e.weight for eid, e in g.edges.items()}
    g.set_parameters(weights, {nid: base + 0.001 * k for k, nid in enumerate(g.neurons)})


def test_explain_behind_another_tab_catches_up_when_shown(make_window, qtbot):
    window = make_window(graph_with_a_dead_end())
    tools, g = window.pass_tools, window.graph
    explain = tools.explain
    tools.explain_dock.raise_()
    tools.select_neuron("n2_3")
    shown = explain.toPlainText()
    assert "0.1" in shown
    tools.matrix_dock.raise_()
    qtbot.waitUntil(lambda: not explain.exposed())
    write_biases(g, 0.25)
    # the docks' refresh after a change has run (its timer fired and its turn came)
    qtbot.waitUntil(lambda: tools._timer.isActive(), timeout=5000)
    qtbot.waitUntil(
        lambda: not tools._timer.isActive() and not tools._refresh_turn.waiting, timeout=10000
    )
    assert explain.toPlainText() == shown  # off screen: not rebuilt
    want = ex.fmt(g.neurons["n2_3"].bias, explain.decimals)
    assert want in explain.plain_text()  # read: up to date
    write_biases(g, 0.5)
    want = ex.fmt(g.neurons["n2_3"].bias, explain.decimals)
    tools.explain_dock.raise_()
    qtbot.waitUntil(lambda: want in explain.toPlainText())
    # in front, while training writes faster than LIVE_HZ: the last write is shown
    for k in range(5):
        write_biases(g, 0.6 + 0.01 * k)
        qtbot.wait(30)
    want = ex.fmt(g.neurons["n2_3"].bias, explain.decimals)
    qtbot.waitUntil(lambda: want in explain.toPlainText())


def test_delete_of_selected_neurons_leaves_the_inspector_on_the_network(
    make_window, qtbot, monkeypatch
):
    """Delete unselects first: the inspector shows the network once, never the neurons the
    deletion goes through one by one (each of those walked the whole graph for warnings)."""
    from bpstudio.qt.inspector import Inspector

    window = make_window(graph_with_a_dead_end())
    g, ins = window.graph, window.inspector
    victims = ["n2_0", "n2_1", "dead"]
    window.scene.select_ids(victims)
    assert ins.neuron_ids == victims and ins.currentWidget() is ins.multi_page
    shown: list[str] = []
    real = Inspector._fill_neuron
    monkeypatch.setattr(Inspector, "_fill_neuron", lambda self, n, *a: (shown.append(n.id),
                                                                        real(self, n, *a)))  # fmt: skip
    assert window.action_by_name["delete"].isEnabled()
    window.action_by_name["delete"].trigger()  # Edit > Delete (the Delete key's action)
    assert not set(victims) & set(g.neurons) and shown == []
    assert ins.currentWidget() is ins.network_page
    assert ins.net_stats.text().startswith(f"{len(g.neurons)} neurons, {len(g.edges)} edges")
    assert window.scene.selectedItems() == []
    window.undo_stack.undo()
    assert set(victims) <= set(g.neurons)
    assert ins.net_stats.text().startswith(f"{len(g.neurons)} neurons, {len(g.edges)} edges")


def test_a_scrolled_stroke_picture_is_moved_not_rasterised_again(qapp):
    """The bulk stroke picture, scrolled by whole pixels (the scene rect grew with a badge,
    a pan): blitted where it now belongs, pixel for pixel, without a new rasterisation."""
    import numpy as np
    from PySide6.QtCore import QRectF
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QGraphicsScene

    from bpstudio.qt.passes.stroke_layer import StrokeLayer

    scene = QGraphicsScene()
    scene.setSceneRect(QRectF(-1000, -1000, 2000, 2000))
    view = QGraphicsView(scene)
    view.resize(400, 300)
    view.show()
    layer = StrokeLayer()
    layer.view = view
    scene.addItem(layer)
    n = 60
    k = np.arange(n, dtype=float)
    lines = np.stack([k * 2 - 60, -50 + 0 * k, 60 - k, 50 + 0 * k], axis=1)
    rgba = np.tile([0.8, 0.1, 0.1, 0.7], (n, 1))
    layer.set_arrays([f"e{i}" for i in range(n)], lines, rgba, np.full(n, 1.5), k)
    view.centerOn(0, 0)
    qapp.processEvents()
    layer.build_now()
    builds = layer.build_count

    def shot() -> np.ndarray:
        img = view.viewport().grab().toImage().convertToFormat(QImage.Format.Format_RGB32)
        a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), -1, 4)
        return a[:, : img.width(), :3].copy()

    before = shot()
    bar = view.horizontalScrollBar()
    bar.setValue(bar.value() + 7)  # the view moves 7 px: the picture 7 px to the left
    assert layer._shift(view.viewportTransform()) == (-7, 0)
    after = shot()
    assert layer.build_count == builds
    assert (after[:, : -7 - 1] == before[:, 7:-1]).all()
    layer._rebuild_if_stale()  # what the settle timer runs: nothing to rasterise
    assert not layer.building and layer.build_count == builds
    view.scale(1.5, 1.5)  # a zoom still needs a new picture
    assert layer._shift(view.viewportTransform()) is None


def test_the_canvas_edge_picture_waits_for_the_pass_picture_but_not_forever(
    make_window, qtbot, monkeypatch
):
    from bpstudio.qt.canvas.edge_layer import EdgeLayerItem

    window = make_window(graph_with_a_dead_end())
    scene, g = window.scene, window.graph
    layer = scene._layer
    qtbot.waitUntil(lambda: layer.picture is not None and not layer.composing, timeout=10000)
    busy = [True]
    scene.add_foreground(lambda: busy[0])
    count = layer.compose_count
    weights = {eid: -3 * e.weight for eid, e in g.edges.items()}  # other colour buckets
    g.set_parameters(weights, {nid: n.bias for nid, n in g.neurons.items()})
    scene._weights_due()
    assert layer.composing
    # the edge layer's own turns came round and were put off (not a fixed wait: a turn that
    # did not yield would compose, so either is seen as soon as it happens)
    yields = layer.yield_count
    qtbot.waitUntil(
        lambda: layer.yield_count >= yields + 5 or layer.compose_count > count, timeout=10000
    )
    assert layer.compose_count == count  # the pass picture is drawn first
    assert layer.composing
    busy[0] = False
    qtbot.waitUntil(lambda: layer.compose_count > count, timeout=10000)
    # a drawing that never ends does not keep the canvas stale
    monkeypatch.setattr(EdgeLayerItem, "YIELD_MAX_S", 0.2)
    busy[0] = True
    count = layer.compose_count
    g.set_parameters({eid: -w for eid, w in weights.items()}, {})
    scene._weights_due()
    qtbot.waitUntil(lambda: layer.compose_count > count, timeout=10000)


def test_a_matrix_scrolled_out_of_view_widens_its_columns_when_it_shows(make_window, qtbot):
    """A live refresh fits the columns of the tables on screen only (each resize relayouts a
    table); one scrolled out of view gets the new numbers at once and its widths when it is
    scrolled into view."""
    window = make_window(graph_with_a_dead_end())
    tools, g = window.pass_tools, window.graph
    tools.matrix_dock.raise_()
    m = tools.matrix
    qtbot.waitUntil(m.exposed)
    tools.refresh_now()
    last = m.tables[-1]
    qtbot.waitUntil(lambda: last.visibleRegion().isEmpty() and m.tables[0].isVisible())
    header = last.horizontalHeader()
    before = [header.sectionSize(j) for j in range(last.columnCount())]
    weights = {e.id: (-123.456 if e.target.startswith("n5_") else e.weight) for e in
               g.edges.values()}  # fmt: skip
    g.set_parameters(weights, {})
    m.rebuild(force=False)
    row, col = next(iter(last.cell_of.values()))  # a weight into the output layer
    assert last.item(row, col).text() == ex.fmt(-123.456, m.decimals)  # the numbers: at once
    assert last.fit_due and [header.sectionSize(j) for j in range(len(before))] == before
    m.scroll_area.ensureWidgetVisible(last)
    qtbot.waitUntil(lambda: not last.fit_due and header.sectionSize(col) > before[col])
    text_px = last.fontMetrics().horizontalAdvance(ex.fmt(-123.456, m.decimals))
    assert header.sectionSize(col) >= text_px
