"""Labels never collide: every example at projector sizes, through a whole pass.

Opens each bundled example at 1280x720 and 1920x1080, steps the pass with the keys a
lecturer presses (Shift+F6 forward, Shift+F7 backward, F8 update; speed 0) and checks, on
the scene, that no two visible text labels (weight labels, value badges, ∂L/∂w and Δw
labels, the loss badge, the overlay's legend) overlap and that no label covers a neuron.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model import numfmt
from bpstudio.model.graph import Edge, Graph, Neuron
from bpstudio.model.label_placement import Disc, rect_hits_disc
from bpstudio.paths import example_files
from bpstudio.qt import theme
from bpstudio.qt.canvas.edge_item import EdgeItem, EdgeLabelItem
from bpstudio.qt.canvas.neuron_item import NeuronItem
from bpstudio.qt.passes.badge import ValueBadge
from bpstudio.qt.passes.legend import LegendItem

EXAMPLES = example_files()
SIZES = [(1280, 720), (1920, 1080)]
KEYS = [
    ("forward", Qt.Key_F6, Qt.ShiftModifier),
    ("backward", Qt.Key_F7, Qt.ShiftModifier),
    ("update", Qt.Key_F8, Qt.NoModifier),
]


def visible_labels(scene) -> list[tuple[str, QRectF]]:
    """(what, scene rect) of every text label drawn on the canvas now."""
    out = []
    for it in scene.items():
        if not it.isVisible() or it.opacity() == 0:
            continue
        if isinstance(it, ValueBadge):
            out.append((f"badge {it.overlay_owner} {it.text()!r}", it.scene_rect()))
        elif isinstance(it, EdgeLabelItem):
            out.append((f"weight {it.edge_id} {it.text()!r}", it.sceneBoundingRect()
                        .adjusted(1, 1, -1, -1)))  # fmt: skip
        elif isinstance(it, LegendItem):
            out.append(("legend", it.sceneBoundingRect()))
    return out


def neuron_discs(scene) -> list[tuple[str, Disc]]:
    return [(it.neuron_id, Disc(it.pos().x(), it.pos().y(), theme.NEURON_RADIUS))
            for it in scene.items() if isinstance(it, NeuronItem)]  # fmt: skip


def collisions(scene) -> list[str]:
    labels = visible_labels(scene)
    bad = []
    for i, (a, ra) in enumerate(labels):
        for b, rb in labels[i + 1 :]:
            if ra.intersects(rb) and ra.intersected(rb).width() * ra.intersected(rb).height() > 0:
                bad.append(f"{a} overlaps {b}")
        r = (ra.left(), ra.top(), ra.right(), ra.bottom())
        for nid, d in neuron_discs(scene):
            if rect_hits_disc(r, d):
                bad.append(f"{a} covers neuron {nid}")
    return bad


def _open(make_window, path, size):
    w = make_window(path=path)
    w.pass_tools.controller.set_speed(0)
    w.resize(*size)
    QApplication.processEvents()
    w.view.fit_all()
    w.activateWindow()
    w.view.setFocus()
    return w


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_label_collides_in_any_example_at_projector_sizes(make_window, qtbot, path):
    w = _open(make_window, path, SIZES[0])
    for size in SIZES:
        w.resize(*size)
        QApplication.processEvents()
        assert collisions(w.scene) == [], (path.stem, size, "editor")
        for state, key, mods in KEYS:
            qtbot.keyClick(w.view, key, mods)
            QApplication.processEvents()
            assert collisions(w.scene) == [], (path.stem, size, state)
            labels = visible_labels(w.scene)
            assert any(t.startswith("badge") for t, _ in labels), (path.stem, state)
        w.undo_stack.undo()  # the update: back to the file's weights for the next size
        qtbot.keyClick(w.view, Qt.Key_F9, Qt.ShiftModifier)  # reset the pass
        QApplication.processEvents()
        assert not any(t.startswith("badge") for t, _ in visible_labels(w.scene))
        assert collisions(w.scene) == []


@pytest.mark.parametrize("name", ["ecs171_321", "handwritten_221"])
def test_backward_labels_show_every_gradient_without_collisions_at_lecture_font(
    make_window, qtbot, name
):
    """The backward step of the lecture examples: every ∂L/∂w label is on the canvas (none
    hidden), at today's font and at a projector's (the lecture layout sets larger fonts)."""
    w = _open(make_window, EXAMPLES[0].with_name(f"{name}.json"), SIZES[0])
    qtbot.keyClick(w.view, Qt.Key_F7, Qt.ShiftModifier)
    ov = w.pass_tools.overlay
    for px in (15.0, 24.0, 32.0):
        ov.set_font_px(px)
        QApplication.processEvents()
        assert collisions(w.scene) == [], px
        for eid in w.graph.edges:
            b = ov.edge_badge(eid)
            assert b is not None and "grad" in b.values, (px, eid)
        assert ov.visible_loss_badge() is not None


def test_weight_labels_lie_above_every_stroke(make_window, qtbot):
    w = _open(make_window, EXAMPLES[0].with_name("handwritten_221.json"), SIZES[0])
    qtbot.keyClick(w.view, Qt.Key_F7, Qt.ShiftModifier)
    items = w.scene.items()
    top_stroke = max(it.zValue() for it in items if isinstance(it, EdgeItem)
                     or type(it).__name__ == "EdgeStroke")  # fmt: skip
    labels = [it for it in items if isinstance(it, EdgeLabelItem) and it.isVisible()]
    assert labels and min(it.zValue() for it in labels) > top_stroke


def _dense_graph(n_in: int = 12, n_out: int = 12) -> Graph:
    g = Graph("dense")
    for i in range(n_in):
        g.add_neuron(Neuron(f"i{i}", "input", x=0.0, y=i * 60.0))
    for j in range(n_out):
        g.add_neuron(Neuron(f"o{j}", "output", "sigmoid", x=300.0, y=j * 60.0))
    for i in range(n_in):
        for j in range(n_out):
            g.add_edge(Edge(f"e{i}_{j}", f"i{i}", f"o{j}", weight=0.1 * (i - j) + 0.0123))
    return g


def test_dense_weight_labels_give_way_to_hover(make_window, qtbot):
    w = make_window(graph=_dense_graph())
    scene = w.scene
    QApplication.processEvents()
    edges = scene.edge_items()
    hidden = [e for e in edges if e.label_hover_only]
    shown = [e for e in edges if e.label.isVisible()]
    assert hidden and shown  # some fit, the rest wait for the mouse
    assert collisions(scene) == []

    def lone_point(e):  # a point of the edge's stroke that no other edge crosses
        for t in (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65, 0.3, 0.7):
            p = e._line.pointAt(t)
            if [it for it in scene.items(p) if isinstance(it, EdgeItem)] == [e]:
                return p
        return None

    e, p = next((e, lone_point(e)) for e in hidden if lone_point(e) is not None)
    w.view.centerOn(p)
    vp = w.view.viewport()
    QTest.mouseMove(vp, w.view.mapFromScene(p + QPointF(0, 40)))
    QTest.mouseMove(vp, w.view.mapFromScene(p))
    qtbot.waitUntil(lambda: e.label.isVisible(), timeout=2000)
    assert e.label.text() == numfmt.fmt(w.graph.edges[e.edge_id].weight, 4)  # the Decimals
    QTest.mouseMove(vp, w.view.mapFromScene(p + QPointF(0, 400)))
    qtbot.waitUntil(lambda: not e.label.isVisible(), timeout=2000)


def test_auto_layout_at_a_projector_font_leaves_room_for_every_badge(make_window, qtbot):
    """Auto-Layout spaces the network for the numbers at the overlay's font: at 28 px every
    value badge of softmax_3class's backward step sits by its neuron (no leader, none hidden)."""
    w = _open(make_window, EXAMPLES[0].with_name("softmax_3class.json"), SIZES[0])
    ov = w.pass_tools.overlay
    ov.set_font_px(28.0)
    w.action_by_name["layout"].trigger()
    QApplication.processEvents()
    qtbot.keyClick(w.view, Qt.Key_F7, Qt.ShiftModifier)
    QApplication.processEvents()
    assert collisions(w.scene) == []
    for nid in w.graph.neurons:
        b = ov.neuron_badge(nid, "forward")
        assert b is not None and b.leader() is None, nid
    assert ov.visible_loss_badge() is not None


@pytest.mark.parametrize("name", ["ecs171_321", "softmax_3class"])
def test_fit_to_view_shows_every_number_of_the_update(make_window, qtbot, name):
    """F (Fit to View) after the update fits the numbers too: the Δw labels under the lowest
    neurons once ran past the canvas's bottom edge (the fit saw the neurons only)."""
    w = _open(make_window, EXAMPLES[0].with_name(f"{name}.json"), SIZES[0])
    for _state, key, mods in KEYS:
        qtbot.keyClick(w.view, key, mods)
    QApplication.processEvents()
    qtbot.keyClick(w.view, Qt.Key_F)  # Fit to View
    QApplication.processEvents()
    vp = w.view.viewport().rect()
    shown = [(t, r) for t, r in visible_labels(w.scene) if t.startswith("badge")]
    assert len(shown) >= len(w.graph.edges)  # the Δw labels are on the canvas
    for text, rect in shown:
        assert vp.contains(w.view.mapFromScene(rect).boundingRect()), text
