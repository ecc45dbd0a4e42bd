# Longer than 400 lines: the registry: every activation's forward, derivative, symbols and glyph
# next to each other, by design (issue 10).
"""Activation functions with their derivatives side by side.

Every elementwise activation is a pair ``forward(z, out) -> a`` and ``derivative(z, a, out) -> f'(z)``.
Both write into ``out`` (preallocated by the compiled network) so the training loop allocates
nothing. The derivative gets ``a`` too because sigmoid/tanh/elu are cheaper from ``a``.
All are numerically safe for |z| up to 1e300: no overflow warnings, no NaN.

``softmax`` is a vector activation: it is handled by the network as a group (see
:func:`softmax` and :func:`softmax_backward`), its Jacobian is diag(s) - s sᵀ.

:data:`REGISTRY` is the one place an activation is described: besides the two functions, each
:class:`Activation` entry holds what the app, ``bpstudio report``, the explanations and the
PyTorch export show of it (symbols, derivative text, torch expression, canvas badge). The file
is longer than most because every activation's entry sits here, beside its functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .notation import Notation

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


Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]  # (z, out) -> a, written into out
Derivative = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (z, a, out) -> f′(z)
# the formula with this neuron's numbers, in a report's notation (None: nothing to substitute)
Substituted = Callable[[Notation, float], "str | None"]
SubstitutedDerivative = Callable[[Notation, float, float], list[str]]  # (z, a) -> stages

GLYPH_POINTS = 25  # samples of the badge curve


def glyph_curve(f: Callable[[float], float]) -> tuple[tuple[float, float], ...]:
    """The badge drawn on a neuron: ``f`` sampled on [−1, 1], clipped to the [−1, 1] box (y
    up). Only the look matters (a steep sigmoid reads better than the true one at this size)."""
    n = GLYPH_POINTS - 1
    points = []
    for i in range(GLYPH_POINTS):
        x = -1.0 + 2.0 * i / n
        points.append((x, max(-1.0, min(1.0, float(f(x))))))
    return tuple(points)


@dataclass(frozen=True)
class Activation:
    """Everything the app, the reports, the explanations and the export know of one activation.

    Adding an activation is one :func:`register` call (tests/registry_swish.py shows one): the
    inspector's list, the canvas badge, the explain panel, ``bpstudio report`` (md and tex)
    and the PyTorch export all read this entry.
    """

    name: str
    forward: Forward
    derivative: Derivative
    formula: str  # a = f(z), shown in the explain panel and reports
    derivative_formula: str  # f′(z), Unicode
    symbol: str  # f in "f(z)": "σ"
    tex: str  # f in TeX math: r"\sigma"
    tex_derivative: str  # f′(z) in TeX math
    torch: str  # a PyTorch expression of the tensor ``z`` (``torch``, ``F`` imported)
    glyph: tuple[tuple[float, float], ...]  # the canvas badge's polyline (glyph_curve)
    prime: str = ""  # the letter in f′ when it is not ``symbol`` ("lrelu"); "" = symbol
    prime_tex: str = ""
    substituted: Substituted | None = None  # default: symbol(z) with the number
    substituted_derivative: SubstitutedDerivative | None = None  # default: no stage
    elementwise: bool = True  # False only for softmax (a Jacobian, handled as a group)
    # what the activations histogram and the saturation warnings know: the range of a
    # (None: unbounded on that side), and the flat tails where f′ ≈ 0, as a mask of values a
    # (None: it has none), with the word the warning uses ("saturated", relu's "dead")
    value_range: tuple[float | None, float | None] = (None, None)
    flat_tails: Callable[[np.ndarray], np.ndarray] | None = None
    tails_word: str = "saturated"

    @property
    def prime_symbol(self) -> tuple[str, str]:
        """(Unicode, TeX) of the function's letter in f′(z)."""
        return self.prime or self.symbol, self.prime_tex or self.tex

    def substitute(self, s: Notation, z: float) -> str | None:
        """f(z) with the number: ``1/(1 + e^(−0.3775))``; None when a = z."""
        if self.substituted is not None:
            return self.substituted(s, z)
        zs = s.num(z)
        return s.pick(f"{self.symbol}({zs})", f"{self.tex}({zs})")

    def substitute_derivative(self, s: Notation, z: float, a: float) -> list[str]:
        """Stages of f′(z) with the numbers (``0.5933 × (1 − 0.5933)``); [] when none."""
        if self.substituted_derivative is not None:
            return self.substituted_derivative(s, z, a)
        return []


def _since(s: Notation, holds: bool, yes: tuple[str, str], no: tuple[str, str]) -> list[str]:
    """A piecewise derivative's stage: which piece applies ("since z > 0")."""
    cond, tex = yes if holds else no
    return [s.pick(f"since {cond}", rf"\text{{since }} {tex}")]


def _sigmoid_sub(s: Notation, z: float) -> str:
    return s.frac("1", "1" + s.plus + s.exp(s.minus.strip() + s.par(z)))


def _leaky_sub(s: Notation, z: float) -> str:
    inner = s.num(LEAKY_SLOPE) + s.times + s.par(z)
    zs = s.num(z)
    return s.pick(f"max({inner}, {zs})", rf"\max({inner}, {zs})")


_Z_POS = (("z > 0", "z > 0"), ("z ≤ 0", r"z \le 0"))
_Z_NONNEG = (("z ≥ 0", r"z \ge 0"), ("z < 0", "z < 0"))


def _elu_d_sub(s: Notation, z: float, a: float) -> list[str]:
    if z > 0:
        return _since(s, True, *_Z_POS)
    return [s.num(a) + s.plus + s.num(ELU_ALPHA)]


def _softmax_forward(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    return softmax(z, out)


def _softmax_derivative(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    raise ValueError("softmax has a Jacobian, not an elementwise derivative")


def _sigmoid_glyph(x: float) -> float:
    return 2 / (1 + math.exp(-6 * x)) - 1


# The registry, in the order the inspector lists them.
REGISTRY: dict[str, Activation] = {}
ELEMENTWISE: dict[str, Activation] = {}  # REGISTRY without softmax (kept in step by register)
ALIASES = {"linear": "identity"}
SOFTMAX = "softmax"
IDENTITY = "identity"
NAMES: list[str] = []  # every name a file may use, aliases included (sorted; kept in step)


def register(a: Activation) -> None:
    """Add (or replace) an activation everywhere at once."""
    REGISTRY[a.name] = a
    if a.elementwise:
        ELEMENTWISE[a.name] = a
    _renamed()


def unregister(name: str) -> None:
    """Remove an activation registered with :func:`register` (tests add one temporarily)."""
    REGISTRY.pop(name, None)
    ELEMENTWISE.pop(name, None)
    _renamed()


def _renamed() -> None:
    NAMES[:] = sorted([*REGISTRY, *ALIASES])


def listed() -> list[str]:
    """The names offered to a user (inspector, new-neuron dialog), in registry order."""
    return list(REGISTRY)


def entry(name: str) -> Activation:
    """The registry entry of a name or alias; KeyError if unknown."""
    return REGISTRY[canonical(name)]


for _a in [
    Activation(
        name="sigmoid",
        forward=_sigmoid,
        derivative=_sigmoid_d,
        formula="1/(1+e^(−z))",
        derivative_formula="a(1−a)",
        symbol="σ",
        tex=r"\sigma",
        tex_derivative="a(1 - a)",
        torch="torch.sigmoid(z)",
        glyph=glyph_curve(_sigmoid_glyph),
        substituted=_sigmoid_sub,
        substituted_derivative=lambda s, z, a: [
            s.num(a) + s.times + "(1" + s.minus + s.num(a) + ")"
        ],
        value_range=(0.0, 1.0),
        flat_tails=lambda a: (a < 0.02) | (a > 0.98),
    ),
    Activation(
        name="tanh",
        forward=_tanh,
        derivative=_tanh_d,
        formula="tanh(z)",
        derivative_formula="1−a²",
        symbol="tanh",
        tex=r"\tanh",
        tex_derivative="1 - a^2",
        torch="torch.tanh(z)",
        glyph=glyph_curve(lambda x: math.tanh(3 * x)),
        substituted_derivative=lambda s, z, a: ["1" + s.minus + s.sq(s.par(a))],
        value_range=(-1.0, 1.0),
        flat_tails=lambda a: np.abs(a) > 0.96,
    ),
    Activation(
        name="relu",
        forward=_relu,
        derivative=_relu_d,
        formula="max(0, z)",
        derivative_formula="1 if z>0 else 0",
        symbol="relu",
        tex=r"\mathrm{relu}",
        tex_derivative=r"\begin{cases}1 & z > 0\\ 0 & z \le 0\end{cases}",
        torch="torch.relu(z)",
        glyph=glyph_curve(lambda x: max(0.0, x) * 2 - 0.6),
        substituted=lambda s, z: s.pick(f"max(0, {s.num(z)})", rf"\max(0, {s.num(z)})"),
        substituted_derivative=lambda s, z, a: _since(s, z > 0, *_Z_POS),
        value_range=(0.0, None),
        flat_tails=lambda a: a <= 0.0,  # zero output and zero gradient
        tails_word="dead",
    ),
    Activation(
        name="leaky_relu",
        forward=_leaky_relu,
        derivative=_leaky_relu_d,
        formula="max(0.01z, z)",
        derivative_formula="1 if z≥0 else 0.01",
        symbol="leaky_relu",
        tex=r"\mathrm{leaky\_relu}",
        tex_derivative=r"\begin{cases}1 & z \ge 0\\ 0.01 & z < 0\end{cases}",
        # not F.leaky_relu: its slope at z = 0 is 0.01, the engine's (and elu's) is 1
        torch=f"torch.where(z >= 0, z, {LEAKY_SLOPE!r} * z)",
        glyph=glyph_curve(lambda x: (x if x > 0 else 0.15 * x) * 2 - 0.6),
        prime="lrelu",
        prime_tex=r"\mathrm{lrelu}",
        substituted=_leaky_sub,
        substituted_derivative=lambda s, z, a: _since(s, z >= 0, *_Z_NONNEG),
    ),
    Activation(
        name="elu",
        forward=_elu,
        derivative=_elu_d,
        formula="z if z>0 else e^z−1",
        derivative_formula="1 if z>0 else a+1",
        symbol="elu",
        tex=r"\mathrm{elu}",
        tex_derivative=r"\begin{cases}1 & z > 0\\ a + 1 & z \le 0\end{cases}",
        torch=f"F.elu(z, alpha={ELU_ALPHA!r})",
        glyph=glyph_curve(lambda x: (x if x > 0 else math.exp(2 * x) - 1) * 1.2 - 0.2),
        substituted=lambda s, z: s.num(z) if z > 0 else s.exp(s.num(z)) + s.minus + "1",
        substituted_derivative=_elu_d_sub,
        value_range=(-ELU_ALPHA, None),
    ),
    Activation(
        name="softplus",
        forward=_softplus,
        derivative=_softplus_d,
        formula="log(1+e^z)",
        derivative_formula="σ(z)",
        symbol="softplus",
        tex=r"\mathrm{softplus}",
        tex_derivative=r"\sigma(z)",
        torch="F.softplus(z, beta=1.0, threshold=30.0)",
        glyph=glyph_curve(lambda x: math.log1p(math.exp(4 * x)) / 2.5 - 0.8),
        substituted=lambda s, z: s.log("1" + s.plus + s.exp(s.num(z))),
        substituted_derivative=lambda s, z, a: [s.pick(f"σ({s.num(z)})", rf"\sigma({s.num(z)})")],
        value_range=(0.0, None),
    ),
    Activation(
        name="identity",
        forward=_identity,
        derivative=_identity_d,
        formula="z",
        derivative_formula="1",
        symbol="id",
        tex=r"\mathrm{id}",
        tex_derivative="1",
        torch="z",
        glyph=glyph_curve(lambda x: x),
        substituted=lambda s, z: None,
    ),
    Activation(
        name=SOFTMAX,
        forward=_softmax_forward,
        derivative=_softmax_derivative,
        formula="a_i = e^(z_i) / Σ_j e^(z_j)",
        derivative_formula="∂a_i/∂z_j = a_i(δ_ij − a_j)",
        symbol="softmax",
        tex=r"\mathrm{softmax}",
        tex_derivative=r"a_i(\delta_{ij} - a_j)",
        torch="torch.softmax(z, dim=1)",
        glyph=glyph_curve(_sigmoid_glyph),
        elementwise=False,
        value_range=(0.0, 1.0),
        flat_tails=lambda a: (a < 0.02) | (a > 0.98),
    ),
]:
    register(_a)


def canonical(name: str) -> str:
    """The canonical activation name (``linear`` -> ``identity``); KeyError if unknown."""
    name = ALIASES.get(name, name)
    if name not in REGISTRY:
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
