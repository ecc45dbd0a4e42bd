"""Canvas geometry that needs no Qt: auto-layout by compiled layer, align, distribute.

All functions return ``{neuron_id: (x, y)}`` for the neurons they move; callers turn that into
one undoable MoveNeuronsCommand (or, for a freshly loaded file, write it straight into the
graph before it is shown).
"""

from __future__ import annotations

from .compile import CompileError, compute_layers
from .graph import Graph
from .templates import COLUMN, ROW

Positions = dict[str, tuple[float, float]]


def layers_of(graph: Graph) -> dict[str, int]:
    """Compiled (longest-path) layer of every neuron; by role if the graph has a cycle."""
    try:
        return compute_layers(graph)
    except CompileError:
        return {n.id: 0 if n.role in ("input", "bias") else 1 for n in graph.neurons.values()}


def spacing_for_labels(font_px: float, radius: float = 22.0) -> tuple[float, float]:
    """(column, row) distances that leave room for the pass overlay's numbers at ``font_px``:
    a three-line value badge above each neuron clear of the one above it, and a ∂L/∂w label
    plus a weight label along an edge between two columns. Never less than COLUMN, ROW."""
    disc = 2 * (radius + 6.0)  # a neuron with its glyph badge, both ends of a gap
    # beside an output its two-line ŷ / y badge reaches past the circle at large fonts
    beside = 2 * max(radius + 6.0, 1.31 * font_px + 2.0)
    row = beside + 4.4 * font_px + 8.0  # 3 lines of 1.17 em, padding, gaps
    column = disc + 9.0 * font_px  # "∂L/∂w = −0.0000" and a weight label side by side
    return max(COLUMN, column), max(ROW, row)


def auto_layout(
    graph: Graph,
    ids: list[str] | None = None,
    origin=(0.0, 0.0),
    spacing: tuple[float, float] | None = None,
) -> Positions:
    """Columns by layer, rows centred on ``origin``; within a column the current top-to-bottom
    order is kept (unpositioned neurons after, in file order), so running it twice is a no-op.
    ``spacing``: (column, row) distances (default COLUMN, ROW; see spacing_for_labels)."""
    column_step, row_step = spacing or (COLUMN, ROW)
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
        top = origin[1] - (len(members) - 1) * row_step / 2
        for k, nid in enumerate(members):
            out[nid] = (origin[0] + col * column_step, top + k * row_step)
    return _clear_skip_edges(graph, layer, columns, out, row_step)


SKIP_CLEARANCE = 40.0  # a skip edge passing nearer a neuron's centre reads as through it
COLUMN_SHIFTS = (0.0, 0.5, -0.5, 0.25, -0.25, 1.0, -1.0)  # in rows
SKIP_WORK = 300_000  # distance tests (~0.3 s) beyond which the columns are left as they are


def _clear_skip_edges(
    graph: Graph, layer: dict, columns: dict, out: Positions, row: float = ROW
) -> Positions:
    """Columns a skip edge jumps are shifted up or down (by a fraction of a row) so the skip
    edge passes between their neurons, not through one of them and along the normal edges
    (a 1-1-1 chain with a skip edge drew it on top of the two normal ones). Deterministic:
    computed from the columns alone, so laying out twice changes nothing."""
    skips = [
        (e.source, e.target)
        for e in graph.edges.values()
        if e.source in out and e.target in out and abs(layer[e.target] - layer[e.source]) > 1
    ]
    if not skips:
        return out
    shift = {col: 0.0 for col in columns}

    def hits(col: int) -> int:
        n = 0
        for s, t in skips:
            lo, hi = sorted((layer[s], layer[t]))
            if not lo < col < hi:
                continue
            (x0, y0), (x1, y1) = out[s], out[t]
            y0, y1 = y0 + shift[layer[s]], y1 + shift[layer[t]]
            for nid in columns[col]:
                x, y = out[nid][0], out[nid][1] + shift[col]
                n += _segment_distance(x, y, x0, y0, x1, y1) < SKIP_CLEARANCE
        return n

    inner = sorted(columns)[1:-1]
    # distance tests of the search below (4 passes x columns x shifts x skips x neurons)
    if 4 * len(COLUMN_SHIFTS) * len(inner) * len(skips) * len(out) > SKIP_WORK:
        return out  # a big network: its skip edges are a field anyway (and this stays fast)

    def total() -> int:
        return sum(hits(c) for c in inner)

    for _ in range(4):  # a shifted column moves the skip edges that end there: settle
        changed = False
        for col in inner:
            was, costs = shift[col], []
            for k, d in enumerate(COLUMN_SHIFTS):
                shift[col] = d * row
                costs.append((total(), k))
            shift[col] = COLUMN_SHIFTS[min(costs)[1]] * row
            changed |= shift[col] != was
        if not changed:
            break
    return {nid: (x, y + shift[layer[nid]]) for nid, (x, y) in out.items()}


def _segment_distance(px, py, x0, y0, x1, y1) -> float:
    dx, dy = x1 - x0, y1 - y0
    n = dx * dx + dy * dy
    t = 0.0 if n == 0 else max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / n))
    return ((x0 + t * dx - px) ** 2 + (y0 + t * dy - py) ** 2) ** 0.5


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
