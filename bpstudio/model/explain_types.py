"""What the explain functions return (model/explain.py): chain-rule factors, paths and their
sums, the terms of a sum, and the explanation of a neuron, the loss, an edge, an update and a
penalty. Plain data: values are full-precision floats, each with its Unicode name and TeX
symbol."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np


# --------------------------------------------------------------------------- data classes
@dataclass(frozen=True)
class Factor:
    """One factor of a chain-rule product.

    kind: ``"loss"`` (∂L/∂ŷ_o), ``"act"`` (f′(z_n)), ``"jac"`` (softmax ∂a_i/∂z_j),
    ``"weight"`` (an edge's weight w = ∂z_t/∂a_s), ``"source"`` (the activation a_s feeding the
    differentiated weight), ``"one"`` (∂z/∂b = 1). ``ref`` is the neuron or edge id it belongs
    to (for ``jac``: ``"o_i/o_j"``).
    """

    kind: str
    name: str
    symbol: str
    value: float
    ref: str


@dataclass(frozen=True)
class Path:
    """One path from a parameter to the loss.

    neurons: from the parameter's neuron forward to the output whose ∂L/∂ŷ closes the path
    (through a softmax output o_j into o_i the tuple ends ``..., o_j, o_i``).
    edges: the edges followed, in the same forward order.
    factors: chain-rule order, loss first (∂L/∂ŷ × f′(z_o) × w × … × a_s); product: their
    product, multiplied left to right.
    """

    neurons: tuple[str, ...]
    edges: tuple[str, ...]
    factors: tuple[Factor, ...]
    product: float


@dataclass
class PathSum:
    """All paths of one parameter's gradient (iterable; ``len`` is the listed count).

    kind ``"weight"`` (param = edge id) or ``"bias"`` (param = neuron id). ``total`` is the
    sum of the listed products; ``value`` the engine's per-sample derivative
    (∂L/∂z_t · a_s, or ∂L/∂z_n for a bias); ``n_paths`` the exact number of paths;
    ``capped`` True when fewer than ``n_paths`` are listed (then ``total`` is partial).
    """

    kind: str
    param: str
    source: str | None
    target: str
    paths: list[Path]
    n_paths: int
    capped: bool
    total: float
    value: float

    def __iter__(self) -> Iterator[Path]:
        return iter(self.paths)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, i):
        return self.paths[i]

    def first_overflow(self) -> Path | None:
        """The first listed path whose product is not finite, or None.

        The engine sums at every neuron on the way back, so ∂L/∂w can be finite while single
        path products of large weights are not (1e200 · 1e200 along two paths that cancel):
        then the listed products and their sum are not the gradient (model/overflow.py)."""
        return next((p for p in self.paths if not math.isfinite(p.product)), None)


@dataclass(frozen=True)
class Term:
    """One product w × v in a sum. ``edge``: the edge id (None for a softmax Jacobian term);
    ``other``: the neuron at the far end (forward: the source, backward: the target or the
    softmax member); ``weight`` the first factor, ``value`` the second."""

    edge: str | None
    other: str
    weight: float
    value: float
    product: float
    weight_name: str
    value_name: str
    weight_symbol: str
    value_symbol: str


@dataclass
class LossExplanation:
    """The loss of one sample and its derivative for each output (in file order)."""

    name: str
    formula: str
    derivative_formula: str
    outputs: list[str]
    yhat: list[float]
    y: list[float]
    value: float  # this sample's loss
    dL_dyhat: list[float]
    fused: bool  # the engine uses a closed form for ∂L/∂z (σ+BCE, softmax+CE)


@dataclass
class NeuronExplanation:
    """z, a and the backward values of one neuron for one sample.

    Forward: ``z = Σ terms (w·a_source) + bias``; ``a = activation(z)``.
    Backward: hidden neurons have ``dL_da = Σ dL_da_terms`` (w · ∂L/∂z_target over outgoing
    edges), outputs have ``dL_da = ∂L/∂ŷ`` (``loss_derivative``). Then
    ``dL_dz = dL_da · fprime`` for elementwise activations, and
    ``dL_dz = Σ jacobian_terms`` (∂L/∂a_j · ∂a_j/∂z_i over the softmax group) for softmax.
    ``fused_dL_dz`` is the closed form the engine used when the loss makes one exact
    (ŷ − y for σ+BCE, ŷ·Σy − y for softmax+CE), else None.
    Input and bias neurons have only ``a`` (z, derivatives None).
    """

    neuron: str
    role: str
    layer: int
    activation: str | None
    activation_formula: str | None
    derivative_formula: str | None
    terms: list[Term]
    bias: float | None
    bias_trainable: bool
    z: float | None
    a: float
    fprime: float | None
    softmax_group: list[str]
    dL_da: float | None
    dL_da_terms: list[Term]
    loss_derivative: float | None  # ∂L/∂ŷ for outputs
    jacobian_terms: list[Term]
    dL_dz: float | None
    fused_dL_dz: float | None
    dL_db: float | None  # per-sample ∂L/∂b (= dL_dz)
    reaches_loss: bool = True


@dataclass
class UpdateExplanation:
    optimizer: str
    learning_rate: float
    old: float
    grad: float  # the batch gradient the step used
    new: float
    trainable: bool

    @property
    def step(self) -> float:
        return self.old - self.new


@dataclass
class PenaltyTerm:
    """The regularisation term of one trainable weight's gradient (core/regularization.py):

        ∂L/∂w = ∂L_data/∂w + λ₂·w + λ₁·sign(w)

    with the batch's data gradient; ``grad`` is the engine's total (what the step used).
    Biases and frozen weights have no such term."""

    l1: float
    l2: float
    weight: float
    data_grad: float  # ∂L_data/∂w of the pass's batch
    grad: float  # the engine's ∂L/∂w, penalty included

    @property
    def sign(self) -> float:
        return float(np.sign(self.weight))

    @property
    def value(self) -> float:
        """λ₂·w + λ₁·sign(w)."""
        return self.l2 * self.weight + self.l1 * self.sign

    @property
    def name(self) -> str:
        """The term's symbols for what is set: "λ₂·w + λ₁·sign(w)", "λ₂·w" or "λ₁·sign(w)"."""
        return " + ".join(t for t, on in (("λ₂·w", self.l2), ("λ₁·sign(w)", self.l1)) if on)

    @property
    def symbol(self) -> str:
        parts = (("\\lambda_2 w", self.l2), ("\\lambda_1 \\operatorname{sign}(w)", self.l1))
        return " + ".join(t for t, on in parts if on)


PENALTY_FORMULA = "λ₂/2·Σw² + λ₁·Σ|w|"
PENALTY_SCOPE = "over the trainable weights; biases are not penalised"


@dataclass
class EdgeExplanation:
    """∂L/∂w = ∂L/∂z_target · a_source for one sample, and the update of the whole pass."""

    edge: str
    source: str
    target: str
    weight: float
    a_source: float
    dL_dz_target: float
    grad: float  # this sample's ∂L/∂w
    update: UpdateExplanation
    paths: PathSum | None = field(default=None)
    penalty: PenaltyTerm | None = None  # regularised and trainable: the term ∂L/∂w includes
