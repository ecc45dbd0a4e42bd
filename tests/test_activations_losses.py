"""Activations and losses: values, derivatives, and numerical stability at extreme z.

Values are compared with the textbook formulas in tests/helpers.py, derivatives with central
finite differences. Stability: z = ±1000 through every activation and every activation/loss
pair (in the compiled network, forward and backward) raises no warning with warnings as errors
and numpy's errstate set to raise, and produces no NaN or infinity where the loss has a value
(a log loss of an output outside (0, 1) is +inf or NaN, not a clipped number).
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pytest
from helpers import HIDDEN_ACTIVATIONS, LOSSES, network_doc, ref_activation, ref_loss

from bpstudio.core import activations as act
from bpstudio.core import losses
from bpstudio.core.network import Workspace
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass, to_json

ELEMENTWISE = sorted(act.ELEMENTWISE)
Z = np.array([-3.0, -1.2, -0.3, -1e-3, 1e-3, 0.2, 0.9, 2.5])


class _strict:
    """Warnings are errors and numpy overflow, invalid (NaN) and divide-by-zero raise.

    Underflow is left at numpy's default (ignored, never printed): e^-1000 rounding to 0.0 is
    the correctly rounded result, not an error.
    """

    def __enter__(self):
        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("error")
        self._e = np.errstate(over="raise", invalid="raise", divide="raise", under="ignore")
        self._e.__enter__()

    def __exit__(self, *exc):
        self._e.__exit__(*exc)
        return self._w.__exit__(*exc)


def test_the_spec_activation_names_are_all_known():
    names = {"identity", "linear", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"}
    assert names | {"softmax"} == set(act.NAMES)
    assert act.canonical("linear") == "identity"
    with pytest.raises(KeyError):
        act.canonical("swish")


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_activation_values_match_formula(name):
    np.testing.assert_allclose(act.apply(name, Z), ref_activation(name, Z), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_activation_derivative_matches_finite_differences(name):
    h = 1e-6
    fd = (ref_activation(name, Z + h) - ref_activation(name, Z - h)) / (2 * h)
    np.testing.assert_allclose(act.derivative(name, Z), fd, rtol=1e-6, atol=1e-9)


def test_kink_conventions():
    z = np.array([-2.0, 0.0, 3.0])
    # relu: derivative 0 at z <= 0; leaky: slope 0.01 for z < 0 (1 at 0)
    np.testing.assert_array_equal(act.derivative("relu", z), [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(act.derivative("leaky_relu", z), [0.01, 1.0, 1.0])
    np.testing.assert_array_equal(act.apply("leaky_relu", z), [-0.02, 0.0, 3.0])
    np.testing.assert_allclose(act.apply("elu", z), [math.expm1(-2.0), 0.0, 3.0])
    np.testing.assert_allclose(act.derivative("elu", z), [math.exp(-2.0), 1.0, 1.0])


def test_softmax_values_and_full_jacobian():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(4, 3))  # 4 samples, 3 classes
    s = act.softmax(z)
    want = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(s, want, rtol=1e-13)
    g = rng.normal(size=(4, 3))
    h = 1e-6
    for i in range(4):
        jac = np.empty((3, 3))
        for j in range(3):
            e = np.zeros(3)
            e[j] = h
            jac[:, j] = (act.softmax(z[i] + e) - act.softmax(z[i] - e)) / (2 * h)
        np.testing.assert_allclose(act.softmax_jacobian(s[i]), jac, atol=1e-9)
        np.testing.assert_allclose(
            act.softmax_backward(s[i : i + 1], g[i : i + 1])[0], jac.T @ g[i]
        )


@pytest.mark.parametrize("name", LOSSES)
def test_loss_values_and_gradients(name):
    rng = np.random.default_rng(1)
    yhat = rng.uniform(0.05, 0.95, size=(5, 3))  # (batch, outputs)
    y = rng.uniform(0, 1, size=(5, 3))
    loss, grad = losses.evaluate(name, yhat, y)
    np.testing.assert_allclose(loss, ref_loss(name, yhat.T, y.T), rtol=1e-13)
    h = 1e-6
    for k in range(3):
        e = np.zeros(3)
        e[k] = h
        fd = (ref_loss(name, (yhat + e).T, y.T) - ref_loss(name, (yhat - e).T, y.T)) / (2 * h)
        np.testing.assert_allclose(grad[:, k], fd, rtol=1e-6)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "cross_entropy"])
def test_log_of_zero_is_infinite_not_clipped(name):
    """ŷ exactly 0 for a target of 1 costs −log 0 = +inf (no clip at 1e-15 that would make it
    34.5), silently; a target of 0 does not count (0·log 0 = 0)."""
    yhat = np.array([[0.0, 1.0], [1.0, 0.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    with _strict():
        loss, grad = losses.evaluate(name, yhat, y)
    assert np.all(loss == np.inf)
    right, _ = losses.evaluate(name, np.array([[1.0, 0.0]]), np.array([[1.0, 0.0]]))
    assert right[0] == 0.0


@pytest.mark.parametrize("name", ELEMENTWISE)
@pytest.mark.parametrize("z", [1000.0, -1000.0, 1e300, -1e300])
def test_activation_extremes_are_warning_free(name, z):
    zz = np.array([z, -z, 0.0])
    with _strict():
        a = act.apply(name, zz)
        d = act.derivative(name, zz)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))
    assert np.all(np.abs(a) <= np.abs(zz) + 1.0)


def test_softmax_extremes_are_warning_free():
    with _strict():
        s = act.softmax(np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]]))
        ls = act.log_softmax(np.array([[1000.0, -1000.0]]))
    np.testing.assert_allclose(s, [[1, 0, 0], [1 / 3, 1 / 3, 1 / 3]], atol=1e-300)
    np.testing.assert_allclose(ls, [[0.0, -2000.0]])


def _extreme_doc(activation: str, loss: str, z: float) -> dict:
    """One input (x = z) into K output neurons; outputs see z and −z (softmax: one group)."""
    n_out = 3 if activation == "softmax" else 2
    neurons = [{"id": "x", "role": "input"}]
    edges = []
    for k in range(n_out):
        neurons.append({"id": f"o{k}", "role": "output", "activation": activation})
        edges.append({"id": f"w{k}", "source": "x", "target": f"o{k}", "weight": [1, -1, 0][k]})
    if loss == "cross_entropy":
        y = [1.0, 0.5, 0.0][:n_out]  # does not sum to 1
    else:
        y = [1.0, 0.0, 1.0][:n_out]
    training = {"loss": loss, "optimizer": "sgd", "learning_rate": 0.1}
    return network_doc(neurons, edges, training, [{"x": [z], "y": y}, {"x": [-z], "y": y}])


PAIRS = [(a, loss) for a in [*ELEMENTWISE, "softmax"] for loss in LOSSES]
# Log losses need ŷ in (0, 1) (cross-entropy: ŷ > 0). These activations stay there for every z;
# the others leave it at ±1000 (relu gives 0, identity −1000, softplus 1000 > 1), where the
# loss has no finite value.
IN_DOMAIN = {
    "binary_cross_entropy": {"sigmoid", "softmax"},
    "cross_entropy": {"sigmoid", "softmax", "softplus"},
}


@pytest.mark.parametrize(("activation", "loss"), PAIRS)
@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_extreme_z_through_every_activation_loss_pair(activation, loss, z):
    if loss in IN_DOMAIN and activation not in IN_DOMAIN[loss]:
        _out_of_domain_is_not_finite(activation, loss, z)
        return
    doc = _extreme_doc(activation, loss, z)
    graph = fileformat.loads(json.dumps(doc))
    compiled = compile_graph(graph)
    net = compiled.net
    X = np.array([s["x"] for s in doc["data"]["samples"]])
    Y = np.array([s["y"] for s in doc["data"]["samples"]])
    with _strict():
        ws = Workspace(net, 2)
        loss_value = net.step_gradients(ws, X, np.ascontiguousarray(Y.T))
        ws2 = Workspace(net, 2)
        net.load_inputs(ws2, X)
        train_loss = net.train_step(ws2, np.ascontiguousarray(Y.T))
    assert math.isfinite(loss_value) and math.isfinite(train_loss)
    for arr in (ws.A, ws.Z, ws.G, ws.D, net.grads):
        assert np.all(np.isfinite(arr))
    # the trace document is valid JSON without NaN/Infinity
    doc_out = to_json(run_pass(compiled, dataset(graph), [0, 1], graph.training))
    json.dumps(doc_out, allow_nan=False)


def _out_of_domain_is_not_finite(activation: str, loss: str, z: float) -> None:
    """No finite loss exists: the pass says so (inf/NaN, which the commands report), quietly."""
    doc = _extreme_doc(activation, loss, z)
    graph = fileformat.loads(json.dumps(doc))
    compiled = compile_graph(graph)
    X = np.array([s["x"] for s in doc["data"]["samples"]])
    Y = np.array([s["y"] for s in doc["data"]["samples"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tr = compiled.net.trace(X, Y)
    assert not math.isfinite(tr.loss)


@pytest.mark.parametrize("z", [1000.0, -1000.0])
def test_stable_closed_forms_give_exact_large_losses(z):
    """σ + BCE and softmax + CE at |z| = 1000: the loss is ≈ 1000 where the answer is wrong."""
    for activation, loss in [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy")]:
        doc = _extreme_doc(activation, loss, z)
        graph = fileformat.loads(json.dumps(doc))
        compiled = compile_graph(graph)
        X = np.array([s["x"] for s in doc["data"]["samples"]])
        Y = np.array([s["y"] for s in doc["data"]["samples"]])
        tr = compiled.net.trace(X, Y)
        zs = tr.z[[compiled.row_of[o] for o in compiled.output_ids]]  # (outputs, batch)
        if loss == "binary_cross_entropy":
            want = (np.logaddexp(0, zs) - Y.T * zs).sum(axis=0)
        else:
            lse = zs.max(axis=0) + np.log(np.exp(zs - zs.max(axis=0)).sum(axis=0))
            want = -(Y.T * (zs - lse)).sum(axis=0)
        np.testing.assert_allclose(tr.sample_loss, want, rtol=1e-12)
        assert tr.sample_loss.max() >= 999.0


def test_softmax_cross_entropy_with_targets_not_summing_to_one():
    """Hand-derived: z = (0, 0) so ŷ = (½, ½); ∂L/∂z = ŷ·Σy − y."""
    neurons = [
        {"id": "x", "role": "input"},
        {"id": "o1", "role": "output", "activation": "softmax"},
        {"id": "o2", "role": "output", "activation": "softmax"},
    ]
    edges = [
        {"id": "w1", "source": "x", "target": "o1", "weight": 0.0},
        {"id": "w2", "source": "x", "target": "o2", "weight": 0.0},
    ]
    training = {"loss": "cross_entropy", "learning_rate": 0.1}
    for y, want in [
        ([1.0, 1.0], [0.0, 0.0]),
        ([2.0, 0.0], [-1.0, 1.0]),
        ([0.3, 0.0], [-0.15, 0.15]),
    ]:
        doc = network_doc(neurons, edges, training, [{"x": [1.0], "y": y}])
        graph = fileformat.loads(json.dumps(doc))
        out = to_json(run_pass(compile_graph(graph), dataset(graph), [0], graph.training))
        assert math.isclose(out["loss"], -sum(y) * math.log(0.5), rel_tol=1e-12)
        for k, oid in enumerate(["o1", "o2"]):
            assert math.isclose(out["neurons"][oid]["dL_dz"], want[k], abs_tol=1e-15)
            assert math.isclose(out["neurons"][oid]["dL_da"], -y[k] / 0.5, rel_tol=1e-12)
