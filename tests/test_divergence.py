"""Divergence explained (issue 14): the first quantity out of range of the failing step, by
id, against an independent numpy replay (tests/divergence_replay.py)."""

from __future__ import annotations

import numpy as np
import pytest
from divergence_replay import replay

from bpstudio.core.divergence import locate
from bpstudio.model import templates
from bpstudio.model.training_session import TrainingSession

XOR = {"samples": [{"x": [a, b], "y": [float(a != b)]} for a in (0, 1) for b in (0, 1)]}


def relu_net(sizes, lr, data=XOR, scale=1.0):
    g = templates.dense_network(sizes, "relu net")
    for n in g.neurons.values():
        if n.role == "hidden":
            n.activation = "relu"
        elif n.role == "output":
            n.activation = "identity"
    for e in g.edges.values():
        e.weight *= scale
    g.training = {"loss": "mse", "optimizer": "sgd", "learning_rate": lr, "epochs": 5000,
                  "seed": 1}  # fmt: skip
    g.data = data
    return g


def train_until_stopped(g, limit=5000):
    s = TrainingSession(g)
    done = 0
    while done < limit:
        res = s.run_for(10.0, limit - done)
        done += res.epochs
        if res.stopped:
            return s, res
    return s, None


CASES = [
    ([2, 4, 1], 50.0, 1.0),
    ([2, 4, 4, 1], 50.0, 1.0),
    ([2, 3, 3, 3, 1], 20.0, 1.0),
    ([2, 4, 1], 1e150, 1.0),
    ([2, 5, 1], 3.0, 40.0),
    ([2, 4, 4, 1], 1.0, 1e60),
    ([2, 4, 4, 1], 1e200, 1.0),
]  # fmt: skip  (the last: an edge, w1, in epoch 1)


@pytest.mark.parametrize(("sizes", "lr", "scale"), CASES)
def test_the_marked_item_is_the_replays_first(sizes, lr, scale):
    g = relu_net(sizes, lr, scale=scale)
    expected = replay(g.copy(), 5000)
    assert expected is not None, "the case must diverge"
    s, res = train_until_stopped(g)
    assert res is not None and res.stopped == "diverged"
    note = res.divergence
    assert note is not None
    epoch, stage, kind, ident = expected
    assert (note.epoch, note.raw.stage, note.kind, note.item_id) == (epoch, stage, kind, ident)
    assert note.learning_rate == lr
    if note.raw.untrained:  # the scaled weights overflow before any update (epoch 1)
        assert epoch == 1 and note.message.startswith("Cannot train")
    else:
        assert f"epoch {epoch}" in note.message and "Try a learning rate" in note.message
    # the weights are the last finite ones: the replay's after epoch - 1 epochs
    assert s.epoch == epoch - 1
    assert np.isfinite(s.compiled.net.params).all()


def test_an_update_is_written_out_with_its_gradient_and_rate():
    """The first case of CASES diverges in the update of the output's bias: the note's
    numbers are that update's, w − lr·g = the value that overflowed."""
    g = relu_net([2, 4, 1], 50.0)
    s, res = train_until_stopped(g)
    d = res.divergence.raw
    assert d.stage == "update" and d.quantity in ("weight²", "bias²")
    assert d.after == pytest.approx(d.before - d.learning_rate * d.gradient, rel=1e-12)
    assert not np.isfinite(d.after * d.after)
    assert any("←" in line for line in res.divergence.lines)


def test_a_forward_overflow_names_the_neuron_and_its_largest_input():
    """Weights made large by hand (each square still finite): z of the output overflows in
    the forward pass of epoch 1, and the culprit is its input with the largest |w·a|."""
    g = relu_net([2, 3, 1], 0.1)
    g.edges["w2"].weight = 1e154  # n0_0 → n1_1: a of n1_1 = 5e154
    g.edges["w8"].weight = 1e154  # n1_1 → n2_0: z = 5e308 = inf
    g.data = {"samples": [{"x": [5.0, 1.0], "y": [1.0]}]}
    s, res = train_until_stopped(g)
    note = res.divergence
    assert (note.epoch, note.kind, note.item_id, note.quantity) == (1, "neuron", "n2_0", "z")
    assert note.culprit == "edge w8" and note.raw.after == 1e154
    assert replay(g.copy(), 1) == (1, "forward", "neuron", "n2_0")


def test_locate_names_the_previous_update_when_a_batch_starts_broken():
    """Mini-batches: an update makes a weight infinite, and the next batch starts from it:
    the finding is that weight, with the gradient of the update that made it."""
    net = relu_net([2, 2, 1], 1.0)
    s = TrainingSession(net)
    assert s.ensure()
    c = s.compiled
    ws = c.net.workspace(4)
    c.net.load_inputs(ws, np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float))
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    before = c.net.params.copy()
    before[3] = np.inf
    prev = np.arange(before.size, dtype=float)
    with np.errstate(all="ignore"):
        d = locate(c.net, ws, Y, before, before, c.net.grads, prev, 1.0, 7, 2)
    assert (d.stage, d.param, d.gradient, d.epoch, d.batch) == ("weights", 3, 3.0, 7, 2)


def test_the_files_own_weights_overflowing_is_not_blamed_on_the_rate():
    """Epoch 1, no update yet: the message names the overflow and gives no rate advice."""
    g = relu_net([2, 3, 1], 0.1)
    g.edges["w2"].weight = 1e154
    g.edges["w8"].weight = 1e154
    g.data = {"samples": [{"x": [5.0, 1.0], "y": [1.0]}]}
    s, res = train_until_stopped(g)
    note = res.divergence
    assert note.raw.untrained and note.message.startswith("Cannot train")
    assert "learning rate" not in note.message and "n₂₀" in note.message
    # after training has moved the weights, a divergence is the rate's again
    g = relu_net([2, 4, 1], 50.0)
    _, res = train_until_stopped(g)
    assert not res.divergence.raw.untrained and "Try a learning rate" in res.divergence.message


def test_a_parameter_slot_no_edge_owns_marks_the_neuron_it_feeds():
    """skip_connection's W(3) has columns for x1, h1 and h2 with the absent pairs masked: a
    finding on such a slot (the random user hit one: KeyError in describe, seed of xor_241)
    names no culprit edge and marks the neuron whose row holds it."""
    from bpstudio.core.divergence import Divergence
    from bpstudio.model import fileformat
    from bpstudio.model.compile import compile_graph
    from bpstudio.model.divergence import describe
    from bpstudio.paths import example_files

    graph = fileformat.load(next(p for p in example_files() if p.stem == "skip_connection"))
    c = compile_graph(graph)
    owned = set(c.edge_param.tolist()) | set(c.bias_param.values())
    free = [p for p in range(int(c.net.w_offsets[-1])) if p not in owned]
    assert free, "the example has masked slots"
    p = free[0]
    for d in (
        Divergence(1, 0, "update", "weight", float("inf"), 0.5, param=p, gradient=1.0, before=0.0),
        Divergence(1, 0, "forward", "z", float("inf"), 0.5, row=c.net.n0, sample=0, param=p),
    ):
        note = describe(c, d, graph)
        assert note.culprit is None
        assert note.kind == "neuron" and note.item_id in c.neuron_ids
