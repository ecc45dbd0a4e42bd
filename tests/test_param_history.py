"""The training history's kept parameters (model/param_history.py): every epoch within the
memory cap, then log-spaced epochs; what scrubbing reads back equals a retrain."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpstudio.model import templates
from bpstudio.model.param_history import CAP_BYTES, ParamHistory, log_spaced
from bpstudio.model.training_session import TrainingSession


def test_log_spaced_keeps_the_ends_and_spaces_the_rest_evenly_in_log():
    epochs = np.arange(0, 100_001)
    keep = log_spaced(epochs, 60)
    kept = epochs[keep]
    assert kept[0] == 0 and kept[-1] == 100_000 and len(kept) <= 60
    assert np.all(np.diff(kept) > 0)  # distinct, in order
    gaps = np.diff(np.log1p(kept))
    ideal = math.log1p(100_000) / 59
    # where whole epochs are coarser than the spacing (the start) every epoch is kept; past
    # that, each gap is the ideal step to within one epoch's rounding
    coarse = np.diff(kept) > 1
    assert np.all(np.abs(gaps[coarse] - ideal) < 0.5 * ideal)
    assert np.all(np.diff(kept)[~coarse] == 1) and kept[: int((~coarse).sum())].max() < 20


def test_log_spaced_keeps_everything_that_fits():
    e = np.array([0, 3, 9])
    assert log_spaced(e, 3).tolist() == [0, 1, 2]
    assert log_spaced(e, 10).tolist() == [0, 1, 2]


def record_epochs(h: ParamHistory, n: int) -> None:
    for epoch in range(n + 1):
        h.record(epoch, np.full(h.n_params, float(epoch)))


def test_every_epoch_is_kept_up_to_the_cap_then_log_spaced_within_it():
    h = ParamHistory(10, cap_bytes=8 * 10 * 100)  # 100 rows
    assert h.capacity == 100
    record_epochs(h, 99)
    assert h.epochs.tolist() == list(range(100)) and h.thinned == 0
    record_epochs(h, 100_000)  # (0..99 again: overwritten in place)
    assert len(h) <= h.capacity and h.thinned >= 1
    assert h.nbytes <= 8 * 10 * 100 + 8 * 100  # the rows (and their epoch numbers)
    kept = h.epochs
    assert kept[0] == 0 and np.all(np.diff(kept) > 0)
    for i, e in enumerate(kept):  # each kept row holds that epoch's parameters
        assert np.all(h.params(i) == e)
    # log-spaced over the whole run: the gaps in log(1 + epoch) are about even (within a
    # factor of ~2 of the largest: thinning halves and the spacing then continues), and the
    # epochs themselves are dense at the start and sparse at the end
    gaps = np.diff(np.log1p(kept))[np.diff(kept) > 1]
    assert gaps.max() < 2.5 * np.median(gaps)
    assert kept[-1] > 50_000 and np.sum(kept < 100) > np.sum(kept > 50_000)


def test_an_epoch_recorded_again_replaces_it_and_a_rewind_drops_the_later_ones():
    h = ParamHistory(2)
    record_epochs(h, 5)
    h.record(5, np.array([-1.0, -1.0]))  # the weights were edited before training went on
    assert len(h) == 6 and h.params(5).tolist() == [-1.0, -1.0]
    h.record(3, np.array([7.0, 7.0]))
    assert h.epochs.tolist() == [0, 1, 2, 3] and h.params(3).tolist() == [7.0, 7.0]


def test_the_default_cap_is_64_mb_and_xor_keeps_every_epoch_of_a_long_run():
    assert CAP_BYTES == 64 * 2**20
    assert ParamHistory(17).capacity == CAP_BYTES // (8 * 17)  # ~490,000 epochs of XOR 2-4-1


def xor(epochs=300):
    g = templates.xor_241()
    g.training["epochs"] = epochs
    return g


def test_scrubbed_parameters_equal_a_retrain_to_that_epoch():
    s = TrainingSession(xor())
    s.run_for(60.0, 300)
    assert s.epoch == 300 and s.scrub_epochs().tolist() == list(range(301))
    for epoch in (0, 1, 57, 299):
        fresh = TrainingSession(xor())
        assert fresh.ensure()
        fresh.run_for(60.0, epoch)  # 0: no epoch, the initial weights
        assert np.array_equal(s.params_at(epoch), fresh.compiled.net.params)
    assert np.array_equal(s.params_at(300), s.compiled.net.params)


def test_the_session_thins_at_its_cap_and_still_reads_back_kept_epochs_exactly():
    s = TrainingSession(xor())
    s.cap_bytes = 8 * 17 * 40  # 40 epochs of XOR's 17 parameters
    s.run_for(60.0, 2000)
    snaps = s.run.snapshots
    assert snaps.capacity == 40 and len(snaps) <= 40 and snaps.thinned >= 1
    kept = s.scrub_epochs()
    assert kept[0] == 0 and kept[-1] == 2000 and len(kept) <= 41
    e = int(kept[len(kept) // 2])
    fresh = TrainingSession(xor())
    fresh.run_for(60.0, e)
    assert np.array_equal(s.params_at(e), fresh.compiled.net.params)
    assert s.params_at(e + 1) is None or e + 1 in kept  # not kept: nothing made up


def test_shown_epoch_drives_the_predictions_and_leaves_the_network_alone():
    s = TrainingSession(xor())
    s.run_for(60.0, 200)
    live = s.compiled.net.params.copy()
    X = np.array([[0.0, 1.0], [1.0, 1.0]])
    s.show_epoch(20)
    at20 = s.predict(X)
    fresh = TrainingSession(xor())
    fresh.run_for(60.0, 20)
    assert np.array_equal(at20, fresh.compiled.net.predict(X))
    assert np.array_equal(s.compiled.net.params, live)  # put back after computing
    s.show_epoch(None)
    assert np.array_equal(s.predict(X), s.compiled.net.predict(X))
    shown = s.shown_parameters(20)
    assert shown.epoch == 20 and not shown.live and shown.run_epochs == 200
    assert shown.weights == fresh.compiled.weights() and shown.biases == fresh.compiled.biases()


@pytest.mark.parametrize("how", ["reset", "new network"])
def test_a_new_run_starts_a_new_history(how):
    s = TrainingSession(xor())
    s.run_for(60.0, 50)
    if how == "reset":
        s.new_run()
    else:
        s.graph.replace_with(xor())
    s.run_for(60.0, 5)
    assert s.scrub_epochs().tolist() == [0, 1, 2, 3, 4, 5]
    assert all(r.snapshots is None for r in s.earlier)  # archived runs free their memory


def test_keep_rows_moves_rows_like_fancy_indexing_in_chunks():
    """keep_rows (thinning without a temporary of every kept row) equals a[:m] = a[keep], for
    rows smaller and larger than its buffer and every kind of ascending keep."""
    from bpstudio.model import param_history as ph

    rng = np.random.default_rng(5)
    for n_rows, width in ((1, 3), (7, 1), (50, 4), (300, 20_000)):
        a = rng.normal(size=(n_rows, width))
        for _ in range(5):
            m = int(rng.integers(1, n_rows + 1))
            keep = np.sort(rng.choice(n_rows, size=m, replace=False))
            want = a[keep].copy()
            got = a.copy()
            ph.keep_rows(got, keep)
            assert np.array_equal(got[:m], want)
            assert np.array_equal(got[m:], a[m:])  # the rest is untouched


def test_a_large_network_s_history_never_copies_what_it_kept_to_grow():
    """The rows are there from the start (committed as written): recording never reallocates
    (doubling copied 40 MB at epoch 256 of a 20,000-weight network, mid-training)."""
    h = ParamHistory(20_000)
    rows = h._rows
    record_epochs(h, 2 * h.capacity)
    assert h._rows is rows and h.thinned >= 1
