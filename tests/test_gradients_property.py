"""Property test: on random DAGs every reported derivative equals central finite differences.

Graphs are drawn with skip and sparse edges, bias units, neurons with no incoming edges,
dead-end hidden neurons, mixed activations within a layer, output neurons in different layers,
every output activation/loss pair (softmax with every loss, targets that do not sum to 1) and
batches of 1-5 samples. The finite differences are taken on tests/helpers.RefNet, an
independent neuron-by-neuron implementation, so forward values are checked too.
"""

from __future__ import annotations

import json
import math

import numpy as np
from helpers import HIDDEN_ACTIVATIONS, KINKED, LOSSES, RefNet, central_difference, network_doc
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpstudio.core.network import Workspace
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass, to_json

# Output activations allowed with each loss: log losses need ŷ in (0, 1) (or > 0 for CE).
OUTPUT_ACTIVATIONS = {
    "half_squared_error": [*HIDDEN_ACTIVATIONS, "softmax"],
    "squared_error": [*HIDDEN_ACTIVATIONS, "softmax"],
    "mse": [*HIDDEN_ACTIVATIONS, "softmax"],
    "binary_cross_entropy": ["sigmoid", "softmax"],
    "cross_entropy": ["sigmoid", "softmax", "softplus"],
}

H = 1e-6
LR = 0.1
SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

weights = st.floats(-1.5, 1.5, allow_nan=False, allow_infinity=False)
biases = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)


@st.composite
def networks(draw, loss: str | None = None, softmax_only: bool = False):
    loss = loss or draw(st.sampled_from(LOSSES))
    n_in = draw(st.integers(1, 3))
    n_bias = draw(st.integers(0, 1))
    n_hidden = draw(st.integers(0, 7))
    n_out = draw(st.integers(1, 3))
    out_acts = ["softmax"] if softmax_only else OUTPUT_ACTIVATIONS[loss]
    # topological order: sources first, then hidden and outputs interleaved at random
    body = [("hidden", f"h{i}") for i in range(n_hidden)] + [
        ("output", f"o{i}") for i in range(n_out)
    ]
    body = draw(st.permutations(body))
    topo = [("input", f"x{i}") for i in range(n_in)] + [("bias", f"u{i}") for i in range(n_bias)]
    topo += list(body)
    density = draw(st.sampled_from([0.25, 0.5, 0.8, 1.0]))
    neurons, edges = [], []
    for role, nid in topo:
        n = {"id": nid, "role": role}
        if role == "hidden":
            n["activation"] = draw(st.sampled_from(HIDDEN_ACTIVATIONS))
        elif role == "output":
            n["activation"] = draw(st.sampled_from(out_acts))
        if role in ("hidden", "output"):
            n["bias"] = draw(biases)
            n["trainable"] = draw(st.booleans() | st.just(True))
        neurons.append(n)
    k = 0
    for j, (role_t, tid) in enumerate(topo):
        if role_t in ("input", "bias"):
            continue
        for role_s, sid in topo[:j]:
            if role_s == "output":
                continue
            if draw(st.floats(0, 1)) < density:
                e = {"id": f"e{k}", "source": sid, "target": tid, "weight": draw(weights)}
                if not draw(st.integers(0, 5)):
                    e["trainable"] = False
                edges.append(e)
                k += 1
    # the file's neuron order differs from the topological order (and defines x/y columns)
    neurons = draw(st.permutations(neurons))
    edges = draw(st.permutations(edges))
    batch = draw(st.integers(1, 5))
    samples = []
    for _ in range(batch):
        x = [draw(st.floats(-2, 2)) for _ in range(n_in)]
        if loss == "binary_cross_entropy":
            y = [draw(st.floats(0, 1)) for _ in range(n_out)]
        elif loss == "cross_entropy":  # non-negative, need not sum to 1
            y = [draw(st.floats(0, 2)) for _ in range(n_out)]
        else:
            y = [draw(st.floats(-2, 2)) for _ in range(n_out)]
        samples.append({"x": x, "y": y})
    training = {"loss": loss, "optimizer": "sgd", "learning_rate": LR, "seed": 0}
    return network_doc(list(neurons), list(edges), training, samples)


def _admissible(ref: RefNet, X: np.ndarray) -> bool:
    """Away from relu/leaky/elu kinks and from probabilities 0/1 (log losses)."""
    z, a = ref.forward(X)
    for nid, n in ref.neurons.items():
        if n.get("activation") in KINKED and np.min(np.abs(z[nid])) < 1e-3:
            return False
    if ref.loss_name in ("binary_cross_entropy", "cross_entropy"):
        yhat = np.array([a[o] for o in ref.outputs])
        if np.min(yhat) < 1e-3 or np.max(yhat) > 1 - 1e-3:
            return False
    losses = ref.sample_losses(X, _Y(ref.doc))
    return bool(np.all(np.isfinite(losses)) and np.max(np.abs(losses)) < 1e4)


def _X(doc):
    return np.array([s["x"] for s in doc["data"]["samples"]], float)


def _Y(doc):
    return np.array([s["y"] for s in doc["data"]["samples"]], float)


def _trace(doc, samples):
    graph = fileformat.loads(json.dumps(doc))
    compiled = compile_graph(graph)
    ds = dataset(graph)
    return to_json(run_pass(compiled, ds, samples, graph.training))


def _close(got: float, want: float, rel: float = 1e-5, abs_: float = 1e-7) -> bool:
    return math.isfinite(got) and abs(got - want) <= abs_ + rel * abs(want)


def _as_list(v, batch):
    # a one-sample batch reports scalars (the trace of a single sample)
    return v if isinstance(v, list) else [v] * batch


def check_against_finite_differences(doc: dict) -> None:
    ref = RefNet(doc)
    X, Y = _X(doc), _Y(doc)
    B = X.shape[0]
    assume(_admissible(ref, X))
    tr = _trace(doc, list(range(B)))
    z_ref, a_ref = ref.forward(X)
    per_sample = ref.sample_losses(X, Y)

    assert _close(tr["loss"], float(per_sample.mean()), rel=1e-9, abs_=1e-12)
    assert set(tr["neurons"]) == set(ref.neurons)
    assert set(tr["edges"]) == {e["id"] for e in doc["edges"]}

    # forward values, per sample
    for nid, n in ref.neurons.items():
        got = tr["neurons"][nid]
        if n["role"] in ("input", "bias"):
            assert set(got) == {"a"}
            assert np.allclose(_as_list(got["a"], B), a_ref[nid], rtol=1e-12, atol=0)
            continue
        assert set(got) == {"z", "a", "dL_da", "dL_dz", "dL_db"}
        assert np.allclose(_as_list(got["z"], B), z_ref[nid], rtol=1e-9, atol=1e-12), nid
        assert np.allclose(_as_list(got["a"], B), a_ref[nid], rtol=1e-9, atol=1e-12), nid

    # ∂L/∂w for every edge (batch mean), and the sgd update (frozen edges do not move)
    for e in doc["edges"]:
        eid = e["id"]
        fd = central_difference(lambda w, eid=eid: ref.loss(X, Y, weights={eid: w}), e["weight"], H)
        got = tr["edges"][eid]
        assert got["weight"] == e["weight"]
        assert _close(got["grad"], fd), (eid, got["grad"], fd)
        if e.get("trainable", True):
            assert math.isclose(
                got["updated"], e["weight"] - LR * got["grad"], rel_tol=1e-12, abs_tol=1e-15
            )
        else:
            assert got["updated"] == e["weight"]

    for nid, n in ref.neurons.items():
        if n["role"] in ("input", "bias"):
            continue
        got = tr["neurons"][nid]
        # ∂L/∂b: batch mean
        fd = central_difference(
            lambda b, nid=nid: ref.loss(X, Y, biases={nid: b}), n.get("bias", 0.0), H
        )
        assert _close(got["dL_db"], fd), (nid, got["dL_db"], fd)
        # ∂L_i/∂z_i and ∂L_i/∂a_i: sample i's own loss
        dz, da = _as_list(got["dL_dz"], B), _as_list(got["dL_da"], B)
        assert len(dz) == len(da) == B
        for i in range(B):
            xi, yi = X[i : i + 1], Y[i : i + 1]
            fd_z = central_difference(
                lambda b, nid=nid, xi=xi, yi=yi: ref.loss(xi, yi, biases={nid: b}),
                n.get("bias", 0.0),
                H,
            )
            assert _close(dz[i], fd_z), (nid, i, dz[i], fd_z)
            fd_a = central_difference(
                lambda d, nid=nid, xi=xi, yi=yi: ref.loss(xi, yi, a_offset=(nid, d)), 0.0, H
            )
            assert _close(da[i], fd_a), (nid, i, da[i], fd_a)

    # the training path (train_step: no per-sample bookkeeping) computes the same gradients
    compiled = compile_graph(fileformat.loads(json.dumps(doc)))
    net = compiled.net
    ws = Workspace(net, B)
    net.load_inputs(ws, X)
    train_loss = net.train_step(ws, np.ascontiguousarray(Y.T))
    assert math.isclose(train_loss, tr["loss"], rel_tol=1e-9, abs_tol=1e-15)
    for i, eid in enumerate(compiled.edge_ids):
        got = float(net.grads[compiled.edge_param[i]])
        assert math.isclose(got, tr["edges"][eid]["grad"], rel_tol=1e-9, abs_tol=1e-15), eid
    for nid, k in compiled.bias_param.items():
        got = float(net.grads[k])
        assert math.isclose(got, tr["neurons"][nid]["dL_db"], rel_tol=1e-9, abs_tol=1e-15), nid

    # --all equals the per-sample traces: lists are per-sample values, grads are batch means
    if B > 1:
        singles = [_trace(doc, [i]) for i in range(B)]
        assert math.isclose(
            tr["loss"], sum(s["loss"] for s in singles) / B, rel_tol=1e-9, abs_tol=1e-15
        )
        for nid, v in tr["neurons"].items():
            for key in ("z", "a", "dL_da", "dL_dz"):
                if key in v:
                    assert isinstance(v[key], list) and len(v[key]) == B
                    for i, s in enumerate(singles):
                        assert math.isclose(
                            v[key][i], s["neurons"][nid][key], rel_tol=1e-9, abs_tol=1e-15
                        ), (nid, key, i)
            if "dL_db" in v:
                mean = sum(s["neurons"][nid]["dL_db"] for s in singles) / B
                assert math.isclose(v["dL_db"], mean, rel_tol=1e-9, abs_tol=1e-15), nid
        for eid, v in tr["edges"].items():
            mean = sum(s["edges"][eid]["grad"] for s in singles) / B
            assert math.isclose(v["grad"], mean, rel_tol=1e-9, abs_tol=1e-15), eid


@SETTINGS
@given(networks())
def test_random_dag_gradients_match_finite_differences(doc):
    check_against_finite_differences(doc)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.sampled_from(LOSSES).flatmap(lambda loss: networks(loss=loss, softmax_only=True)))
def test_softmax_outputs_with_every_loss(doc):
    """All outputs softmax (one group, possibly in different layers) under every loss."""
    check_against_finite_differences(doc)
