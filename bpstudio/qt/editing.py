"""Edit operations behind the Edit and Network menus, as functions of (graph, selection).

Each returns an undo command (or None when there is nothing to do) so the window only pushes
it; the clipboard holds a subgraph as network-file JSON, so copy/paste also works between
two running instances.
"""

from __future__ import annotations

import copy

from PySide6.QtGui import QUndoCommand

from ..model.edits import (
    DEFAULT_ACTIVATION,
    ID_PREFIX,
    PASTE_OFFSET,
    SUBSCRIPTS,
    copy_selection,
    full_connection,
    pasted_items,
)
from ..model.graph import Edge, Graph, Neuron
from ..model.layout import align, auto_layout, distribute, layers_of
from ..model.templates import COLUMN, ROW
from .commands import AddItemsCommand, MoveNeuronsCommand
from .layers import add_input_layer_command


def paste_command(graph: Graph, text: str, offset: float = PASTE_OFFSET) -> AddItemsCommand | None:
    """Paste as one undo step (model/edits.pasted_items: fresh ids, shifted positions).

    None when the clipboard holds no bpstudio selection; PasteRefused when it holds a damaged
    one (nothing is changed either way)."""
    items = pasted_items(graph, text, offset)
    if items is None:
        return None
    neurons, edges = items
    return AddItemsCommand(graph, neurons, edges, f"Paste {len(neurons)} neuron(s)")


def duplicate_command(graph: Graph, neuron_ids: list[str]) -> AddItemsCommand | None:
    cmd = paste_command(graph, copy_selection(graph, neuron_ids))
    if cmd is not None:
        cmd.setText(f"Duplicate {len(cmd.neurons)} neuron(s)")
    return cmd


def connect_fully_command(graph: Graph, sources: list[str], targets: list[str]):
    """Edges from every source to every target that may be connected, as one undo step."""
    edges = full_connection(graph, sources, targets)
    if not edges:
        return None
    return AddItemsCommand(graph, [], edges, f"Connect fully ({len(edges)} edges)")


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
    ids = graph.id_allocator()
    neurons: list[Neuron] = []
    edges: list[Edge] = []
    prefix = ID_PREFIX[role]
    for k in range(count):
        nid = ids.new(prefix)
        n = Neuron(
            nid,
            role,
            activation=activation or DEFAULT_ACTIVATION[role],
            label=nid[0] + nid[1:].translate(SUBSCRIPTS),
            x=x,
            y=centre + (k - (count - 1) / 2) * ROW,
        )
        neurons.append(n)
    for n in neurons:  # new neurons: nothing yet to refuse
        edges.extend(Edge(ids.new("w"), s, n.id) for s in feed_from)
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
