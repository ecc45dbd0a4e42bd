"""Compile a drawn graph into layers, weight matrices and masks for the numpy core.

A neuron's layer is the longest path to it from an input or bias unit (those are layer 0; a
hidden/output neuron with no incoming edge sits in layer 1). Within a layer, neurons keep
file order, grouped by (is-output, activation) only when the layer mixes them, so each
activation runs on one contiguous block. ``W(l)`` covers the contiguous range of rows from
the first neuron that feeds layer l up to the layer itself; pairs with no edge are masked.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ..core import init as core_init
from ..core.network import LayerSpec, Network
from .graph import Graph


class CompileError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Compiled:
    """The core network plus the map between neuron/edge ids and rows/parameters."""

    net: Network
    neuron_ids: list[str]  # by global row
    row_of: dict[str, int]
    layer_of: dict[str, int]
    layers: list[list[str]]  # neuron ids of layer 0..L, in row order
    edge_ids: list[str]  # in graph order
    edge_param: np.ndarray  # index into net.params per edge (graph order)
    edge_layer: np.ndarray  # 1-based layer of each edge's target
    bias_param: dict[str, int]  # hidden/output neuron id -> index into net.params
    input_ids: list[str]
    output_ids: list[str]
    bias_unit_ids: list[str]
    feeders: list[list[str]] = field(default_factory=list)  # per layer l>=1: ids feeding it

    @property
    def n_layers(self) -> int:
        return len(self.layers) - 1

    def weights(self) -> dict[str, float]:
        vals = self.net.params[self.edge_param]
        return dict(zip(self.edge_ids, vals.tolist(), strict=True))

    def biases(self) -> dict[str, float]:
        return {nid: float(self.net.params[i]) for nid, i in self.bias_param.items()}

    def write_back(self, graph: Graph, emit: bool = True) -> None:
        """Store the network's current weights and biases on the graph's edges and neurons."""
        graph.set_parameters(self.weights(), self.biases(), emit=emit)

    def edge_cell(self, edge_id: str) -> tuple[int, int, int]:
        """(layer l, row in W(l), column in the internal W(l)) of an edge."""
        i = self.edge_ids.index(edge_id)
        layer = int(self.edge_layer[i])
        lay = self.net.layers[layer - 1]
        offset = int(self.edge_param[i]) - int(self.net.w_offsets[layer - 1])
        width = lay.W.shape[1]
        return layer, offset // width, offset % width


# --------------------------------------------------------------------------- checks
def structure_errors(g: Graph) -> list[str]:
    """Graph rules the file format and the canvas share: roles, softmax, cycles."""
    errors: list[str] = []
    seen_pairs: set[tuple[str, str]] = set()
    for e in g.edges.values():
        s, t = g.neurons.get(e.source), g.neurons.get(e.target)
        if s is None or t is None:
            errors.append(f"edge {e.id!r}: {e.source!r} -> {e.target!r} names a missing neuron")
            continue
        if e.source == e.target:
            errors.append(f"edge {e.id!r}: self-loop on {e.source!r}")
        if t.role in ("input", "bias"):
            errors.append(f"edge {e.id!r}: edge into {t.role} neuron {t.id!r}")
        if s.role == "output":
            errors.append(f"edge {e.id!r}: edge out of output neuron {s.id!r}")
        if (e.source, e.target) in seen_pairs:
            errors.append(f"edge {e.id!r}: duplicate connection {e.source!r} -> {e.target!r}")
        seen_pairs.add((e.source, e.target))
    for n in g.neurons.values():
        if n.activation == "softmax" and n.role != "output":
            errors.append(f"neuron {n.id!r}: softmax is allowed on output neurons only")
    if not errors:
        cycle = find_cycle(g)
        if cycle:
            errors.append("the edges form a cycle: " + " -> ".join(cycle + [cycle[0]]))
    return errors


def find_cycle(g: Graph) -> list[str] | None:
    out: dict[str, list[str]] = {nid: [] for nid in g.neurons}
    for e in g.edges.values():
        if e.source in out and e.target in out:
            out[e.source].append(e.target)
    state: dict[str, int] = {}  # 1 on stack, 2 done
    for root in g.neurons:
        if state.get(root):
            continue
        stack = [(root, iter(out[root]))]
        path = [root]
        state[root] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(nxt) == 1:
                return path[path.index(nxt) :]
            elif not state.get(nxt):
                state[nxt] = 1
                stack.append((nxt, iter(out[nxt])))
                path.append(nxt)
    return None


def graph_warnings(g: Graph) -> dict[str, str]:
    """Neurons with no path from an input or to an output: id -> why (for badges and check)."""
    fwd: dict[str, list[str]] = {n: [] for n in g.neurons}
    back: dict[str, list[str]] = {n: [] for n in g.neurons}
    for e in g.edges.values():
        if e.source in fwd and e.target in fwd:
            fwd[e.source].append(e.target)
            back[e.target].append(e.source)

    def reach(starts, adj):
        seen = set(starts)
        todo = list(starts)
        while todo:
            for m in adj[todo.pop()]:
                if m not in seen:
                    seen.add(m)
                    todo.append(m)
        return seen

    from_inputs = reach([n.id for n in g.neurons.values() if n.role == "input"], fwd)
    to_outputs = reach([n.id for n in g.neurons.values() if n.role == "output"], back)
    warnings = {}
    for n in g.neurons.values():
        why = []
        if n.role in ("hidden", "output") and n.id not in from_inputs:
            why.append("no path from an input reaches it, so its value never depends on the data")
        if n.role in ("input", "hidden", "bias") and n.id not in to_outputs:
            why.append("it has no path to an output, so it never affects the loss (gradient 0)")
        if why:
            warnings[n.id] = f"{n.display_label}: " + "; ".join(why)
    return warnings


# --------------------------------------------------------------------------- compile
def compute_layers(g: Graph) -> dict[str, int]:
    """Longest-path layer of every neuron (Kahn's algorithm; assumes no cycle)."""
    ids = list(g.neurons)
    index = {nid: i for i, nid in enumerate(ids)}
    out: list[list[int]] = [[] for _ in ids]
    indeg = [0] * len(ids)
    for e in g.edges.values():
        s, t = index[e.source], index[e.target]
        out[s].append(t)
        indeg[t] += 1
    layer = [0 if g.neurons[nid].role in ("input", "bias") else 1 for nid in ids]
    queue = deque(i for i, d in enumerate(indeg) if d == 0)
    seen = 0
    while queue:
        n = queue.popleft()
        seen += 1
        ln = layer[n] + 1
        for m in out[n]:
            if layer[m] < ln:
                layer[m] = ln
            indeg[m] -= 1
            if indeg[m] == 0:
                queue.append(m)
    if seen != len(ids):
        cycle = find_cycle(g) or []
        raise CompileError(["the edges form a cycle: " + " -> ".join(cycle + cycle[:1])])
    return dict(zip(ids, layer, strict=True))


def compile_graph(g: Graph, init_seed_offset: int = 0) -> Compiled:
    """Build the core network. Missing weights are drawn from training.init/seed (stable order)."""
    errors = structure_errors(g)
    inputs = [n.id for n in g.neurons.values() if n.role == "input"]
    outputs = [n.id for n in g.neurons.values() if n.role == "output"]
    bias_units = [n.id for n in g.neurons.values() if n.role == "bias"]
    if not inputs:
        errors.append("the network has no input neurons")
    if not outputs:
        errors.append("the network has no output neurons")
    if errors:
        raise CompileError(errors)
    layer_of = compute_layers(g)
    n_layers = max(layer_of[o] for o in outputs)
    n_layers = max([n_layers, *layer_of.values()])

    # rows: layer 0 = inputs then bias units; then each layer, grouped only if mixed
    by_layer: list[list[str]] = [inputs + bias_units] + [[] for _ in range(n_layers)]
    for nid, n in g.neurons.items():
        if layer_of[nid] > 0:
            by_layer[layer_of[nid]].append(nid)
    output_set = set(outputs)
    for l in range(1, n_layers + 1):
        keys = {(nid in output_set, g.neurons[nid].activation) for nid in by_layer[l]}
        if len(keys) > 1:
            by_layer[l].sort(key=lambda nid: (nid in output_set, g.neurons[nid].activation))
    neuron_ids = [nid for lay in by_layer for nid in lay]
    row_of = {nid: r for r, nid in enumerate(neuron_ids)}
    starts = np.cumsum([0] + [len(lay) for lay in by_layer])

    edges = list(g.edges.values())
    n_e = len(edges)
    src_row = np.fromiter((row_of[e.source] for e in edges), dtype=np.intp, count=n_e)
    tgt_row = np.fromiter((row_of[e.target] for e in edges), dtype=np.intp, count=n_e)
    tgt_layer = np.searchsorted(starts, tgt_row, side="right") - 1  # 1..L

    # source range of each layer: from its lowest-row feeder to its own start
    src_lo = starts[:-1].copy()
    np.minimum.at(src_lo, tgt_layer, src_row)

    weights = np.fromiter(
        (np.nan if e.weight is None else e.weight for e in edges), dtype=float, count=n_e
    )
    missing = np.isnan(weights)
    if missing.any():
        fan_in = np.bincount(tgt_row, minlength=len(neuron_ids))[tgt_row]
        fan_out = np.bincount(src_row, minlength=len(neuron_ids))[src_row]
        rng = np.random.default_rng(int(g.training.get("seed", 0)) + init_seed_offset)
        scheme = g.training.get("init", "xavier_uniform")
        weights[missing] = core_init.draw(scheme, fan_in[missing], fan_out[missing], rng)
    trainable = np.fromiter((e.trainable for e in edges), dtype=bool, count=n_e)

    specs: list[LayerSpec] = []
    feeders: list[list[str]] = []
    w_offset = 0
    edge_param = np.zeros(n_e, dtype=np.intp)
    for l in range(1, n_layers + 1):
        start, stop, lo = int(starts[l]), int(starts[l + 1]), int(src_lo[l])
        width = start - lo
        W = np.zeros((stop - start, width))
        mask = np.zeros_like(W)
        sel = np.nonzero(tgt_layer == l)[0]
        r, c = tgt_row[sel] - start, src_row[sel] - lo
        W[r, c] = weights[sel]
        mask[r, c] = 1.0
        edge_param[sel] = w_offset + r * width + c
        w_offset += W.size
        wt = None
        if not trainable[sel].all():
            wt = mask.copy()
            wt[r[~trainable[sel]], c[~trainable[sel]]] = 0.0
        lay_ids = neuron_ids[start:stop]
        bt = np.array([1.0 if g.neurons[n].trainable else 0.0 for n in lay_ids])
        specs.append(
            LayerSpec(
                start=start,
                stop=stop,
                src_lo=lo,
                weights=W,
                mask=None if mask.all() else mask,
                bias=np.array([g.neurons[n].bias for n in lay_ids], float),
                activations=[g.neurons[n].activation for n in lay_ids],
                weight_trainable=wt,
                bias_trainable=None if bt.all() else bt,
            )
        )
        fed = np.unique(src_row[sel])
        feeders.append([neuron_ids[i] for i in fed])

    net = Network(
        n_inputs=len(inputs),
        n_bias=len(bias_units),
        layers=specs,
        outputs=[row_of[o] for o in outputs],
        loss=g.training.get("loss", "half_squared_error"),
    )
    bias_param = {}
    for l, spec in enumerate(specs):
        for k, nid in enumerate(neuron_ids[spec.start : spec.stop]):
            bias_param[nid] = int(net.b_offsets[l]) + k
    return Compiled(
        net=net,
        neuron_ids=neuron_ids,
        row_of=row_of,
        layer_of=layer_of,
        layers=by_layer,
        edge_ids=[e.id for e in edges],
        edge_param=edge_param,
        edge_layer=tgt_layer,
        bias_param=bias_param,
        input_ids=inputs,
        output_ids=outputs,
        bias_unit_ids=bias_units,
        feeders=feeders,
    )
