"""The local rules of one pass: each quantity from the values it is computed from.

A rule gets its inputs through :class:`Inputs.get` and never looks at the engine's answer for
the quantity itself, so the grader can run it on a student's own values ("yours") and the
mistakes (mistakes.py) can run a corrupted copy of it on the same inputs. Activations,
losses and optimizers come from their registries (core/activations.py, losses.py,
optimizers.py): a newly registered one is graded without a change here.

Values are per sample: arrays of shape (B,) for the batch of the pass (B = 1 for one
sample), and shape () for the batch quantities (loss, dL_db, grad, updated, updated_bias:
the mean over the batch, or the step taken with it). See docs/grading.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cached_property
from typing import Protocol

import numpy as np

from ...core import activations as act
from ...core import losses, optimizers, outputs
from ..compile import Compiled
from ..graph import Graph
from ..trace import PassResult
from .answers import Key
from .structure import Shape, shape_of

PER_SAMPLE = frozenset({"z", "a", "dL_da", "dL_dz", "da_dz", "dyhat_dz", "path"})
# the pass a quantity belongs to: a mistake is looked for in the unwritten values of the
# same pass (and, for an update, of the backward pass) the value was computed from
PHASE = {
    "z": 0,
    "a": 0,
    "loss": 1,
    "dL_da": 2,
    "da_dz": 2,
    "dyhat_dz": 2,
    "dL_dz": 2,
    "dL_db": 2,
    "grad": 2,
    "path": 2,
    "updated": 3,
    "updated_bias": 3,
}


def derived(key: Key, shape: Shape) -> bool:
    """Factors a student rarely writes on their own line, f′(z), ∂ŷ_k/∂z_j and ∂L/∂ŷ: when
    not written they come from the student's own z or ŷ (``∂L/∂z from the student's ∂L/∂a
    and f′(z) or z``, spec), not from the engine."""
    q, nid, _ = key
    return q in ("da_dz", "dyhat_dz") or (q == "dL_da" and nid in shape.outputs)


class Inputs(Protocol):
    """Where a rule reads the values it is computed from."""

    net: Net

    def get(self, key: Key) -> np.ndarray: ...


class Net:
    """The network and the engine's values of one pass, for the rules and the grader."""

    def __init__(self, graph: Graph, compiled: Compiled, result: PassResult):
        self.graph, self.compiled, self.result = graph, compiled, result
        self.shape = shape_of(graph)
        self.batch = len(result.samples)
        self.weights, self.biases = result.parameters()
        self.new_weights, self.new_biases = result.parameters(updated=True)
        self.settings = result.training
        self.loss_name = compiled.net.loss_name
        self.loss = losses.LOSSES[self.loss_name]
        k = compiled.output_ids
        self.y = {o: np.asarray(result.Y[:, i], dtype=float) for i, o in enumerate(k)}
        mask = compiled.net.update_mask
        self._movable = (lambda p: True) if mask is None else (lambda p: bool(mask[p] != 0.0))
        self.layer_of = compiled.layer_of
        self._exact: dict[Key, np.ndarray] = {}

    # ------------------------------------------------------------------ parameters
    def edge_trainable(self, eid: str) -> bool:
        c = self.compiled
        return self._movable(int(c.edge_param[c.edge_index[eid]]))

    def bias_trainable(self, nid: str) -> bool:
        return self._movable(self.compiled.bias_param[nid])

    def step(self, grad: np.ndarray) -> np.ndarray:
        """What one optimizer step from fresh state subtracts, given the gradient (the
        registry's optimizer on a one-parameter vector: Adam's first step is lr·sign(g))."""
        opt = optimizers.make(self.settings.optimizer, 1, self.settings)
        with np.errstate(all="ignore"):
            return np.asarray(opt.delta(np.atleast_1d(np.asarray(grad, dtype=float)))[0])

    @cached_property
    def linear_step(self) -> bool:
        """Whether the optimizer's first step is linear in the gradient (SGD, momentum; not
        Adam or RMSprop, whose first step is about lr·sign(g)): probed, not listed."""
        one, two, neg = (float(self.step(np.array(g))) for g in (0.3, 0.6, -0.3))
        return math.isclose(two, 2 * one, rel_tol=1e-12) and math.isclose(neg, -one, rel_tol=1e-12)

    def matrix_edges(self, eid: str) -> list[str]:
        """The edges of the same weight matrix W(l) as ``eid`` (those into the same layer)."""
        layer = self.layer_of[self.shape.ends[eid][1]]
        return [e for e, (_, t) in self.shape.ends.items() if self.layer_of[t] == layer]

    # ------------------------------------------------------------------ the engine's values
    def exact(self, key: Key) -> np.ndarray:
        v = self._exact.get(key)
        if v is None:
            v = self._exact[key] = self._compute_exact(key)
        return v

    def _compute_exact(self, key: Key) -> np.ndarray:
        q, nid, extra = key
        t, c = self.result.trace, self.compiled
        if q in ("z", "a", "dL_da", "dL_dz"):
            assert nid is not None
            return np.array(getattr(t, q)[c.row_of[nid]], dtype=float)
        if q == "loss":
            return np.array(float(t.loss))
        assert nid is not None
        if q == "da_dz":
            return outputs.exact_derivative(
                self.shape.activation[nid], self.exact(("z", nid, None))
            )
        if q == "dyhat_dz":
            assert extra is not None
            g = self.shape.softmax
            z = np.stack([self.exact(("z", o, None)) for o in g])  # (K, B)
            i, j = g.index(nid), g.index(extra[0])
            return np.array(
                [outputs.softmax_jacobian_exact(z[:, b])[i, j] for b in range(z.shape[1])]
            )
        if q == "dL_db":
            return np.array(self.result.bias_grad(nid))
        if q == "grad":
            return np.array(self.result.edge_grad(nid))
        if q == "updated":
            return np.array(self.new_weights[nid])
        if q == "updated_bias":
            return np.array(self.new_biases[nid])
        if q == "path":
            return RULES["path"](_ExactInputs(self), key)
        raise KeyError(q)

    def old(self, key: Key) -> float:
        """The parameter before the step (updated / updated_bias)."""
        assert key[1] is not None
        return self.weights[key[1]] if key[0] == "updated" else self.biases[key[1]]


class _ExactInputs:
    def __init__(self, net: Net):
        self.net = net

    def get(self, key: Key) -> np.ndarray:
        return self.net.exact(key)


# --------------------------------------------------------------------------- forward
def rule_z(v: Inputs, key: Key) -> np.ndarray:
    """z = Σ w·a_source + b."""
    n, s = v.net, v.net.shape
    nid = key[1]
    assert nid is not None
    total = np.full(n.batch, n.biases[nid])
    for e in s.in_edges[nid]:
        total = total + n.weights[e] * v.get(("a", s.ends[e][0], None))
    return total


def rule_a(v: Inputs, key: Key) -> np.ndarray:
    """a = f(z); a softmax member from the whole group's z; an input's a is its data."""
    n, s = v.net, v.net.shape
    nid = key[1]
    assert nid is not None
    if not s.has_z(nid):
        return n.exact(key)
    name = s.activation[nid]
    with np.errstate(all="ignore"):
        if name == act.SOFTMAX:
            z = np.stack([v.get(("z", o, None)) for o in s.softmax], axis=-1)  # (B, K)
            return act.softmax(z)[:, s.softmax.index(nid)]
        return act.apply(name, v.get(("z", nid, None)))


# --------------------------------------------------------------------------- loss
def _loss_terms(v: Inputs) -> tuple[np.ndarray, np.ndarray]:
    """(per-sample loss [B], ∂L/∂ŷ [K, B]) from the student's ŷ, the loss's registry form."""
    n = v.net
    yhat = np.stack([v.get(("a", o, None)) for o in n.shape.outputs])
    y = np.stack([n.y[o] for o in n.shape.outputs])
    with np.errstate(all="ignore"):
        return n.loss.fn(yhat, y)


def rule_loss(v: Inputs, key: Key) -> np.ndarray:
    """The batch loss: the mean of the samples' losses of ŷ."""
    return batch_mean(_loss_terms(v)[0])


# --------------------------------------------------------------------------- backward
def rule_dL_da(v: Inputs, key: Key) -> np.ndarray:
    """An output's ∂L/∂ŷ (the loss's derivative at ŷ); a hidden neuron's Σ w·∂L/∂z_target."""
    n, s = v.net, v.net.shape
    nid = key[1]
    assert nid is not None
    if nid in s.outputs:
        return _loss_terms(v)[1][s.outputs.index(nid)]
    total = np.zeros(n.batch)
    for e in s.out_edges[nid]:
        total = total + n.weights[e] * v.get(("dL_dz", s.ends[e][1], None))
    return total


def fprime(name: str, z: np.ndarray) -> np.ndarray:
    """f′(z) from z (the registry's derivative; exact at saturation for the built-ins)."""
    return outputs.exact_derivative(name, z)


def rule_da_dz(v: Inputs, key: Key) -> np.ndarray:
    """f′(z)."""
    nid = key[1]
    assert nid is not None
    return fprime(v.net.shape.activation[nid], v.get(("z", nid, None)))


def rule_dyhat_dz(v: Inputs, key: Key) -> np.ndarray:
    """∂ŷ_k/∂z_j = ŷ_k(δ_kj − ŷ_j)."""
    k, extra = key[1], key[2]
    assert k is not None and extra is not None
    j = extra[0]
    yk = v.get(("a", k, None))
    if j == k:
        return yk * (1.0 - yk)
    return -yk * v.get(("a", j, None))


def rule_dL_dz(v: Inputs, key: Key) -> np.ndarray:
    """∂L/∂a · f′(z); through a softmax output Σ_k ∂L/∂ŷ_k · ∂ŷ_k/∂z_j over the group."""
    s = v.net.shape
    nid = key[1]
    assert nid is not None
    if s.is_softmax(nid):
        total = np.zeros(v.net.batch)
        for k in s.softmax:
            total = total + v.get(("dL_da", k, None)) * v.get(("dyhat_dz", k, (nid,)))
        return total
    return v.get(("dL_da", nid, None)) * v.get(("da_dz", nid, None))


def batch_mean(x) -> np.ndarray:
    """np.mean as a 0-d array, bit for bit (the same pairwise sum and division), without
    its overhead: grading a wrong value runs these rules hundreds of times on tiny arrays."""
    a = np.asarray(x, dtype=float)
    if a.size == 1:
        return a.reshape(())
    return np.array(a.sum() / a.size)


def rule_dL_db(v: Inputs, key: Key) -> np.ndarray:
    """∂L/∂b = ∂L/∂z (the batch mean)."""
    return batch_mean(v.get(("dL_dz", key[1], None)))


def rule_grad(v: Inputs, key: Key) -> np.ndarray:
    """∂L/∂w = ∂L/∂z_target · a_source (the batch mean)."""
    eid = key[1]
    assert eid is not None
    src, tgt = v.net.shape.ends[eid]
    return batch_mean(v.get(("dL_dz", tgt, None)) * v.get(("a", src, None)))


def path_factors(v: Inputs, key: Key) -> list[tuple[str, np.ndarray]]:
    """The factors of one chain-rule path, from the source's a forward to ∂L/∂ŷ, named."""
    n, s = v.net, v.net.shape
    eid, via = key[1], key[2]
    assert eid is not None and via is not None
    src, tgt = s.ends[eid]
    nodes = [tgt, *via]
    fs = [(f"a of {src}", v.get(("a", src, None)))]
    for k, u in enumerate(nodes):
        last = k == len(nodes) - 1
        if s.is_softmax(u):
            i = u if last else nodes[k + 1]
            fs.append((f"dyhat_dz of {i} by {u}", v.get(("dyhat_dz", i, (u,)))))
            fs.append((f"dL_da of {i}", v.get(("dL_da", i, None))))
            break
        fs.append((f"da_dz of {u}", v.get(("da_dz", u, None))))
        if last:
            fs.append((f"dL_da of {u}", v.get(("dL_da", u, None))))
        else:
            e = s.edge_of[(u, nodes[k + 1])]
            fs.append((f"weight {e}", np.full(n.batch, n.weights[e])))
    return fs


def rule_path(v: Inputs, key: Key) -> np.ndarray:
    """One path's product: a_source × f′ × w × … × ∂L/∂ŷ."""
    prod = np.ones(v.net.batch)
    for _, f in path_factors(v, key):
        prod = prod * f
    return prod


# --------------------------------------------------------------------------- update
def grad_key(key: Key) -> Key:
    """The gradient an update uses."""
    return ("grad", key[1], None) if key[0] == "updated" else ("dL_db", key[1], None)


def trainable(net: Net, key: Key) -> bool:
    assert key[1] is not None
    return net.edge_trainable(key[1]) if key[0] == "updated" else net.bias_trainable(key[1])


def rule_updated(v: Inputs, key: Key) -> np.ndarray:
    """One optimizer step: w − (the registry optimizer's step for ∂L/∂w); frozen: w."""
    old = v.net.old(key)
    if not trainable(v.net, key):
        return np.array(old)
    return np.array(old - v.net.step(v.get(grad_key(key))))


RULES: dict[str, Callable[[Inputs, Key], np.ndarray]] = {
    "z": rule_z,
    "a": rule_a,
    "loss": rule_loss,
    "dL_da": rule_dL_da,
    "da_dz": rule_da_dz,
    "dyhat_dz": rule_dyhat_dz,
    "dL_dz": rule_dL_dz,
    "dL_db": rule_dL_db,
    "grad": rule_grad,
    "path": rule_path,
    "updated": rule_updated,
    "updated_bias": rule_updated,
}


# --------------------------------------------------------------------------- order
# complexity: the spec's computation order written out step by step, as the grader walks it
def computation_order(net: Net, paths: bool = False) -> list[Key]:  # noqa: C901
    """Every gradable quantity in computation order: forward layer by layer, the loss, each
    output's ∂L/∂ŷ and the softmax Jacobian, backward from the last layer (per neuron
    ∂L/∂a, f′, ∂L/∂z, ∂L/∂b, then the paths and ∂L/∂w of the edges into the layer), then
    the updates in the same backward order. ``paths`` adds every chain-rule path."""
    s, c = net.shape, net.compiled
    keys: list[Key] = []
    waiting = set(s.softmax)  # a softmax member's a needs the z of every member
    for layer in c.layers:
        for nid in layer:
            if s.has_z(nid):
                keys.append(("z", nid, None))
            if nid in waiting:
                waiting.discard(nid)
                if not waiting:
                    keys.extend(("a", o, None) for o in s.softmax)
            elif not s.is_softmax(nid):
                keys.append(("a", nid, None))
    keys.append(("loss", None, None))
    for o in s.outputs:
        keys.append(("dL_da", o, None))
    for k in s.softmax:
        keys.extend(("dyhat_dz", k, (j,)) for j in s.softmax)
    into: dict[int, list[str]] = {}
    for eid, (_, t) in s.ends.items():
        into.setdefault(c.layer_of[t], []).append(eid)
    for l in range(len(c.layers) - 1, 0, -1):
        for nid in c.layers[l]:
            if nid not in s.outputs:
                keys.append(("dL_da", nid, None))
            if not s.is_softmax(nid):
                keys.append(("da_dz", nid, None))
            keys.append(("dL_dz", nid, None))
            keys.append(("dL_db", nid, None))
        for eid in into.get(l, []):
            if paths:
                keys.extend(("path", eid, via) for via in s.paths_of(eid))
            keys.append(("grad", eid, None))
    for l in range(len(c.layers) - 1, 0, -1):
        keys.extend(("updated", eid, None) for eid in into.get(l, []))
        keys.extend(("updated_bias", nid, None) for nid in c.layers[l])
    return keys
