"""The Loss landscape dock in the real window: opened from its tab, the surface is the
engine's loss, two canvas edges become the slice, training draws its path live, and the
optimizer race draws four paths on a timer while the window answers (issue 14)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QTabBar

from bpstudio.model import fileformat
from bpstudio.paths import examples_dir

XOR = examples_dir() / "xor_241.json"


def open_dock_tab(window, qtbot, title: str = "Loss landscape") -> None:
    """Click the dock's tab, as a lecturer does."""
    for bar in window.findChildren(QTabBar):
        for k in range(bar.count()):
            if bar.tabText(k) == title and bar.isVisible():
                qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(k).center())
                qtbot.waitUntil(lambda: window.training_tools.docks["landscape"].isVisible())
                QApplication.processEvents()
                return
    raise AssertionError(f"no tab {title!r}")


def engine_loss(session, params) -> float:
    net = session.compiled.net
    saved = net.params.copy()
    try:
        net.params[:] = params
        return net.evaluate(session.train_set.X, session.train_set.Y)
    finally:
        net.params[:] = saved


def test_open_the_dock_race_the_optimizers_and_the_window_answers(make_window, qtbot):
    window = make_window(path=XOR)
    tools = window.training_tools
    lp = tools.landscape_plot
    assert window.menus["View"].actions().count(tools.docks["landscape"].toggleViewAction())
    open_dock_tab(window, qtbot)
    assert tools._live(lp)
    sf = lp.surface
    assert sf is not None and sf.plane.kind == "random"
    s = tools.session
    for i, j in [(0, 0), (sf.resolution - 1, 3), (sf.resolution // 2, sf.resolution // 2)]:
        want = engine_loss(s, sf.plane.point(sf.alphas[i], sf.betas[j]))
        assert sf.loss[i, j] == pytest.approx(want, rel=1e-12)

    before = fileformat.dumps(window.graph)
    undo_index = window.undo_stack.index()
    window.graph.training["epochs"] = 200_000  # a long race: Stop ends it (not an undo step)
    qtbot.mouseClick(lp.race_button, Qt.MouseButton.LeftButton)
    assert lp.racing and lp.race_button.text() == "Stop race"
    qtbot.waitUntil(lambda: lp.race.epoch > 30, timeout=10_000)
    # the window answers mid-race: a View shortcut toggles the canvas weights
    shown = window.action_by_name["weights"].isChecked()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_W)
    assert window.action_by_name["weights"].isChecked() is not shown
    assert lp.racing  # and the race runs on
    qtbot.waitUntil(lambda: lp.race.epoch > 80, timeout=10_000)
    qtbot.mouseClick(lp.race_button, Qt.MouseButton.LeftButton)  # Stop
    assert not lp.racing and lp.race_button.text() == "Race optimizers"
    epoch = lp.race.epoch
    assert 80 < epoch < 200_000
    QApplication.processEvents()
    assert lp.race.epoch == epoch  # stopped means stopped

    # four paths, each in its colour, in the legend with its loss, from one start
    labels = []
    for r in lp.race.racers:
        curve = lp.race_curves[r.name]
        x, y = curve.getData()
        assert curve.isVisible() and len(x) > 10, r.name
        np.testing.assert_allclose((x[-1], y[-1]), lp.race_plane.project(r.net.params)[0])
        np.testing.assert_allclose((x[0], y[0]), lp.race_plane.project(lp.race.start)[0])
        labels.append(lp.legend.getLabel(curve).text)
    assert [t.split()[0] for t in labels] == ["sgd", "momentum", "rmsprop", "adam"]
    assert not lp.trajectory.isVisible()
    assert lp.counter.isVisible() and f"epoch {epoch:,}" in lp.counter.toPlainText()
    # the document is untouched by the race
    window.graph.training["epochs"] = 500
    assert fileformat.dumps(window.graph) == before
    assert window.undo_stack.index() == undo_index

    # Keep ▾ adam's weights: the network takes them, one undo step gives the old ones back
    adam = next(r for r in lp.race.racers if r.name == "adam")
    lp.keep_actions["adam"].trigger()
    assert window.undo_stack.index() == undo_index + 1
    np.testing.assert_allclose(
        [window.graph.edges[e].weight for e in s.compiled.edge_ids],
        adam.net.params[s.compiled.edge_param],
    )
    window.action_by_name["undo"].trigger()
    assert fileformat.dumps(window.graph) == before


def test_two_selected_edges_are_the_slice_and_training_draws_its_path(make_window, qtbot, mouse):
    window = make_window(path=XOR)
    tools = window.training_tools
    lp = tools.landscape_plot
    open_dock_tab(window, qtbot)
    assert not lp.weights_button.isEnabled()
    g = window.graph
    e1, e2 = list(g.edges)[0], list(g.edges)[5]
    m = mouse(window.view)
    for k, eid in enumerate((e1, e2)):
        a, b = g.neurons[g.edges[eid].source], g.neurons[g.edges[eid].target]
        t = 0.3  # along the edge, clear of the neurons and the other edges' crossing
        mods = Qt.KeyboardModifier.ControlModifier if k else Qt.KeyboardModifier.NoModifier
        m.click(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t, mods)
    assert window.scene.selected_ids()[1] == [e1, e2]
    assert lp.weights_button.isEnabled()
    qtbot.mouseClick(lp.weights_button, Qt.MouseButton.LeftButton)
    plane = lp.surface.plane
    assert plane.kind == "weights" and "→" in plane.labels[0]
    c = tools.session.compiled
    i, j = (int(c.edge_param[c.edge_index[e]]) for e in (e1, e2))
    x, y = lp.marker.getData()
    assert (x[0], y[0]) == (c.net.params[i], c.net.params[j])  # the dot is at the weights
    # train: Ctrl+Space, some epochs, pause
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: tools.controller.epoch > 50, timeout=10_000)
    qtbot.keyClick(window.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    assert not tools.controller.running
    QApplication.processEvents()
    lp.update_view()
    x, y = lp.trajectory.getData()
    assert len(x) >= 2
    p, p0 = c.net.params, tools.session.run.initial_params
    assert (x[-1], y[-1]) == (p[i], p[j])  # the path ends at the current weights
    assert (x[0], y[0]) == (p0[i], p0[j])  # and starts where the run did
    assert (x[0], y[0]) != (x[-1], y[-1])
    assert lp.surface.loss.shape[0] == lp.surface.resolution


def test_random_directions_again_draws_other_directions_and_a_new_file_resets(make_window, qtbot):
    window = make_window(path=XOR)
    lp = window.training_tools.landscape_plot
    open_dock_tab(window, qtbot)
    d1 = lp.surface.plane.d1.copy()
    qtbot.mouseClick(lp.random_button, Qt.MouseButton.LeftButton)
    assert not np.array_equal(lp.surface.plane.d1, d1)
    assert "seed 2" in lp.info.text()  # the file's seed is 1
    qtbot.mouseClick(lp.follow_box, Qt.MouseButton.LeftButton, pos=lp.follow_box.rect().center())
    assert not lp.follow_box.isChecked() and lp.surface is not None
    window.open_file(examples_dir() / "softmax_3class.json")
    QApplication.processEvents()
    lp.update_view()
    assert lp.surface is not None and lp.surface.plane.kind == "random"
    assert "seed 0" in lp.info.text()


def test_an_edit_during_a_race_ends_it_and_the_landscape_follows_the_new_network(
    make_window, qtbot
):
    """The race's networks had the old shape: a new skip edge mid-race raised ValueError
    (14 parameters against 15) out of the undo command's redo (random user, seed 649660)."""
    from bpstudio.model.graph import Edge
    from bpstudio.qt.commands import AddItemsCommand

    window = make_window(path=XOR)
    tools = window.training_tools
    lp = tools.landscape_plot
    open_dock_tab(window, qtbot)
    window.graph.training["epochs"] = 200_000
    qtbot.mouseClick(lp.race_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lp.race.epoch > 5, timeout=10_000)
    n_params = tools.session.compiled.net.params.size
    skip = Edge("skip", "x1", "o1", weight=0.2)  # the output layer reads the inputs too
    window.undo_stack.push(AddItemsCommand(window.graph, [], [skip], "Connect"))
    assert lp.race is None and not lp.racing and lp.race_button.text() == "Race optimizers"
    qtbot.waitUntil(lambda: lp.surface is not None and lp.surface.plane.origin.size > n_params)
    assert not lp.race_ends.isVisible() and lp.trajectory.isVisible()
    sf, s = lp.surface, tools.session
    k = sf.resolution // 3
    assert sf.loss[k, k] == pytest.approx(engine_loss(s, sf.plane.point(sf.alphas[k], sf.betas[k])))


def test_the_marker_follows_the_history_slider(make_window, qtbot):
    """Scrubbed back to epoch 0 (Home on the history slider), the landscape's marker stands
    at that epoch's weights projected on the slice; End puts it back at the trained ones."""
    from PySide6.QtTest import QTest

    window = make_window(path=XOR)
    tools = window.training_tools
    lp = tools.landscape_plot
    open_dock_tab(window, qtbot)
    lp.follow_box.setChecked(False)  # the slice stays put: only the marker may move
    c = tools.controller
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_Space, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not c.running, timeout=60_000)
    lp.update_view()

    def marker() -> np.ndarray:
        x, y = lp.marker.getData()
        return np.array([x[0], y[0]])

    live = marker()
    np.testing.assert_allclose(live, lp.plane.project(tools.session.compiled.net.params)[0])
    slider = tools.scrubber.bar.slider
    slider.setFocus()
    start = lp.plane.project(tools.session.params_at(0))[0]
    assert not np.allclose(start, live)
    QTest.keyClick(slider, Qt.Key.Key_Home)  # the views follow on their own (no refresh here)
    qtbot.waitUntil(lambda: tools.scrubber.shown_epoch == 0)
    qtbot.waitUntil(lambda: np.allclose(marker(), start), timeout=3000)
    QTest.keyClick(slider, Qt.Key.Key_End)
    qtbot.waitUntil(lambda: np.allclose(marker(), live), timeout=3000)


def test_l2_typed_in_the_panel_lifts_the_surface_by_the_penalty(make_window, qtbot):
    """λ₂ typed into the training dock: the landscape is redrawn as the loss training now
    descends, every cell the data loss plus λ₂/2·Σw² of that point."""
    from PySide6.QtTest import QTest

    window = make_window(path=XOR)
    tools = window.training_tools
    lp = tools.landscape_plot
    open_dock_tab(window, qtbot)
    plain = lp.surface
    assert plain is not None
    field = tools.training_panel.l2
    field.setFocus()
    field.selectAll()
    QTest.keyClicks(field, "0.5")
    QTest.keyClick(field, Qt.Key.Key_Return)
    assert window.graph.training["l2"] == 0.5
    qtbot.waitUntil(lambda: lp.surface is not None and lp.surface is not plain, timeout=5000)
    sf = lp.surface
    s = tools.session
    n = s.compiled.net.n_weights
    for i, j in [(0, 0), (sf.resolution // 2, 3)]:
        p = sf.plane.point(sf.alphas[i], sf.betas[j])
        w = p[:n]
        assert sf.loss[i, j] == pytest.approx(engine_loss(s, p) + 0.25 * float(w @ w), rel=1e-11)


def test_a_race_on_a_large_generated_set_keeps_the_window_answering(make_window, qtbot):
    """1,000,000 generated samples: every racer's epoch over all of them held the GUI thread
    ~3 s a round (random-user soak). The race trains on the surface's evenly spaced samples,
    the caption says so, and a round is as quick as on a small set."""
    import time

    from bpstudio.core.trainer import Trainer
    from bpstudio.model import landscape as ls
    from bpstudio.model.compile import compile_graph

    window = make_window(path=XOR)
    tools = window.training_tools
    lp = tools.landscape_plot
    window.graph.set_network(data={"generator": {"name": "xor", "n": 1_000_000, "seed": 1}})
    open_dock_tab(window, qtbot)
    window.graph.training.update(epochs=200_000, batch_size=1_000)  # a full batch is refused
    lp.update_view()
    assert lp.surface is not None, lp.info.text()
    qtbot.mouseClick(lp.race_button, Qt.MouseButton.LeftButton)
    race = lp.race
    assert race is not None and (race.samples, race.of) == (ls.SURFACE_SAMPLES, 1_000_000)
    qtbot.waitUntil(lambda: race.epoch > 5, timeout=10_000)
    lp.update_view()
    assert lp.info.text().startswith("1,024 of 1,000,000 samples · race"), lp.info.text()
    t0 = time.perf_counter()
    race.run_for(0.0)  # one round: an epoch of each of the four racers
    round_s = time.perf_counter() - t0
    s = tools.session
    t0 = time.perf_counter()
    Trainer(compile_graph(window.graph).net, s.train_set, window.graph.settings).run_epoch()
    epoch_s = time.perf_counter() - t0  # one epoch of one optimizer over every sample
    assert round_s < epoch_s / 4, (round_s, epoch_s)
    qtbot.mouseClick(lp.race_button, Qt.MouseButton.LeftButton)
    assert not lp.racing
