"""The Qt-free half of live training: history arrays, time slices, runs, graph events."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from bpstudio.model import fileformat, templates
from bpstudio.model.graph import Change
from bpstudio.model.training_session import (
    History,
    TrainingSession,
    hidden_activation,
    run_label,
    saturation,
)
from bpstudio.paths import example_files


def xor_graph():
    g = templates.xor_241()
    g.training.update(loss="binary_cross_entropy", optimizer="adam", learning_rate=0.05, seed=1)
    g.data = {"samples": [{"x": [a, b], "y": [float(a != b)]} for a in (0, 1) for b in (0, 1)]}
    return g


def example(name):
    for p in example_files():
        if p.name == name:
            return fileformat.load(p)
    raise FileNotFoundError(name)


def test_history_grows_by_doubling_and_keeps_values():
    h = History(3, capacity=4)
    for i in range(1000):
        h.append(float(i), None if i % 2 else i / 2, np.array([i, i + 1, i + 2], float))
    assert len(h) == 1000 and h.capacity == 1024
    assert h.epochs[0] == 1 and h.epochs[-1] == 1000
    assert h.train_loss[999] == 999 and np.isnan(h.val_loss[1]) and h.val_loss[2] == 1.0
    assert h.grad_norms.shape == (1000, 3) and h.grad_norms[10, 2] == 12
    assert h.has_validation


def test_history_views_are_not_copies():
    h = History(1)
    h.append(1.0, None, np.array([0.5]))
    assert np.shares_memory(h.train_loss, h._train)


def test_history_csv_matches_cli_columns():
    h = History(2)
    h.append(0.5, None, np.array([0.1, 0.2]))
    h.append(0.25, 0.3, np.array([0.01, 0.02]))
    rows = list(csv.reader(io.StringIO(h.to_csv())))
    assert rows[0] == ["epoch", "train_loss", "val_loss", "grad_norm_1", "grad_norm_2"]
    assert rows[1] == ["1", "0.5", "", "0.1", "0.2"]
    assert rows[2][2] == "0.3"


def test_run_for_trains_xor_and_counts_epochs():
    g = xor_graph()
    s = TrainingSession(g)
    res = s.run_for(10.0, 500)
    assert res.epochs == 500 and s.epoch == 500
    h = s.run.history
    assert h.train_loss[-1] < h.train_loss[0] / 10
    assert h.grad_norms.shape == (500, 2)
    s.write_back()
    assert all(e.weight is not None for e in g.edges.values())


def test_run_for_respects_time_budget():
    s = TrainingSession(xor_graph())
    res = s.run_for(0.0)  # at least one epoch, then the deadline has passed
    assert res.epochs == 1


def test_settings_change_keeps_trained_weights_and_the_run():
    g = xor_graph()
    s = TrainingSession(g)
    s.run_for(10.0, 200)
    params = s.compiled.net.params.copy()
    g.set_network(training={**g.training, "learning_rate": 0.01})
    assert s.ensure()
    assert np.array_equal(s.compiled.net.params, params)
    assert s.trainer.lr == 0.01 and s.epoch == 200 and not s.earlier


def test_own_write_back_is_not_an_edit_but_undo_is():
    g = xor_graph()
    s = TrainingSession(g)
    s.run_for(10.0, 50)
    s.write_back()
    assert not s._need_compile
    g.set_parameters({e: 0.0 for e in g.edges}, {})  # someone else (undo, a pass step)
    assert s.ensure()
    assert np.all(s.compiled.net.params[: s.compiled.net.n_weights] == 0)


def test_layout_edits_do_not_rebuild():
    g = xor_graph()
    s = TrainingSession(g)
    s.run_for(10.0, 5)
    g.set_neuron("h1", x=500.0, y=3.0)
    assert not s._need_compile


def test_structural_edit_archives_the_run_with_its_label():
    g = xor_graph()
    s = TrainingSession(g)
    s.run_for(10.0, 30)
    assert s.run.label == g.name == "XOR 2-4-1"  # runs are named from the network
    for n in g.neurons.values():
        if n.role == "hidden":
            g.set_neuron(n.id, activation="relu")
    assert s.ensure()
    assert [r.label for r in s.earlier] == ["XOR 2-4-1"] and len(s.earlier[0].history) == 30
    assert s.run.label == "XOR 2-4-1 (relu)" and s.epoch == 0  # what changed


def test_duplicate_labels_are_numbered_and_clear():
    s = TrainingSession(xor_graph())
    for _ in range(3):
        s.run_for(10.0, 3)
        s.new_run()
    assert [r.label for r in s.earlier] == ["XOR 2-4-1", "XOR 2-4-1, run 2", "XOR 2-4-1, run 3"]
    s.clear_earlier()
    assert s.earlier == []


def test_divergence_stops_restores_finite_weights_and_explains():
    g = xor_graph()
    g.training.update(optimizer="sgd", learning_rate=1e6, loss="half_squared_error")
    for n in g.neurons.values():
        if n.role == "hidden":
            n.activation = "identity"
    g.neurons["o1"].activation = "identity"
    s = TrainingSession(g)
    res = s.run_for(10.0, 10_000)
    assert res.stopped == "diverged"
    assert "learning rate 1e+06 is too high" in res.message
    assert np.isfinite(s.compiled.net.params).all()
    assert np.isfinite(s.run.history.train_loss).all()  # the diverged epoch is not plotted
    assert f"epoch {s.epoch + 1}" in res.message  # counts the run's epochs


def test_stop_loss():
    g = xor_graph()
    g.training["stop_loss"] = 0.1
    s = TrainingSession(g)
    res = s.run_for(10.0, 100_000)
    assert res.stopped == "stop_loss" and s.run.history.train_loss[-1] < 0.1


def test_bad_data_is_an_error_not_an_exception():
    g = xor_graph()
    g.data = {"samples": []}
    s = TrainingSession(g)
    res = s.run_for(1.0)
    assert res.stopped == "error" and "no samples" in res.message


def test_grid_curve_and_histograms():
    g = example("spirals_tanh.json")
    s = TrainingSession(g)
    xs, ys, P = s.predict_grid(20)
    X = s.data_points()[0]
    assert P.shape == (20, 20, 1) and xs[0] < X[:, 0].min() and ys[-1] > X[:, 1].max()
    acts = s.layer_activations()
    assert [a[0] for a in acts] == ["tanh", "tanh", "sigmoid"]
    assert acts[0][1].size == 8 * 300
    g2 = templates.xor_241()
    assert TrainingSession(g2).predict_curve() is None


def test_saturation():
    assert saturation("sigmoid", np.array([0.0, 0.5, 1.0, 0.99])) == 0.75
    assert saturation("tanh", np.array([0.0, -0.99])) == 0.5
    assert saturation("identity", np.array([1.0])) is None


def test_an_unnamed_network_s_run_is_named_by_its_activation():
    g = xor_graph()
    g.name = "Untitled network"
    assert run_label(g) == "tanh"


def test_another_file_keeps_only_the_runs_it_compares_with():
    """The vanishing pair (same inputs and outputs) stays on the plots; a 2-input XOR run
    beside a 3-class softmax network would mean nothing, so it goes."""
    g = xor_graph()
    s = TrainingSession(g)
    s.run_for(10.0, 5)
    same = xor_graph()
    same.name = "XOR with relu"
    g.replace_with(same, take=True)  # File > Open of a network with 2 inputs, 1 output
    assert [r.label for r in s.earlier] == ["XOR 2-4-1"] and s.run.label == "XOR with relu"
    s.run_for(10.0, 5)
    other = example("softmax_3class.json")
    g.replace_with(other, take=True)  # 2 inputs, 3 outputs
    assert s.earlier == [] and s.run.label == other.name


def test_the_vanishing_pair_is_labelled_by_its_networks():
    sig, relu = example("vanishing_sigmoid.json"), example("vanishing_relu.json")
    assert hidden_activation(sig) == "sigmoid" and hidden_activation(relu) == "relu"
    assert run_label(sig) == "Vanishing gradients: 8 sigmoid layers (xavier)"


@pytest.mark.parametrize("name,vanishes", [("vanishing_sigmoid.json", True),
                                           ("vanishing_relu.json", False)])  # fmt: skip
def test_vanishing_gradient_pair(name, vanishes):
    s = TrainingSession(example(name))
    s.run_for(30.0, 100)
    g = s.run.history.grad_norms
    ratio = np.median(g[:, 0] / g[:, -1])
    assert (ratio < 1e-3) == vanishes, ratio


def test_session_unsubscribes():
    g = xor_graph()
    s = TrainingSession(g)
    s.ensure()
    s.close()
    g.emit(Change("reset"))
    assert not s._need_compile


def test_new_weights_alone_are_taken_into_the_compiled_network_without_compiling(monkeypatch):
    """F8's update (or an undo of training) changes only the weights: the session writes them
    into its compiled network instead of compiling again (~40 ms on 20,000 edges), and trains
    from them exactly as from a fresh compile; any other edit compiles afresh."""
    from bpstudio.core.trainer import Trainer
    from bpstudio.model import compile as compile_module
    from bpstudio.model import training_session as ts
    from bpstudio.model.session import dataset

    g = example("xor_241.json")
    s = TrainingSession(g)
    assert s.ensure(), s.error
    compiles = []
    real = compile_module.compile_graph

    def counted(graph, *a, **kw):
        compiles.append(1)
        return real(graph, *a, **kw)

    monkeypatch.setattr(ts, "compile_graph", counted)
    rng = np.random.default_rng(2)
    new_w = {eid: float(rng.normal()) for eid in g.edges}
    new_b = {nid: float(rng.normal()) for nid, n in g.neurons.items() if n.has_activation}
    g.set_parameters(new_w, new_b)
    assert s.ensure(), s.error
    assert compiles == []
    fresh = real(g)
    np.testing.assert_array_equal(s.compiled.net.params, fresh.net.params)
    s.run_for(10.0, 3)
    train, _ = ts.coredata.split(dataset(g), g.settings.validation_split, g.settings.seed)
    Trainer(fresh.net, train, g.settings).run_epochs(3)
    np.testing.assert_array_equal(s.compiled.net.params, fresh.net.params)
    g.set_neuron(next(iter(n for n in g.neurons if g.neurons[n].role == "hidden")), bias=0.5)
    assert s.ensure() and compiles == [1]  # not a weights-only event: compiled afresh
