"""Where a pass stops being a float64 computation: the first infinite or NaN value, by id.

Finite inputs can still overflow: a weight of 1e308 makes z = inf, a learning rate of 1e308
makes the updated weight −inf, a log loss of an output outside (0, 1) has no value at all.
Every command that runs a pass (trace, report, train, render --overlay) and the app's pass
stepping refuse such a pass with one line naming the first quantity, in the order the pass
computes them, that is not finite: z or a of a neuron (forward, layer by layer), the loss of
an output, ∂L/∂a or ∂L/∂z of a neuron (backward, from the outputs back), ∂L/∂w of an edge,
∂L/∂b of a neuron, then the updated weight or bias. The CLI exits 1 with it (docs/cli.md).

The worked example also lists a gradient as a sum of path products (model/explain.py); a
product can overflow while the pass, which sums at every neuron, stays finite:
:func:`path_overflow` names the path, and ``report`` refuses it the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..core import losses
from .trace import PassResult

if TYPE_CHECKING:
    from .explain import PathSum

LOG_LOSSES = {n: x.log_domain for n, x in losses.LOSSES.items() if x.log_domain}
# output activations that never leave that domain for a finite z
IN_DOMAIN = {
    "binary_cross_entropy": {"sigmoid", "softmax"},
    "cross_entropy": {"sigmoid", "softmax", "softplus"},
}


def _first_bad(arr: np.ndarray) -> int | None:
    """Index of the first non-finite entry of a 1-D array, or None."""
    bad = ~np.isfinite(arr)
    return int(np.argmax(bad)) if bad.any() else None


def _sample(result: PassResult, column: int) -> str:
    return f"sample {result.samples[column]}"


def find_overflow(result: PassResult) -> str | None:
    """The message for the first non-finite value of the pass, or None if all are finite."""
    c, t = result.compiled, result.trace
    net = c.net
    if _all_finite(result):  # the usual case: a handful of vectorised checks, no loops
        return None
    ids = c.neuron_ids  # by global row: layer 0, then layer 1, ...
    # forward: z then a of each neuron, in computation order (rows are layer by layer)
    z_row, a_row = _first_row(t.z, net.n0), _first_row(t.a, net.n0)
    if z_row is not None or a_row is not None:
        if a_row is None or (z_row is not None and z_row <= a_row):
            name, row, arr = "z", z_row, t.z
        else:
            name, row, arr = "a", a_row, t.a
        assert row is not None  # one of the two rows is set
        col = _first_bad(arr[row])
        assert col is not None  # the row has a non-finite value
        return (
            f"the forward pass overflows at neuron {ids[row]}: {name} = {arr[row, col]}"
            f" ({_sample(result, col)}); a weight, bias or input is too large for float64"
        )
    if not np.all(np.isfinite(t.sample_loss)):
        return _loss_message(result)
    # backward: from the last row back (the outputs' layer first)
    for row in range(len(ids) - 1, net.n0 - 1, -1):
        for name, arr in (("∂L/∂a", t.dL_da), ("∂L/∂z", t.dL_dz)):
            col = _first_bad(arr[row])
            if col is not None:
                return (
                    f"the backward pass overflows at neuron {ids[row]}: {name} = "
                    f"{arr[row, col]} ({_sample(result, col)})"
                )
    edge_param = np.asarray(c.edge_param, dtype=np.intp)
    bias_ids = list(c.bias_param)
    bias_param = np.asarray([c.bias_param[n] for n in bias_ids], dtype=np.intp)
    i = _first_bad(t.grads[edge_param])
    if i is not None:
        return (
            f"the backward pass overflows at edge {c.edge_ids[i]}: ∂L/∂w = {t.grads[edge_param[i]]}"
        )
    i = _first_bad(t.grads[bias_param])
    if i is not None:
        p = bias_param[i]
        return f"the backward pass overflows at neuron {bias_ids[i]}: ∂L/∂b = {t.grads[p]}"
    lr = result.training.learning_rate
    hint = f"; the learning rate {lr:g} is too large for it"
    i = _first_bad(result.updated_params[edge_param])
    if i is not None:
        p = edge_param[i]
        return (
            f"the update overflows at edge {c.edge_ids[i]}: updated weight = "
            f"{result.updated_params[p]} (weight {t.params[p]:g}, ∂L/∂w {t.grads[p]:g}){hint}"
        )
    i = _first_bad(result.updated_params[bias_param])
    if i is not None:
        p = bias_param[i]
        return (
            f"the update overflows at neuron {bias_ids[i]}: updated bias = "
            f"{result.updated_params[p]} (bias {t.params[p]:g}, ∂L/∂b {t.grads[p]:g}){hint}"
        )
    return None


def _all_finite(result: PassResult) -> bool:
    t, n0 = result.trace, result.compiled.net.n0
    return bool(
        np.isfinite(t.z[n0:]).all()
        and np.isfinite(t.a[n0:]).all()
        and np.isfinite(t.sample_loss).all()
        and np.isfinite(t.dL_da).all()
        and np.isfinite(t.dL_dz).all()
        and np.isfinite(t.grads).all()
        and np.isfinite(result.updated_params).all()
    )


def _first_row(arr: np.ndarray, start: int) -> int | None:
    rows_bad = ~np.isfinite(arr[start:]).all(axis=1)
    return start + int(np.argmax(rows_bad)) if rows_bad.any() else None


def _loss_message(result: PassResult) -> str:
    """Which output's share of the loss is not finite, with ŷ and y (the usual cause: a log
    loss of an output whose activation leaves the log's domain)."""
    c, t = result.compiled, result.trace
    net = c.net
    rows = [c.row_of[o] for o in c.output_ids]
    terms, _, _ = net.head.evaluate_terms(t.z[rows], result.Y.T)
    bad = ~np.isfinite(terms)
    k, col = (int(v) for v in np.argwhere(bad)[0]) if bad.any() else (0, 0)
    oid = c.output_ids[k]
    yhat, y = float(t.a[rows[k], col]), float(result.Y[col, k])
    value = terms[k, col] if bad.any() else t.loss
    msg = f"the loss of output {oid} is {value} ({_sample(result, col)}, ŷ = {yhat:.6g}, y = {y:g})"
    domain = LOG_LOSSES.get(net.loss_name)
    act = str(net.activation_of[rows[k]])
    if domain is not None and act not in IN_DOMAIN[net.loss_name]:
        msg += f"; {net.loss_name} takes log ŷ, which needs ŷ in {domain}, and {act} leaves it"
    return msg


def diagnose(compiled, data, training: dict, chunk: int = 256) -> str | None:
    """The first overflow of a one-step pass over ``data`` at the current weights, taken
    ``chunk`` samples at a time (what training ran into), or None if every pass is finite."""
    from .trace import run_pass

    for lo in range(0, len(data), chunk):
        msg = find_overflow(
            run_pass(compiled, data, list(range(lo, min(lo + chunk, len(data)))), training)
        )
        if msg is not None:
            return msg
    return None


def path_overflow(ps: PathSum, sample: int) -> str | None:
    """The message for the first path of ``ps`` whose product is not finite, or None.

    ``sample`` is the data set's sample number (for the message)."""
    p = ps.first_overflow()
    if p is None:
        return None
    route = " → ".join(((ps.source,) if ps.source is not None else ()) + p.neurons)
    what = f"∂L/∂w of edge {ps.param}" if ps.kind == "weight" else f"∂L/∂b of neuron {ps.param}"
    return (
        f"the chain rule of {what} overflows along the path {route}: its product is "
        f"{p.product} (sample {sample}), although {what.split(' of ')[0]} = {ps.value:g} "
        "is finite; the weights on the path are too large for float64 products"
    )
