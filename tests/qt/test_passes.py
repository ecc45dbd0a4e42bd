"""Pass overlays, controls, explain panel, matrix view and presentation mode.

The canvas checks read the overlay items (what the student sees: the badge strings) and the
exact floats the items display from, against the independent reference traces.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import (  # noqa: E402
    QApplication,
    QGraphicsView,
    QMainWindow,
    QToolBar,
    QToolTip,
)

import bpstudio.qt  # noqa: E402,F401
from bpstudio.model import explain as ex  # noqa: E402
from bpstudio.model import fileformat  # noqa: E402
from bpstudio.model.stepper import BACKWARD, FORWARD, IDLE, LOSS, UPDATED  # noqa: E402
from bpstudio.qt.canvas.scene import NetworkScene  # noqa: E402
from bpstudio.qt.passes import install_pass_tools  # noqa: E402
from bpstudio.qt.passes.tips import edge_tip, neuron_tip  # noqa: E402
from bpstudio.qt.undo import UndoStack  # noqa: E402

REF = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
NETS = ["handwritten_221", "ecs171_321"]
TOL = dict(rel=1e-9, abs=1e-15)


class BareWindow(QMainWindow):
    """What install_pass_tools needs (qt/host.py PassHost) and no more: the editor's scene in
    a plain view, no inspector, training, palette or dock arrangement."""

    def __init__(self, graph):
        super().__init__()
        self.graph = graph
        self.scene = NetworkScene(graph, self)
        self.view = QGraphicsView(self.scene)
        self.setCentralWidget(self.view)
        self.undo_stack = UndoStack(self)
        self.menus = {"View": self.menuBar().addMenu("&View")}
        self.file_actions: list = []  # add_file_action: no File menu here
        self.toolbar = QToolBar("Main toolbar", self)
        self.addToolBar(self.toolbar)
        self.training_tools = None  # no training docks: the lecture layout has no plot
        self.inspector_dock = None  # the Answers dock goes in on its own

    def add_dock(self, dock, area):
        self.addDockWidget(area, dock)

    def status(self, text):
        self.statusBar().showMessage(text, 5000)

    def add_file_action(self, action):
        self.file_actions.append(action)


def _load(name):
    graph = fileformat.load(REF / f"{name}.json")
    ref = json.loads((REF / f"{name}.trace.json").read_text())
    return graph, ref


@pytest.fixture
def make_tools(qtbot):
    def make(name="handwritten_221", graph=None):
        if graph is None:
            graph, _ = _load(name)
        w = BareWindow(graph)
        qtbot.addWidget(w)
        tools = install_pass_tools(w)
        w.tabifyDockWidget(tools.explain_dock, tools.matrix_dock)  # as MainWindow arranges them
        tools.explain_dock.raise_()
        tools.controller.set_speed(0)
        w.resize(1280, 800)
        return w, tools

    return make


def _num(text: str) -> float:
    """The number a reader takes from a displayed string."""
    return float(text.replace("−", "-"))


def same_display(text: str, ref: float) -> bool:
    """text shows ref to the displayed precision (1.3200 and 1.32 are the same reading)."""
    return _num(text) == _num(ex.fmt(ref))


def _neuron_shown(tools, nid):
    return tools.overlay.neuron_badge(nid, "forward")


def _check_forward_badge(tools, c, ref, nid):
    b = _neuron_shown(tools, nid)
    assert b is not None, nid
    r = ref["neurons"][nid]
    if nid in c.input_ids:
        assert b.values["x"] == pytest.approx(r["a"], **TOL)
        assert same_display(b.texts["x"], r["a"])
        assert f"x = {b.texts['x']}" in b.lines
    elif nid in c.bias_unit_ids:
        assert b.values["a"] == 1.0
    else:
        for key in ("z", "a"):
            assert b.values[key] == pytest.approx(r[key], **TOL)
            assert same_display(b.texts[key], r[key])
            assert f"{key} = {b.texts[key]}" in b.lines


@pytest.mark.parametrize("name", NETS)
def test_forward_steps_show_the_reference_values_layer_by_layer(make_tools, name):
    w, tools = make_tools(name)
    _, ref = _load(name)
    st, ov = tools.stepper, tools.overlay
    assert ov.neuron_badge(next(iter(w.graph.neurons)), "forward") is None  # idle: nothing
    c = st.compute().compiled
    for layer in range(1, c.n_layers + 1):
        tools.controller.forward_step()
        assert st.state.phase == FORWARD and st.state.layer == layer
        for nid in c.neuron_ids:
            if c.layer_of[nid] <= layer:
                _check_forward_badge(tools, c, ref, nid)
            else:
                assert _neuron_shown(tools, nid) is None
        # the fill of every computed neuron comes from its activation
        for nid in c.neuron_ids:
            if 0 < c.layer_of[nid] <= layer:
                assert nid in ov.fill_colours
    assert ov.visible_loss_badge() is None
    tools.controller.forward_step()
    assert st.state.phase == LOSS
    lb = ov.visible_loss_badge()
    assert lb.values["loss"] == pytest.approx(ref["loss"], **TOL)
    assert same_display(lb.texts["loss"], ref["loss"])
    for oid in c.output_ids:
        ob = ov.neuron_badge(oid, "output")
        assert ob.values["yhat"] == pytest.approx(ref["neurons"][oid]["a"], **TOL)
        assert same_display(ob.texts["yhat"], ref["neurons"][oid]["a"])
        assert "y" in ob.values


@pytest.mark.parametrize("name", NETS)
def test_backward_steps_show_the_reference_gradients(make_tools, name):
    w, tools = make_tools(name)
    _, ref = _load(name)
    st, ov = tools.stepper, tools.overlay
    tools.controller.forward_all()
    c = st.result.compiled
    for layer in range(c.n_layers, 0, -1):
        tools.controller.backward_step()
        assert st.state == st.state.__class__(BACKWARD, layer)
        for nid in c.neuron_ids:
            lay = c.layer_of[nid]
            if lay == 0:
                continue
            b = ov.neuron_badge(nid, "backward")
            if lay >= layer:
                d = ref["neurons"][nid]["dL_dz"]
                assert b.values["dL_dz"] == pytest.approx(d, **TOL)
                assert same_display(b.texts["dL_dz"], d)
                assert f"∂L/∂z = {b.texts['dL_dz']}" in b.lines
                assert b.values["dL_da"] == pytest.approx(ref["neurons"][nid]["dL_da"], **TOL)
            else:
                assert "dL_dz" not in b.values
        for i, eid in enumerate(c.edge_ids):
            eb = ov.edge_badge(eid)
            if int(c.edge_layer[i]) >= layer:
                g = ref["edges"][eid]["grad"]
                assert eb.values["grad"] == pytest.approx(g, **TOL)
                assert same_display(eb.texts["grad"], g)
                assert ov.strokes[eid].value == pytest.approx(g, **TOL)
            else:
                assert eb is None


def test_vanishing_gradients_are_thinner_on_a_log_scale(make_tools):
    w, tools = make_tools("handwritten_221")
    tools.controller.backward_all()
    strokes = tools.overlay.strokes
    w1 = strokes["w1"].pen().widthF()  # ∂L/∂w1 = 0.00067
    w5 = strokes["w5"].pen().widthF()  # ∂L/∂w5 = 0.082
    assert w5 > 1.8 * w1 > 0
    assert strokes["w1"].pen().color().alphaF() < strokes["w5"].pen().color().alphaF()


@pytest.mark.parametrize("name", NETS)
def test_update_shows_old_new_and_delta_and_is_one_undo_step(make_tools, name):
    w, tools = make_tools(name)
    _, ref = _load(name)
    tools.controller.full_step()
    assert tools.stepper.state.phase == UPDATED
    for eid, r in ref["edges"].items():
        b = tools.overlay.edge_badge(eid)
        assert b.values["old"] == pytest.approx(r["weight"], **TOL)
        assert b.values["new"] == pytest.approx(r["updated"], **TOL)
        assert b.values["delta"] == pytest.approx(r["updated"] - r["weight"], rel=1e-6)
        assert same_display(b.lines[0].split(" → ")[0], r["weight"])
        assert b.lines[1].startswith("Δw = ")
        assert w.graph.edges[eid].weight == pytest.approx(r["updated"], **TOL)
    assert w.undo_stack.count() == 1
    w.undo_stack.undo()
    for eid, r in ref["edges"].items():
        assert w.graph.edges[eid].weight == r["weight"]
    assert tools.stepper.state.phase == IDLE  # the undone update made the pass stale
    w.undo_stack.redo()
    tools.controller.reset()  # nothing to take back now: the pass was already dropped
    assert (
        w.graph.edges["w1" if name == NETS[0] else "wAZ"].weight
        != ref["edges"]["w1" if name == NETS[0] else "wAZ"]["weight"]
    )


def test_reset_takes_back_the_update_through_the_undo_stack(make_tools):
    w, tools = make_tools()
    tools.controller.full_step()
    assert w.undo_stack.index() == 1
    tools.controller.reset()
    assert w.undo_stack.index() == 0
    assert w.graph.edges["w5"].weight == 0.4
    assert tools.overlay.edge_badge("w5") is None


def test_explain_w5_writes_the_chain_rule_with_the_numbers(make_tools):
    w, tools = make_tools()
    tools.select_edge("w5")
    text = tools.explain.plain_text()
    assert "0.7414 × 0.1868 × 0.5933 = 0.0822" in text
    assert "∂L/∂ŷ × σ′(z_o1) × a_h1" in text
    assert "✓ they agree" in text
    tools.select_neuron("h1")
    text = tools.explain.plain_text()
    assert "= 0.15 × 0.05 + 0.2 × 0.1 + 0.35" in text
    assert "= 0.3775" in text and "σ(0.3775) = 0.5933" in text
    assert "∂L/∂z = σ′(z)·∂L/∂a = 0.2413 × 0.0554 = 0.0134" in text


def _random_graph(seed: int):
    """A random DAG with skip connections, several outputs or a softmax group: many paths."""
    rng = random.Random(seed)
    acts = ["sigmoid", "tanh", "softplus", "identity", "elu"]
    neurons = [{"id": f"x{i}", "role": "input"} for i in range(rng.randint(1, 3))]
    pool = [n["id"] for n in neurons]
    edges = []
    k = 0
    for layer in range(rng.randint(2, 3)):
        new = []
        for j in range(rng.randint(2, 3)):
            nid = f"h{layer}_{j}"
            neurons.append(
                {
                    "id": nid,
                    "role": "hidden",
                    "activation": rng.choice(acts),
                    "bias": rng.uniform(-1, 1),
                }
            )
            for s in rng.sample(pool, rng.randint(1, len(pool))):
                k += 1
                edges.append(
                    {"id": f"e{k}", "source": s, "target": nid, "weight": rng.uniform(-1.5, 1.5)}
                )
            new.append(nid)
        pool += new
    softmax = rng.random() < 0.5
    n_out = rng.randint(2, 3)
    loss = "cross_entropy" if softmax else rng.choice(["half_squared_error", "mse"])
    for o in range(n_out):
        oid = f"o{o}"
        neurons.append(
            {"id": oid, "role": "output", "activation": "softmax" if softmax else rng.choice(acts)}
        )
        for s in rng.sample(pool, rng.randint(2, len(pool))):
            k += 1
            edges.append(
                {"id": f"e{k}", "source": s, "target": oid, "weight": rng.uniform(-1.5, 1.5)}
            )
    n_in = sum(1 for n in neurons if n["role"] == "input")
    y = [0.0] * n_out
    y[rng.randrange(n_out)] = 1.0
    doc = {
        "format": "bpstudio-network",
        "version": 1,
        "neurons": neurons,
        "edges": edges,
        "training": {"loss": loss, "learning_rate": 0.1},
        "data": {"samples": [{"x": [rng.uniform(-1, 1) for _ in range(n_in)], "y": y}]},
    }
    return fileformat.from_document(doc)


@pytest.mark.parametrize("seed", range(12))
def test_explain_path_sums_equal_the_engine_on_random_graphs(make_tools, seed):
    graph = _random_graph(seed)
    w, tools = make_tools(graph=graph)
    r = tools.stepper.compute()
    several = 0
    for eid in r.compiled.edge_ids:
        tools.select_edge(eid)
        ps = ex.weight_paths(r.compiled, r, eid)
        several += len(ps) > 1
        assert ps.total == pytest.approx(r.edge_grad(eid), rel=1e-9, abs=1e-12)
        text = tools.explain.plain_text()
        assert f"sum of the path products = {ex.fmt(ps.total)}" in text
        assert f"engine's ∂L/∂{eid} = {ex.fmt(r.edge_grad(eid))}" in text
        assert text.count("path ") >= len(ps)
    assert several > 0  # the graphs really have edges with several paths


def test_matrix_view_and_canvas_selection_follow_each_other(make_tools):
    w, tools = make_tools("ecs171_321")
    m = tools.matrix
    t = m.table(2)
    row, col = t.cell_of["wBZ"]
    t.cellClicked.emit(row, col)
    assert tools.explain.selection == ("edge", "wBZ")
    tools.select_edge("w2A")
    assert m.selected_edge() == "w2A"
    # masked cells: layer 1 is dense here, layer 2 skips N1..N3 (no edges): hatched, empty
    t2 = m.table(2)
    assert t2.columnCount() == 3 + 3  # N0, NA, NB | b z a
    assert "W(2)" in m.equations[1].text() and "a(0…1)" in m.equations[1].text()


def test_matrix_view_masks_absent_edges(make_tools):
    graph, _ = _load("handwritten_221")
    graph.remove_edge("w2")
    w, tools = make_tools(graph=graph)
    t = tools.matrix.table(1)
    item = t.item(0, 1)  # h1 <- x2: no edge
    assert item.text() == "" and "no edge" in item.toolTip()
    assert t.item(0, 0).text() == ex.fmt(0.15)


def test_decimals_are_configurable(make_tools):
    w, tools = make_tools()
    tools.controls.decimals.setValue(2)
    tools.controller.forward_all()
    b = tools.overlay.neuron_badge("h1", "forward")
    assert b.texts["a"] == "0.59" and b.values["a"] == pytest.approx(0.5932699921071872, **TOL)


def test_batch_mode_shows_the_chosen_sample_and_the_batch_loss(make_tools):
    graph, _ = _load("handwritten_221")
    graph.data = {"samples": [{"x": [0.05, 0.10], "y": [0.01]}, {"x": [0.5, -0.2], "y": [0.9]}]}
    w, tools = make_tools(graph=graph)
    tools.controls.mode.setCurrentIndex(1)
    tools.controls._sync_range()
    tools.controls.sample.setValue(1)
    tools.controller.forward_all()
    r = tools.stepper.result
    assert r.samples == [0, 1]
    b = tools.overlay.neuron_badge("x1", "forward")
    assert b.values["x"] == 0.5
    lb = tools.overlay.visible_loss_badge()
    assert lb.values["batch_loss"] == pytest.approx(float(r.trace.loss), **TOL)


def _press(w, qtbot, key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """A pass key as the lecturer presses it (the window's shortcut, not the slot)."""
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.view.setFocus()
    qtbot.keyClick(w.view, key, mods)


def test_animation_runs_on_its_own_clock_and_a_key_press_lands_it(make_tools, qtbot, monkeypatch):
    """The pulse's clock is the test's: 10 minutes per layer (the speed's time scale
    injected), moved on by setting the animation's time, so no step depends on how fast the
    machine is (it was a 300 ms pulse raced against a 3 s wall-clock window)."""
    from bpstudio.qt.passes import controller as pass_controller

    monkeypatch.setattr(pass_controller, "MS_PER_SPEED", 30_000)  # speed 20: 600 s per layer
    w, tools = make_tools()
    ov, st = tools.overlay, tools.stepper
    tools.controller.set_speed(20)
    w.show()
    _press(w, qtbot, Qt.Key.Key_F6)
    assert ov.animating and st.state.phase == IDLE  # the key returns at once
    frames: list[float] = []
    ov.frame.connect(frames.append)
    for quarter in (1, 2, 3):  # the pulse's own clock, a quarter at a time
        ov.anim.setCurrentTime(ov.anim.duration() * quarter // 4)
    assert len(frames) == 3 and 0 < frames[0] < frames[1] < frames[2] < 1
    assert ov.animating and st.state.phase == IDLE  # not landed: nothing revealed yet
    ov.anim.setCurrentTime(ov.anim.duration())  # the pulse arrives: layer 1 is revealed
    assert not ov.animating and (st.state.phase, st.state.layer) == (FORWARD, 1)
    _press(w, qtbot, Qt.Key.Key_F6, Qt.KeyboardModifier.ShiftModifier)  # the rest, walked
    assert ov.animating and (st.state.phase, st.state.layer) == (FORWARD, 1)
    ov.anim.setCurrentTime(ov.anim.duration() // 2)  # mid-walk
    _press(w, qtbot, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)
    assert st.position() >= st.n_layers + 1  # the press landed everything before it at once
    assert ov.animating and not st.backward_done  # and walks the backward pass
    for _ in range(3 * st.n_layers):  # each pulse run to its end on its clock
        if st.backward_done:
            break
        assert ov.animating
        ov.anim.setCurrentTime(ov.anim.duration())
    assert st.backward_done and ov.edge_badge("w1") is not None


def test_tips_show_live_values(make_tools):
    w, tools = make_tools()
    text = neuron_tip(tools.stepper, "h1")
    assert "z = 0.3775" in text and "a = 0.5933" in text and "∂L/∂z = 0.0134" in text
    assert "∂L/∂w = 0.0822" in edge_tip(tools.stepper, "w5")
    w.graph.set_edge("w1", weight=1.0)  # e.g. training moved it
    assert "z = 0.4" in neuron_tip(tools.stepper, "h1")  # 1.0*0.05 + 0.2*0.1 + 0.35 = 0.42
    assert "w = 1" in edge_tip(tools.stepper, "w1")


def test_hover_tip_event_on_a_badge(make_tools, qtbot, monkeypatch):
    w, tools = make_tools()
    tools.controller.forward_all()
    shown = []
    monkeypatch.setattr(QToolTip, "showText", lambda pos, text, *a: shown.append(text))
    owner = tools.adapter.id_of(tools.overlay.neuron_badge("h1", "forward"))
    assert owner == ("neuron", "h1")
    assert "a = 0.5933" in tools.tips.text_for(owner)


def test_presentation_mode_makes_numbers_big_and_hides_docks(make_tools, qtbot):
    w, tools = make_tools()
    w.resize(1920, 1080)
    w.show()
    tools.controller.backward_all()
    p = tools.presentation
    p.keep("explain_dock")  # a dock kept on purpose (the lecture plot is None)
    p.enter(full_screen=False)
    assert p.active
    assert p.screen_px() >= 24
    assert not tools.matrix_dock.isVisible() and tools.explain_dock.isVisible()
    assert tools.overlay.theme.badge_border.name() == "#000000"
    assert tools.explain.font_px >= 20
    p.leave()
    assert tools.overlay.font_px == 15 and tools.explain.font_px == 16


def test_f5_toggles_presentation_mode(make_tools, qtbot):
    w, tools = make_tools()
    w.show()
    _press(w, qtbot, Qt.Key.Key_F5)
    assert tools.presentation.active
    _press(w, qtbot, Qt.Key.Key_F5)
    assert not tools.presentation.active


def test_a_broken_graph_reports_in_the_status_instead_of_raising(make_tools):
    from bpstudio.model.graph import Edge

    graph, _ = _load("handwritten_221")
    graph.add_edge(Edge("loop", "o1", "h1", 1.0))
    w, tools = make_tools(graph=graph)
    msgs = []
    tools.controller.status.connect(msgs.append)
    tools.controller.forward_step()
    assert msgs and "cannot run a pass" in msgs[-1]
