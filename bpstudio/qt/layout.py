"""Canvas geometry that needs no Qt: auto-layout by compiled layer, align, distribute.

All functions return ``{neuron_id: (x, y)}`` for the neurons they move; callers turn that into
one undoable MoveNeuronsCommand (or, for a freshly loaded file, write it straight into the
graph before it is shown).
"""

from __future__ import annotations

from ..model.compile import CompileError, compute_layers
from ..model.graph import Graph
from ..model.templates import COLUMN, ROW

Positions = dict[str, tuple[float, float]]


def layers_of(graph: Graph) -> dict[str, int]:
    """Compiled (longest-path) layer of every neuron; by role if the graph has a cycle."""
    try:
        return compute_layers(graph)
    except CompileError:
        return {n.id: 0 if n.role in ("input", "bias") else 1 for n in graph.neurons.values()}


def auto_layout(graph: Graph, ids: list[str] | None = None, origin=(0.0, 0.0)) -> Positions:
    """Columns by layer, rows centred on ``origin``; within a column the current top-to-bottom
    order is kept (unpositioned neurons after, in file order), so running it twice is a no-op."""
    layer = layers_of(graph)
    chosen = list(graph.neurons) if ids is None else [i for i in graph.neurons if i in set(ids)]
    order = {nid: k for k, nid in enumerate(graph.neurons)}
    columns: dict[int, list[str]] = {}
    for nid in chosen:
        columns.setdefault(layer[nid], []).append(nid)
    out: Positions = {}
    for col, members in columns.items():
        members.sort(
            key=lambda i: (
                graph.neurons[i].y is None,
                graph.neurons[i].y or 0.0,
                order[i],
            )
        )
        # bias units sit at the top of their column, as in textbook drawings
        members.sort(key=lambda i: graph.neurons[i].role != "bias")
        top = origin[1] - (len(members) - 1) * ROW / 2
        for k, nid in enumerate(members):
            out[nid] = (origin[0] + col * COLUMN, top + k * ROW)
    return out


def missing_positions(graph: Graph) -> Positions:
    """Auto-layout positions for the neurons that have none (x or y is None)."""
    missing = [n.id for n in graph.neurons.values() if n.x is None or n.y is None]
    if not missing:
        return {}
    return {k: v for k, v in auto_layout(graph).items() if k in set(missing)}


def fill_missing_positions(graph: Graph) -> None:
    """Write layout positions into a graph that no view watches yet (a freshly loaded file)."""
    for nid, (x, y) in missing_positions(graph).items():
        graph.neurons[nid].x, graph.neurons[nid].y = x, y


def align(graph: Graph, ids: list[str], how: str) -> Positions:
    """how: left, right, hcenter (same x) or top, bottom, vcenter (same y)."""
    pts = {i: (graph.neurons[i].x or 0.0, graph.neurons[i].y or 0.0) for i in ids}
    if len(pts) < 2:
        return {}
    xs = [p[0] for p in pts.values()]
    ys = [p[1] for p in pts.values()]
    target = {
        "left": min(xs),
        "right": max(xs),
        "hcenter": sum(xs) / len(xs),
        "top": min(ys),
        "bottom": max(ys),
        "vcenter": sum(ys) / len(ys),
    }[how]
    if how in ("left", "right", "hcenter"):
        return {i: (target, y) for i, (_, y) in pts.items()}
    return {i: (x, target) for i, (x, _) in pts.items()}


def distribute(graph: Graph, ids: list[str], axis: str) -> Positions:
    """Equal spacing between the outermost selected neurons along axis 'x' or 'y'."""
    pts = {i: (graph.neurons[i].x or 0.0, graph.neurons[i].y or 0.0) for i in ids}
    if len(pts) < 3:
        return {}
    k = 0 if axis == "x" else 1
    order = sorted(pts, key=lambda i: (pts[i][k], i))
    lo, hi = pts[order[0]][k], pts[order[-1]][k]
    step = (hi - lo) / (len(order) - 1)
    out: Positions = {}
    for n, i in enumerate(order):
        x, y = pts[i]
        out[i] = (lo + n * step, y) if k == 0 else (x, lo + n * step)
    return out
