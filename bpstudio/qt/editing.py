"""Edit operations behind the Edit and Network menus, as functions of (graph, selection).

Each returns an undo command (or None when there is nothing to do) so the window only pushes
it; the clipboard holds a subgraph as network-file JSON, so copy/paste also works between
two running instances.
"""

from __future__ import annotations

import copy
import json

from PySide6.QtGui import QUndoCommand

from ..model import file_validation, fileformat
from ..model.graph import Edge, Graph, Neuron
from ..model.templates import COLUMN, ROW
from .canvas.tools import DEFAULT_ACTIVATION, ID_PREFIX, SUBSCRIPTS
from .commands import AddItemsCommand, MoveNeuronsCommand
from .layers import add_input_layer_command
from .layout import align, auto_layout, distribute, layers_of

CLIPBOARD_FORMAT = "bpstudio-selection"
PASTE_OFFSET = 40.0


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


def _selection_graph(doc: dict) -> Graph:
    """The clipboard's neurons and edges read by the network file's own rules (types, roles,
    finite numbers, edges between pasted neurons, no cycle): text edited by hand or written by
    another program is refused with the file format's message, not a KeyError."""
    from ..core import limits
    from ..model.compile import structure_errors

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


def paste_command(graph: Graph, text: str, offset: float = PASTE_OFFSET) -> AddItemsCommand | None:
    """Fresh ids for everything pasted; positions shifted so the copy is visible.

    None when the clipboard holds no bpstudio selection; PasteRefused when it holds a damaged
    one (nothing is changed either way)."""
    try:
        doc = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != CLIPBOARD_FORMAT:
        return None
    pasted = _selection_graph(doc)
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
    return AddItemsCommand(graph, neurons, edges, f"Paste {len(neurons)} neuron(s)")


def duplicate_command(graph: Graph, neuron_ids: list[str]) -> AddItemsCommand | None:
    cmd = paste_command(graph, copy_selection(graph, neuron_ids))
    if cmd is not None:
        cmd.setText(f"Duplicate {len(cmd.neurons)} neuron(s)")
    return cmd


def connect_fully_command(graph: Graph, sources: list[str], targets: list[str]):
    """Edges from every source to every target that may be connected (others skipped)."""
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
    if not edges:
        return None
    return AddItemsCommand(graph, [], edges, f"Connect fully ({len(edges)} edges)")


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


def add_layer_command(
    graph: Graph, count: int, activation: str, role: str, feed_from: list[str]
) -> AddItemsCommand:
    """N new neurons in a column right of the feeding layer, fully connected from it.

    Without a selection the layer is fed by the last layer (the outputs, or the highest layer
    that is not an output when a new output layer would otherwise be fed by outputs). An
    input layer feeds instead (qt/layers.py)."""
    if role == "input":
        return add_input_layer_command(graph, count, feed_from)
    layer = layers_of(graph)
    if not feed_from and graph.neurons:
        candidates = [i for i, n in graph.neurons.items() if n.role != "output"]
        if candidates:
            top = max(layer[i] for i in candidates)
            feed_from = [i for i in candidates if layer[i] == top]
    feed_from = [i for i in feed_from if graph.neurons[i].role != "output"]
    xs = [graph.neurons[i].x or 0.0 for i in feed_from]
    x = (max(xs) if xs else 0.0) + COLUMN
    ys = [graph.neurons[i].y or 0.0 for i in feed_from]
    centre = (sum(ys) / len(ys)) if ys else 0.0
    if role != "output" and activation == "softmax":
        activation = "sigmoid"  # softmax is an output activation (a file must open again)
    scratch = graph.copy()
    scratch._listeners = []
    neurons, edges = [], []
    prefix = ID_PREFIX[role]
    for k in range(count):
        nid = scratch.new_id(prefix)
        n = Neuron(
            nid,
            role,
            activation=activation or DEFAULT_ACTIVATION[role],
            label=nid[0] + nid[1:].translate(SUBSCRIPTS),
            x=x,
            y=centre + (k - (count - 1) / 2) * ROW,
        )
        scratch.neurons[nid] = n
        neurons.append(n)
    for n in neurons:
        for s in feed_from:
            e = Edge(scratch.new_id("w"), s, n.id)
            scratch.edges[e.id] = e
            edges.append(e)
    return AddItemsCommand(graph, neurons, edges, f"Add layer of {count} {activation} neurons")


def layout_command(
    graph: Graph, ids: list[str] | None = None, spacing: tuple[float, float] | None = None
) -> QUndoCommand | None:
    new = auto_layout(graph, ids or None, spacing=spacing)
    return _moves(graph, new, "Auto-layout")


def align_command(graph: Graph, ids: list[str], how: str) -> QUndoCommand | None:
    return _moves(graph, align(graph, ids, how), f"Align {how}")


def distribute_command(graph: Graph, ids: list[str], axis: str) -> QUndoCommand | None:
    label = "horizontally" if axis == "x" else "vertically"
    return _moves(graph, distribute(graph, ids, axis), f"Distribute {label}")


def _moves(graph: Graph, new: dict, text: str) -> QUndoCommand | None:
    changed = {i: p for i, p in new.items() if (graph.neurons[i].x, graph.neurons[i].y) != p}
    if not changed:
        return None
    old = {i: (graph.neurons[i].x, graph.neurons[i].y) for i in changed}
    return MoveNeuronsCommand(graph, old, copy.deepcopy(changed), text=text)
