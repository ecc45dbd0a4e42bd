"""Resumable epochs (core/trainer.py run_until, core/epoch_state.py): a large batch is summed
in chunks, and work cut anywhere, or abandoned and re-run, gives the uninterrupted result."""

from __future__ import annotations

import time

import numpy as np
import pytest

from bpstudio.core.data import Dataset
from bpstudio.core.divergence import locate
from bpstudio.core.epoch_state import CHUNK
from bpstudio.core.network import Workspace
from bpstudio.core.trainer import Trainer
from bpstudio.model import templates
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import make_trainer
from bpstudio.model.training_session import TrainingSession


def big_graph(n: int, batch: int | None = None, optimizer: str = "sgd", val: float = 0.0,
              l2: float = 0.0):  # fmt: skip
    """XOR 2-4-1 on ``n`` generated samples (more than CHUNK: chunked)."""
    g = templates.xor_241()
    g.training.update(loss="binary_cross_entropy", optimizer=optimizer, learning_rate=0.05,
                      seed=4, shuffle=True, validation_split=val)  # fmt: skip
    if l2:
        g.training["l2"] = l2
    if batch:
        g.training["batch_size"] = batch
    g.data = {"generator": {"name": "xor", "n": n, "noise": 0.2, "seed": 2}}
    return g


CASES = {
    "full batch, chunked, sgd": dict(n=2 * CHUNK + 999),
    "full batch, chunked, momentum, l2": dict(n=2 * CHUNK + 999, optimizer="momentum", l2=1e-3),
    "mini-batch, adam": dict(n=CHUNK + 5000, batch=512, optimizer="adam"),
    "mini-batches over CHUNK, adam": dict(n=3 * CHUNK, batch=CHUNK + 77, optimizer="adam"),
    "mini-batch, momentum, chunked validation": dict(
        n=3 * CHUNK, batch=2048, optimizer="momentum", val=0.5
    ),
    "full batch, chunked validation, rmsprop": dict(n=3 * CHUNK, optimizer="rmsprop", val=0.5),
}


def stats_rows(stats):
    return [(s.epoch, s.train_loss, s.val_loss, s.penalty, s.stopped, *s.grad_norms) for s in stats]


def sliced(trainer, epochs: int, abandon_every: int = 0):
    """``epochs`` epochs through run_until with a deadline already past: every call computes
    one batch or chunk and stops (as finely cut as the work can be). abandon_every=k:
    every k-th call that leaves an epoch in progress abandons it (once per epoch)."""
    out, calls, abandoned, last = [], 0, 0, -1
    while len(out) < epochs:
        out += trainer.run_until(time.perf_counter(), epochs - len(out))
        calls += 1
        if abandon_every and calls % abandon_every == 0 and trainer.in_epoch and last != len(out):
            before = trainer.net.params.copy()
            trainer.abandon()
            # abandoning leaves the weights where the epoch began (already parked there)
            assert np.array_equal(trainer.net.params, before) and not trainer.in_epoch
            abandoned, last = abandoned + 1, len(out)
    return out, calls, abandoned


@pytest.mark.parametrize("case", list(CASES))
def test_sliced_and_abandoned_runs_equal_the_uninterrupted_one_bit_for_bit(case):
    kw = CASES[case]
    _, whole = make_trainer(big_graph(**kw))
    want = whole.run_epochs(3)
    _, cut = make_trainer(big_graph(**kw))
    got, calls, _ = sliced(cut, 3)
    assert calls > 3 * 2  # the work really was cut inside the epochs
    assert stats_rows(got) == stats_rows(want)
    assert np.array_equal(cut.net.params, whole.net.params)
    _, redo = make_trainer(big_graph(**kw))
    got, _, abandoned = sliced(redo, 3, abandon_every=2)
    assert abandoned >= 2
    assert stats_rows(got) == stats_rows(want)
    assert np.array_equal(redo.net.params, whole.net.params)
    # the optimizer's state went back too: the next epoch still agrees
    assert stats_rows(redo.run_epochs(1)) == stats_rows(whole.run_epochs(1))


def test_a_parked_epoch_shows_its_start_weights_and_resumes():
    _, t = make_trainer(big_graph(3 * CHUNK, batch=1024, optimizer="adam"))
    t.run_epochs(1)
    start = t.net.params.copy()
    assert t.run_until(time.perf_counter()) == [] and t.in_epoch
    assert np.array_equal(t.net.params, start)  # the steps taken so far wait aside
    _, ref = make_trainer(big_graph(3 * CHUNK, batch=1024, optimizer="adam"))
    assert stats_rows(t.run_epochs(2)) == stats_rows(ref.run_epochs(3)[1:])


def test_chunked_full_batch_gradient_is_the_mean_loss_gradient():
    """Independent check: the existing one-pass code on one workspace of all samples."""
    compiled, t = make_trainer(big_graph(3 * CHUNK + 999, val=0.4))
    net = compiled.net
    assert t.n > CHUNK and t._val_n > CHUNK
    params = net.params.copy()
    stats = t.run_epochs(1)[0]
    chunked = net.grads.copy()  # the gradient the (sgd) step took
    X, Y = t.XT.T, t.YT
    ws = Workspace(net, X.shape[0])
    net.load_inputs(ws, X)
    net.params[:] = params
    loss = net.train_step(ws, Y)
    scale = np.abs(net.grads).max()
    assert scale > 0
    np.testing.assert_allclose(chunked, net.grads, rtol=0, atol=1e-12 * scale)
    assert stats.train_loss == pytest.approx(loss, rel=1e-12)
    # the validation loss, summed a chunk at a time, against the per-sample losses
    net.params[:] = params - 0.05 * chunked
    val = net.evaluate(t._val_XT.T, t._val_YT.T)
    assert stats.val_loss == pytest.approx(val, rel=1e-12)


def test_a_full_batch_of_chunk_size_is_one_pass():
    """Data sets up to CHUNK keep the one-pass arithmetic, bit for bit."""
    compiled, t = make_trainer(big_graph(CHUNK))
    net = compiled.net
    params = net.params.copy()
    stats = t.run_epochs(1)[0]
    got = net.grads.copy()
    ws = Workspace(net, CHUNK)
    net.load_inputs(ws, t.XT.T)
    net.params[:] = params
    assert stats.train_loss == net.train_step(ws, t.YT)
    assert np.array_equal(got, net.grads)


@pytest.mark.parametrize("batch", [None, 256])
def test_run_for_with_a_tiny_budget_returns_well_inside_an_epoch(batch):
    g = big_graph(300_000, batch=batch)
    s = TrainingSession(g)
    s.run_for(float("inf"), 1)  # warm: buffers allocated
    t0 = time.perf_counter()
    assert s.run_for(float("inf"), 1).epochs == 1
    epoch_s = time.perf_counter() - t0
    params = s.trainer.net.params.copy()
    took = []
    for _ in range(5):
        t0 = time.perf_counter()
        res = s.run_for(0.001)
        took.append(time.perf_counter() - t0)
        assert res.epochs == 0 and s.epoch == 2  # inside the third epoch: not recorded
        assert np.array_equal(s.trainer.net.params, params)
    # the quickest call: a whole epoch here is ~30 ms on a fast machine, and one call stalled
    # by the other core's load (11 ms against 8) failed the worst of them
    assert min(took) < epoch_s / 4, (took, epoch_s)


def test_the_session_abandons_a_partial_epoch_on_an_edit():
    g = big_graph(2 * CHUNK, batch=4096, optimizer="adam")
    s = TrainingSession(g)
    s.run_for(float("inf"), 1)
    assert s.run_for(0.0).epochs == 0  # one batch of the second epoch
    trainer = s.trainer
    assert trainer.in_epoch
    g.set_network(training=dict(g.training, learning_rate=0.01))
    assert not trainer.in_epoch
    # the new trainer starts the second epoch afresh from the first epoch's weights
    assert s.run_for(float("inf"), 1).epochs == 1 and s.epoch == 2


def one_pass_finding(net, X, Y, before, after, grads, lr, epoch):
    """locate() on one workspace of the whole batch: what the finding was before chunks."""
    ws = Workspace(net, X.shape[0])
    net.load_inputs(ws, X)
    saved = net.params.copy()
    net.params[:] = before
    with np.errstate(all="ignore"):
        net.train_step(ws, Y)
    net.params[:] = saved
    return locate(net, ws, Y, before, after, grads, None, lr, epoch, 0)


def test_a_chunked_batch_that_overflows_is_located_as_in_one_pass():
    """One sample in the third chunk overflows the forward pass: the finding names it (its
    column in the batch), as locate() on the whole batch at once does."""
    g = big_graph(10)
    compiled = compile_graph(g)
    net = compiled.net
    rng = np.random.default_rng(7)
    X = rng.uniform(-1, 1, (2 * CHUNK + 500, 2))
    X[2 * CHUNK + 7] = [np.inf, 0.5]  # z = w·x of every hidden neuron: ±inf
    Y = (X[:, :1] > 0).astype(float)
    before = net.params.copy()
    t = Trainer(net, Dataset(X, Y), g.settings)
    stats = t.run_epoch()
    assert stats.stopped == "diverged" and stats.divergence is not None
    got = stats.divergence
    assert got.stage == "forward" and got.sample == 2 * CHUNK + 7
    want = one_pass_finding(net, X, np.ascontiguousarray(Y.T), before, before, net.grads, t.lr, 1)
    assert (got.stage, got.quantity, got.row, got.sample) == (
        want.stage, want.quantity, want.row, want.sample
    )  # fmt: skip
    assert np.array_equal(net.params, before)  # the file's weights are left as they were


@pytest.mark.parametrize("lr", [5.0, 100.0])
def test_a_diverging_chunked_run_names_what_one_pass_names(lr):
    g = big_graph(2 * CHUNK + 10)
    g.neurons["o1"].activation = "identity"
    g.training.update(loss="half_squared_error", learning_rate=lr)
    compiled, t = make_trainer(g)
    net = compiled.net
    stats = None
    while stats is None or not stats.stopped:
        before = net.params.copy()
        stats = t.run_epoch()
        assert stats.epoch < 500
    assert stats.stopped == "diverged"
    # the failed step, again in one pass: sgd's update of the one-pass gradient
    ws = Workspace(net, t.n)
    net.load_inputs(ws, t.XT.T)
    with np.errstate(all="ignore"):
        net.train_step(ws, t.YT)
        after = before - lr * net.grads
    want = locate(net, ws, t.YT, before, after, net.grads.copy(), None, lr, stats.epoch, 0)
    got = stats.divergence
    assert (got.stage, got.quantity, got.row, got.sample, got.param) == (
        want.stage, want.quantity, want.row, want.sample, want.param
    )  # fmt: skip
