"""The loss landscape (model/landscape.py, core/batched.py): every grid value is the engine's
loss at those weights, and an independent neuron-by-neuron reference agrees; projections,
filter normalisation, the resolution rule and the optimizer race."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from helpers import RefNet

from bpstudio.core import batched
from bpstudio.core.trainer import Trainer
from bpstudio.model import fileformat
from bpstudio.model import landscape as ls
from bpstudio.model.compile import compile_graph
from bpstudio.model.training_session import TrainingSession
from bpstudio.paths import examples_dir

EXAMPLES = ["xor_241", "skip_connection", "softmax_3class", "gaussians_softmax", "ecs171_321"]


def session_of(name: str) -> TrainingSession:
    g = fileformat.load(examples_dir() / f"{name}.json")
    s = TrainingSession(g)
    assert s.ensure(), s.error
    return s


def engine_loss(s: TrainingSession, params: np.ndarray) -> float:
    """Network.evaluate (the trainer's network, its own forward pass and loss)."""
    net = s.compiled.net
    saved = net.params.copy()
    try:
        net.params[:] = params
        return net.evaluate(s.train_set.X, s.train_set.Y)
    finally:
        net.params[:] = saved


def reference_loss(s: TrainingSession, params: np.ndarray) -> float:
    """tests/helpers.RefNet: the document walked neuron by neuron, textbook formulas."""
    weights, biases = s.parameters_for(params)
    g = s.graph.copy()
    g.set_parameters(weights, biases, emit=False)
    return RefNet(fileformat.to_document(g)).loss(s.train_set.X, s.train_set.Y)


def planes(s: TrainingSession):
    net, theta = s.compiled.net, s.compiled.net.params.copy()
    e = s.compiled.edge_param
    yield ls.random_plane(net, theta, seed=3)
    yield ls.weight_plane(net, int(e[0]), int(e[-1]), theta)


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_sampled_grid_value_is_the_engine_loss_at_those_weights(name):
    s = session_of(name)
    net = s.compiled.net
    rng = np.random.default_rng(7)
    for plane in planes(s):
        sf = ls.surface(net, s.train_set.X, s.train_set.Y, plane, (-1.5, 2.0, -1.0, 0.5), 23)
        assert sf.loss.shape == (23, 23)
        cells = [(0, 0), (22, 22), (0, 22), (11, 11)] + [
            tuple(c) for c in rng.integers(0, 23, size=(8, 2))
        ]
        for i, j in cells:
            p = plane.point(sf.alphas[i], sf.betas[j])
            want = engine_loss(s, p)
            assert sf.loss[i, j] == pytest.approx(want, rel=1e-12, abs=1e-15), (name, i, j)
            assert sf.loss[i, j] == pytest.approx(reference_loss(s, p), rel=1e-9), (name, i, j)


def test_grid_axes_and_the_weight_plane_are_the_weights_themselves():
    s = session_of("xor_241")
    net, c = s.compiled.net, s.compiled
    i, j = int(c.edge_param[2]), int(c.edge_param[5])
    theta = net.params.copy()
    plane = ls.weight_plane(net, i, j, theta)
    assert plane.centre == (theta[i], theta[j])
    sf = ls.surface(net, s.train_set.X, s.train_set.Y, plane, (-3, 3, -2, 2), 7)
    p = theta.copy()
    p[i], p[j] = sf.alphas[4], sf.betas[1]  # α is weight i, β weight j, the rest unchanged
    assert sf.loss[4, 1] == pytest.approx(engine_loss(s, p), rel=1e-12)
    # the current weights project to their own values
    np.testing.assert_allclose(plane.project(theta)[0], [theta[i], theta[j]], rtol=0, atol=1e-14)


def test_batched_losses_chunk_and_overflow():
    s = session_of("softmax_3class")
    net = s.compiled.net
    rng = np.random.default_rng(1)
    P = net.params + rng.normal(0, 2, size=(57, net.params.size))
    P[3] *= 1e200  # weights that overflow: inf or nan, not an exception
    old = batched.CHUNK_FLOATS
    try:
        batched.CHUNK_FLOATS = 50  # many chunks
        chunked = batched.losses(net, P, s.train_set.X, s.train_set.Y)
    finally:
        batched.CHUNK_FLOATS = old
    whole = batched.losses(net, P, s.train_set.X, s.train_set.Y)
    np.testing.assert_array_equal(np.isfinite(chunked), np.isfinite(whole))
    ok = np.isfinite(whole)
    np.testing.assert_allclose(chunked[ok], whole[ok], rtol=1e-13)
    for k in (0, 10, 56):
        assert whole[k] == pytest.approx(engine_loss(s, P[k]), rel=1e-12)
    with pytest.raises(ValueError, match="entries"):
        batched.losses(net, P[:, :-1], s.train_set.X, s.train_set.Y)


def test_projection_gives_back_the_coordinates_and_the_nearest_point():
    s = session_of("ecs171_321")
    net, theta = s.compiled.net, s.compiled.net.params.copy()
    plane = ls.random_plane(net, theta, seed=11)
    ab = np.array([[0.3, -0.7], [0.0, 0.0], [-2.5, 4.0]])
    pts = np.stack([plane.point(a, b) for a, b in ab])
    np.testing.assert_allclose(plane.project(pts), ab, atol=1e-12)
    # off the plane: the residual is orthogonal to both directions (least squares)
    rng = np.random.default_rng(2)
    q = theta + rng.normal(size=theta.size)
    a, b = plane.project(q)[0]
    r = q - plane.point(a, b)
    assert abs(r @ plane.d1) < 1e-10 * np.linalg.norm(plane.d1) * np.linalg.norm(r)
    assert abs(r @ plane.d2) < 1e-10 * np.linalg.norm(plane.d2) * np.linalg.norm(r)


def test_filter_normalisation_per_neuron_and_seeded():
    s = session_of("skip_connection")  # a sparse layer: absent edges inside W's range
    net, theta = s.compiled.net, s.compiled.net.params.copy()
    plane = ls.random_plane(net, theta, seed=5)
    mask = ls.weight_directions_mask(net)
    for d in (plane.d1, plane.d2):
        assert not d[net.n_weights :].any()  # biases: no direction
        assert not d[mask == 0].any()  # absent (and frozen) edges stay
        for k, layer in enumerate(net.layers):
            lo, hi = int(net.w_offsets[k]), int(net.w_offsets[k + 1])
            dk = d[lo:hi].reshape(layer.W.shape)
            tk = (theta * mask)[lo:hi].reshape(layer.W.shape)
            np.testing.assert_allclose(
                np.linalg.norm(dk, axis=1), np.linalg.norm(tk, axis=1), rtol=1e-12
            )
    again = ls.random_plane(net, theta, seed=5)
    np.testing.assert_array_equal(again.d1, plane.d1)
    np.testing.assert_array_equal(again.d2, plane.d2)
    other = ls.random_plane(net, theta, seed=6)
    assert not np.allclose(other.d1, plane.d1)
    if net.update_mask is not None:
        assert (mask[: net.n_weights] == net.update_mask[: net.n_weights]).all()


def test_frozen_edges_and_all_zero_weights():
    g = fileformat.load(examples_dir() / "xor_241.json")
    c0 = compile_graph(g)
    first = c0.edge_ids[0]
    g.edges[first].trainable = False
    c = compile_graph(g)
    i = int(c.edge_param[c.edge_index[first]])
    plane = ls.random_plane(c.net, c.net.params, seed=1)
    assert plane.d1[i] == 0 and plane.d2[i] == 0
    with pytest.raises(ValueError, match="pick two weights"):
        ls.random_plane(c.net, np.zeros_like(c.net.params), seed=1)
    with pytest.raises(ValueError, match="two different"):
        ls.weight_plane(c.net, 1, 1, c.net.params)


def test_resolution_follows_the_budget():
    r = ls.Resolution(budget=0.02, lowest=15, highest=101, start=41)
    # cheap: grows, but part of the way per step, and never past the highest
    assert 41 < r.measured(41, 0.002) < 101
    for _ in range(20):
        r.measured(r.value, 0.02 * (r.value / 300) ** 2)
    assert r.value == 101
    # expensive: straight down to what fits the budget (cost ∝ cells)
    n = r.measured(101, 0.08)
    assert n == int(101 * np.sqrt(0.02 / 0.08))
    assert r.measured(n, 10.0) == 15


def test_extent_holds_the_points_and_stays_put():
    e = ls.extent_for(np.array([[0.2, 0.1]]), (0.0, 0.0), 1.0)
    assert e == (-1.0, 1.0, -1.0, 1.0)
    assert ls.extent_for(np.array([[0.5, -0.5]]), (0.1, 0.0), 1.0, e) == e  # kept
    grown = ls.extent_for(np.array([[3.0, -0.5]]), (0.0, 0.0), 1.0, e)
    assert grown[1] >= 3.0 * 1.15 and grown[0] <= -3.0
    assert ls.nice_ceiling(3.45) == 5.0 and ls.nice_ceiling(0.21) == 0.25


def test_path_is_bounded_and_keeps_its_ends():
    p = ls.Path(3, capacity=16)
    for e in range(0, 1000):
        p.append(e, np.full(3, float(e)))
    assert len(p) <= 17
    assert p.epochs[0] == 0 and p.epochs[-1] == 999
    np.testing.assert_array_equal(p.params[:, 0], p.epochs)  # each point with its epoch
    assert (np.diff(p.epochs) > 0).all()


def test_race_paths_are_each_optimizers_own_training_from_one_start():
    s = session_of("xor_241")
    graph, start = s.graph, s.compiled.net.params.copy()
    before = fileformat.dumps(graph)
    race = ls.Race.build(lambda: compile_graph(graph).net, start, s.train_set, graph.settings, 40)
    while not race.finished:
        race.run_for(0.01)
    assert race.epoch == 40
    assert [r.name for r in race.racers] == ["sgd", "momentum", "rmsprop", "adam"]
    for r in race.racers:
        np.testing.assert_array_equal(r.path.params[0], start)
        assert list(r.path.epochs) == list(range(41))
        # the same as training that optimizer on its own
        net = compile_graph(graph).net
        net.params[:] = start
        t = Trainer(net, s.train_set, replace(graph.settings, optimizer=r.name))
        t.run_epochs(40)
        np.testing.assert_array_equal(r.net.params, net.params)
        np.testing.assert_array_equal(r.path.params[-1], net.params)
    assert len({r.net.params.tobytes() for r in race.racers}) == 4
    assert fileformat.dumps(graph) == before  # the document's weights did not move


def test_a_race_on_a_large_training_set_trains_on_the_surface_samples():
    """Every racer's epoch over 1,000,000 generated samples held the GUI thread ~3 s a round
    (random-user soak): above SURFACE_SAMPLES the racers train on the samples the surface
    under their paths averages, and the race says how many; a smaller set races on all."""
    from bpstudio.core.data import Dataset

    s = session_of("xor_241")
    graph, start = s.graph, s.compiled.net.params.copy()
    rng = np.random.default_rng(7)
    n = 2 * ls.SURFACE_SAMPLES + 5
    X = rng.uniform(-1, 1, (n, s.train_set.X.shape[1]))
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    race = ls.Race.build(lambda: compile_graph(graph).net, start, Dataset(X, Y), graph.settings, 3)
    assert (race.samples, race.of) == (ls.SURFACE_SAMPLES, n)
    while not race.finished:
        race.run_for(0.01)
    sub_X, sub_Y = ls.surface_samples(X, Y)
    for r in race.racers:  # the same as that optimizer trained on the surface's samples
        net = compile_graph(graph).net
        net.params[:] = start
        Trainer(net, Dataset(sub_X, sub_Y), replace(graph.settings, optimizer=r.name)).run_epochs(3)
        np.testing.assert_array_equal(r.net.params, net.params)
    small = ls.Race.build(lambda: compile_graph(graph).net, start, s.train_set, graph.settings, 3)
    assert small.samples == small.of == len(s.train_set)


def test_a_racer_that_diverges_stops_and_the_others_go_on():
    g = fileformat.load(examples_dir() / "xor_241.json")
    for n in g.neurons.values():
        if n.role in ("hidden", "output"):
            n.activation = "identity"  # a linear network: sgd at a huge rate blows up
    g.training.update(loss="half_squared_error", learning_rate=50.0)
    s = TrainingSession(g)
    assert s.ensure(), s.error
    start = s.compiled.net.params.copy()
    race = ls.Race.build(lambda: compile_graph(g).net, start, s.train_set, g.settings, 200)
    while not race.finished:
        race.run_for(0.01)
    by = {r.name: r for r in race.racers}
    assert by["sgd"].stopped == "diverged" and "diverged at epoch" in by["sgd"].message
    assert race.epoch == 200 and any(r.stopped is None for r in race.racers)
    for r in race.racers:
        assert np.isfinite(r.path.params).all()  # the last finite weights, never NaN


def test_contour_segments_lie_on_their_level():
    xs, ys = np.linspace(-1, 2, 31), np.linspace(-2, 1, 17)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    V = 0.7 * X - 1.3 * Y  # linear: linear interpolation along the edges is exact
    levels = np.array([-0.5, 0.0, 1.25])
    seg = ls.contour_segments(xs, ys, V, levels)
    assert len(seg) > 30
    on = 0.7 * seg[..., 0] - 1.3 * seg[..., 1]
    assert np.abs(on[..., None] - levels).min(axis=-1).max() < 1e-12
    assert (np.abs(on[:, 0] - on[:, 1]) < 1e-12).all()  # both ends of a segment: one level
    # a circle: every endpoint at radius 0.5 to the interpolation's error
    xs = ys = np.linspace(-1, 1, 81)
    X, Y = np.meshgrid(xs, ys, indexing="ij")
    seg = ls.contour_segments(xs, ys, X**2 + Y**2, [0.25])
    r = np.hypot(seg[..., 0], seg[..., 1])
    assert np.abs(r - 0.5).max() < 1e-3 and len(seg) > 50
    # a saddle cell gives two segments that do not cross its centre; NaN cells give none
    sad = ls.contour_segments([0, 1], [0, 1], np.array([[1.0, 0.0], [0.0, 1.0]]), [0.5])
    assert sad.shape == (2, 2, 2)
    assert not ls.contour_segments(
        [0, 1], [0, 1], np.array([[np.nan, 0.0], [1.0, 1.0]]), [0.5]
    ).size


def test_a_path_of_a_big_network_stays_small():
    p = ls.Path(20_000)
    assert p.capacity * 20_000 <= ls.PATH_FLOATS
    for e in range(1000):
        p.append(e, np.full(20_000, float(e)))
    assert len(p) <= p.capacity + 1 and p.epochs[-1] == 999 and p.params[-1, 0] == 999.0


@pytest.mark.parametrize("name", EXAMPLES)
def test_the_plane_fast_path_is_the_loss_of_the_plane_s_vectors(name, monkeypatch):
    """plane_losses (three products per layer, no K weight matrices) against losses over the
    parameter vectors themselves, chunked or not, and the engine's own pass."""
    s = session_of(name)
    net = s.compiled.net
    X, Y = s.train_set.X, s.train_set.Y
    plane = ls.random_plane(net, net.params, seed=4)
    rng = np.random.default_rng(3)
    a, b = rng.uniform(-2, 2, 37), rng.uniform(-2, 2, 37)
    P = np.stack([plane.point(x, y) for x, y in zip(a, b, strict=True)])
    fast = batched.plane_losses(net, plane.origin, plane.d1, plane.d2, a, b, X, Y)
    np.testing.assert_allclose(fast, batched.losses(net, P, X, Y), rtol=1e-12)
    monkeypatch.setattr(batched, "CHUNK_FLOATS", 40)  # a few points per chunk
    chunked = batched.plane_losses(net, plane.origin, plane.d1, plane.d2, a, b, X, Y)
    np.testing.assert_allclose(chunked, fast, rtol=1e-13)
    assert fast[5] == pytest.approx(engine_loss(s, P[5]), rel=1e-12)
    with pytest.raises(ValueError, match="plane vector"):
        batched.plane_losses(net, plane.origin[:-1], plane.d1, plane.d2, a, b, X, Y)


def test_huge_weights_are_refused_or_drawn_without_a_warning():
    """A diverging run's weights (tests/qt/test_training_tools.py's divergence) made
    np.linalg.det overflow with a RuntimeWarning, which the random user counts as a failure."""
    import warnings

    s = session_of("xor_241")
    net = s.compiled.net
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="independent and finite"):
            ls.random_plane(net, np.full_like(net.params, 1e200), seed=1)
        plane = ls.random_plane(net, net.params * 1e10, seed=1)  # large but finite: drawn
        sf = ls.surface(net, s.train_set.X, s.train_set.Y, plane, (-1, 1, -1, 1), 5)
        assert sf.loss.shape == (5, 5)


@pytest.mark.parametrize("name", ["xor_241", "skip_connection", "ecs171_321"])
def test_with_l1_and_l2_every_grid_value_is_the_loss_training_descends(name):
    """With training.l1/l2 set the surface is data loss + λ₂/2·Σw² + λ₁·Σ|w| (what the
    optimizer steps on): each sampled cell equals the engine's loss plus a penalty summed
    here over the document's own trainable edges, independently of core/regularization."""
    from bpstudio.core.regularization import Penalty

    s = session_of(name)
    net = s.compiled.net
    l1, l2 = 0.03, 0.2
    penalty = Penalty(net, l1=l1, l2=l2)
    rng = np.random.default_rng(11)
    edges = [(eid, int(p)) for eid, p in zip(s.compiled.edge_ids, s.compiled.edge_param, strict=True)
             if s.graph.edges[eid].trainable]  # fmt: skip
    for plane in planes(s):
        sf = ls.surface(net, s.train_set.X, s.train_set.Y, plane, (-1.5, 2.0, -1.0, 0.5), 17,
                        penalty)  # fmt: skip
        for i, j in [(0, 0), (16, 16), (8, 3)] + [tuple(c) for c in rng.integers(0, 17, (6, 2))]:
            p = plane.point(sf.alphas[i], sf.betas[j])
            w = np.array([p[q] for _, q in edges])
            want = engine_loss(s, p) + l2 / 2 * float(w @ w) + l1 * float(np.abs(w).sum())
            assert sf.loss[i, j] == pytest.approx(want, rel=1e-11), (name, i, j)


def test_the_surface_of_a_large_training_set_averages_evenly_spaced_samples():
    """A generated set of 1,000,000 samples took minutes of the GUI thread per surface
    (random-user soak, action 67,123): above SURFACE_SAMPLES the loss is over evenly spaced
    samples, the same each time, and says how many; a smaller set uses every sample."""
    s = session_of("xor_241")
    net = s.compiled.net
    rng = np.random.default_rng(5)
    n = 3 * ls.SURFACE_SAMPLES + 17
    X = rng.uniform(-1, 1, (n, s.train_set.X.shape[1]))
    Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)
    plane = ls.random_plane(net, net.params.copy(), seed=3)
    sf = ls.surface(net, X, Y, plane, (-1.0, 1.0, -1.0, 1.0), 7)
    assert (sf.samples, sf.of) == (ls.SURFACE_SAMPLES, n)
    rows = np.linspace(0, n - 1, ls.SURFACE_SAMPLES).round().astype(int)
    assert rows[0] == 0 and rows[-1] == n - 1 and len(set(rows.tolist())) == rows.size
    saved = net.params.copy()
    try:
        for i, j in [(0, 0), (3, 5), (6, 6)]:
            net.params[:] = plane.point(sf.alphas[i], sf.betas[j])
            want = net.evaluate(X[rows], Y[rows])
            assert sf.loss[i, j] == pytest.approx(want, rel=1e-12)
            assert sf.loss[i, j] != pytest.approx(net.evaluate(X, Y), rel=1e-9)  # a subset
    finally:
        net.params[:] = saved
    res, k = ls.surface_size(n, net.params.size, 121)
    assert k == ls.SURFACE_SAMPLES and res**2 * k <= ls.CELL_SAMPLES
    assert ls.surface_size(300, 17, 61) == (61, 300)  # the examples keep the governor's choice
    again = ls.surface(net, X, Y, plane, (-1.0, 1.0, -1.0, 1.0), 7)
    assert np.array_equal(again.loss, sf.loss)  # the same samples each time: no flicker
    small = ls.surface(net, X[:100], Y[:100], plane, (-1.0, 1.0, -1.0, 1.0), 7)
    assert (small.samples, small.of) == (100, 100)


def test_a_large_network_draws_its_first_surface_from_fewer_samples():
    """The first surface of a 40,400-parameter network over 1,024 samples took ~20 s of the
    GUI thread even at the lowest grid (a random-user stall): cells × samples × the cost of
    one pass stay within the budget, by the lowest grid and then fewer samples."""
    unit = 1 + 40_400 / ls.PARAMS_PER_UNIT
    res, k = ls.surface_size(5_000, 40_400, 61)
    assert res == 15 and 1 <= k < ls.SURFACE_SAMPLES
    assert res * res * k * unit <= ls.CELL_SAMPLES < res * res * (k + 1) * unit  # no fewer than fit
    assert ls.surface_size(5_000, 10**9, 61) == (15, 1)  # at least one sample
    # a mid-sized network keeps every sample and gives up grid cells first
    res, k = ls.surface_size(1_000, 300, 61)
    assert k == 1_000 and 15 < res < 61
    # and surface() averages exactly that many evenly spaced samples
    rng = np.random.default_rng(0)
    X, Y = rng.uniform(-1, 1, (50, 2)), rng.integers(0, 2, (50, 1)).astype(float)
    net = session_of("xor_241").compiled.net
    plane = ls.random_plane(net, net.params.copy(), seed=1)
    sf = ls.surface(net, X, Y, plane, (-1.0, 1.0, -1.0, 1.0), 5, samples=7)
    assert (sf.samples, sf.of) == (7, 50)
