"""Neuron tiles: each hidden/output neuron's output over the input plane, beside it on the
canvas, driven in the real window as a lecturer does (T, Ctrl+Space, a click on a tile)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import RefNet
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from bpstudio.model import fileformat, label_placement
from bpstudio.model.neuron_tiles import tile_colours, tile_grid, tile_rgba
from bpstudio.paths import example_files
from bpstudio.qt.canvas.tiles import TileItem


def example(name: str):
    return next(p for p in example_files() if p.stem == name)


def train_to_the_end(w, qtbot) -> None:
    """Ctrl+Space, as the lecturer presses it; the run stops at training.epochs."""
    c = w.training_tools.controller
    w.view.setFocus()
    QTest.keyClick(w.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert c.running
    qtbot.waitUntil(lambda: not c.running, timeout=60_000)
    assert c.epoch > 0


def tile_rects(w) -> list[tuple[float, float, float, float]]:
    out = []
    for t in w.neuron_tiles.tiles.values():
        r = t.sceneBoundingRect()
        out.append((r.left(), r.top(), r.right(), r.bottom()))
    return out


def assert_grid_is_the_engine(w, grid, cells: int = 40) -> None:
    """Sampled cells against a neuron-by-neuron evaluation of the saved document (helpers'
    RefNet): an independent forward pass at each grid point."""
    doc = json.loads(fileformat.dumps(w.graph))
    weights, biases = w.training_tools.session.current_parameters()  # unset in the file
    for e in doc["edges"]:
        e["weight"] = weights[e["id"]]
    ref = RefNet(doc)
    feats = w.training_tools.session.feature_names()
    rng = np.random.default_rng(7)
    R = len(grid.xs)
    idx = rng.integers(0, R, size=(cells, 2))
    pts = np.array([[grid.xs[i], grid.ys[j]] for i, j in idx])
    from bpstudio.core.features import expand

    _, a = ref.forward(expand(pts, feats), weights=weights, biases=biases)
    assert set(grid.values) == {n["id"] for n in doc["neurons"]
                                if n["role"] in ("hidden", "output")}  # fmt: skip
    for nid, values in grid.values.items():
        got = np.array([values[i, j] for i, j in idx])
        np.testing.assert_allclose(got, a[nid], rtol=1e-12, atol=1e-14, err_msg=nid)


def test_tiles_show_by_default_and_every_value_is_a_forward_pass(make_window, qtbot):
    w = make_window(path=example("xor_241"))
    tiles = w.neuron_tiles
    assert w.action_by_name["tiles"].isChecked()  # 7 neurons: on when it opens
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    assert set(tiles.tiles) == {"h1", "h2", "h3", "h4", "o1"}
    assert_grid_is_the_engine(w, tiles.grid)  # the initial weights
    before = {nid: t.rgba.copy() for nid, t in tiles.tiles.items()}
    train_to_the_end(w, qtbot)
    qtbot.waitUntil(lambda: tiles.grid is not None)
    assert_grid_is_the_engine(w, tiles.grid)  # the trained weights, written back at the stop
    for nid, t in tiles.tiles.items():
        lo, hi = tiles.grid.value_range(nid)
        np.testing.assert_array_equal(t.rgba, tile_rgba(tiles.grid.values[nid], lo, hi))
    assert any(not np.array_equal(before[n], t.rgba) for n, t in tiles.tiles.items())
    # the trained XOR output: high at (0, 1) and (1, 0), low at (0, 0) and (1, 1)
    o = tiles.grid.values["o1"]
    xs, ys = tiles.grid.xs, tiles.grid.ys

    def at(x, y):
        return o[np.abs(xs - x).argmin(), np.abs(ys - y).argmin()]

    assert at(0, 1) > 0.8 and at(1, 0) > 0.8 and at(0, 0) < 0.2 and at(1, 1) < 0.2


def test_t_toggles_the_tiles_and_no_label_covers_one(make_window, qtbot):
    w = make_window(path=example("xor_241"))
    tiles = w.neuron_tiles
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    w.view.setFocus()
    QTest.keyClick(w.view, Qt.Key.Key_T)
    assert not w.action_by_name["tiles"].isChecked() and not tiles.tiles
    assert not [t for t in w.scene.items() if isinstance(t, TileItem)]
    QTest.keyClick(w.view, Qt.Key.Key_T)
    assert w.action_by_name["tiles"].isChecked() and len(tiles.tiles) == 5
    train_to_the_end(w, qtbot)  # weights on every edge: labels to place
    out = w.scene.place_labels()
    rects = tile_rects(w)
    assert out.rects  # weight labels were placed
    for key, r in out.rects.items():
        for t in rects:
            assert not label_placement.rects_overlap(r, t), (key, r, t)
    for item in w.scene.neuron_items():  # nor a bias label
        b = item.bias_rect()
        if not b.isEmpty():
            for t in rects:
                assert not label_placement.rects_overlap(
                    (b.left(), b.top(), b.right(), b.bottom()), t)  # fmt: skip


def test_clicking_a_tile_shows_that_neuron_large_in_the_boundary_dock(make_window, qtbot):
    w = make_window(path=example("xor_241"))
    tiles = w.neuron_tiles
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    train_to_the_end(w, qtbot)
    tile = tiles.tiles["h2"]
    centre = tile.sceneBoundingRect().center()
    w.view.ensureVisible(tile)
    QTest.mouseClick(w.view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, w.view.mapFromScene(centre))  # fmt: skip
    plot = w.training_tools.boundary_plot
    dock = w.training_tools.docks["boundary"]
    assert plot.neuron == "h2"
    qtbot.waitUntil(lambda: dock.isVisible() and not plot.visibleRegion().isEmpty())
    assert plot.info.text() == "h₂ (tanh) over x₁, x₂"
    assert plot.outputs_button.isVisible()
    # the dock's image is h2's output at the dock's resolution, from the engine
    grid = tile_grid(w.training_tools.session, len(plot._grid[0]))
    lo, hi = grid.value_range("h2")
    np.testing.assert_array_equal(plot.image.image, tile_colours(grid.values["h2"], lo, hi))
    assert_grid_is_the_engine(w, grid)
    assert w.scene.selectedItems() == []  # the click did not select or drag the neuron
    QTest.mouseClick(plot.outputs_button, Qt.MouseButton.LeftButton)
    assert plot.neuron is None and "accuracy" in plot.info.text()


def test_tiles_step_aside_during_a_pass_and_in_a_one_input_network(make_window, qtbot):
    w = make_window(path=example("xor_241"))
    tiles = w.neuron_tiles
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    w.pass_tools.controller.set_speed(0)
    w.view.setFocus()
    QTest.keyClick(w.view, Qt.Key.Key_F6)  # forward one layer
    qtbot.waitUntil(lambda: not tiles.tiles)
    QTest.keyClick(w.view, Qt.Key.Key_Escape)
    w.pass_tools.controller.reset() if w.pass_tools.stepper.state.phase != "idle" else None
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    # a regression network (1 input): nothing to tile
    from bpstudio.model import templates

    g = templates.TEMPLATES[next(iter(templates.TEMPLATES))]()
    one = fileformat.loads(json.dumps({
        "format": "bpstudio-network", "version": 1, "name": "sine",
        "neurons": [{"id": "x", "role": "input"},
                    {"id": "h", "role": "hidden", "activation": "tanh"},
                    {"id": "y", "role": "output", "activation": "identity"}],
        "edges": [{"id": "a", "source": "x", "target": "h"}, {"id": "b", "source": "h", "target": "y"}],
        "data": {"generator": {"name": "sine", "n": 20}},
    }))  # fmt: skip
    assert g is not None
    w.document.load_graph(one, None)
    qtbot.wait(20)
    assert not tiles.tiles and tiles.grid is None


@pytest.mark.parametrize("size", [(1280, 720)])
def test_lecture_layout_keeps_tiles_and_labels_apart(make_window, qtbot, monkeypatch, size):
    from bpstudio.qt.passes.presentation import MIN_SCREEN_PX

    w = make_window(path=example("xor_241"))
    tiles = w.neuron_tiles
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    train_to_the_end(w, qtbot)
    w.resize(*size)
    monkeypatch.setattr(w, "showFullScreen", lambda: w.resize(*size))
    w.view.setFocus()
    QTest.keyClick(w.view, Qt.Key.Key_F5)
    assert w.pass_tools.presentation.active
    # the canvas alone fills the window once the hidden docks' resize lands (slow under load)
    qtbot.waitUntil(lambda: w.view.viewport().width() >= size[0] - 40, timeout=5000)
    qtbot.wait(50)
    assert len(tiles.tiles) == 5
    vp = w.view.viewport().rect()
    scale = w.view.transform().m11()
    out = w.scene.place_labels()
    for r in tile_rects(w):
        # on screen, and a tile at least as tall as the smallest number
        tl = w.view.mapFromScene(r[0], r[1])
        br = w.view.mapFromScene(r[2], r[3])
        assert vp.contains(tl) and vp.contains(br - QPoint(1, 1))
        assert (r[3] - r[1]) * scale >= MIN_SCREEN_PX
        for key, lr in out.rects.items():
            assert not label_placement.rects_overlap(lr, r), key
    QTest.keyClick(w.view, Qt.Key.Key_Escape)


def test_deleting_a_neuron_takes_its_tile_and_undo_brings_it_back(make_window, qtbot, mouse):
    """A tile is its neuron's child: deleting the neuron deletes the tile with it (the label
    placement read the deleted tile: RuntimeError in the event loop)."""
    w = make_window(path=example("xor_241"))
    tiles = w.neuron_tiles
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    m = mouse(w.view)
    p = w.scene.neuron_item("h2").pos()
    m.click(p.x(), p.y())
    assert w.scene.selected_ids()[0] == ["h2"]
    w.action_by_name["delete"].trigger()
    w.scene.place_labels()  # at once, before the tiles' own refresh
    qtbot.waitUntil(lambda: set(tiles.tiles) == {"h1", "h3", "h4", "o1"})
    w.action_by_name["undo"].trigger()
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    assert tiles.tiles["h2"].parentItem() is w.scene.neuron_item("h2")


def test_tiles_follow_the_history_slider(make_window, qtbot):
    """Scrubbed back to epoch 0 (Home on the history slider), every tile is the forward pass
    of that epoch's weights, not the trained ones; End brings the trained tiles back."""
    w = make_window(path=example("xor_241"))
    tiles = w.neuron_tiles
    qtbot.waitUntil(lambda: len(tiles.tiles) == 5)
    train_to_the_end(w, qtbot)
    qtbot.waitUntil(lambda: tiles.grid is not None)
    trained = {nid: v.copy() for nid, v in tiles.grid.values.items()}
    session = w.training_tools.session
    slider = w.training_tools.scrubber.bar.slider
    slider.setFocus()
    first = tiles.refreshes
    QTest.keyClick(slider, Qt.Key.Key_Home)
    qtbot.waitUntil(lambda: w.training_tools.scrubber.shown_epoch == 0)
    qtbot.waitUntil(lambda: tiles.refreshes > first)
    # epoch 0's network, computed here on a copy of the session's network
    c = session.compiled
    params = session.params_at(0)
    assert params is not None
    net = c.net
    saved = net.params.copy()
    try:
        net.params[:] = params
        xs, ys = tiles.grid.xs, tiles.grid.ys
        pts = np.array([[x, y] for x in xs[::6] for y in ys[::6]])
        ws_out = net.predict(pts)  # the output neuron's a
    finally:
        net.params[:] = saved
    got = tiles.grid.values["o1"][::6, ::6].ravel()
    np.testing.assert_allclose(got, ws_out[:, 0], rtol=1e-12, atol=1e-14)
    assert not np.allclose(tiles.grid.values["o1"], trained["o1"])  # not the trained tile
    QTest.keyClick(slider, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: np.allclose(tiles.grid.values["o1"], trained["o1"]), timeout=5000)


def test_tile_colours_of_a_huge_range_neither_overflow_nor_warn():
    """A bias typed as 1e308 makes a tile's range ±1e308: hi − lo overflowed (a
    RuntimeWarning the random user caught) and the middle was inf."""
    import warnings

    values = np.array([[-1e308, 0.0], [1e308, 5.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rgba = tile_colours(values, -1e308, 1e308)
    assert tuple(rgba[0, 1, :3]) == (255, 255, 255)  # 0 is the middle: white
    assert tuple(rgba[1, 0, :3]) == tuple(tile_colours(np.array([[1.0]]), -1.0, 1.0)[0, 0, :3])
