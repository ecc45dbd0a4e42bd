# Longer than 400 lines: compiling is one pipeline (structure checks, layers, matrices, masks) whose
# steps share the edge arrays.
"""Compile a drawn graph into layers, weight matrices and masks for the numpy core.

A neuron's layer is the longest path to it from an input or bias unit (those are layer 0; a
hidden/output neuron with no incoming edge sits in layer 1). Within a layer, neurons keep
file order, grouped by (is-output, activation) only when the layer mixes them, so each
activation runs on one contiguous block. ``W(l)`` covers the contiguous range of rows from
the first neuron that feeds layer l up to the layer itself; pairs with no edge are masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from itertools import repeat
from operator import attrgetter

import numpy as np

from ..core import init as core_init
from ..core import limits
from ..core.gcpause import paused_gc
from ..core.network import LayerSpec, Network
from .graph import Graph

_SOURCE, _TARGET, _WEIGHT, _TRAINABLE = (
    attrgetter("source"),
    attrgetter("target"),
    attrgetter("weight"),
    attrgetter("trainable"),
)


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

    @cached_property
    def edge_index(self) -> dict[str, int]:
        """Position of each edge id in ``edge_ids`` (a dict: lookups per edge stay O(1) on
        20,000-edge networks, where ``edge_ids.index`` made a pass quadratic)."""
        return {eid: i for i, eid in enumerate(self.edge_ids)}

    @cached_property
    def edge_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(source row, target row) of every edge in graph order, from the parameter slots
        (vectorised: the overlays draw 20,000 edges without looking each one up)."""
        n = len(self.edge_ids)
        if n == 0:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        layers = self.net.layers
        k = self.edge_layer.astype(np.intp) - 1
        width = np.array([lay.W.shape[1] for lay in layers], dtype=np.intp)[k]
        start = np.array([lay.start for lay in layers], dtype=np.intp)[k]
        src_lo = np.array([lay.src_lo for lay in layers], dtype=np.intp)[k]
        offset = self.edge_param - np.asarray(self.net.w_offsets, dtype=np.intp)[k]
        return src_lo + offset % width, start + offset // width

    def weights(self) -> dict[str, float]:
        vals = self.net.params[self.edge_param]
        return dict(zip(self.edge_ids, vals.tolist(), strict=True))

    def biases(self) -> dict[str, float]:
        return {nid: float(self.net.params[i]) for nid, i in self.bias_param.items()}

    def write_back(self, graph: Graph, emit: bool = True) -> None:
        """Store the network's current weights and biases on the graph's edges and neurons.

        Live training does this every frame: the weights go straight onto the edges in
        compiled order (20,000 in ~2 ms, where building the id -> weight dict and looking
        each id up again took ~10 ms of the GUI thread). An edge deleted since compiling
        falls back to :meth:`Graph.set_parameters`, which skips ids no longer there."""
        edges = list(map(graph.edges.get, self.edge_ids))
        try:
            for e, w in zip(edges, self.net.params[self.edge_param].tolist(), strict=True):
                e.weight = w  # type: ignore[union-attr]  # None: AttributeError, below
        except AttributeError:
            graph.set_parameters(self.weights(), self.biases(), emit=emit)
            return
        graph.set_parameters({}, self.biases(), emit=emit)  # the biases, and the one event

    def edge_cell(self, edge_id: str) -> tuple[int, int, int]:
        """(layer l, row in W(l), column in the internal W(l)) of an edge."""
        i = self.edge_index[edge_id]
        layer = int(self.edge_layer[i])
        lay = self.net.layers[layer - 1]
        offset = int(self.edge_param[i]) - int(self.net.w_offsets[layer - 1])
        width = lay.W.shape[1]
        return layer, offset // width, offset % width


# --------------------------------------------------------------------------- checks
@dataclass
class _EdgeArrays:
    """Edges as index arrays over the graph's neuron order (vectorised checks and layering)."""

    ids: list[str]
    src: np.ndarray
    tgt: np.ndarray
    missing: list[int]  # edge positions whose source or target is not a neuron
    layers: np.ndarray | None = None  # longest-path layers, once computed (see below)


def _edge_arrays(g: Graph) -> _EdgeArrays:
    index = {nid: i for i, nid in enumerate(g.neurons)}
    edges = list(g.edges.values())
    lookup = index.get
    # map() over attrgetter keeps this loop in C: it runs once per edge on 100k-edge graphs
    src = np.fromiter(map(lookup, map(_SOURCE, edges), repeat(-1)), dtype=np.intp, count=len(edges))
    tgt = np.fromiter(map(lookup, map(_TARGET, edges), repeat(-1)), dtype=np.intp, count=len(edges))
    missing = np.nonzero((src < 0) | (tgt < 0))[0].tolist()
    return _EdgeArrays(list(g.edges), src, tgt, missing)  # the dict's keys are the edge ids


def structure_errors(g: Graph, arrays: _EdgeArrays | None = None) -> list[str]:
    """Graph rules the file format and the canvas share: roles, softmax, cycles."""
    ea = arrays or _edge_arrays(g)
    errors: list[str] = []
    edges = list(g.edges.values())
    for i in ea.missing:
        e = edges[i]
        errors.append(f"edge {e.id!r}: {e.source!r} -> {e.target!r} names a missing neuron")
    neurons = list(g.neurons.values())
    role = np.array([n.role for n in neurons] or [""], dtype=object)
    ok = np.nonzero((ea.src >= 0) & (ea.tgt >= 0))[0]
    src, tgt = ea.src[ok], ea.tgt[ok]
    if len(neurons):
        into_source = np.isin(role[tgt], ["input", "bias"]) if tgt.size else np.zeros(0, bool)
        out_of_output = (role[src] == "output") if src.size else np.zeros(0, bool)
    else:
        into_source = out_of_output = np.zeros(0, bool)
    for k in np.nonzero(src == tgt)[0]:
        errors.append(f"edge {edges[ok[k]].id!r}: self-loop on {neurons[src[k]].id!r}")
    for k in np.nonzero(into_source)[0]:
        t = neurons[tgt[k]]
        errors.append(f"edge {edges[ok[k]].id!r}: edge into {t.role} neuron {t.id!r}")
    for k in np.nonzero(out_of_output)[0]:
        errors.append(f"edge {edges[ok[k]].id!r}: edge out of output neuron {neurons[src[k]].id!r}")
    if src.size:
        key = src.astype(np.int64) * max(len(neurons), 1) + tgt
        order = np.argsort(key, kind="stable")
        dup = np.nonzero(key[order][1:] == key[order][:-1])[0]
        for k in dup:
            e, first = edges[ok[order[k + 1]]], edges[ok[order[k]]]
            errors.append(
                f"edge {e.id!r}: duplicate connection {e.source!r} -> {e.target!r} "
                f"(also edge {first.id!r})"
            )
    for n in neurons:
        if n.activation == "softmax" and n.role != "output":
            errors.append(f"neuron {n.id!r}: softmax is allowed on output neurons only")
    if not errors:
        layers = _longest_path_layers(g, ea)
        if layers is None:
            cycle = find_cycle(g) or []
            errors.append("the edges form a cycle: " + " -> ".join(cycle + cycle[:1]))
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
    """Neurons with no path from an input or to an output: id -> why (for badges and check).

    Index arrays and one walk per direction, linear in neurons + edges (1,000,000 neurons)."""
    ea = _edge_arrays(g)
    neurons = list(g.neurons.values())
    n = len(neurons)
    ok = (ea.src >= 0) & (ea.tgt >= 0)
    src, tgt = ea.src[ok], ea.tgt[ok]
    roles = [nn.role for nn in neurons]
    from_inputs = _reach([i for i, r in enumerate(roles) if r == "input"], src, tgt, n)
    to_outputs = _reach([i for i, r in enumerate(roles) if r == "output"], tgt, src, n)
    no_source = "no path from an input reaches it, so its value never depends on the data"
    no_sink = "it has no path to an output, so it never affects the loss (gradient 0)"
    warnings = {}
    for i, nn in enumerate(neurons):
        role = nn.role
        a = role in ("hidden", "output") and not from_inputs[i]
        b = role != "output" and not to_outputs[i]
        if a or b:
            why = f"{no_source}; {no_sink}" if a and b else (no_source if a else no_sink)
            warnings[nn.id] = f"{nn.display_label}: {why}"
    return warnings


def _reach(starts: list[int], src: np.ndarray, tgt: np.ndarray, n: int) -> bytearray:
    """Which of n nodes a walk along src -> tgt from ``starts`` reaches (1) or not (0)."""
    order = np.argsort(src, kind="stable")
    first = np.concatenate([[0], np.cumsum(np.bincount(src, minlength=n))]).tolist()
    adj = tgt[order].tolist()
    seen = bytearray(n)
    for s in starts:
        seen[s] = 1
    todo = list(starts)
    while todo:
        u = todo.pop()
        for v in adj[first[u] : first[u + 1]]:
            if not seen[v]:
                seen[v] = 1
                todo.append(v)
    return seen


# --------------------------------------------------------------------------- compile
_WAVES = 64  # numpy waves before the per-node loop takes over (see _longest_path_layers)
# The last layering: the file loader validates (and layers) a graph, then the command compiles
# it, and the app recompiles unchanged structures; a layering is a pure function of (roles,
# sources, targets), so equal arrays may reuse it.
_last_layering: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None


def _longest_path_layers(g: Graph, ea: _EdgeArrays) -> np.ndarray | None:
    """Longest-path layer per neuron (graph order), or None if the edges contain a cycle.

    Kahn's algorithm, linear in neurons + edges. Wide, shallow networks (a few layers of
    thousands of edges) go in numpy waves, one wave per layer, each costing only its own edges;
    once a graph turns out deep (more than _WAVES waves), a plain per-node loop finishes the
    job, so a 100,000-layer chain costs one pass over its nodes, not 100,000 numpy calls.
    """
    global _last_layering
    if ea.layers is not None:  # validation already layered the graph: compile reuses it
        return ea.layers
    n = len(g.neurons)
    is_source = np.fromiter(
        (nn.role in ("input", "bias") for nn in g.neurons.values()), dtype=bool, count=n
    )
    src, tgt = ea.src, ea.tgt
    last = _last_layering
    if (
        last is not None
        and np.array_equal(last[0], is_source)
        and np.array_equal(last[1], src)
        and np.array_equal(last[2], tgt)
    ):
        ea.layers = last[3].copy()
        return ea.layers
    layer = np.where(is_source, 0, 1).astype(np.intp)
    if n == 0:
        return layer
    indeg = np.bincount(tgt, minlength=n)
    order = np.argsort(src, kind="stable")
    src_sorted, tgt_by_src = src[order], tgt[order]
    outdeg = np.bincount(src, minlength=n)
    first = np.concatenate([[0], np.cumsum(outdeg)])
    frontier = np.nonzero(indeg == 0)[0]
    placed = 0
    for _ in range(_WAVES):
        if not frontier.size:
            break
        placed += frontier.size
        counts = outdeg[frontier]
        total = int(counts.sum())
        if total == 0:
            frontier = frontier[:0]
            break
        # positions of the frontier's out-edges in the source-sorted arrays
        offsets = np.repeat(first[frontier] - (np.cumsum(counts) - counts), counts)
        idx = offsets + np.arange(total)
        targets = tgt_by_src[idx]
        np.maximum.at(layer, targets, layer[src_sorted[idx]] + 1)
        cand, hits = np.unique(targets, return_counts=True)  # per wave: its own edges only
        indeg[cand] -= hits
        frontier = cand[indeg[cand] == 0]
    if frontier.size:  # a deep graph: finish node by node
        placed += _layer_rest(frontier, layer, indeg, first, tgt_by_src)
    if placed != n:
        return None
    ea.layers = layer
    _last_layering = (is_source, src.copy(), tgt.copy(), layer.copy())
    return layer


def _layer_rest(
    frontier: np.ndarray, layer: np.ndarray, indeg: np.ndarray, first: np.ndarray, tgt_by_src
) -> int:
    """Kahn's algorithm from ``frontier`` on (layer, indeg) in place; returns neurons placed."""
    lay, deg, lo, out = layer.tolist(), indeg.tolist(), first.tolist(), tgt_by_src.tolist()
    todo = frontier.tolist()
    placed = 0
    while todo:
        u = todo.pop()
        placed += 1
        nxt = lay[u] + 1
        for v in out[lo[u] : lo[u + 1]]:
            if lay[v] < nxt:
                lay[v] = nxt
            deg[v] -= 1
            if deg[v] == 0:
                todo.append(v)
    layer[:] = lay
    indeg[:] = deg
    return placed


def compute_layers(g: Graph) -> dict[str, int]:
    """Longest-path layer of every neuron; CompileError naming a cycle if there is one."""
    layer = _longest_path_layers(g, _edge_arrays(g))
    if layer is None:
        cycle = find_cycle(g) or []
        raise CompileError(["the edges form a cycle: " + " -> ".join(cycle + cycle[:1])])
    return dict(zip(g.neurons, layer.tolist(), strict=True))


def _check_matrix_size(starts: np.ndarray, src_lo: np.ndarray) -> None:
    """Refuse (before allocating) weight matrices beyond limits.MAX_WEIGHT_ENTRIES in all."""
    heights = np.diff(starts)[1:].astype(np.int64)
    widths = (starts[1:-1] - src_lo[1:]).astype(np.int64)
    sizes = heights * widths
    total = int(sizes.sum())
    if total <= limits.MAX_WEIGHT_ENTRIES:
        return
    big = int(np.argmax(sizes))
    first = int(np.searchsorted(starts, src_lo[big + 1], side="right")) - 1
    raise CompileError(
        [
            f"the weight matrices would hold {total:,} entries, more than the limit of "
            f"{limits.MAX_WEIGHT_ENTRIES:,}: W({big + 1}) alone is {heights[big]:,} x "
            f"{widths[big]:,} because layer {big + 1} is fed from as far back as layer {first} "
            "(a layer's matrix spans every layer between its earliest source and itself, so "
            "long skip connections widen it; see Size limits in the file format documentation)"
        ]
    )


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """np.unique of a 1-D integer array without its masked-array check: that imports
    numpy.ma, a quarter of `bpstudio check`'s and `grade`'s own start-up time."""
    s = np.sort(a)
    if s.size < 2:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]


def take_graph_parameters(c: Compiled, g: Graph) -> bool:
    """Write the graph's current weights and biases into ``c`` in place, for a graph whose
    structure is the one ``c`` was compiled from (only the numbers changed since: the caller
    knows from the graph's events). False, nothing written, when a weight is not set yet (the
    full compile draws it) or the edges no longer match: compile afresh then. Compiling
    20,000 edges took ~40 ms at every refresh of the docks and after every F8."""
    edges = g.edges
    if len(edges) != len(c.edge_ids):
        return False
    try:
        w = np.array([e.weight for e in edges.values()], dtype=float)  # None -> nan
        b = np.array([g.neurons[n].bias for n in c.bias_param], dtype=float)
    except (KeyError, TypeError, ValueError):
        return False
    if np.isnan(w).any() or np.isnan(b).any():
        return False
    c.net.params[c.edge_param] = w
    c.net.params[np.fromiter(c.bias_param.values(), np.intp, len(b))] = b
    return True


def compile_graph(g: Graph, init_seed_offset: int = 0) -> Compiled:
    """Build the core network. Missing weights are drawn from training.init/seed (stable order)."""
    with paused_gc():  # id maps of a 1,000,000-neuron graph: see core/gcpause.py
        return _compile_graph(g, init_seed_offset)


def _compile_graph(g: Graph, init_seed_offset: int) -> Compiled:
    ea = _edge_arrays(g)
    errors = structure_errors(g, ea)
    inputs = [n.id for n in g.neurons.values() if n.role == "input"]
    outputs = [n.id for n in g.neurons.values() if n.role == "output"]
    bias_units = [n.id for n in g.neurons.values() if n.role == "bias"]
    if not inputs:
        errors.append("the network has no input neurons")
    if not outputs:
        errors.append("the network has no output neurons")
    if errors:
        raise CompileError(errors)
    layer_arr = _longest_path_layers(g, ea)
    assert layer_arr is not None  # structure_errors found no cycle
    n_layers = int(layer_arr.max())
    if n_layers > limits.MAX_LAYERS:
        raise CompileError(
            [
                f"the network has {n_layers:,} layers, more than the limit of "
                f"{limits.MAX_LAYERS:,} (see Size limits in the file format documentation)"
            ]
        )
    layer_of = dict(zip(g.neurons, layer_arr.tolist(), strict=True))

    # rows: layer 0 = inputs then bias units; then each layer, grouped only if mixed
    by_layer: list[list[str]] = [inputs + bias_units] + [[] for _ in range(n_layers)]
    for nid in g.neurons:
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
    row_by_index = np.fromiter((row_of[nid] for nid in g.neurons), dtype=np.intp, count=len(row_of))
    src_row, tgt_row = row_by_index[ea.src], row_by_index[ea.tgt]
    tgt_layer = np.searchsorted(starts, tgt_row, side="right") - 1  # 1..L

    # source range of each layer: from its lowest-row feeder to its own start
    src_lo = starts[:-1].copy()
    np.minimum.at(src_lo, tgt_layer, src_row)
    _check_matrix_size(starts, src_lo)

    weights = np.array(list(map(_WEIGHT, edges)), dtype=float)  # None -> nan: drawn below
    missing = np.isnan(weights)
    if missing.any():
        fan_in = np.bincount(tgt_row, minlength=len(neuron_ids))[tgt_row]
        fan_out = np.bincount(src_row, minlength=len(neuron_ids))[src_row]
        rng = np.random.default_rng(g.settings.seed + init_seed_offset)
        scheme = g.settings.init
        weights[missing] = core_init.draw(scheme, fan_in[missing], fan_out[missing], rng)
    trainable = np.fromiter(map(_TRAINABLE, edges), dtype=bool, count=n_e)

    specs: list[LayerSpec] = []
    feeders: list[list[str]] = []
    w_offset = 0
    edge_param = np.zeros(n_e, dtype=np.intp)
    # edges grouped by layer once (stable: graph order within a layer), not one scan per layer
    by_target_layer = np.argsort(tgt_layer, kind="stable")
    layer_bounds = np.searchsorted(tgt_layer[by_target_layer], np.arange(1, n_layers + 2))
    for l in range(1, n_layers + 1):
        start, stop, lo = int(starts[l]), int(starts[l + 1]), int(src_lo[l])
        width = start - lo
        W = np.zeros((stop - start, width))
        mask = np.zeros_like(W)
        sel = by_target_layer[layer_bounds[l - 1] : layer_bounds[l]]
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
                activations=[str(g.neurons[n].activation) for n in lay_ids],  # hidden/output
                weight_trainable=wt,
                bias_trainable=None if bt.all() else bt,
            )
        )
        fed = _sorted_unique(src_row[sel])
        feeders.append([neuron_ids[i] for i in fed])

    net = Network(
        n_inputs=len(inputs),
        n_bias=len(bias_units),
        layers=specs,
        outputs=[row_of[o] for o in outputs],
        loss=g.settings.loss,
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
        edge_ids=ea.ids,
        edge_param=edge_param,
        edge_layer=tgt_layer,
        bias_param=bias_param,
        input_ids=inputs,
        output_ids=outputs,
        bias_unit_ids=bias_units,
        feeders=feeders,
    )
