"""Floating-point noise, read as what it is: zero.

A pre-activation such as ``z = 0.6·0.5 + (−0.4)·1 + 0.1`` is 0 in exact arithmetic but
−2.776e-17 in float64, and the display rule (model/numfmt.py) keeps significant digits of
small values on purpose, so that a vanishing gradient of 1e-9 stays visible. The two are
told apart by the rounding error a sum can carry, not by size alone: a sum of ``n`` terms is
exact to about ``n·ε·Σ|terms|`` (ε = 2.2e-16), so a result below that bound is rounding
noise and reads 0, while a genuinely tiny value (σ′(−40) = 4.2e-18, computed from no
cancellation) keeps its digits.

:func:`without_noise` returns a copy of a pass's trace in which every such value is exactly
0 (the activation's value at 0 for an ``a``), and the values computed from nothing but noise
(an edge's ∂L/∂w = δ·a whose ``a`` is noise) with it. It is what a reader sees: the canvas,
Explain, Matrices and reports read it; ``bpstudio trace`` and training use the exact trace.
No Qt.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..core import activations as act
from ..core.network import Trace
from .compile import Compiled

EPS = float(np.finfo(np.float64).eps)
SLACK = 2.0  # the bound is a worst case of n·ε; twice it still separates noise from values


def without_noise(compiled: Compiled, trace: Trace) -> Trace:
    """``trace`` with floating-point noise set to exactly 0 (see the module notes); the
    same object when there is none (the usual case: nothing is copied)."""
    src, tgt = compiled.edge_rows
    if src.size == 0:
        return trace
    net = compiled.net
    w = trace.params[compiled.edge_param]
    # ε·|w| first: the bound is n·ε·Σ|w·a|, and Σ|w·a| alone overflows to inf when huge
    # terms cancel (1e308 − 1e308 + 1e300 reads as noise then); times ε (a power of two:
    # exact) it cannot, as long as the pass itself is finite
    aw = EPS * np.abs(w)[:, None]
    n_rows, batch = trace.z.shape
    first = net.n0  # inputs and bias units: given, never noise
    biases = np.zeros(n_rows)
    for nid, p in compiled.bias_param.items():
        biases[compiled.row_of[nid]] = abs(float(trace.params[p]))
    fan_in = np.bincount(tgt, minlength=n_rows)[:, None] + 1.0

    # forward: z = Σ w·a + b, noise when below the rounding bound of its own terms
    terms = np.zeros((n_rows, batch))
    np.add.at(terms, tgt, aw * np.abs(trace.a[src]))
    terms += EPS * biases[:, None]
    z_noise = (np.abs(trace.z) <= SLACK * fan_in * terms) & (trace.z != 0)
    z_noise[:first] = False
    z_noise[net.softmax_rows] = False  # a softmax output is a share of its group: kept
    # backward: ∂L/∂a of a hidden neuron = Σ w·δ over its out-edges, the same bound
    fan_out = np.bincount(src, minlength=n_rows)[:, None] + 0.0
    back = np.zeros((n_rows, batch))
    np.add.at(back, src, aw * np.abs(trace.dL_dz[tgt]))
    g_noise = (np.abs(trace.dL_da) <= SLACK * fan_out * back) & (trace.dL_da != 0)
    g_noise[:first] = False
    g_noise[net.outputs] = False  # the loss's own derivative: no sum of terms
    if not z_noise.any() and not g_noise.any():
        return trace

    z, a = trace.z.copy(), trace.a.copy()
    dL_da, dL_dz = trace.dL_da.copy(), trace.dL_dz.copy()
    a_noise = np.zeros_like(z_noise)
    for row in np.flatnonzero(z_noise.any(axis=1)):
        cols = z_noise[row]
        z[row, cols] = 0.0
        entry = act.ELEMENTWISE.get(str(net.activation_of[row]))
        if entry is None:
            continue
        at0 = np.zeros(1)
        entry.forward(np.zeros(1), at0)
        # a = f(noise) is f(0) plus noise of the same size: read as f(0) (|a − f(0)| ≤ 4·|z|
        # + ε·|f(0)|, written with the quarter on the left: 4·|z| overflowed for the huge z of
        # the row's other samples, random-user soak action 75,529)
        quarter_gap = 0.25 * np.abs(trace.a[row] - at0[0])
        close = quarter_gap <= np.abs(trace.z[row]) + 0.25 * EPS * abs(at0[0])
        hit = cols & close
        a[row, hit] = at0[0]
        a_noise[row] = hit & (at0[0] == 0.0)
    dL_da[g_noise] = 0.0
    dL_dz[g_noise] = 0.0
    grads = _grads_without_noise(compiled, trace, a, dL_dz, a_noise, g_noise)
    return dataclasses.replace(trace, z=z, a=a, dL_da=dL_da, dL_dz=dL_dz, grads=grads)


def _grads_without_noise(
    compiled: Compiled,
    trace: Trace,
    a: np.ndarray,
    dL_dz: np.ndarray,
    a_noise: np.ndarray,
    d_noise: np.ndarray,
) -> np.ndarray:
    """The batch-mean gradients again, for the edges and biases that touch a noise value
    (∂L/∂w = mean δ·a: a noise ``a`` or δ contributes exactly 0); the rest stay as computed.
    Only the data term is replaced: a regularisation term (λ₂·w + λ₁·sign w) stays."""
    src, tgt = compiled.edge_rows
    grads = trace.grads.copy()
    batch = trace.z.shape[1]
    touched = a_noise[src].any(axis=1) | d_noise[tgt].any(axis=1)
    for i in np.flatnonzero(touched):
        s, t = src[i], tgt[i]
        p = compiled.edge_param[i]
        exact = float(trace.dL_dz[t] @ trace.a[s]) / batch
        rest = grads[p] - exact  # the penalty's term, or the engine's rounding of the same sum
        if abs(rest) <= 4 * EPS * abs(exact):
            rest = 0.0
        grads[p] = float(dL_dz[t] @ a[s]) / batch + rest
    noisy_rows = set(np.flatnonzero(d_noise.any(axis=1)).tolist())
    for nid, p in compiled.bias_param.items():
        row = compiled.row_of[nid]
        if row in noisy_rows:  # (biases are not penalised: the data term is all of it)
            grads[p] = float(dL_dz[row].sum()) / batch
    return grads
