"""The catalogue of slips (spec grading.md): each a corrupted copy of one local rule.

Every function here takes the same inputs as the rule it corrupts (rules.py) and returns the
values a student making that slip would get, each with a few plain words saying what was done
(``[(value, "w3 in place of w2"), ...]``; ``[]`` where the slip does not apply). The grader
tries them in :data:`CATALOGUE` order, structural slips before arithmetic ones, on the
student's own inputs, at the value itself and at the values it was computed from that the
student did not write (grader.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ...core import activations as act
from .answers import Key
from .rules import RULES, Inputs, fprime, grad_key, trainable

Candidates = list[tuple[np.ndarray, str]]
MAX_SUBSET_TERMS = 8  # dropped_path tries every subset of up to this many terms, else singles


# --------------------------------------------------------------------------- update
def ascent(v: Inputs, key: Key) -> Candidates:
    """w + η·∂L/∂w: the step added instead of subtracted."""
    if not trainable(v.net, key):
        return []
    step = v.net.step(v.get(grad_key(key)))
    return [(np.array(v.net.old(key) + step), "")]


def no_learning_rate(v: Inputs, key: Key) -> Candidates:
    """w − ∂L/∂w: the step without η."""
    lr = v.net.settings.learning_rate
    if not trainable(v.net, key) or lr in (0.0, 1.0):
        return []
    step = v.net.step(v.get(grad_key(key)))
    return [(np.array(v.net.old(key) - step / lr), "")]


# --------------------------------------------------------------------------- ∂L/∂z
def softmax_diagonal_only(v: Inputs, key: Key) -> Candidates:
    """∂L/∂z_j = ∂L/∂ŷ_j · ŷ_j(1 − ŷ_j): the cross terms −ŷ_k·ŷ_j of the Jacobian left out."""
    nid = key[1]
    s = v.net.shape
    if key[0] != "dL_dz" or nid is None or not s.is_softmax(nid) or len(s.softmax) < 2:
        return []
    yj = v.get(("a", nid, None))
    return [(v.get(("dL_da", nid, None)) * yj * (1.0 - yj), "")]


def missing_activation_derivative(v: Inputs, key: Key) -> Candidates:
    """∂L/∂z = ∂L/∂a: the factor f′(z) (or the softmax Jacobian) left out."""
    if key[0] != "dL_dz":
        return []
    return [(v.get(("dL_da", key[1], None)), "")]


# --------------------------------------------------------------------------- sums of paths
def _subsets(n: int) -> list[tuple[int, ...]]:
    """The non-empty proper subsets of range(n) to keep (all of them for small n)."""
    if n < 2:
        return []
    if n <= MAX_SUBSET_TERMS:
        return [c for r in range(n - 1, 0, -1) for c in combinations(range(n), r)]
    singles = [(i,) for i in range(n)]
    return [tuple(j for j in range(n) if j != i) for i in range(n)] + singles


def dropped_path(v: Inputs, key: Key) -> Candidates:
    """A sum over chain-rule paths with some of its terms left out: ∂L/∂a of a hidden neuron
    (one term per edge leaving it) or ∂L/∂z of a softmax output (one per member ŷ_k)."""
    n, s = v.net, v.net.shape
    q, nid = key[0], key[1]
    assert nid is not None
    terms: list[tuple[str, np.ndarray]]
    if q == "dL_da" and nid not in s.outputs:
        terms = [
            (s.ends[e][1], n.weights[e] * v.get(("dL_dz", s.ends[e][1], None)))
            for e in s.out_edges[nid]
        ]
    elif q == "dL_dz" and s.is_softmax(nid):
        terms = [(k, v.get(("dL_da", k, None)) * v.get(("dyhat_dz", k, (nid,)))) for k in s.softmax]
    else:
        return []
    out = []
    for keep in _subsets(len(terms)):
        total = np.zeros(n.batch)
        for i in keep:
            total = total + terms[i][1]
        kept = ", ".join(terms[i][0] for i in keep)
        left = ", ".join(t[0] for i, t in enumerate(terms) if i not in keep)
        out.append((total, f"the path through {left} was left out (only {kept} kept)"))
    return out


# --------------------------------------------------------------------------- f′
def derivative_of_activation_value(v: Inputs, key: Key) -> Candidates:
    """f′ evaluated at a instead of z (σ(a)(1 − σ(a))), or its formula in a fed z (1 − z²)."""
    nid = key[1]
    if key[0] != "da_dz" or nid is None:
        return []
    name = v.net.shape.activation[nid]
    entry = act.ELEMENTWISE[name]
    a, z = v.get(("a", nid, None)), v.get(("z", nid, None))
    with np.errstate(all="ignore"):
        at_a = fprime(name, a)
        with_z = entry.derivative(z, z.copy(), np.empty_like(z))
    return [
        (at_a, "f′ was evaluated at a instead of z"),
        (with_z, "the derivative's formula in a was used with z in place of a"),
    ]


# --------------------------------------------------------------------------- z
def _z_terms(v: Inputs, nid: str, source: Callable[[str], np.ndarray]) -> np.ndarray:
    n, s = v.net, v.net.shape
    total = np.full(n.batch, n.biases[nid])
    for e in s.in_edges[nid]:
        total = total + n.weights[e] * source(s.ends[e][0])
    return total


def missing_bias(v: Inputs, key: Key) -> Candidates:
    """z without the bias: the neuron's own b, the terms from bias units, or both."""
    n, s = v.net, v.net.shape
    nid = key[1]
    if key[0] != "z" or nid is None:
        return []
    z = RULES["z"](v, key)
    out = []
    b = n.biases[nid]
    unit_terms = [e for e in s.in_edges[nid] if s.role[s.ends[e][0]] == "bias"]
    unit = sum(
        (n.weights[e] * v.get(("a", s.ends[e][0], None)) for e in unit_terms),
        start=np.zeros(n.batch),
    )
    if b != 0.0:
        out.append((z - b, f"z was computed without the bias b = {b:g}"))
    if unit_terms:
        names = ", ".join(unit_terms)
        out.append((z - unit, f"z was computed without the bias unit's weight {names}"))
        if b != 0.0:
            out.append((z - unit - b, "z was computed without any bias"))
    return out


def wrong_weight(v: Inputs, key: Key) -> Candidates:
    """z (or a hidden ∂L/∂a) with another weight of the same matrix W(l) in place of one,
    or with the transposed matrix."""
    n, s = v.net, v.net.shape
    q, nid = key[0], key[1]
    if nid is None or q not in ("z", "dL_da") or (q == "dL_da" and nid in s.outputs):
        return []
    if q == "z":
        edges = s.in_edges[nid]
        other = {e: ("a", s.ends[e][0]) for e in edges}
        base = RULES["z"](v, key)
    else:
        edges = s.out_edges[nid]
        other = {e: ("dL_dz", s.ends[e][1]) for e in edges}
        base = RULES["dL_da"](v, key)
    out = []
    for e in edges:
        factor = v.get((other[e][0], other[e][1], None))
        for e2 in n.matrix_edges(e):
            if e2 != e and n.weights[e2] != n.weights[e]:
                value = base + (n.weights[e2] - n.weights[e]) * factor
                out.append((value, f"the weight {e2} was used in place of {e}"))
    t = _transposed(v, key)
    if t is not None:
        out.append((t, "the transposed weight matrix was used"))
    return out


def _transposed(v: Inputs, key: Key) -> np.ndarray | None:
    """The value with W(l)ᵀ in place of W(l) where the matrix is square (the lecture's
    numbering w1..w4 read down the columns instead of along the rows)."""
    n, s, c = v.net, v.net.shape, v.net.compiled
    q, nid = key[0], key[1]
    assert nid is not None
    if q == "z":
        layer = c.layer_of[nid]
        targets, sources = c.layers[layer], c.feeders[layer - 1]
        if len(targets) != len(sources) or len(targets) < 2:
            return None
        i = targets.index(nid)
        total = np.full(n.batch, n.biases[nid])
        for j, src in enumerate(sources):  # W[i, j] read as W[j, i]
            e = s.edge_of.get((sources[i], targets[j]))
            if e is not None:
                total = total + n.weights[e] * v.get(("a", src, None))
        return total
    outs = s.out_edges[nid]
    if not outs:
        return None
    layer = c.layer_of[s.ends[outs[0]][1]]
    targets, sources = c.layers[layer], c.feeders[layer - 1]
    if nid not in sources or len(targets) != len(sources) or len(targets) < 2:
        return None
    j = sources.index(nid)
    total = np.zeros(n.batch)
    for i, t in enumerate(targets):
        e = s.edge_of.get((sources[i], targets[j]))
        if e is not None:
            total = total + n.weights[e] * v.get(("dL_dz", t, None))
    return total


def used_z_not_a(v: Inputs, key: Key) -> Candidates:
    """z = Σ w·z_source + b: the previous layer's z in place of its a."""
    s = v.net.shape
    nid = key[1]
    if key[0] != "z" or nid is None:
        return []
    if not any(s.has_z(s.ends[e][0]) for e in s.in_edges[nid]):
        return []

    def source(src: str) -> np.ndarray:
        return v.get(("z" if s.has_z(src) else "a", src, None))

    return [(_z_terms(v, nid, source), "")]


# --------------------------------------------------------------------------- ∂L/∂a
def updated_weights_in_backward(v: Inputs, key: Key) -> Candidates:
    """A hidden ∂L/∂a = Σ w_new·∂L/∂z_target with the weights after the update."""
    n, s = v.net, v.net.shape
    nid = key[1]
    if key[0] != "dL_da" or nid is None or nid in s.outputs:
        return []
    total = np.zeros(n.batch)
    for e in s.out_edges[nid]:
        w_new = v.get(("updated", e, None))
        total = total + w_new * v.get(("dL_dz", s.ends[e][1], None))
    return [(total, "")]


# --------------------------------------------------------------------------- any value
def _is_update(key: Key) -> bool:
    return key[0] in ("updated", "updated_bias")


def half_factor(v: Inputs, key: Key) -> Candidates:
    """Off by a factor of 2 or ½ (for an update: its step)."""
    if key[0] == "a" and not v.net.shape.has_z(str(key[1])):
        return []
    value = RULES[key[0]](v, key)
    if _is_update(key):
        old = v.net.old(key)
        return [
            (old + 2.0 * (value - old), "the step is twice the right one (off by a factor of 2)"),
            (old + 0.5 * (value - old), "the step is half the right one (off by a factor of ½)"),
        ]
    return [
        (2.0 * value, "twice the right value (off by a factor of 2)"),
        (0.5 * value, "half the right value (off by a factor of ½)"),
    ]


def sign(v: Inputs, key: Key) -> Candidates:
    """The right magnitude with the wrong sign (for an update: the step's sign)."""
    if key[0] == "a" and not v.net.shape.has_z(str(key[1])):
        return []
    value = RULES[key[0]](v, key)
    if _is_update(key):
        old = v.net.old(key)
        return [(2.0 * old - value, "the step has the wrong sign (a slip in the update)")]
    return [(-value, "")]


@dataclass(frozen=True)
class Mistake:
    code: str
    quantities: frozenset[str]  # the rules it corrupts
    find: Callable[[Inputs, Key], Candidates]
    words: str  # what the student did, in plain words
    # a slip of method, made the same way wherever the rule is used (every softmax output):
    # also tried at all the unwritten places at once
    everywhere: bool = False


_ALL = frozenset(RULES)
CATALOGUE: tuple[Mistake, ...] = (
    Mistake(
        "ascent",
        frozenset({"updated", "updated_bias"}),
        ascent,
        "the update climbed the gradient: w + η·∂L/∂w instead of w − η·∂L/∂w",
    ),
    Mistake(
        "no_learning_rate",
        frozenset({"updated", "updated_bias"}),
        no_learning_rate,
        "the learning rate was left out of the update: w − ∂L/∂w",
    ),
    Mistake(
        "softmax_diagonal_only",
        frozenset({"dL_dz"}),
        softmax_diagonal_only,
        "through the softmax only ∂ŷ_j/∂z_j = ŷ_j(1 − ŷ_j) was used, the cross terms "
        "−ŷ_k·ŷ_j of the other outputs were left out",
        everywhere=True,
    ),
    Mistake(
        "dropped_path",
        frozenset({"dL_da", "dL_dz"}),
        dropped_path,
        "some of the gradient's chain-rule paths were left out",
    ),
    Mistake(
        "missing_activation_derivative",
        frozenset({"dL_dz"}),
        missing_activation_derivative,
        "∂L/∂z was written as ∂L/∂a: the activation's derivative f′(z) was left out",
        everywhere=True,
    ),
    Mistake(
        "derivative_of_activation_value",
        frozenset({"da_dz"}),
        derivative_of_activation_value,
        "f′ was evaluated at a instead of z",
        everywhere=True,
    ),
    Mistake("missing_bias", frozenset({"z"}), missing_bias, "z was computed without the bias"),
    Mistake(
        "wrong_weight",
        frozenset({"z", "dL_da"}),
        wrong_weight,
        "another weight of the same matrix was used in place of one",
    ),
    Mistake(
        "used_z_not_a",
        frozenset({"z"}),
        used_z_not_a,
        "z was computed from the previous layer's z instead of its a",
    ),
    Mistake(
        "updated_weights_in_backward",
        frozenset({"dL_da"}),
        updated_weights_in_backward,
        "∂L/∂a was computed with the weights already updated",
    ),
    Mistake(
        "half_factor",
        _ALL,
        half_factor,
        "off by a factor of 2 or ½ (the ½ of the loss kept or dropped in its derivative)",
    ),
    Mistake("sign", _ALL, sign, "the right magnitude with the wrong sign"),
)
BY_CODE = {m.code: m for m in CATALOGUE}
