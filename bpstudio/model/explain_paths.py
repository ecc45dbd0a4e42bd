"""A parameter's gradient as the sum over its paths to the loss of the product of the chain-rule
factors along each (see model/explain.py's docstring); enumeration stops at ``cap`` paths."""

from __future__ import annotations

import math

from .compile import Compiled
from .explain_context import PassContext, pass_context
from .explain_types import Factor, Path, PathSum
from .trace import PassResult

PATH_CAP = 200


def _enumerate(
    ctx: PassContext, start: str, cap: int
) -> list[tuple[list[str], list[str], list[Factor]]]:
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


def _unwind(ctx: PassContext, start: str, link) -> tuple[list[str], list[str], list[Factor]]:
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


def _path_sum(ctx: PassContext, kind, param, source, target, last: Factor, value, cap) -> PathSum:
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
    ctx = pass_context(compiled, result, sample)
    s, t = ctx.ends[edge_id]
    value = ctx.val("dL_dz", t) * ctx.val("a", s)
    return _path_sum(ctx, "weight", edge_id, s, t, ctx.factor_source(s), value, cap)


def bias_paths(
    compiled: Compiled, result: PassResult, neuron_id: str, sample: int = 0, cap: int = PATH_CAP
) -> PathSum:
    """∂L/∂b of one neuron for one sample as a sum over paths (last factor ∂z/∂b = 1)."""
    ctx = pass_context(compiled, result, sample)
    one = Factor("one", "1", "1", 1.0, neuron_id)
    value = ctx.val("dL_dz", neuron_id)
    return _path_sum(ctx, "bias", neuron_id, None, neuron_id, one, value, cap)
