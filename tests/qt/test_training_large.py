"""Live training on a large data set in the real window: every tick of the training loop is
short next to one epoch (the epoch is cut between chunks), and pausing mid-epoch then playing
on trains exactly the weights of an uninterrupted run."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QTimer

from bpstudio.core.epoch_state import CHUNK
from bpstudio.model import templates
from bpstudio.model.session import make_trainer


def large_xor(n: int, batch: int | None, epochs: int):
    g = templates.xor_241()
    g.training.update(loss="binary_cross_entropy", optimizer="adam", learning_rate=0.05,
                      seed=3, epochs=epochs, validation_split=0.2)  # fmt: skip
    if batch:
        g.training["batch_size"] = batch
    g.data = {"generator": {"name": "xor", "n": n, "noise": 0.2, "seed": 5}}
    return g


def epoch_seconds(graph) -> float:
    """One epoch of the file's training, headless (the second: buffers warm)."""
    _, t = make_trainer(graph.copy())
    t.run_epoch()
    t0 = time.perf_counter()
    t.run_epoch()
    return time.perf_counter() - t0


def weights(graph):
    return {e: x.weight for e, x in graph.edges.items()}, {
        n: x.bias for n, x in graph.neurons.items()
    }


def test_each_tick_on_a_large_set_is_short_next_to_an_epoch(make_window, qtbot):
    # 800,000 training samples in batches of 128 (and 200,000 validation samples, summed in
    # chunks): thousands of steps per epoch, each of them short
    g = large_xor(1_000_000, batch=128, epochs=0)
    epoch_s = epoch_seconds(g)
    w = make_window(graph=g)
    c = w.training_tools.controller
    c.play()
    qtbot.waitUntil(lambda: c.epoch >= 1, timeout=60_000)  # the first frame's views settle
    c.longest_tick = 0.0
    e0 = c.epoch
    qtbot.waitUntil(lambda: c.epoch >= e0 + 2, timeout=60_000)
    c.pause()
    assert c.ticks > 10 * (c.epoch - e0)  # the epochs were cut into many ticks
    assert c.longest_tick < epoch_s / 5, (c.longest_tick, epoch_s)


def test_pausing_mid_epoch_then_playing_on_equals_an_uninterrupted_run(make_window, qtbot):
    g = large_xor(4 * CHUNK, batch=CHUNK + 100, epochs=4)  # batches over CHUNK, chunked
    reference = g.copy()
    w = make_window(graph=g)
    c = w.training_tools.controller
    session = c.session
    start = weights(w.graph)
    c.slice_s = 0.0005  # a tick ends after a chunk or two: mid-epoch on any machine
    pauses, pending = 0, False

    def pause_mid_epoch() -> None:  # what a click on Pause between two ticks does
        nonlocal pauses, pending
        pending = False
        trainer = session.trainer
        if not (c.running and trainer is not None and trainer.in_epoch):
            return  # another tick ran first and ended the epoch: the next one is caught
        c.pause()  # mid-epoch: the partial epoch is dropped
        pauses += 1
        assert not trainer.in_epoch
        # what the window holds is an epoch boundary: the kept parameters of that epoch
        kept = session.params_at(session.epoch)
        assert kept is not None and np.array_equal(kept, trainer.net.params)
        c.play()

    real_run_for = session.run_for

    def run_for(*args, **kwargs):
        nonlocal pending
        # a tick that ends mid-epoch: the click lands before the next tick (polling every
        # 5 ms for it missed every epoch of a fast machine's run)
        res = real_run_for(*args, **kwargs)
        if session.trainer is not None and session.trainer.in_epoch and pauses < 3:
            if not pending:
                pending = True
                QTimer.singleShot(0, pause_mid_epoch)
        return res

    session.run_for = run_for
    c.play()
    qtbot.waitUntil(lambda: not c.running, timeout=60_000)
    assert pauses == 3 and c.epoch == 4
    _, t = make_trainer(reference)  # what `bpstudio train` runs
    want = t.run_epochs(4)
    assert np.array_equal(session.trainer.net.params, t.net.params)
    assert weights(w.graph) != start
    # the history the plots show is the CLI's
    h = session.run.history
    assert h.train_loss.tolist() == [s.train_loss for s in want]
    assert h.val_loss.tolist() == [s.val_loss for s in want]


def test_step_on_a_large_set_trains_one_epoch_in_short_ticks(make_window, qtbot):
    """Step epoch on 1,000,000 samples held the window for the whole epoch: it trains on the
    timer like Play, up to the next epoch, in ticks short next to the epoch, with the same
    weights as one epoch headless and one undo entry; Play meanwhile goes on from there."""
    g = large_xor(1_000_000, batch=128, epochs=0)
    epoch_s = epoch_seconds(g)
    compiled, t = make_trainer(g.copy())
    t.run_epoch()
    w = make_window(graph=g)
    c = w.training_tools.controller
    assert c.session.ensure()  # the data generated, the trainer built (as the dock does)
    undo = w.undo_stack.count()
    c.longest_tick = 0.0
    t0 = time.perf_counter()
    c.step()
    assert time.perf_counter() - t0 < epoch_s / 5  # returned at once
    assert c.running and c.epoch == 0
    qtbot.waitUntil(lambda: not c.running, timeout=60_000)
    assert c.epoch == 1 and c.longest_tick < epoch_s / 5, (c.longest_tick, epoch_s)
    got = np.array([x.weight for x in g.edges.values()])
    np.testing.assert_array_equal(got, t.net.params[compiled.edge_param])
    assert w.undo_stack.count() == undo + 1
    c.step()
    c.play()  # during the step: Play takes over (no training.epochs limit: until paused)
    qtbot.waitUntil(lambda: c.epoch >= 3, timeout=60_000)
    assert c.running
    c.pause()
