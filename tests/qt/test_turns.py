"""Heavy GUI jobs take turns (qt/turns.py): a job due right after another one waits for the
event loop's next pass, runs exactly once, and nothing it computes changes; the periodic
autosave of a large network is written in steps; the training tick gives way and still
trains exactly the epochs asked for."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QCoreApplication, QTimer
from qt_graphs import big_graph

from bpstudio.model import fileformat
from bpstudio.model.training_session import TrainingSession
from bpstudio.qt import recovery, turns
from bpstudio.qt.commands import SetParametersCommand, graph_parameters
from bpstudio.qt.turns import Turn


def spin(qtbot, passes: int = 5) -> None:
    for _ in range(passes):
        QCoreApplication.processEvents()
        qtbot.wait(1)


@pytest.fixture(autouse=True)
def fresh_turns(monkeypatch):
    """The GUI thread's record of jobs is global: start each test here with an empty one (a
    job of an earlier test's window may still be waiting, or have ended within SAME_PASS_S
    of CPU time on a loaded machine)."""
    monkeypatch.setattr(turns, "_turns", turns._Turns())


def test_a_job_due_right_after_another_waits_for_the_next_pass_and_runs_once(qtbot):
    ran: list[str] = []
    first = Turn(lambda: ran.append("first"))
    second = Turn(lambda: ran.append("second"))
    first.run()
    assert ran == ["first"]  # nothing ran just before: at once
    second.run()  # right after the first, in the same "pass": put back
    assert ran == ["first"] and second.waiting and turns.waiting() == 1
    second.run()  # asked again while waiting: still once
    spin(qtbot)
    assert ran == ["first", "second"] and not second.waiting and turns.waiting() == 0


def test_a_job_put_back_runs_next_time_even_if_another_just_ran(qtbot):
    """Put back once at most in a row: a job never starves behind others."""
    ran: list[str] = []
    job = Turn(lambda: ran.append("job"))
    turns.done(object())
    job.run()
    assert ran == [] and job.waiting
    timer = QTimer()
    timer.setSingleShot(True)
    timer.setInterval(0)
    timer.timeout.connect(lambda: turns.done(object()))  # another heavy job, due first
    timer.start()
    spin(qtbot)
    assert ran == ["job"]


def test_cancel_takes_a_waiting_job_off(qtbot):
    ran: list[str] = []
    job = Turn(lambda: ran.append("job"))
    turns.done(object())
    job.run()
    job.cancel()
    spin(qtbot)
    assert ran == [] and turns.waiting() == 0


def test_the_tick_gives_way_to_others_not_to_itself():
    tick, other = object(), object()
    turns.done(tick)
    assert not turns.should_yield(0, tick)  # its own last slice holds nothing back
    turns.done(other)
    assert turns.should_yield(0, tick)
    assert not turns.should_yield(0, tick)  # that job's end was seen: no second wait for it
    turns.done(other)
    assert not turns.should_yield(turns.TICK_YIELDS, tick)  # at most TICK_YIELDS in a row


def test_live_training_with_the_docks_trains_exactly_what_the_session_trains(make_window,
                                                                              qtbot):  # fmt: skip
    """Play with Explain and the Matrices on screen (their refreshes make the tick give way):
    the trained weights are the headless session's after the same epochs, bit for bit."""
    g = big_graph(layers=3, width=30, fan_in=10)
    rng = np.random.default_rng(1)
    g.data = {"samples": [{"x": rng.uniform(-1, 1, 30).round(3).tolist(),
                           "y": rng.uniform(-1, 1, 30).round(3).tolist()} for _ in range(8)]}  # fmt: skip
    g.training.update(epochs=40, learning_rate=0.05, loss="half_squared_error")
    reference = g.copy()
    w = make_window(graph=g)
    tools = w.pass_tools
    tools.explain_dock.show()
    tools.matrix_dock.show()
    tools.select_neuron("n2_0")
    c = w.training_tools.controller
    c.play()
    qtbot.waitUntil(lambda: not c.running, timeout=60_000)
    assert c.epoch == 40
    s = TrainingSession(reference)
    assert s.ensure()
    while s.epoch < 40:
        s.run_for(0.0, 40 - s.epoch)
    s.write_back()
    for eid, e in w.graph.edges.items():
        assert e.weight == reference.edges[eid].weight, eid
    for nid, n in w.graph.neurons.items():
        assert n.bias == reference.neurons[nid].bias, nid
    # what the docks show is the network as trained
    tools.refresh_now()
    assert tools.explain.doc is not None
    table = tools.matrix.table(1)
    row, col = table.cell_of["w1"]
    assert table.model().value(row, col) == w.graph.edges["w1"].weight


# ------------------------------------------------------------------------- autosave in steps
def nudge(w, by: float = 0.5) -> None:
    """An undoable edit of the weights (as a pass's update pushes one)."""
    old = graph_parameters(w.graph)
    weights = {e: (x or 0.0) + by for e, x in old[0].items()}
    w.undo_stack.push(SetParametersCommand(w.graph, old, (weights, dict(old[1])), "nudge"))


def test_the_autosave_in_steps_is_the_same_text_as_in_one_go(qtbot, tmp_path):
    g = big_graph(layers=4, width=60, fan_in=40)  # 7,200 edges: three steps
    assert len(g.edges) > 2 * recovery.EDGES_PER_STEP
    g.edges["w7"].trainable = False
    g.edges["w9"].extra["note"] = "kept"
    g.data = {"csv": "rows.csv", "inputs": [], "targets": []}
    g.base_dir = tmp_path
    slot = recovery.Slot()
    steps = slot.write_in_steps(g, None)
    n = sum(1 for _ in steps)
    assert n == 4  # three chunks of edges, then the file
    text = slot.network_file.read_text(encoding="utf-8")
    want = fileformat.to_document(g, slot.network_file.parent)
    assert text == json.dumps(want, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert json.loads(text)["data"]["csv"] != "rows.csv"  # rebased onto the recovery folder
    # stopped half way: nothing is written
    slot.discard()
    steps = slot.write_in_steps(g, None)
    next(steps)
    next(steps)
    steps.close()
    assert not slot.network_file.exists()
    slot.release()


def test_the_periodic_autosave_of_a_large_network_is_written_over_several_passes(
    make_window, qtbot
):
    w = make_window(graph=big_graph(layers=4, width=60, fan_in=40))
    doc = w.document
    nudge(w)  # an edit: the document is modified
    assert doc.modified
    f = doc.slot.network_file
    doc.autosave_timer.timeout.emit()  # 30 s pass
    assert not f.exists()  # the first step only
    qtbot.waitUntil(f.exists, timeout=10_000)
    saved = fileformat.load(f)
    assert {e: x.weight for e, x in saved.edges.items()} == {
        e: x.weight for e, x in w.graph.edges.items()
    }


def test_an_edit_stops_the_autosave_being_written_and_the_next_writes_the_edit(make_window,
                                                                                qtbot):  # fmt: skip
    w = make_window(graph=big_graph(layers=4, width=60, fan_in=40))
    doc = w.document
    nudge(w)
    f = doc.slot.network_file
    doc.autosave_timer.timeout.emit()
    nudge(w)  # another edit, before the steps finished
    spin(qtbot, 20)
    assert not f.exists()  # the stale one was dropped
    doc.autosave_timer.timeout.emit()
    qtbot.waitUntil(f.exists, timeout=10_000)
    saved = fileformat.load(f)
    assert saved.edges["w1"].weight == w.graph.edges["w1"].weight


def test_a_neuron_dragged_during_a_run_is_autosaved_while_it_runs(make_window, qtbot, mouse):
    """A run started on a saved document wrote nothing (nothing to write); a neuron dragged
    during the run does not pause it, and the periodic autosave waited for the run to stop:
    a crash in a long run lost the drag (soak seed 106934, actions 61,975 and 92,234). Now the
    autosave due after a user's edit writes even while training runs; with no edit since, it
    still waits."""
    from bpstudio.paths import examples_dir

    w = make_window(path=examples_dir() / "xor_241.json")
    w.graph.training.update(epochs=0)  # until paused (a direct edit: not an undo step)
    doc, c = w.document, w.training_tools.controller
    f = doc.slot.network_file
    assert not doc.modified and not f.exists()
    c.play()
    qtbot.waitUntil(lambda: c.epoch >= 2, timeout=10_000)
    assert not f.exists()  # nothing unsaved when it started
    doc.autosave_timer.timeout.emit()
    assert not f.exists()  # training's own progress waits for the run to stop
    n = w.graph.neurons["h1"]
    start = (n.x, n.y)
    m = mouse(w.view)
    m.drag(start, (start[0] + 40, start[1] + 60))
    assert (w.graph.neurons["h1"].x, w.graph.neurons["h1"].y) != start
    assert c.running and doc.modified  # a move does not pause the run
    moved = (w.graph.neurons["h1"].x, w.graph.neurons["h1"].y)
    doc.autosave_timer.timeout.emit()
    assert f.exists(), "the drag made during the run was never autosaved"
    saved = fileformat.load(f)
    assert (saved.neurons["h1"].x, saved.neurons["h1"].y) == moved
    written = f.stat().st_mtime_ns
    qtbot.waitUntil(lambda: c.epoch >= 4, timeout=10_000)
    doc.autosave_timer.timeout.emit()  # no edit since: it waits again
    assert c.running and f.stat().st_mtime_ns == written
    c.pause()
    qtbot.waitUntil(lambda: f.stat().st_mtime_ns != written, timeout=10_000)
    assert fileformat.load(f).edges["w1"].weight == w.graph.edges["w1"].weight


def test_the_autosave_waits_while_training_and_runs_when_it_stops(make_window, qtbot):
    w = make_window(graph=big_graph(layers=4, width=60, fan_in=40))
    rng = np.random.default_rng(2)
    w.graph.data = {"samples": [{"x": rng.uniform(-1, 1, 60).round(3).tolist(),
                                 "y": rng.uniform(-1, 1, 60).round(3).tolist()}
                                for _ in range(4)]}  # fmt: skip
    w.graph.training.update(epochs=0)  # until paused
    doc = w.document
    nudge(w)
    assert doc.modified
    edited = w.graph.edges["w1"].weight
    c = w.training_tools.controller
    f = doc.slot.network_file
    assert not f.exists()
    c.play()
    # the run starts: the edits so far are written at once (the periodic autosave waits)
    assert f.exists() and fileformat.load(f).edges["w1"].weight == edited
    written = f.stat().st_mtime_ns
    qtbot.waitUntil(lambda: c.epoch >= 2, timeout=30_000)
    doc.autosave_timer.timeout.emit()  # due while training runs: it waits
    spin(qtbot, 20)
    assert c.running and f.stat().st_mtime_ns == written
    assert w.graph.edges["w1"].weight != edited  # trained since
    c.pause()
    qtbot.waitUntil(lambda: f.stat().st_mtime_ns != written, timeout=10_000)
    saved = fileformat.load(f)
    assert saved.edges["w1"].weight == w.graph.edges["w1"].weight  # with the training
