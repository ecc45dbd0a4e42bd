"""Why every number of one pass is what it is: formulas with their numbers, gradients as paths.

No Qt. ``bpstudio report`` writes its documents from this module and the app's explain panel
shows the same objects, so the two never disagree.

Everything here reads a :class:`~bpstudio.model.trace.PassResult` (``run_pass``) and its
:class:`~bpstudio.model.compile.Compiled`; nothing is recomputed except products and sums that
are *shown* as products and sums. Conventions:

* ``sample`` is a column of the pass's batch (``0 .. len(result.samples) - 1``), not an index
  into the data set. Derivatives are those of that sample's own loss, as ``bpstudio trace``
  reports them; for a one-sample pass they are the engine's gradients (``result.edge_grad``),
  for a batch the engine's gradient is their mean over the batch.
* Every displayed object carries a Unicode ``name`` (``σ′(z_h1)``) and a LaTeX ``symbol``
  (``\\sigma'(z_{\\text{h1}})``); values are full-precision floats. :func:`fmt`
  (:mod:`bpstudio.model.numfmt`) is the one rounding rule for display.

The path view (:func:`weight_paths`, :func:`bias_paths`): a parameter's gradient is the sum
over every directed path from the parameter's neuron to the loss of the product of the
chain-rule factors along it::

    ∂L/∂w(s→t) = a_s × Σ_paths Π(factors)

A path leaves t, follows edges (factor: the edge's weight, then the next neuron's f′(z)) and
ends at an output o; the last factor is ∂L/∂ŷ_o. A softmax output o_j fans out to every member
o_i of its group through the Jacobian entry ∂a_i/∂z_j (cross terms included), so one softmax
output with K members closes K paths. Enumeration stops at ``cap`` paths (default
:data:`PATH_CAP`); ``PathSum.n_paths`` is still the exact count and ``PathSum.capped`` says the
listed sum is partial. When not capped the sum of the products equals the engine's value up to
float rounding.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core import activations as act
from ..core import losses, outputs
from ..core.settings import TrainingSettings, settings_of
from .compile import Compiled
from .numfmt import fmt, fmt_places, update_places  # the display rule (re-exported)
from .trace import PassResult

PATH_CAP = 200

__all__ = [
    "PATH_CAP",
    "EdgeExplanation",
    "Factor",
    "LossExplanation",
    "NeuronExplanation",
    "Path",
    "PathSum",
    "PenaltyTerm",
    "Term",
    "UpdateExplanation",
    "bias_paths",
    "edge_endpoints",
    "edge_explanation",
    "fmt",
    "fmt_places",
    "loss_explanation",
    "neuron_explanation",
    "penalty_term",
    "tex_escape",
    "tex_id",
    "update_places",
    "weight_paths",
]


# --------------------------------------------------------------------------- display helpers
_TEX_CHARS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "#": r"\#",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "—": "---",
    "–": "--",
    "’": "'",
    "‘": "`",
    "“": "``",
    "”": "''",
    "·": r"\textperiodcentered{}",
    "×": r"\texttimes{}",
    "→": r"\textrightarrow{}",
    "½": r"\textonehalf{}",
    "…": r"\dots{}",
    "−": "-",
    "\u00a0": "~",
}
_SUBSCRIPTS = {chr(0x2080 + i): str(i) for i in range(10)}
_SUPERSCRIPTS = {"¹": "1", "²": "2", "³": "3", **{chr(0x2070 + i): str(i) for i in (0, 4, 5, 6)}}
_SUPERSCRIPTS.update({chr(0x2070 + i): str(i) for i in (7, 8, 9)})
_GREEK = {
    "α": "alpha",
    "β": "beta",
    "γ": "gamma",
    "δ": "delta",
    "ε": "epsilon",
    "η": "eta",
    "θ": "theta",
    "λ": "lambda",
    "μ": "mu",
    "σ": "sigma",
    "Σ": "Sigma",
    "∂": "partial",
}
# symbols set in math mode ($…$): the worked example's text uses them between words
_TEX_MATH = {
    "ŷ": r"\hat{y}", "∏": r"\prod", "Π": r"\Pi", "∑": r"\sum", "≈": r"\approx",
    "≤": r"\leq", "≥": r"\geq", "≠": r"\neq", "∞": r"\infty", "∇": r"\nabla",
    "←": r"\leftarrow", "∈": r"\in", "∝": r"\propto", "√": r"\surd", "±": r"\pm",
    "′": "'", "″": "''", "ᵀ": r"^{\mathsf{T}}", "⊙": r"\odot",
}  # fmt: skip


def tex_escape(text: str) -> str:
    """Text-mode LaTeX for any string: specials escaped, output pure ASCII (pdflatex-safe).

    Symbols set in math mode that follow one another share one ``$…$`` (σ′ is ``$\\sigma'$``).
    """
    out: list[str] = []
    math: list[str] = []  # the math symbols of the current run

    def close_math() -> None:
        if math:
            out.append("$" + "".join(math) + "$")
            math.clear()

    for ch in str(text):
        if ch in _GREEK:
            math.append("\\" + _GREEK[ch] + ("" if ch == "∂" else " "))
            continue
        if ch in _TEX_MATH:
            math.append(_TEX_MATH[ch])
            continue
        close_math()
        if ch in _TEX_CHARS:
            out.append(_TEX_CHARS[ch])
        elif ch in _SUBSCRIPTS:
            out.append(r"\textsubscript{" + _SUBSCRIPTS[ch] + "}")
        elif ch in _SUPERSCRIPTS:
            out.append(r"\textsuperscript{" + _SUPERSCRIPTS[ch] + "}")
        elif ord(ch) < 128:
            out.append(ch if ch.isprintable() or ch in "\n\t" else "?")
        elif unicodedata.combining(ch):
            continue  # a combining accent: its letter (already written) stands alone
        else:
            # é -> e, ﬁ -> fi: the letters without their accents beat a "?" in a hand-out
            plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
            out.append(tex_escape(plain) if plain else "?")
    close_math()
    return "".join(out)


def tex_id(ident: str) -> str:
    """An id for use inside math mode: ``\\text{h\\_1}`` (needs amsmath)."""
    return r"\text{" + tex_escape(ident) + "}"


def tex_num(x: float, decimals: int = 4, places: int | None = None) -> str:
    """:func:`fmt` (or :func:`fmt_places`) in LaTeX math: ``-`` and ``\\times 10^{e}``."""
    text = fmt(x, decimals) if places is None else fmt_places(x, places)
    text = text.replace("−", "-").replace("∞", r"\infty")
    if "e" in text and text != "nan":
        mant, exp = text.split("e")
        text = f"{mant}\\times 10^{{{int(exp)}}}"
    return text


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


# --------------------------------------------------------------------------- context
def edge_endpoints(compiled: Compiled) -> dict[str, tuple[str, str]]:
    """edge id -> (source id, target id), from the compiled layout alone (vectorised)."""
    ids = compiled.neuron_ids
    src, tgt = compiled.edge_rows
    ends = zip([ids[r] for r in src.tolist()], [ids[r] for r in tgt.tolist()], strict=True)
    return dict(zip(compiled.edge_ids, ends, strict=True))


_Structure = tuple[dict[str, tuple[str, str]], dict[str, list[str]], dict[str, list[str]]]
# the edge lookups of the last compiled network: they depend on its layout alone, and training
# reuses one compiled network for pass after pass (building them for 20,000 edges took ~30 ms
# at every refresh of Explain); read-only for their users
_STRUCTURE_CACHE: list[tuple[Compiled, _Structure]] = []


def _structure(compiled: Compiled) -> _Structure:
    """(edge id -> (source, target), neuron -> outgoing edge ids, neuron -> incoming)."""
    if _STRUCTURE_CACHE and _STRUCTURE_CACHE[0][0] is compiled:
        return _STRUCTURE_CACHE[0][1]
    ends = edge_endpoints(compiled)
    out_edges: dict[str, list[str]] = {n: [] for n in compiled.neuron_ids}
    in_edges: dict[str, list[str]] = {n: [] for n in compiled.neuron_ids}
    for eid, (s, t) in ends.items():
        out_edges[s].append(eid)
        in_edges[t].append(eid)
    _STRUCTURE_CACHE[:] = [(compiled, (ends, out_edges, in_edges))]
    return ends, out_edges, in_edges


class _Ctx:
    """Per (compiled, result, sample) lookups shared by the explain functions (cached)."""

    def __init__(self, compiled: Compiled, result: PassResult, sample: int):
        self.c, self.r, self.k = compiled, result, int(sample)
        if not 0 <= self.k < result.trace.a.shape[1]:
            raise IndexError(f"sample {sample} is not a column of this pass")
        net = compiled.net
        self.net = net
        self.ends, self.out_edges, self.in_edges = _structure(compiled)
        self.edge_index = compiled.edge_index
        self.outputs = list(compiled.output_ids)
        self.single_output = len(self.outputs) == 1
        self.softmax_group = [o for o in self.outputs if self.activation(o) == act.SOFTMAX]
        self._fprime: dict[str, float] = {}
        self._count: dict[str, int] = {}
        self._jac: np.ndarray | None = None

    # values
    def val(self, kind: str, nid: str) -> float:
        return float(getattr(self.r.shown, kind)[self.c.row_of[nid], self.k])  # noise reads 0

    def weight(self, eid: str) -> float:
        return float(self.r.trace.params[self.c.edge_param[self.edge_index[eid]]])

    def activation(self, nid: str) -> str | None:
        name = self.net.activation_of[self.c.row_of[nid]]
        return None if name == "input" else str(name)

    def is_source_unit(self, nid: str) -> bool:
        return self.c.row_of[nid] < self.net.n0

    def fprime(self, nid: str) -> float:
        """f′(z) as the engine used it: from z exactly for outputs (outputs.py), from a for
        hidden neurons (σ′ = a(1 − a), the hot path's form)."""
        if nid not in self._fprime:
            z = np.array([self.val("z", nid)])
            name = self.activation(nid)
            assert name is not None  # f′ exists for hidden and output neurons only
            if nid in self.c.output_ids:
                value = outputs.exact_derivative(name, z)[0]
            else:
                a = np.array([self.val("a", nid)])
                value = act.ELEMENTWISE[name].derivative(z, a, np.empty(1))[0]
            self._fprime[nid] = float(value)
        return self._fprime[nid]

    def jacobian(self) -> np.ndarray:
        """J[i, j] = ∂a_i/∂z_j over the softmax group (group order = output file order),
        from z, exact also when one member has saturated to 1."""
        if self._jac is None:
            z = np.array([self.val("z", o) for o in self.softmax_group])
            self._jac = outputs.softmax_jacobian_exact(z)
        return self._jac

    def n_paths(self, nid: str) -> int:
        """Number of paths from neuron nid to the loss (exact, Python int)."""
        if nid in self._count:
            return self._count[nid]
        # iterative post-order over the DAG (deep graphs must not hit the recursion limit)
        stack = [nid]
        while stack:
            n = stack[-1]
            pending = [self.ends[e][1] for e in self.out_edges[n]]
            pending = [t for t in pending if t not in self._count]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            if n in self._count:
                continue
            if n in self.outputs:
                self._count[n] = len(self.softmax_group) if n in self.softmax_group else 1
            else:
                self._count[n] = sum(self._count[self.ends[e][1]] for e in self.out_edges[n])
        return self._count[nid]

    # names
    def a_name(self, nid: str) -> tuple[str, str]:
        if nid in self.c.input_ids:
            return nid, tex_id(nid)
        return f"a_{nid}", f"a_{{{tex_id(nid)}}}"

    def yhat_name(self, nid: str) -> tuple[str, str]:
        if self.single_output:
            return "∂L/∂ŷ", r"\frac{\partial L}{\partial \hat{y}}"
        return f"∂L/∂ŷ_{nid}", rf"\frac{{\partial L}}{{\partial \hat{{y}}_{{{tex_id(nid)}}}}}"

    def fprime_name(self, nid: str) -> tuple[str, str]:
        name = self.activation(nid)
        a = act.ELEMENTWISE.get(name) if name is not None else None
        letter, tex = a.prime_symbol if a is not None else ("f", "f")
        return f"{letter}′(z_{nid})", f"{tex}'(z_{{{tex_id(nid)}}})"

    def jac_name(self, i: str, j: str) -> tuple[str, str]:
        return (
            f"∂a_{i}/∂z_{j}",
            rf"\frac{{\partial a_{{{tex_id(i)}}}}}{{\partial z_{{{tex_id(j)}}}}}",
        )

    # factors
    def factor_loss(self, o: str) -> Factor:
        n, s = self.yhat_name(o)
        return Factor("loss", n, s, self.val("dL_da", o), o)

    def factor_act(self, nid: str) -> Factor:
        n, s = self.fprime_name(nid)
        return Factor("act", n, s, self.fprime(nid), nid)

    def factor_weight(self, eid: str) -> Factor:
        return Factor("weight", eid, tex_id(eid), self.weight(eid), eid)

    def factor_jac(self, i: str, j: str) -> Factor:
        g = self.softmax_group
        n, s = self.jac_name(i, j)
        return Factor("jac", n, s, float(self.jacobian()[g.index(i), g.index(j)]), f"{i}/{j}")

    def factor_source(self, nid: str) -> Factor:
        n, s = self.a_name(nid)
        return Factor("source", n, s, self.val("a", nid), nid)


# --------------------------------------------------------------------------- paths
def _enumerate(ctx: _Ctx, start: str, cap: int) -> list[tuple[list[str], list[str], list[Factor]]]:
    """Up to ``cap`` paths from neuron ``start`` to the loss, as (neurons, edges, factors).

    factors are in chain-rule order from the loss down to f′(z_start) included (the caller
    appends a_source or 1). Edges are followed in file order (depth first). The stack holds a
    link to the parent step, not copies of the path so far: a path is written out once, when
    it reaches an output, so a 1,000-layer chain costs its length per path, not its square.
    """
    found: list[tuple[list[str], list[str], list[Factor]]] = []
    # explicit stack of (neuron, link); link = (parent's link, parent neuron, edge) or None
    stack: list[tuple[str, tuple | None]] = [(start, None)]
    while stack and len(found) < cap:
        n, link = stack.pop()
        if n in ctx.outputs:
            nodes, edges, up = _unwind(ctx, start, link)
            if n in ctx.softmax_group:
                for i in ctx.softmax_group:
                    if len(found) >= cap:
                        break
                    fs = [ctx.factor_loss(i), ctx.factor_jac(i, n), *reversed(up)]
                    found.append((nodes + [i] if i != n else nodes, edges, fs))
            else:
                found.append((nodes, edges, [ctx.factor_loss(n), ctx.factor_act(n), *up[::-1]]))
            continue
        children = []
        for eid in ctx.out_edges[n]:
            t = ctx.ends[eid][1]
            if ctx.n_paths(t) == 0:
                continue
            children.append((t, (link, n, eid)))
        stack.extend(reversed(children))  # first edge first
    return found


def _unwind(ctx: _Ctx, start: str, link) -> tuple[list[str], list[str], list[Factor]]:
    """(neurons, edges, factors from start upward) of the path ending in ``link``."""
    steps = []
    while link is not None:
        link, parent, eid = link
        steps.append((parent, eid))
    steps.reverse()
    nodes, edges, up = [start], [], []
    for parent, eid in steps:
        up += [ctx.factor_act(parent), ctx.factor_weight(eid)]
        nodes.append(ctx.ends[eid][1])
        edges.append(eid)
    return nodes, edges, up


def _sum_products(paths: list[Path]) -> float:
    """Exactly rounded sum of the products; inf or nan (math.fsum raises on -inf + inf) when a
    product overflowed, which PathSum.first_overflow names."""
    products = [p.product for p in paths]
    if all(math.isfinite(v) for v in products):
        return math.fsum(products)
    return sum(products)  # Python floats: inf/nan without a numpy warning


def _path_sum(ctx: _Ctx, kind, param, source, target, last: Factor, value, cap) -> PathSum:
    n_total = ctx.n_paths(target)
    raw = _enumerate(ctx, target, cap) if n_total else []
    paths = []
    for nodes, edges, fs in raw:
        factors = tuple(fs) + (last,)
        prod = 1.0
        for f in factors:
            prod *= f.value
        paths.append(Path(tuple(nodes), tuple(edges), factors, prod))
    return PathSum(
        kind=kind,
        param=param,
        source=source,
        target=target,
        paths=paths,
        n_paths=n_total,
        capped=len(paths) < n_total,
        total=_sum_products(paths),
        value=value,
    )


def weight_paths(
    compiled: Compiled, result: PassResult, edge_id: str, sample: int = 0, cap: int = PATH_CAP
) -> PathSum:
    """∂L/∂w of one edge for one sample as a sum over paths (see the module docstring).

    Each path's factors run from the loss down: ∂L/∂ŷ_o, f′(z_o) (or a softmax ∂a_i/∂z_j),
    weights and f′ of the neurons on the way, f′(z_t), and last a_s, the source's activation.
    """
    ctx = _ctx(compiled, result, sample)
    s, t = ctx.ends[edge_id]
    value = ctx.val("dL_dz", t) * ctx.val("a", s)
    return _path_sum(ctx, "weight", edge_id, s, t, ctx.factor_source(s), value, cap)


def bias_paths(
    compiled: Compiled, result: PassResult, neuron_id: str, sample: int = 0, cap: int = PATH_CAP
) -> PathSum:
    """∂L/∂b of one neuron for one sample as a sum over paths (last factor ∂z/∂b = 1)."""
    ctx = _ctx(compiled, result, sample)
    one = Factor("one", "1", "1", 1.0, neuron_id)
    value = ctx.val("dL_dz", neuron_id)
    return _path_sum(ctx, "bias", neuron_id, None, neuron_id, one, value, cap)


# a small cache so a report (hundreds of calls on one pass) builds its lookups once
_CTX_CACHE: dict[tuple[int, int, int], _Ctx] = {}


def _ctx(compiled: Compiled, result: PassResult, sample: int) -> _Ctx:
    key = (id(compiled), id(result), int(sample))
    ctx = _CTX_CACHE.get(key)
    if ctx is None or ctx.c is not compiled or ctx.r is not result:
        ctx = _Ctx(compiled, result, sample)
        _CTX_CACHE.clear()  # one pass at a time: never keeps old passes alive
        _CTX_CACHE[key] = ctx
    return ctx


# --------------------------------------------------------------------------- neurons
def _formulas(name: str | None) -> tuple[str | None, str | None]:
    if name is None:
        return None, None
    a = act.entry(name)
    return a.formula, a.derivative_formula


def neuron_explanation(
    compiled: Compiled, result: PassResult, neuron_id: str, sample: int = 0
) -> NeuronExplanation:
    """z, a, ∂L/∂a, ∂L/∂z of one neuron with every term of every sum (see the class)."""
    ctx = _ctx(compiled, result, sample)
    c = compiled
    name = ctx.activation(neuron_id)
    formula, dformula = _formulas(name)
    role = (
        "input"
        if neuron_id in c.input_ids
        else "bias"
        if neuron_id in c.bias_unit_ids
        else "output"
        if neuron_id in c.output_ids
        else "hidden"
    )
    base: dict[str, Any] = dict(
        neuron=neuron_id,
        role=role,
        layer=int(c.layer_of[neuron_id]),
        activation=name,
        activation_formula=formula,
        derivative_formula=dformula,
        a=ctx.val("a", neuron_id),
        softmax_group=list(ctx.softmax_group) if name == act.SOFTMAX else [],
    )
    if ctx.is_source_unit(neuron_id):
        return NeuronExplanation(
            **base,
            terms=[],
            bias=None,
            bias_trainable=False,
            z=None,
            fprime=None,
            dL_da=None,
            dL_da_terms=[],
            loss_derivative=None,
            jacobian_terms=[],
            dL_dz=None,
            fused_dL_dz=None,
            dL_db=None,
            reaches_loss=ctx.n_paths(neuron_id) > 0,
        )
    terms = []
    for eid in ctx.in_edges[neuron_id]:
        s = ctx.ends[eid][0]
        w, a = ctx.weight(eid), ctx.val("a", s)
        an, asym = ctx.a_name(s)
        terms.append(Term(eid, s, w, a, w * a, eid, an, tex_id(eid), asym))
    bias = float(result.trace.params[c.bias_param[neuron_id]])
    upd = c.net.update_mask
    bias_trainable = upd is None or bool(upd[c.bias_param[neuron_id]])
    dterms = []
    for eid in ctx.out_edges[neuron_id]:
        t = ctx.ends[eid][1]
        w, d = ctx.weight(eid), ctx.val("dL_dz", t)
        dn = f"∂L/∂z_{t}"
        ds = rf"\frac{{\partial L}}{{\partial z_{{{tex_id(t)}}}}}"
        dterms.append(Term(eid, t, w, d, w * d, eid, dn, tex_id(eid), ds))
    is_out = neuron_id in c.output_ids
    jterms = []
    fused = None
    if name == act.SOFTMAX:
        for j in ctx.softmax_group:
            f = ctx.factor_jac(j, neuron_id)
            g = ctx.val("dL_da", j)
            gn, gs = ctx.yhat_name(j)
            jterms.append(Term(None, j, g, f.value, g * f.value, gn, f.name, gs, f.symbol))
    if c.net.fused and is_out:
        fused = ctx.val("dL_dz", neuron_id)
    return NeuronExplanation(
        **base,
        terms=terms,
        bias=bias,
        bias_trainable=bias_trainable,
        z=ctx.val("z", neuron_id),
        fprime=None if name == act.SOFTMAX else ctx.fprime(neuron_id),
        dL_da=ctx.val("dL_da", neuron_id),
        dL_da_terms=dterms,
        loss_derivative=ctx.val("dL_da", neuron_id) if is_out else None,
        jacobian_terms=jterms,
        dL_dz=ctx.val("dL_dz", neuron_id),
        fused_dL_dz=fused,
        dL_db=ctx.val("dL_dz", neuron_id),
        reaches_loss=ctx.n_paths(neuron_id) > 0,
    )


def loss_explanation(compiled: Compiled, result: PassResult, sample: int = 0) -> LossExplanation:
    """The loss of one sample, its formula and ∂L/∂ŷ per output."""
    ctx = _ctx(compiled, result, sample)
    loss = losses.LOSSES[compiled.net.loss_name]
    outs = compiled.output_ids
    return LossExplanation(
        name=loss.name,
        formula=loss.formula,
        derivative_formula=loss.derivative_formula,
        outputs=list(outs),
        yhat=[ctx.val("a", o) for o in outs],
        y=[float(v) for v in result.Y[ctx.k]],
        value=float(result.trace.sample_loss[ctx.k]),
        dL_dyhat=[ctx.val("dL_da", o) for o in outs],
        fused=bool(compiled.net.fused),
    )


def edge_explanation(
    compiled: Compiled,
    result: PassResult,
    edge_id: str,
    sample: int = 0,
    training: TrainingSettings | Mapping[str, Any] | None = None,
    with_paths: bool = False,
    cap: int = PATH_CAP,
) -> EdgeExplanation:
    """∂L/∂w = ∂L/∂z_t · a_s for one sample, and the pass's update of the weight.

    ``training`` is the file's training dict or settings (optimizer name and learning rate
    for the update; None: those the pass used). ``with_paths`` also fills ``paths``.
    """
    ctx = _ctx(compiled, result, sample)
    s, t = ctx.ends[edge_id]
    update = _update_of(
        compiled, result, int(compiled.edge_param[ctx.edge_index[edge_id]]), training
    )
    a_s, d_t = ctx.val("a", s), ctx.val("dL_dz", t)
    return EdgeExplanation(
        edge=edge_id,
        source=s,
        target=t,
        weight=ctx.weight(edge_id),
        a_source=a_s,
        dL_dz_target=d_t,
        grad=d_t * a_s,
        update=update,
        paths=weight_paths(compiled, result, edge_id, sample, cap) if with_paths else None,
        penalty=penalty_term(compiled, result, edge_id),
    )


def penalty_term(compiled: Compiled, result: PassResult, edge_id: str) -> PenaltyTerm | None:
    """The regularisation term of an edge's gradient in this pass (None: not regularised, or
    the weight is frozen). λ₁ and λ₂ are those the pass used (``result.training``)."""
    if not result.regularised:
        return None
    p = int(compiled.edge_param[compiled.edge_index[edge_id]])
    upd = compiled.net.update_mask
    if upd is not None and not upd[p]:
        return None
    t = result.trace
    s = result.training
    return PenaltyTerm(
        l1=s.l1,
        l2=s.l2,
        weight=float(t.params[p]),
        data_grad=float(t.loss_grads[p]),
        grad=float(t.grads[p]),
    )


def bias_update(
    compiled: Compiled,
    result: PassResult,
    neuron_id: str,
    training: TrainingSettings | Mapping[str, Any] | None = None,
) -> UpdateExplanation:
    """The pass's update of one neuron's bias."""
    return _update_of(compiled, result, compiled.bias_param[neuron_id], training)


def _update_of(
    compiled: Compiled,
    result: PassResult,
    p: int,
    training: TrainingSettings | Mapping[str, Any] | None,
) -> UpdateExplanation:
    """Old value, gradient and new value of flat parameter p after the pass's optimizer step."""
    upd = compiled.net.update_mask
    settings = result.training if training is None else settings_of(training)
    return UpdateExplanation(
        optimizer=settings.optimizer,
        learning_rate=settings.learning_rate,
        old=float(result.trace.params[p]),
        grad=float(result.shown.grads[p]),
        new=float(result.updated_params[p]),
        trainable=upd is None or bool(upd[p]),
    )
