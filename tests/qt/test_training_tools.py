"""Live training in Qt: the loop stays responsive, plots hold one point per epoch, controls
are undoable, runs are compared, data comes from generators/CSV/the table."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from gestures import choose
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from bpstudio.model import fileformat, templates
from bpstudio.paths import example_files
from bpstudio.qt.training import TrainingTools
from bpstudio.qt.training import dialogs as tdialogs
from bpstudio.qt.undo import UndoStack


def xor_graph(epochs=100_000):
    g = templates.xor_241()
    g.training.update(loss="binary_cross_entropy", optimizer="adam", learning_rate=0.05,
                      seed=1, epochs=epochs)  # fmt: skip
    g.data = {"samples": [{"x": [a, b], "y": [float(a != b)]} for a in (0, 1) for b in (0, 1)]}
    return g


def example(name):
    return fileformat.load(next(p for p in example_files() if p.name == name))


@pytest.fixture
def tools(qtbot):
    made = []

    def make(graph=None):
        stack = UndoStack()  # the document's (qt/undo.py): says before it changes the model
        t = TrainingTools(graph or xor_graph(), stack)
        t.undo_stack = stack
        for w in (t.training_panel, t.loss_plot, t.grad_plot, t.boundary_plot):
            qtbot.addWidget(w)
        made.append(t)
        return t

    yield make
    for t in made:
        t.controller.close()


def test_xor_trains_live_click_handled_and_pause_stops(tools, qtbot):
    """Play, then Pause clicked from inside the event loop while the loop trains (a timer
    event between ticks, as a user's click arrives). The click is sent once 200 epochs are
    done, a condition however slow the machine is (it was a 300 ms timer, and on a loaded
    machine too few epochs had run for the loss to have fallen)."""
    t = tools()
    c, panel = t.controller, t.training_panel
    panel.show()
    seen = {}

    def click_pause_when_trained():  # a real mouse click, delivered while the loop runs
        if c.epoch < 200:
            QTimer.singleShot(0, click_pause_when_trained)  # the next turn of the loop
            return
        seen["epoch"], seen["running"] = c.epoch, c.running
        qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)

    qtbot.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    assert c.running and panel.play_button.text().endswith("Pause")
    QTimer.singleShot(0, click_pause_when_trained)
    qtbot.waitUntil(lambda: "epoch" in seen and not c.running, timeout=60_000)
    assert seen["running"] and seen["epoch"] >= 200  # the click came while training
    assert c.epoch < c.target  # it stopped because of the click, not at the end
    stopped_at = c.epoch
    for _ in range(5):  # turns of the event loop in which a running loop would tick again
        QApplication.sendPostedEvents()
        QApplication.processEvents()
    assert not c._timer.isActive()
    assert c.epoch == stopped_at and not c.running  # Pause stopped it
    h = c.session.run.history
    assert h.train_loss[-1] < h.train_loss[0] / 5  # the loss fell
    x, y = t.loss_plot.train_curve.xData, t.loss_plot.train_curve.yData
    assert len(x) == len(y) == c.epoch  # one point per epoch
    assert [len(cv.xData) for cv in t.grad_plot.curves] == [c.epoch] * 2
    assert t.undo_stack.count() == 1 and t.undo_stack.text(0).startswith("Train")
    trained = t.graph.edges["w1"].weight
    t.undo_stack.undo()
    assert t.graph.edges["w1"].weight != trained  # training is one undo step


def test_timer_events_are_served_while_training_at_full_speed(tools, qtbot):
    """Training runs in slices that hand the event loop back: a timer set to fire every 10 ms
    fires again and again *while* the epochs advance, not only once training stops. (Counted
    in epochs between firings, not in milliseconds, so a loaded machine cannot fail it.)"""
    t = tools()
    c = t.controller
    epochs_seen: list[int] = []
    timer = QTimer()
    timer.timeout.connect(lambda: epochs_seen.append(c.epoch))
    c.play()
    timer.start(10)
    qtbot.waitUntil(lambda: len(set(epochs_seen)) >= 6, timeout=60_000)
    timer.stop()
    still_running = c.running
    c.pause()
    assert still_running  # the timer was served during training, not after it
    assert epochs_seen == sorted(epochs_seen) and epochs_seen[-1] > epochs_seen[0]


def test_epochs_setting_stops_and_play_continues(tools, qtbot):
    t = tools(xor_graph(epochs=200))
    c = t.controller
    c.play()
    qtbot.waitUntil(lambda: not c.running, timeout=5000)
    assert c.epoch == 200 and "Press Play to continue" in t.training_panel.message.text()
    c.play()
    qtbot.waitUntil(lambda: not c.running, timeout=5000)
    assert c.epoch == 400


def test_step_and_limited_speed(tools, qtbot):
    t = tools()
    c = t.controller
    c.step()
    c.step()
    assert c.epoch == 2 and t.training_panel.epoch_label.text().startswith("epoch 2")
    now = [0.0]  # the speed's clock is the test's: seconds as the test says they pass
    c.clock = lambda: now[0]
    c.set_speed(100)
    c.play()
    now[0] = 0.3
    qtbot.waitUntil(lambda: c.epoch == 2 + 30)  # 100 epochs/s for 0.3 s
    ticks = c.ticks
    qtbot.waitUntil(lambda: c.ticks >= ticks + 5)  # the loop goes on: no epoch is due
    assert c.epoch == 32 and c.running
    now[0] = 0.55
    qtbot.waitUntil(lambda: c.epoch == 2 + 55)
    c.pause()
    assert c.epoch == 57 and c.epochs_per_second() == pytest.approx(100, rel=0.05)


def test_hundred_thousand_epochs_stay_cheap_to_draw(tools, qtbot):
    t = tools()
    p = t.loss_plot
    p.resize(600, 350)
    p.show()
    t.session.ensure()
    h = t.session.run.history
    e = np.arange(100_000)
    for v in np.exp(-e / 20_000) * (1 + 0.05 * np.sin(e)):
        h.append(v, None, np.array([v, v / 2]))
    assert h.capacity == 131072  # grown by doubling, not re-converted
    p.update_view()
    t.grad_plot.update_view()
    qtbot.wait(10)
    start = time.perf_counter()
    for _ in range(3):
        p.update_view()
        p.plot.viewport().repaint()
    assert (time.perf_counter() - start) / 3 < 0.25
    c = p.train_curve
    assert c.opts["autoDownsample"] and c.opts["clipToView"]
    assert len(c._getDisplayDataset().x) < 5000  # drawn at screen resolution


def test_divergence_stops_and_explains(tools, qtbot):
    g = xor_graph()
    g.training.update(optimizer="sgd", learning_rate=1e7, loss="half_squared_error")
    for n in g.neurons.values():
        if n.role != "input":
            n.activation = "identity"
    t = tools(g)
    c = t.controller
    c.play()
    qtbot.waitUntil(lambda: not c.running, timeout=5000)
    text = t.training_panel.message.text()
    # where it started (model/divergence.py), with the rate and a smaller one to try
    assert text.startswith("Diverged at epoch") and "learning rate 1e+07" in text, text
    assert "Try a learning rate of 1e+06" in text
    assert all(np.isfinite(e.weight) for e in g.edges.values())


def test_reinitialise_reset_and_compare_runs(tools, qtbot):
    t = tools()
    c, g = t.controller, t.graph
    c.session.run_for(10, 50)
    c.session.write_back()
    before = g.edges["w1"].weight
    c.reinitialise()
    assert t.undo_stack.text(t.undo_stack.count() - 1).startswith("Re-initialise")
    assert [r.label for r in c.session.earlier] == [g.name] and c.epoch == 0
    assert t.loss_plot._earlier_items and t.grad_plot._earlier_items  # greyed, labelled
    labels = [it.textItem.toPlainText() for it in t.grad_plot._earlier_items
              if hasattr(it, "textItem")]  # fmt: skip
    assert f"{g.name}: layer 1" in labels
    fresh = g.edges["w1"].weight
    t.undo_stack.undo()
    assert g.edges["w1"].weight == before
    t.undo_stack.redo()
    assert g.edges["w1"].weight == fresh
    c.step()
    c.step()
    c.reset()  # back to where this run started
    assert g.edges["w1"].weight == pytest.approx(fresh)
    assert len(c.session.earlier) == 2
    c.clear_runs()
    assert c.session.earlier == [] and not t.loss_plot._earlier_items


def test_settings_panel_edits_are_undoable(tools):
    t = tools()
    panel, g = t.training_panel, t.graph
    panel.lr.setValue(0.2)
    assert g.training["learning_rate"] == 0.2
    panel.optimizer.setCurrentText("sgd")
    assert g.training["optimizer"] == "sgd" and panel.beta1.isHidden()
    panel.batch.setValue(2)
    assert g.training["batch_size"] == 2
    panel.stop_loss.setValue(0.01)
    assert g.training["stop_loss"] == 0.01
    t.undo_stack.undo()
    assert "stop_loss" not in g.training and panel.stop_loss.text() == "off"
    while t.undo_stack.canUndo():
        t.undo_stack.undo()
    assert g.training["learning_rate"] == 0.05 and panel.lr.value() == 0.05
    assert panel.lr.text() == "0.05"


def test_generator_regenerate_and_edit_as_table(tools):
    t = tools()
    dp, g = t.data_panel, t.graph
    dp._source_chosen(1)  # Generator
    assert g.data["generator"]["name"] == "xor"
    choose(dp.gen_name, "circles")
    dp.gen_n.setValue(50)
    assert g.data["generator"]["name"] == "circles" and g.data["generator"]["n"] == 50
    dp.regenerate()
    assert g.data["generator"]["seed"] == 2
    assert dp.table.rowCount() == 50 and not dp.add_row_button.isEnabled()
    dp.val_split.setValue(0.2)
    assert g.training["validation_split"] == 0.2
    dp.convert_to_table()
    assert len(g.data["samples"]) == 50 and dp.add_row_button.isEnabled()


def test_table_edits_and_errors(tools):
    t = tools()
    dp, g = t.data_panel, t.graph
    dp.table.item(1, 2).setText("0.25")
    assert g.data["samples"][1]["y"] == [0.25]
    dp.table.item(0, 0).setText("abc")
    assert "row 1" in dp.error.text() and "not a finite number" in dp.error.text()
    assert g.data["samples"][0]["x"][0] == 0
    dp.add_sample()
    assert len(g.data["samples"]) == 5
    dp.table.selectRow(0)
    dp.remove_samples()
    assert len(g.data["samples"]) == 4 and g.data["samples"][0]["x"] == [0, 1]
    t.undo_stack.undo()
    assert len(g.data["samples"]) == 5


def test_csv_import_detects_delimiter_picks_columns_and_names_bad_cells(tools, tmp_path,
                                                                         monkeypatch):  # fmt: skip
    t = tools()
    dp, g = t.data_panel, t.graph
    bad = tmp_path / "bad.csv"
    bad.write_text("a;b;label;note\n0;0;0;x\n0;1;1;y\n1;oops;1;z\n", encoding="utf-8")
    monkeypatch.setattr(tdialogs, "ask_csv_path", lambda *a: str(bad))
    dp.import_csv_dialog()
    assert "4 rows" not in dp.csv_path.text() and "3 rows" in dp.csv_path.text()
    assert dp._checked(dp.inputs_list) == ["a", "b"] and dp._checked(dp.targets_list) == ["label"]
    assert not dp.apply_csv_columns()
    assert "row 4, column 'b'" in dp.error.text()
    good = tmp_path / "good.csv"
    good.write_text("a\tb\tlabel\n0\t0\t0\n0\t1\t1\n1\t0\t1\n1\t1\t0\n", encoding="utf-8")
    assert dp.load_csv(good)
    assert dp.apply_csv_columns()
    assert g.data["inputs"] == ["a", "b"] and g.data["targets"] == ["label"]
    assert dp.table.rowCount() == 4
    dp.targets_list.item(0).setCheckState(Qt.CheckState.Checked)  # a second target: refused
    assert not dp.apply_csv_columns() and "pick 1 target column" in dp.error.text()


def test_export_png_and_csv(tools, tmp_path, monkeypatch):
    t = tools()
    t.controller.session.run_for(10, 20)
    t.update_all()
    paths = iter([str(tmp_path / f"f{i}") for i in range(8)])
    monkeypatch.setattr(tdialogs, "ask_export_path", lambda *a: next(paths))
    for p in (t.loss_plot, t.grad_plot, t.boundary_plot, t.activation_plot):
        p.png_button.click()
        p.csv_button.click()
    files = sorted(tmp_path.iterdir())
    assert len(files) == 8 and all(f.stat().st_size > 0 for f in files)
    rows = (tmp_path / "f1.csv").read_text().splitlines()
    assert rows[0] == "epoch,train_loss,val_loss" and len(rows) == 21
    assert (tmp_path / "f3.csv").read_text().startswith("epoch,grad_norm_1,grad_norm_2")
    assert (tmp_path / "f5.csv").read_text().startswith("x1,x2,output_1")
    assert (tmp_path / "f7.csv").read_text().startswith("layer,activation,bin_low")


def test_boundary_modes(tools):
    t = tools()
    b = t.boundary_plot
    b.update_view()
    assert b._mode == "2d" and b.image.image.shape == (60, 60, 4) and "accuracy" in b.info.text()
    g1 = templates.xor_241()
    g1.remove_neuron("x2")
    g1.data = {"generator": {"name": "sine", "n": 30}}
    t1 = tools(g1)
    t1.boundary_plot.update_view()
    assert t1.boundary_plot._mode == "1d" and len(t1.boundary_plot.curve.xData) == 200


def _shown_rows(X: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> list[int]:
    """Which rows of X the scatter's points are (each point is one row, found by value)."""
    where = {(float(a), float(b)): k for k, (a, b) in enumerate(X[:, :2].tolist())}
    return [where[(float(a), float(b))] for a, b in zip(xs, ys, strict=True)]


def test_the_boundary_draws_evenly_spaced_points_of_a_large_set_and_says_so(tools):
    """A soak typed n = 1,000,000 into the generator: every repaint of the scatter then took
    ~10 s. It draws POINTS_SHOWN rows spread over the whole set (first and last included, in
    order, no gap much wider than n / POINTS_SHOWN), and the caption says how many."""
    from bpstudio.qt.training.boundary import POINTS_SHOWN

    g = xor_graph()
    g.data = {"generator": {"name": "xor", "n": 20_000, "noise": 0.2, "seed": 5}}
    t = tools(g)
    b = t.boundary_plot
    b.update_view()
    X, _, labels = t.controller.session.data_points()
    xs, ys = b.points.getData()
    assert len(xs) == POINTS_SHOWN < len(X)
    rows = _shown_rows(X, xs, ys)
    assert rows[0] == 0 and rows[-1] == len(X) - 1
    gaps = np.diff(rows)
    assert gaps.min() >= 1 and gaps.max() <= len(X) / POINTS_SHOWN + 1
    # both classes, in about their share of the data (the brushes follow the shown rows)
    shown_share = np.mean(labels[rows])
    assert abs(shown_share - np.mean(labels)) < 0.05
    assert f"{POINTS_SHOWN:,} of {len(X):,} points" in b.info.text()
    # one input: the fitted curve's points likewise
    g1 = templates.xor_241()
    g1.remove_neuron("x2")
    g1.data = {"generator": {"name": "sine", "n": 5_000}}
    t1 = tools(g1)
    t1.boundary_plot.update_view()
    assert len(t1.boundary_plot.points.getData()[0]) == POINTS_SHOWN
    assert f"{POINTS_SHOWN:,} of 5,000 points" in t1.boundary_plot.info.text()
    # a set that fits is drawn whole
    t2 = tools()
    t2.boundary_plot.update_view()
    assert len(t2.boundary_plot.points.getData()[0]) == 4
    assert t2.boundary_plot.info.text().endswith(" 4 points")


def test_edit_while_training_pauses(tools, qtbot):
    t = tools()
    c = t.controller
    c.play()
    qtbot.wait(50)
    t.graph.remove_edge("w1")
    assert not c.running
    qtbot.waitUntil(lambda: "edited" in t.training_panel.message.text(), timeout=2000)
    assert not t.training_panel.play_button.isChecked()
    c.step()  # a new run on the new network
    assert c.epoch == 1


def test_vanishing_pair_in_the_window(make_window, qtbot):
    w = make_window(path=next(p for p in example_files() if p.name == "vanishing_sigmoid.json"))
    tools = w.training_tools
    c = tools.controller
    assert "Train" in w.menus and tools.docks["grads"].isVisible()
    c.session.run_for(30, 60)
    sig = c.session.run.history.grad_norms
    assert np.median(sig[:, 0] / sig[:, -1]) < 1e-3
    w.undo_stack.setClean()
    assert w.open_file(next(p for p in example_files() if p.name == "vanishing_relu.json"))
    qtbot.waitUntil(lambda: bool(c.session.earlier), timeout=2000)
    c.session.run_for(30, 60)
    relu = c.session.run.history.grad_norms
    assert np.median(relu[:, 0] / relu[:, -1]) > 1e-2
    assert [r.label for r in c.session.earlier] == [
        "Vanishing gradients: 8 sigmoid layers (xavier)"
    ] and c.session.run.label == "Vanishing gradients fixed: 8 relu layers (he)"
    tools.update_all()
    assert len(tools.grad_plot.curves) == 9
    names = [tools.grad_plot.legend.items[i][1].text for i in range(9)]
    assert names[0] == "layer 1" and names[-1] == "layer 9"


def test_the_gradient_norm_caption_of_an_overflowed_run_says_nan_without_a_warning():
    """Found by the random-user soak (action 80,819): Step epoch on a run whose gradient norms
    had overflowed divided inf by inf in the caption (a numpy RuntimeWarning)."""
    import warnings

    from bpstudio.qt.training.plots import gradient_ratio

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        inf = np.float64("inf")
        assert math.isnan(gradient_ratio(inf, inf))
        assert math.isnan(gradient_ratio(np.float64("nan"), np.float64(1.0)))
        assert gradient_ratio(np.float64(1.0), np.float64(0.0)) == math.inf
        assert gradient_ratio(np.float64(2.0), np.float64(4.0)) == 0.5


def test_runs_that_drew_the_same_curve_share_one_label_and_the_legend_one_entry(tools):
    """Re-initialise with the same seed, train the same epochs: the runs' curves coincide, and
    their labels were printed over each other; every earlier run had a legend entry too,
    which grew wider than the Loss dock's plot at 1280x720 (cut off, over the curve)."""
    from bpstudio.qt.training.plots import EARLIER_ENTRY

    t = tools()
    c = t.controller
    for _ in range(2):
        c.session.run_for(10, 30)
        c.session.write_back()
        c.reinitialise()
    c.session.run_for(10, 20)  # a third run, different: 20 epochs
    c.session.write_back()
    c.reinitialise()
    runs = [r.label for r in c.session.earlier]
    assert len(runs) == 3 and len(set(runs)) == 3, runs
    for plot, suffix in ((t.loss_plot, ""), (t.grad_plot, ": layer 1")):
        labels = [it.textItem.toPlainText() for it in plot._earlier_items
                  if hasattr(it, "textItem")]  # fmt: skip
        # "XOR 2-4-1 = run 2": the second run's label without the file's name again
        assert runs[1] == f"{runs[0]}, run 2"
        assert f"{runs[0]} = run 2{suffix}" in labels, labels
        assert f"{runs[2]}{suffix}" in labels and not any(f"{runs[0]}{suffix}" == x for x in labels)
        entries = [label.text for _sample, label in plot.legend.items]
        assert entries.count(EARLIER_ENTRY) == 1 and not [e for e in entries if "(earlier)" in e]
