"""Saturated outputs: loss and ∂L/∂z of every output-activation/loss pair against mpmath.

At z = ±40, ±700, ±1000 float64 rounds σ(z), tanh z and the largest softmax member to 0 or 1,
so anything computed from ŷ alone (1 − ŷ, log(1 − ŷ), ŷ(1 − ŷ)) is wrong although the true
loss and ∂L/∂z are ordinary float64 numbers. The references here are computed with mpmath at
1,200 digits straight from the spec's textbook formulas (f(z), the loss table, ∂L/∂ŷ, f′(z),
the softmax Jacobian diag(s) − s sᵀ), sharing nothing with the engine's log-space forms.

Rule checked: wherever the true value is a normal float64 the engine's value matches it to a
relative 1e-12; where it is below the normal range the engine's is too (it rounded away);
where the loss has no finite value (a log loss of an output outside (0, 1), or overflow) the
engine's loss is not finite either, so the commands report it (tests/test_overflow_cli.py).
Both paths are checked: the trace (what trace, explain and report show) and the training step.
Training's loss matches to the same 1e-12; its ∂L/∂z for σ + BCE, softmax + CE and the squared
losses is the lean closed form from ŷ (ŷ − y, ...), checked to an absolute 1e-15.
"""

from __future__ import annotations

import json
import math

import mpmath as mp
import numpy as np
import pytest
from helpers import LOSSES, network_doc

from bpstudio.core.network import Workspace
from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.report import render_report
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass, to_json

OUTPUT_ACTIVATIONS = [
    "identity",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
    "softmax",
]
MAGNITUDES = [40.0, 700.0, 1000.0]
TINY = np.finfo(float).tiny  # smallest normal float64
BIG = np.finfo(float).max
RTOL = 1e-12
DPS = 1000  # enough for any gap here: e^-2000 ≈ 1e-869 must survive 1 − s


def _digits(z: list[float]) -> int:
    """Working digits so that e^-(largest gap between z's and 0) survives next to 1."""
    gap = max(abs(v) for v in z) * 2.0
    return min(DPS, 40 + int(gap / 2.302585))


# --------------------------------------------------------------------------- mpmath reference
def _f(name: str, z):
    if name == "identity":
        return z
    if name == "sigmoid":
        return 1 / (1 + mp.exp(-z))
    if name == "tanh":
        return mp.tanh(z)
    if name == "relu":
        return z if z > 0 else mp.mpf(0)
    if name == "leaky_relu":
        return z if z >= 0 else mp.mpf("0.01") * z
    if name == "elu":
        return z if z > 0 else mp.exp(z) - 1
    if name == "softplus":
        return mp.log(1 + mp.exp(z))
    raise KeyError(name)


def _fprime(name: str, z):
    if name == "identity":
        return mp.mpf(1)
    if name == "sigmoid":
        s = _f("sigmoid", z)
        return s * (1 - s)
    if name == "tanh":
        return 1 - mp.tanh(z) ** 2
    if name == "relu":
        return mp.mpf(1) if z > 0 else mp.mpf(0)
    if name == "leaky_relu":
        return mp.mpf(1) if z >= 0 else mp.mpf("0.01")
    if name == "elu":
        return mp.mpf(1) if z > 0 else mp.exp(z)
    if name == "softplus":
        return 1 / (1 + mp.exp(-z))
    raise KeyError(name)


class Undefined(Exception):
    """The loss has no finite value (log of a number <= 0 with a nonzero weight)."""


def _xlog(c, v):
    """c·log(v) with 0·log(anything) = 0; Undefined where log has no finite value."""
    if c == 0:
        return mp.mpf(0)
    if v <= 0:
        raise Undefined
    return c * mp.log(v)


def _xdiv(c, v):
    if c == 0:
        return mp.mpf(0)
    return c / v


def reference(acts: list[str], loss: str, z: list[float], y: list[float]):
    """(loss, [∂L/∂z_k]) for one sample, exact to ~1,000 digits; raises Undefined."""
    with mp.workdps(_digits(z)):
        zs = [mp.mpf(v) for v in z]
        ys = [mp.mpf(v) for v in y]
        k = len(zs)
        soft = [i for i, a in enumerate(acts) if a == "softmax"]
        yhat = [None] * k
        if soft:
            den = mp.fsum(mp.exp(zs[i]) for i in soft)
            for i in soft:
                yhat[i] = mp.exp(zs[i]) / den
        for i, a in enumerate(acts):
            if a != "softmax":
                yhat[i] = _f(a, zs[i])
        if loss in ("half_squared_error", "squared_error", "mse"):
            c = {"half_squared_error": mp.mpf(1) / 2, "squared_error": 1, "mse": mp.mpf(1) / k}[
                loss
            ]
            value = c * mp.fsum((yhat[i] - ys[i]) ** 2 for i in range(k))
            dyhat = [2 * c * (yhat[i] - ys[i]) for i in range(k)]
        elif loss == "binary_cross_entropy":
            value = -mp.fsum(
                _xlog(ys[i], yhat[i]) + _xlog(1 - ys[i], 1 - yhat[i]) for i in range(k)
            )
            dyhat = [-_xdiv(ys[i], yhat[i]) + _xdiv(1 - ys[i], 1 - yhat[i]) for i in range(k)]
        else:
            value = -mp.fsum(_xlog(ys[i], yhat[i]) for i in range(k))
            dyhat = [-_xdiv(ys[i], yhat[i]) for i in range(k)]
        dz = []
        for j in range(k):
            if acts[j] == "softmax":  # Σ_i ∂L/∂ŷ_i · s_i (δ_ij − s_j) over the group
                dz.append(
                    mp.fsum(dyhat[i] * yhat[i] * ((1 if i == j else 0) - yhat[j]) for i in soft)
                )
            else:
                dz.append(dyhat[j] * _fprime(acts[j], zs[j]))
        return value, dz


# --------------------------------------------------------------------------- engine side
def _doc(acts: list[str], loss: str, z: list[float], y: list[float]) -> dict:
    """One input x = 1 into each output with weight z_k and bias 0, so z_k is exact."""
    neurons = [{"id": "x", "role": "input"}]
    edges = []
    for k, a in enumerate(acts):
        neurons.append({"id": f"o{k}", "role": "output", "activation": a, "bias": 0.0})
        edges.append({"id": f"w{k}", "source": "x", "target": f"o{k}", "weight": z[k]})
    training = {"loss": loss, "optimizer": "sgd", "learning_rate": 0.1}
    return network_doc(neurons, edges, training, [{"x": [1.0], "y": list(y)}])


def engine(acts, loss, z, y):
    """(trace loss, [∂L/∂z_k], lean training loss, [training ∂L/∂z_k], compiled, graph)."""
    graph = fileformat.loads(json.dumps(_doc(acts, loss, z, y)))
    compiled = compile_graph(graph)
    net = compiled.net
    rows = [compiled.row_of[f"o{k}"] for k in range(len(acts))]
    X, Y = np.array([[1.0]]), np.array([y], dtype=float)
    tr = net.trace(X, Y)
    ws = Workspace(net, 1)
    net.load_inputs(ws, X)
    with np.errstate(all="ignore"):
        net.forward(ws)
        train_loss = net.training_loss(ws, np.ascontiguousarray(Y.T))
    return (
        float(tr.sample_loss[0]),
        [float(tr.dL_dz[r, 0]) for r in rows],
        train_loss,
        [float(ws.D[r, 0]) for r in rows],
        compiled,
        graph,
    )


def assert_matches(got: float, want, what: str) -> None:
    want_f = float(want)
    if not mp.isfinite(want) or abs(want) > BIG:
        assert not math.isfinite(got) or abs(got) == BIG, f"{what}: {got} (true {want_f})"
        return
    if abs(want) < TINY:
        assert abs(got) < 4 * TINY, f"{what}: {got!r}, true {mp.nstr(want, 5)} underflows"
        return
    assert math.isfinite(got) and abs(got - want_f) <= RTOL * abs(want_f), (
        f"{what}: {got!r}, true {mp.nstr(want, 17)} (rel err {abs(got - want_f) / abs(want_f):.2e})"
    )


def check_pair(acts, loss, z, y) -> None:
    t_loss, t_dz, train_loss, train_dz, _, _ = engine(acts, loss, z, y)
    label = f"{acts} {loss} z={z} y={y}"
    try:
        value, dz = reference(acts, loss, z, y)
    except Undefined:
        assert not math.isfinite(t_loss), f"{label}: loss {t_loss} where it has no value"
        assert not math.isfinite(train_loss), f"{label}: training loss {train_loss}"
        return
    assert_matches(t_loss, value, f"{label} loss")
    assert_matches(train_loss, value, f"{label} training loss")
    if not mp.isfinite(value):
        return
    lean = (
        (loss == "binary_cross_entropy" and set(acts) == {"sigmoid"})
        or (loss == "cross_entropy" and set(acts) == {"softmax"})
        or loss in ("half_squared_error", "squared_error", "mse")
    )
    for k in range(len(acts)):
        assert_matches(t_dz[k], dz[k], f"{label} dL/dz[{k}]")
        if lean:
            # training's closed forms from ŷ (ŷ − y, ŷ·Σy − y, 2c(ŷ − y)·f′) are exact to a
            # rounding of ŷ: an absolute ~1e-16, far below what an update can resolve
            err = abs(train_dz[k] - float(dz[k]))
            assert err <= 1e-15 * max(1.0, abs(float(dz[k]))), f"{label} training dL/dz[{k}]"
        else:
            assert_matches(train_dz[k], dz[k], f"{label} training dL/dz[{k}]")


def _targets(loss: str, k: int) -> list[list[float]]:
    if k == 1:
        return [[0.0], [1.0], [0.3], [0.75]]
    return [[1.0] + [0.0] * (k - 1), [0.0] * (k - 1) + [1.0], [0.0] * k, [1.0] * k,
            [0.3, 0.7, 0.2][:k], [0.25, 0.0, 1.0][:k]]  # fmt: skip


# --------------------------------------------------------------------------- the tests
@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", OUTPUT_ACTIVATIONS)
def test_single_output_at_saturation(activation, loss):
    for m in MAGNITUDES:
        for z in (m, -m):
            for y in _targets(loss, 1):
                check_pair([activation], loss, [z], y)


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("activation", OUTPUT_ACTIVATIONS)
def test_three_outputs_at_saturation(activation, loss):
    acts = [activation] * 3
    for m in MAGNITUDES:
        vectors = [[m, -m, 0.0], [-m, m, 0.5]]
        if activation == "softmax":  # near ties and a group far below zero
            vectors += [[m, m - 2.0, -m], [-m, -m, -m + 1.0]]
        for z in vectors:
            for y in _targets(loss, 3):
                check_pair(acts, loss, z, y)


MIXES = [
    ["sigmoid", "tanh", "softplus"],
    ["softmax", "softmax", "sigmoid"],
    ["identity", "softmax", "softmax", "elu"],
    ["sigmoid", "relu", "leaky_relu"],
]


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("acts", MIXES, ids=lambda a: "+".join(a))
def test_mixed_output_activations_at_saturation(acts, loss):
    k = len(acts)
    for m in MAGNITUDES:
        for sign in (1.0, -1.0):
            z = [sign * m * (-1) ** i for i in range(k)]
            for y in ([1.0] * k, [0.0] * k, [float(i % 2) for i in range(k)], [0.4] * k):
                check_pair(acts, loss, z, y)


def test_the_issue_reproduction_sigmoid_cross_entropy():
    """σ + CE at z = −39.5: loss 39.5 (was 34.54, the clip), ∂L/∂z = −1 (was −0.0070)."""
    t_loss, t_dz, train_loss, train_dz, _, _ = engine(["sigmoid"], "cross_entropy", [-39.5], [1])
    assert math.isclose(t_loss, 39.5, rel_tol=1e-15)
    assert math.isclose(train_loss, 39.5, rel_tol=1e-15)
    assert math.isclose(t_dz[0], -1.0, rel_tol=1e-15)
    assert math.isclose(train_dz[0], -1.0, rel_tol=1e-15)


def test_softmax_bce_gradient_is_not_lost_at_saturation():
    """softmax + BCE, ŷ within 1e-15 of 1: the gradient lost 10²–10¹¹ behind the clip."""
    for gap in (36.0, 40.0, 60.0):
        check_pair(["softmax", "softmax"], "binary_cross_entropy", [gap, 0.0], [0.0, 1.0])
        check_pair(["softmax", "softmax"], "binary_cross_entropy", [gap, 0.0], [1.0, 0.0])


def test_moderate_values_still_match_the_reference():
    """Away from saturation the same rule holds (the property tests check much more)."""
    for acts in (["sigmoid"] * 2, ["softmax"] * 3, ["tanh", "softplus"]):
        for loss in LOSSES:
            z = [0.3, -1.7, 2.2][: len(acts)]
            check_pair(acts, loss, z, [0.2, 0.9, 0.0][: len(acts)])


def test_trace_json_and_explain_show_the_exact_values():
    """trace, the explain objects and the report read the same exact numbers at z = 40."""
    acts, loss, z, y = ["sigmoid"], "half_squared_error", [40.0], [1.0]
    value, dz = reference(acts, loss, z, y)
    _, _, _, _, compiled, graph = engine(acts, loss, z, y)
    result = run_pass(compiled, dataset(graph), [0], graph.training)
    doc = to_json(result)
    json.dumps(doc, allow_nan=False)
    assert_matches(doc["loss"], value, "trace loss")
    assert_matches(doc["neurons"]["o0"]["dL_dz"], dz[0], "trace dL_dz")
    le = ex.loss_explanation(compiled, result, 0)
    assert_matches(le.value, value, "explain loss")
    ne = ex.neuron_explanation(compiled, result, "o0", 0)
    with mp.workdps(DPS):
        s = 1 / (1 + mp.exp(-mp.mpf(40)))
        fprime = s * (1 - s)
    assert_matches(ne.fprime, fprime, "explain f'(z)")  # σ′(40) = 4.2e-18, not a(1 − a) = 0
    assert math.isclose(ne.loss_derivative * ne.fprime, ne.dL_dz, rel_tol=1e-12)
    text = render_report(graph, compiled, dataset(graph), decimals=4)
    assert "= 4.248e-18`" in text  # σ′(z) as the report shows it (was 0)


def test_report_shows_the_exact_loss_of_the_issue_example():
    _, _, _, _, compiled, graph = engine(["sigmoid"], "cross_entropy", [-39.5], [1.0])
    text = render_report(graph, compiled, dataset(graph), decimals=4)
    loss_line = next(line for line in text.splitlines() if line.startswith("- `L = "))
    assert loss_line.endswith("= 39.5`") and "34.54" not in text


def test_softmax_jacobian_shown_by_explain_is_exact_at_saturation():
    acts, loss, z, y = ["softmax", "softmax"], "half_squared_error", [40.0, 0.0], [1.0, 0.0]
    _, _, _, _, compiled, graph = engine(acts, loss, z, y)
    result = run_pass(compiled, dataset(graph), [0], graph.training)
    ne = ex.neuron_explanation(compiled, result, "o0", 0)
    with mp.workdps(DPS):
        s0 = mp.exp(40) / (mp.exp(40) + 1)
        j00 = s0 * (1 - s0)
    own = next(t for t in ne.jacobian_terms if t.other == "o0")
    assert_matches(own.value, j00, "∂s0/∂z0")
    assert math.isclose(sum(t.product for t in ne.jacobian_terms), ne.dL_dz, rel_tol=1e-12)
