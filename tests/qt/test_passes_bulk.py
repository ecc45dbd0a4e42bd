"""Pass overlays on a network drawn in bulk mode: one StrokeLayer draws the gradient strokes
(the per-edge stroke items keep their values and hover tips but paint nothing), and the
walk's end goes back to a live canvas whose caches were warmed under the frozen picture."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QGraphicsItem

from bpstudio.model.graph import Graph
from bpstudio.model.templates import dense_network

NO_CONTENTS = QGraphicsItem.GraphicsItemFlag.ItemHasNoContents


def dense_graph(sizes=(8, 16, 16, 16, 16, 8)) -> Graph:
    """128 + 3 * 256 + 128 = 1,024 edges: just over the bulk-mode threshold."""
    return dense_network(sizes, "dense")


def _pixels(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB32)
    a = np.frombuffer(img.constBits(), dtype=np.uint8)
    return a.reshape(img.height(), img.bytesPerLine() // 4, 4)[:, : img.width(), :3].astype(int)


def _backward(window, qtbot, speed: int = 0):
    tools = window.pass_tools
    tools.controller.set_speed(speed)
    tools.controller.backward_all()
    qtbot.waitUntil(
        lambda: tools.stepper.backward_done and not tools.overlay.animating, timeout=20000
    )
    return tools


def test_bulk_strokes_are_drawn_by_one_layer_that_looks_like_the_items(make_window, qtbot):
    window = make_window(dense_graph())
    assert window.scene.bulk
    window.view.fit_all()
    tools = _backward(window, qtbot)
    ov = tools.overlay
    r = tools.stepper.result
    shown = [s for s in ov.strokes.values() if s.isVisible()]
    assert len(shown) == len(window.graph.edges)
    assert all(s.flags() & NO_CONTENTS for s in shown)
    for eid in ("w1", "w500", f"w{len(window.graph.edges)}"):  # values are still per edge
        assert ov.strokes[eid].value == r.edge_grad(eid)
    layer = ov.stroke_layer
    assert layer.isVisible() and layer.count == len(shown)
    assert layer.image is not None and layer._matches(window.view.viewportTransform())

    vp = window.view.viewport()
    with_layer = _pixels(vp.grab().toImage())
    layer.setVisible(False)
    for s in shown:
        s.setFlag(NO_CONTENTS, False)
    with_items = _pixels(vp.grab().toImage())
    diff = np.abs(with_layer - with_items).max(axis=2)
    assert diff.max() <= 8  # rounding of the composite only: the same picture


def test_bulk_strokes_keep_their_hover_tips(make_window, qtbot):
    window = make_window(dense_graph())
    window.view.fit_all()
    tools = _backward(window, qtbot)
    s = tools.overlay.strokes["w1"]
    owners = [tools.overlay.adapter.id_of(it) for it in window.scene.items(s.line().center())]
    assert ("edge", "w1") in owners or any(o and o[0] == "edge" for o in owners)


def test_bulk_layer_redraws_after_a_zoom(make_window, qtbot):
    window = make_window(dense_graph())
    window.view.fit_all()
    tools = _backward(window, qtbot)
    layer = tools.overlay.stroke_layer
    builds = layer.build_count
    window.view.scale(1.25, 1.25)
    assert not layer._matches(window.view.viewportTransform())
    window.view.viewport().grab()  # painted directly meanwhile, and a new image asked for
    qtbot.waitUntil(lambda: layer._matches(window.view.viewportTransform()), timeout=3000)
    assert layer.build_count > builds


def test_bulk_pulse_warms_the_live_canvas_before_it_lands(make_window, qtbot):
    window = make_window(dense_graph())
    window.view.fit_all()
    tools = window.pass_tools
    ov = tools.overlay
    qtbot.wait(300)  # the window's deferred start-up work (it would land a pulse at once)
    tools.controller.set_speed(20)
    tools.controller.forward_step()  # one pulse: the live canvas comes back at its landing
    assert ov.animating and ov.frozen.isVisible()
    qtbot.waitUntil(lambda: not ov.animating, timeout=5000)
    assert not ov.frozen.isVisible()
    assert ov.frozen.warm_count >= 1  # the landing's canvas was painted under the picture
    assert ov.neuron_badge("n1_0", "forward") is not None


def test_small_networks_keep_per_item_strokes(make_window, qtbot):
    window = make_window(dense_graph(sizes=(3, 4, 2)))
    assert not window.scene.bulk
    tools = _backward(window, qtbot)
    ov = tools.overlay
    shown = [s for s in ov.strokes.values() if s.isVisible()]
    assert shown and not any(s.flags() & NO_CONTENTS for s in shown)
    assert not ov.stroke_layer.isVisible()
