"""Graph edits that need no Qt: new neurons' ids and labels, the clipboard's selection,
pasting and full connection as the neurons and edges to add (qt/editing.py wraps them in
undoable commands), and "connect selected → selected"'s split by layer."""

from __future__ import annotations

import json

from . import file_validation, fileformat
from .graph import Edge, Graph, Neuron
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
    scratch = graph.copy()  # allocate ids against the graph plus what we add
    scratch._listeners = []
    neurons, edges, id_map = [], [], {}
    for old in pasted.neurons.values():
        nid = scratch.new_id(ID_PREFIX.get(old.role, "h"))
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
        scratch.neurons[nid] = n
        neurons.append(n)
    for old_edge in pasted.edges.values():  # both ends are pasted neurons (checked above)
        eid = scratch.new_id("w")
        e = Edge(
            eid,
            id_map[old_edge.source],
            id_map[old_edge.target],
            weight=old_edge.weight,
            trainable=old_edge.trainable,
        )
        scratch.edges[eid] = e
        edges.append(e)
    if not neurons:
        return None
    return neurons, edges


def full_connection(graph: Graph, sources: list[str], targets: list[str]) -> list[Edge]:
    """New edges from every source to every target that may be connected (others skipped)."""
    scratch = graph.copy()
    scratch._listeners = []
    edges = []
    for t in targets:
        for s in sources:
            if s == t or scratch.connection_refusal(s, t):
                continue
            e = Edge(scratch.new_id("w"), s, t)
            scratch.edges[e.id] = e
            edges.append(e)
    return edges


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
        tgt = [i for i in xs if i not in src]
    return src, tgt
