"""Activation functions with their derivatives side by side.

Every elementwise activation is a pair ``forward(z, out) -> a`` and ``derivative(z, a, out) -> f'(z)``.
Both write into ``out`` (preallocated by the compiled network) so the training loop allocates
nothing. The derivative gets ``a`` too because sigmoid/tanh/elu are cheaper from ``a``.
All are numerically safe for |z| up to 1e300: no overflow warnings, no NaN.

``softmax`` is a vector activation: it is handled by the network as a group (see
:func:`softmax` and :func:`softmax_backward`), its Jacobian is diag(s) - s sᵀ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# exp() overflows float64 above ~709.78; clamping its argument keeps results exact where they
# are representable and saturates smoothly elsewhere, without the cost of np.errstate.
_EXP_MAX = 700.0

LEAKY_SLOPE = 0.01
ELU_ALPHA = 1.0


def _identity(z, out):
    np.copyto(out, z)
    return out


def _identity_d(z, a, out):
    out.fill(1.0)
    return out


def _sigmoid(z, out):
    np.negative(z, out=out)
    np.minimum(out, _EXP_MAX, out=out)
    np.exp(out, out=out)
    out += 1.0
    np.reciprocal(out, out=out)
    # below z = −700 the clamp above gave σ(−700) = 9.9e-305 for every z (σ(−800) is
    # 3.7e-348, 0 in float64; σ(−720) = 2.4e-313): there 1 + e^z is 1 and σ(z) = e^z
    low = z < -_EXP_MAX
    if low.any():
        np.exp(z, out=out, where=low)
    return out


def _sigmoid_d(z, a, out):
    np.subtract(1.0, a, out=out)
    out *= a
    return out


def _tanh(z, out):
    return np.tanh(z, out=out)


def _tanh_d(z, a, out):
    np.multiply(a, a, out=out)
    np.subtract(1.0, out, out=out)
    return out


def _relu(z, out):
    return np.maximum(z, 0.0, out=out)


def _relu_d(z, a, out):
    # derivative 0 at z <= 0 (spec)
    np.greater(z, 0.0, out=out)
    return out


def _leaky_relu(z, out):
    np.multiply(z, LEAKY_SLOPE, out=out)
    np.maximum(z, out, out=out)
    return out


def _leaky_relu_d(z, a, out):
    # slope 0.01 for z < 0, 1 for z >= 0
    np.greater_equal(z, 0.0, out=out)
    out *= 1.0 - LEAKY_SLOPE
    out += LEAKY_SLOPE
    return out


def _elu(z, out):
    np.minimum(z, 0.0, out=out)
    np.expm1(out, out=out)
    out *= ELU_ALPHA
    np.copyto(out, z, where=z > 0)
    return out


def _elu_d(z, a, out):
    # for z <= 0: alpha*exp(z) = a + alpha
    np.add(a, ELU_ALPHA, out=out)
    np.copyto(out, 1.0, where=z > 0)
    return out


def _softplus(z, out):
    # log(1 + e^z) = max(z, 0) + log1p(e^-|z|)
    np.abs(z, out=out)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(z, 0.0)
    return out


def _softplus_d(z, a, out):
    return _sigmoid(z, out)


@dataclass(frozen=True)
class Activation:
    name: str
    forward: Callable
    derivative: Callable
    formula: str  # shown in the explain panel and reports
    derivative_formula: str


ELEMENTWISE: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("identity", _identity, _identity_d, "z", "1"),
        Activation("sigmoid", _sigmoid, _sigmoid_d, "1/(1+e^(−z))", "a(1−a)"),
        Activation("tanh", _tanh, _tanh_d, "tanh(z)", "1−a²"),
        Activation("relu", _relu, _relu_d, "max(0, z)", "1 if z>0 else 0"),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_d, "max(0.01z, z)", "1 if z≥0 else 0.01"),
        Activation("elu", _elu, _elu_d, "z if z>0 else e^z−1", "1 if z>0 else a+1"),
        Activation("softplus", _softplus, _softplus_d, "log(1+e^z)", "σ(z)"),
    ]
}
ALIASES = {"linear": "identity"}
SOFTMAX = "softmax"
NAMES = sorted([*ELEMENTWISE, *ALIASES, SOFTMAX])


def canonical(name: str) -> str:
    """The canonical activation name (``linear`` -> ``identity``); KeyError if unknown."""
    name = ALIASES.get(name, name)
    if name != SOFTMAX and name not in ELEMENTWISE:
        raise KeyError(name)
    return name


def apply(name: str, z: np.ndarray) -> np.ndarray:
    """Convenience (allocating) form: a = f(z). Softmax acts along the last axis."""
    name = canonical(name)
    z = np.asarray(z, dtype=float)
    if name == SOFTMAX:
        return softmax(z)
    return ELEMENTWISE[name].forward(z, np.empty_like(z))


def derivative(name: str, z: np.ndarray) -> np.ndarray:
    """Convenience (allocating) form of the elementwise derivative f'(z)."""
    name = canonical(name)
    z = np.asarray(z, dtype=float)
    if name == SOFTMAX:
        raise ValueError("softmax has a Jacobian, not an elementwise derivative")
    act = ELEMENTWISE[name]
    a = act.forward(z, np.empty_like(z))
    return act.derivative(z, a, np.empty_like(z))


def softmax(z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Row-wise softmax, shifted by the row max so e^z never overflows."""
    if out is None:
        out = np.empty_like(z, dtype=float)
    np.subtract(z, z.max(axis=-1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=-1, keepdims=True)
    return out


def log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_jacobian(s: np.ndarray) -> np.ndarray:
    """∂s_i/∂z_j = s_i (δ_ij − s_j) for one sample's softmax vector s."""
    return np.diag(s) - np.outer(s, s)


def softmax_backward(s: np.ndarray, dL_da: np.ndarray) -> np.ndarray:
    """Jᵀ·g for each row: s ⊙ (g − Σ s g), the full Jacobian without building it."""
    return s * (dL_da - (s * dL_da).sum(axis=-1, keepdims=True))
