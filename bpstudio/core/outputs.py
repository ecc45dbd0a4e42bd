"""The output layer and the loss, exact at saturation: loss, ∂L/∂ŷ and ∂L/∂z from z itself.

Computing a loss from ŷ = f(z) throws information away once f saturates: σ(40) rounds to 1.0,
so 1 − ŷ, log(1 − ŷ) and f′(z) = ŷ(1 − ŷ) all become 0 although their true values (4.2e-18,
−40, 4.2e-18) are ordinary float64 numbers. Every quantity here is therefore computed from z
in log space or through complements that are exact where they are small:

* σ(z) and σ(−z) both from e^−|z| (never overflows); log σ(z) = −softplus(−z);
* tanh: 1 − tanh z = 2σ(−2z), 1 + tanh z = 2σ(2z), tanh′ = 4σ(2z)σ(−2z);
* softmax: log-softmax; 1 − s for the largest member is the sum of the others, its log the
  log-sum-exp of the others minus that of all; the Jacobian products are taken in the forms
  without cancellation (s_i Σ_j s_j (g_i − g_j) for the largest member);
* the residual ŷ − y is taken as (1 − y) − (1 − ŷ) where ŷ is near an upper asymptote.

The results are exact (to a few ulps) wherever the true value is a float64; where it is not,
∂L/∂ŷ (a display quantity: 1/σ(−1000) has no float64 value, though ∂L/∂z = σ − y does) is
shown as ±1.7976931348623157e308, and values below the float range round to 0. A log loss of
an output outside its domain (relu at 0, identity at −3 with binary cross-entropy) is +inf or
NaN: that pair has no loss there, and the caller reports where (see model/overflow.py).

This is the reference path (trace, explain, report, validation loss, every pair in
training). Network keeps a lean path for the common σ + BCE and softmax + CE training steps
and falls back to this module when saturation would make the lean formulas inexact.
"""

from __future__ import annotations

import numpy as np

from . import activations as act

BIG = np.finfo(float).max

_TANH_SPLIT = 0.5493061443340549  # atanh(0.5): beyond it tanh is nearer ±1 than 0
_ELU_SPLIT = -0.6931471805599453  # log(0.5): below it elu is nearer −1 than 0
_SOFTPLUS_TAIL = -20.0  # below it log softplus(z) = z − e^z/2 to double precision


# --------------------------------------------------------------------------- primitives
def sigmoid_pair(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(σ(z), σ(−z)), each to full relative precision for every finite z."""
    f = np.exp(-np.abs(z))
    big = 1.0 / (1.0 + f)  # σ(|z|) in [½, 1]
    small = f * big  # σ(−|z|) in [0, ½]
    pos = z >= 0
    return np.where(pos, big, small), np.where(pos, small, big)


def softplus(z: np.ndarray) -> np.ndarray:
    """log(1 + e^z), exact for every finite z (e^z ≈ softplus for z ≪ 0)."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def log_softplus(z: np.ndarray) -> np.ndarray:
    """log(softplus(z)), exact also where softplus underflows (z < −745)."""
    with np.errstate(divide="ignore"):
        direct = np.log(softplus(np.maximum(z, _SOFTPLUS_TAIL)))
    return np.where(z < _SOFTPLUS_TAIL, z - 0.5 * np.exp(np.minimum(z, 0.0)), direct)


def exact_derivative(name: str, z: np.ndarray) -> np.ndarray:
    """f′(z) from z alone, exact at saturation (σ′(40) = 4.2e-18, not 0)."""
    with np.errstate(all="ignore"):  # 2z may overflow for tanh at |z| > 9e307: f′ is then 0
        return _exact_derivative(act.canonical(name), np.asarray(z, dtype=float))


def _exact_derivative(name: str, z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        p, q = sigmoid_pair(z)
        return p * q
    if name == "tanh":
        p, q = sigmoid_pair(2.0 * z)
        return 4.0 * p * q
    if name == "softplus":
        return sigmoid_pair(z)[0]
    if name == "elu":
        return np.where(z > 0, 1.0, act.ELU_ALPHA * np.exp(np.minimum(z, 0.0)))
    return act.derivative(name, z)


def residual(name: str, z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ŷ − y for an elementwise activation, exact where ŷ sits near an asymptote equal to y."""
    if name == "sigmoid":
        p, q = sigmoid_pair(z)
        return np.where(z > 0, (1.0 - y) - q, p - y)
    if name == "tanh":
        p, q = sigmoid_pair(2.0 * z)
        mid = np.tanh(z) - y
        return np.where(
            z > _TANH_SPLIT,
            (1.0 - y) - 2.0 * q,
            np.where(z < -_TANH_SPLIT, 2.0 * p - (1.0 + y), mid),
        )
    if name == "elu":
        zn = np.minimum(z, 0.0)
        low = act.ELU_ALPHA * np.exp(zn) - (act.ELU_ALPHA + y)
        return np.where(z < _ELU_SPLIT, low, act.apply(name, z) - y)
    if name == "softplus":
        return softplus(z) - y
    return act.apply(name, z) - y


def _log_terms(name: str, z: np.ndarray):
    """(log ŷ, log(1 − ŷ), d log ŷ/dz, d log(1 − ŷ)/dz) from z; NaN/−inf outside the domain."""
    if name == "sigmoid":
        p, q = sigmoid_pair(z)
        return -softplus(-z), -softplus(z), q, -p
    if name == "tanh":
        p, q = sigmoid_pair(2.0 * z)  # 1 + t = 2p, 1 − t = 2q
        t = np.tanh(z)
        lp = np.where(z > _TANH_SPLIT, np.log1p(-2.0 * q), np.log(t))
        l1m = np.log(2.0) - softplus(2.0 * z)
        return lp, l1m, 4.0 * p * q / t, -2.0 * p
    if name == "softplus":
        sp = softplus(z)
        s = sigmoid_pair(z)[0]
        dlp = np.where(z < _SOFTPLUS_TAIL, 1.0 - 0.5 * np.exp(np.minimum(z, 0.0)), s / sp)
        return log_softplus(z), np.log1p(-sp), dlp, -s / (1.0 - sp)
    # identity, relu, leaky_relu, elu: linear (or exact) wherever ŷ lies in (0, 1)
    a = act.apply(name, z)
    d = exact_derivative(name, z)
    return np.log(a), np.log1p(-a), np.where(d == 0, 0.0, d / a), -d / (1.0 - a)


def _xlogy(y: np.ndarray, v: np.ndarray) -> np.ndarray:
    """y·v with 0·(±inf) = 0 (a term whose target weight is 0 does not count)."""
    return np.where(y == 0, 0.0, y * v)


# --------------------------------------------------------------------------- softmax group
class _Softmax:
    """Shared pieces of one softmax group (rows × batch), the largest member per column apart."""

    def __init__(self, z: np.ndarray):
        k, b = z.shape
        self.top = np.argmax(z, axis=0)  # the largest member of each column
        self.cols = np.arange(b)
        m = z[self.top, self.cols]
        sh = z - m
        e = np.exp(sh)
        e[self.top, self.cols] = 0.0
        self.rest_sum = e.sum(axis=0)  # Σ over the others of e^(z_j − max): no cancellation
        log_norm = np.log1p(self.rest_sum)
        self.ls = sh - log_norm  # log-softmax
        self.s = np.exp(self.ls)
        self.is_top = np.zeros(z.shape, dtype=bool)
        self.is_top[self.top, self.cols] = True
        self.top_s = self.s[self.top, self.cols]
        self.top_comp = self.rest_sum / (1.0 + self.rest_sum)  # 1 − s of the largest member
        self._z, self._m, self._log_norm = z, m, log_norm

    def log_complement(self) -> np.ndarray:
        """log(1 − s) per member (binary cross-entropy only): log1p(−s) for all but the largest
        (s <= ½ there); for the largest the log-sum-exp of the others minus that of all, which
        stays exact where 1 − s underflows (z = (1000, −1000): log(1 − s) = −2000)."""
        z, m = self._z, self._m
        k, b = z.shape
        l1m = np.log1p(-np.where(self.is_top, 0.0, self.s))
        if k > 1:
            others = np.where(self.is_top, -np.inf, z)
            m2 = others.max(axis=0)
            # relative to the max: z itself may be ~700, where one ulp is 1e-13
            rest = (m2 - m) + np.log(np.exp(others - m2).sum(axis=0))
            top_l1m = rest - self._log_norm
        else:
            top_l1m = np.full(b, -np.inf)  # a group of one: s = 1 exactly
        l1m[self.top, self.cols] = top_l1m
        return l1m

    def top_of(self, v: np.ndarray) -> np.ndarray:
        return v[self.top, self.cols]

    def rest_sum_of(self, v: np.ndarray) -> np.ndarray:
        """Σ over the members other than the largest, per column."""
        return np.where(self.is_top, 0.0, v).sum(axis=0)

    def jt_times(self, g: np.ndarray) -> np.ndarray:
        """Jᵀg = s ⊙ (g − Σ s g); the largest member as s_i Σ_j s_j (g_i − g_j) (no cancellation)."""
        s = self.s
        out = s * (g - (s * g).sum(axis=0))
        gt = self.top_of(g)
        out[self.top, self.cols] = self.top_s * (s * (gt - g)).sum(axis=0)
        return out


# --------------------------------------------------------------------------- the head
class OutputHead:
    """Loss and derivatives for one network's outputs (activation per output row, one loss)."""

    def __init__(self, activations: list[str], loss: str):
        self.loss = loss
        self.k = len(activations)
        names = [act.canonical(a) for a in activations]
        self.softmax_rows = np.array(
            [i for i, n in enumerate(names) if n == act.SOFTMAX], dtype=np.intp
        )
        self.groups: list[tuple[str, np.ndarray]] = []
        for n in sorted(set(names) - {act.SOFTMAX}):
            self.groups.append((n, np.array([i for i, m in enumerate(names) if m == n], np.intp)))
        # one activation for every output (the usual case): whole arrays, no row gathering
        self.uniform = names[0] if len(set(names)) == 1 else None
        self.scale = {"half_squared_error": 0.5, "squared_error": 1.0, "mse": 1.0 / self.k}.get(
            loss
        )

    def evaluate(
        self, z: np.ndarray, y: np.ndarray, dyhat: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """(per-sample loss [B], ∂L/∂ŷ [K, B], ∂L/∂z [K, B]) for (K, B) arrays z and y.
        ``dyhat=False`` (training) skips ∂L/∂ŷ, which only the displays need (None then)."""
        terms, g, d = self.evaluate_terms(z, y, dyhat)
        return terms.sum(axis=0), g, d

    def evaluate_terms(
        self, z: np.ndarray, y: np.ndarray, dyhat: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        """As :meth:`evaluate`, with each output's own share of the loss [K, B] (the loss of
        a sample is their sum), so a loss with no finite value can be traced to its output."""
        z = np.asarray(z, dtype=float)
        y = np.asarray(y, dtype=float)
        g: np.ndarray | None
        with np.errstate(all="ignore"):
            if self.uniform is not None:
                if self.uniform == act.SOFTMAX:
                    terms, g, d = self._softmax(z, y, dyhat)
                else:
                    terms, g, d = self._elementwise(self.uniform, z, y, dyhat)
            else:
                terms, d = np.empty_like(z), np.empty_like(z)
                g = np.empty_like(z) if dyhat else None
                parts = [(n, rows, self._elementwise) for n, rows in self.groups]
                if self.softmax_rows.size:
                    parts.append((act.SOFTMAX, self.softmax_rows, lambda _n, *a: self._softmax(*a)))
                for name, rows, fn in parts:
                    t_, g_, d_ = fn(name, z[rows], y[rows], dyhat)
                    terms[rows], d[rows] = t_, d_
                    if g is not None:  # dyhat
                        g[rows] = g_
            if g is not None:  # dyhat
                # ∂L/∂ŷ can exceed float64 where ∂L/∂z does not (1/σ(−1000)): the largest float
                g = np.clip(g, -BIG, BIG)
        return terms, g, d

    def _elementwise(
        self, name: str, z: np.ndarray, y: np.ndarray, dyhat: bool
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
        g: np.ndarray | None
        if self.scale is not None:
            r = residual(name, z, y)
            g = (2.0 * self.scale) * r
            return self.scale * (r * r), g, g * exact_derivative(name, z)
        w = 1.0 - y
        if name == "sigmoid":
            # log σ(z) = −softplus(−z), log(1 − σ(z)) = −softplus(z): finite for every z, so
            # no 0·log 0 guard; the shared log1p(e^−|z|) makes this the cheap exact path
            tail = np.log1p(np.exp(-np.abs(z)))
            pos = np.maximum(z, 0.0)
            sp_neg = (pos - z) + tail  # softplus(−z)
            p, q = sigmoid_pair(z)
            g = None
            if self.loss == "cross_entropy":
                if dyhat:
                    g = -_xlogy(y, np.exp(sp_neg))
                return y * sp_neg, g, -y * q
            if dyhat:
                g = _xlogy(w, np.exp(pos + tail)) - _xlogy(y, np.exp(sp_neg))
            return y * sp_neg + w * (pos + tail), g, w * p - y * q
        lp, l1m, dlp, dl1m = _log_terms(name, z)
        if self.loss == "cross_entropy":
            g = -_xlogy(y, np.exp(-lp)) if dyhat else None
            return -_xlogy(y, lp), g, -_xlogy(y, dlp)
        loss = -(_xlogy(y, lp) + _xlogy(w, l1m))
        g = _xlogy(w, np.exp(-l1m)) - _xlogy(y, np.exp(-lp)) if dyhat else None
        return loss, g, -(_xlogy(y, dlp) + _xlogy(w, dl1m))

    def _softmax(self, z: np.ndarray, y: np.ndarray, dyhat: bool):
        sm = _Softmax(z)
        s, ls = sm.s, sm.ls
        if self.scale is not None:
            r = s - y
            r[sm.top, sm.cols] = (1.0 - sm.top_of(y)) - sm.top_comp
            g = (2.0 * self.scale) * r
            return self.scale * (r * r), g, sm.jt_times(g)
        if self.loss == "cross_entropy":
            # log-softmax is finite for finite z: no 0·log 0 guard needed
            loss = -(y * ls)
            # ŷ·Σy − y; the largest member as −(1 − s)·y + s·Σ_others y (no cancellation)
            d = s * y.sum(axis=0) - y
            yt = sm.top_of(y)
            d[sm.top, sm.cols] = -sm.top_comp * yt + sm.top_s * sm.rest_sum_of(y)
            return loss, -_xlogy(y, np.exp(-ls)) if dyhat else None, d
        # binary cross-entropy through the softmax Jacobian, in log space:
        # with h_j = s_j g_j = −y_j + (1 − y_j) s_j/(1 − s_j),  ∂L/∂z_k = h_k − s_k Σ_j h_j,
        # the largest member's huge h taken apart so that nothing overflows or cancels.
        l1m = sm.log_complement()
        w = 1.0 - y
        loss = -(y * ls + _xlogy(w, l1m))
        g = _xlogy(w, np.exp(-l1m)) - _xlogy(y, np.exp(-ls)) if dyhat else None
        h = _xlogy(w, np.exp(ls - l1m)) - y  # valid for the others (odds <= 1)
        h_rest = sm.rest_sum_of(h)
        yt, wt = sm.top_of(y), sm.top_of(w)
        lst, l1mt = sm.top_of(ls), sm.top_of(l1m)
        d = h - s * h_rest + yt * s - _xlogy(wt, np.exp(ls + lst - l1mt))
        d[sm.top, sm.cols] = -yt * sm.top_comp + wt * sm.top_s - sm.top_s * h_rest
        return loss, g, d


def softmax_jacobian_exact(z: np.ndarray) -> np.ndarray:
    """∂s_i/∂z_j for one sample's softmax group, from z: exact also for a saturated group."""
    with np.errstate(all="ignore"):
        sm = _Softmax(np.asarray(z, dtype=float).reshape(-1, 1))
    s = sm.s[:, 0]
    jac = -np.outer(s, s)
    comp = np.where(sm.is_top[:, 0], sm.top_comp[0], 1.0 - s)  # 1 − s, exact for s <= ½
    np.fill_diagonal(jac, s * comp)
    return jac
