"""Graph edits that need no Qt: new neurons' ids and labels, the clipboard's selection,
pasting and full connection as the neurons and edges to add (qt/editing.py wraps them in
undoable commands), and "connect selected → selected"'s split by layer."""

from __future__ import annotations

import json
from collections.abc import Iterable

from . import file_validation, fileformat
from .compile import CompileError, compute_layers
from .graph import Edge, Graph, IdAllocator, Neuron
from .layout import layers_of

ID_PREFIX = {"input": "x", "hidden": "h", "output": "o", "bias": "b"}
DEFAULT_ACTIVATION = {"hidden": "sigmoid", "output": "sigmoid"}
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
CLIPBOARD_FORMAT = "bpstudio-selection"
PASTE_OFFSET = 40.0


def new_neuron(graph: Graph, role: str, x: float, y: float) -> Neuron:
    """A neuron of ``role`` with the next free id (x1, h3, ...), its subscripted label and the
    role's default activation, at (x, y) rounded to 0.1 (not yet added to the graph)."""
    nid = graph.new_id(ID_PREFIX[role])
    label = "1" if role == "bias" else nid[0] + nid[1:].translate(SUBSCRIPTS)
    return Neuron(
        nid,
        role,
        activation=DEFAULT_ACTIVATION.get(role),
        label=label,
        x=round(x, 1),
        y=round(y, 1),
    )


def copy_selection(graph: Graph, neuron_ids: list[str]) -> str:
    """The selected neurons and the edges between them, as JSON text."""
    keep = set(neuron_ids)
    doc = {
        "format": CLIPBOARD_FORMAT,
        "neurons": [fileformat._neuron_dict(graph.neurons[i]) for i in graph.neurons if i in keep],
        "edges": [
            fileformat._edge_dict(e)
            for e in graph.edges.values()
            if e.source in keep and e.target in keep
        ],
    }
    return json.dumps(doc, ensure_ascii=False)


class PasteRefused(ValueError):
    """The clipboard holds a bpstudio selection that cannot be pasted; str() says why."""


def selection_graph(doc: dict) -> Graph:
    """The clipboard's neurons and edges read by the network file's own rules (types, roles,
    finite numbers, edges between pasted neurons, no cycle): text edited by hand or written by
    another program is refused with the file format's message, not a KeyError."""
    from ..core import limits
    from .compile import structure_errors

    neurons, edges = doc.get("neurons", []), doc.get("edges", [])
    for key, items, most in (
        ("neurons", neurons, limits.MAX_NEURONS),
        ("edges", edges, limits.MAX_EDGES),
    ):
        if isinstance(items, list) and len(items) > most:
            raise PasteRefused(f"{key}: {len(items):,} {key}, more than the limit of {most:,}")
    g, errors = Graph(), file_validation._Errors()
    file_validation._read_neurons(neurons, g, errors)
    file_validation._read_edges(edges, g, errors)
    if not errors:
        errors.extend(structure_errors(g))  # softmax on outputs only, duplicates, cycles
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise PasteRefused(f"{errors[0]}{more}")
    return g


def pasted_items(
    graph: Graph, text: str, offset: float = PASTE_OFFSET
) -> tuple[list[Neuron], list[Edge]] | None:
    """The clipboard's selection with fresh ids, shifted by ``offset`` so the copy is seen.

    None when the text is no bpstudio selection (or an empty one); PasteRefused when it is a
    damaged one. The graph is not changed."""
    try:
        doc = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != CLIPBOARD_FORMAT:
        return None
    pasted = selection_graph(doc)
    ids = graph.id_allocator()
    neurons, edges, id_map = [], [], {}
    for old in pasted.neurons.values():
        nid = ids.new(ID_PREFIX.get(old.role, "h"))
        id_map[old.id] = nid
        n = Neuron(
            nid,
            old.role,
            activation=old.activation,
            bias=old.bias,
            label=old.label,
            trainable=old.trainable,
            x=(old.x or 0.0) + offset,
            y=(old.y or 0.0) + offset,
        )
        if n.label and n.label == old.id:
            n.label = None
        neurons.append(n)
    for old_edge in pasted.edges.values():  # both ends are pasted neurons (checked above)
        eid = ids.new("w")
        e = Edge(
            eid,
            id_map[old_edge.source],
            id_map[old_edge.target],
            weight=old_edge.weight,
            trainable=old_edge.trainable,
        )
        edges.append(e)
    if not neurons:
        return None
    return neurons, edges


def full_connection(graph: Graph, sources: list[str], targets: list[str]) -> list[Edge]:
    """New edges from every source to every target that may be connected (others skipped),
    target by target."""
    return new_connections(graph, ((s, t) for t in targets for s in sources))


def new_connections(
    graph: Graph, pairs: Iterable[tuple[str, str]], ids: IdAllocator | None = None
) -> list[Edge]:
    """The edges (source, target) of ``pairs`` that may be drawn, in order, with the ids
    and the refusals (``graph.connection_refusal``) of adding them one after another.

    In time about linear in the edges added: each pair asked connection_refusal (a pass
    over every edge, twice) and ``new_id`` (a set of every id), and 200 neurons connected
    to 200 froze the window for half a minute. ``ids``: the allocator that also gave the
    new neurons theirs (default: one for the graph)."""
    try:
        layer = compute_layers(graph)  # layer[u] < layer[v] along every edge
    except CompileError:  # a cycle already (no file opens with one, no edit makes one)
        return []
    succ: dict[str, list[str]] = {n: [] for n in graph.neurons}
    for e in graph.edges.values():
        succ[e.source].append(e.target)
    connected = {(e.source, e.target) for e in graph.edges.values()}
    ids = ids or graph.id_allocator()
    edges = []
    for s, t in pairs:
        if graph.ends_refusal(s, t) or (s, t) in connected:
            continue
        if layer[s] >= layer[t]:  # t may reach s: would s -> t close a cycle?
            if _reaches(succ, layer, t, s):
                continue
            _raise_layers(succ, layer, t, layer[s] + 1)
        succ[s].append(t)
        connected.add((s, t))
        edges.append(Edge(ids.new("w"), s, t))
    return edges


def _reaches(succ: dict[str, list[str]], layer: dict[str, int], start: str, goal: str) -> bool:
    """A path start -> ... -> goal? Layers rise along every edge, so the search never goes
    above the goal's layer."""
    top = layer[goal]
    stack, seen = [start], {start}
    while stack:
        n = stack.pop()
        if n == goal:
            return True
        for m in succ[n]:
            if m not in seen and layer[m] <= top:
                seen.add(m)
                stack.append(m)
    return False


def _raise_layers(succ: dict[str, list[str]], layer: dict[str, int], start: str, least: int):
    """Keep layers rising along every edge once an edge into ``start`` needs it at ``least``."""
    stack = [(start, least)]
    while stack:
        n, at_least = stack.pop()
        if layer[n] >= at_least:
            continue
        layer[n] = at_least
        stack.extend((m, at_least + 1) for m in succ[n])


def split_by_layer(graph: Graph, ids: list[str]) -> tuple[list[str], list[str]]:
    """For "Connect selected → selected": earlier-layer neurons feed later-layer ones."""
    layer = layers_of(graph)
    if not ids:
        return [], []
    lo = min(layer[i] for i in ids)
    src = [i for i in ids if layer[i] == lo]
    tgt = [i for i in ids if layer[i] != lo]
    if not tgt:  # all in one column: connect left half to right half by x
        xs = sorted(ids, key=lambda i: (graph.neurons[i].x or 0.0, i))
        xmin = graph.neurons[xs[0]].x or 0.0
        src = [i for i in xs if (graph.neurons[i].x or 0.0) == xmin]
        left = set(src)
        tgt = [i for i in xs if i not in left]
    return src, tgt
