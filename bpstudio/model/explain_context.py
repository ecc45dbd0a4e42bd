"""The lookups every explain function shares for one (compiled network, pass, sample): values
by id, f′ and the softmax Jacobian as the engine used them, path counts, names and symbols,
and the chain-rule factors built from them (cached: a report asks hundreds of times)."""

from __future__ import annotations

import numpy as np

from ..core import activations as act
from ..core import outputs
from .compile import Compiled
from .explain_types import Factor
from .tex import tex_id
from .trace import PassResult


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


class PassContext:
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


# a small cache so a report (hundreds of calls on one pass) builds its lookups once
_CTX_CACHE: dict[tuple[int, int, int], PassContext] = {}


def pass_context(compiled: Compiled, result: PassResult, sample: int) -> PassContext:
    key = (id(compiled), id(result), int(sample))
    ctx = _CTX_CACHE.get(key)
    if ctx is None or ctx.c is not compiled or ctx.r is not result:
        ctx = PassContext(compiled, result, sample)
        _CTX_CACHE.clear()  # one pass at a time: never keeps old passes alive
        _CTX_CACHE[key] = ctx
    return ctx
