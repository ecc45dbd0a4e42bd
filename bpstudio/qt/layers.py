"""Layers as a unit: the drawn columns of a network and the undo commands that edit one.

A lecturer thinks in the columns of the drawing, so a *column* here is what the canvas shows:
neurons whose x lies within ``COLUMN_TOLERANCE`` of each other, left to right, each column
top to bottom. (The compiled layer of an unconnected neuron is 0, which would put a freshly
dropped hidden layer into the input column.)

Every function returns one undo command (or None when there is nothing to do) built from the
existing commands in ``qt/commands.py``, so undo and redo are exact by construction:
:class:`MacroCommand` runs several of them as one step.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
from PySide6.QtGui import QUndoCommand

from ..core import init as core_init
from ..model.edits import DEFAULT_ACTIVATION, ID_PREFIX, SUBSCRIPTS, new_connections
from ..model.graph import Edge, Graph, Neuron
from ..model.templates import COLUMN, ROW
from .commands import AddItemsCommand, DeleteCommand, SetEdgeCommand, SetNeuronCommand

COLUMN_TOLERANCE = COLUMN / 3  # neurons this close in x are drawn as one column
MAX_LAYER = 256  # as Add Layer…: a projected layer is never larger


class MacroCommand(QUndoCommand):
    """Several existing commands as one undo step (redo in order, undo in reverse)."""

    def __init__(self, text: str, commands: Sequence[QUndoCommand]):
        super().__init__(text)
        self.commands = list(commands)

    def redo(self) -> None:
        for c in self.commands:
            c.redo()

    def undo(self) -> None:
        for c in reversed(self.commands):
            c.undo()


# ---------------------------------------------------------------- columns
def _x(n: Neuron) -> float:
    return n.x if n.x is not None else 0.0


def _y(n: Neuron) -> float:
    return n.y if n.y is not None else 0.0


def columns(graph: Graph) -> list[list[str]]:
    """The drawn columns, left to right, each top to bottom."""
    order = sorted(graph.neurons.values(), key=lambda n: (_x(n), _y(n), n.id))
    cols: list[list[Neuron]] = []
    for n in order:
        if cols and abs(_x(n) - _x(cols[-1][0])) <= COLUMN_TOLERANCE:
            cols[-1].append(n)
        else:
            cols.append([n])
    return [[n.id for n in sorted(c, key=lambda n: (_y(n), n.id))] for c in cols]


def column_of(graph: Graph, ids: Sequence[str]) -> list[str] | None:
    """The whole column if every id lies in one column, else None."""
    if not ids:
        return None
    want = set(ids)
    for col in columns(graph):
        if want <= set(col):
            return col
        if want & set(col):
            return None
    return None


def column_x(graph: Graph, col: Sequence[str]) -> float:
    return sum(_x(graph.neurons[i]) for i in col) / len(col)


def describe(graph: Graph, col: Sequence[str]) -> str:
    """ "2 hidden (sigmoid)", "3 inputs", "1 output (softmax)", "2 neurons (mixed)"."""
    roles = {graph.neurons[i].role for i in col}
    acts = {graph.neurons[i].activation for i in col if graph.neurons[i].has_activation}
    n = len(col)
    if len(roles) == 1:
        role = roles.pop()
        noun = role if role == "hidden" else role + ("s" if n != 1 else "")
    else:
        noun = "neurons" if n != 1 else "neuron"
    act = f" ({acts.pop()})" if len(acts) == 1 else " (mixed)" if acts else ""
    return f"{n} {noun}{act}"


def label_for(nid: str, role: str) -> str:
    return "1" if role == "bias" else nid[0] + nid[1:].translate(SUBSCRIPTS)


def _scratch(graph: Graph) -> Graph:
    scratch = graph.copy()  # allocate ids against the graph plus what we add
    scratch._listeners = []
    return scratch


def _ordered_union(values) -> list[str]:
    return list(dict.fromkeys(values))


def feeders(graph: Graph, col: Sequence[str]) -> list[str]:
    """The neurons with an edge into the column (edge order)."""
    inside = set(col)
    return _ordered_union(e.source for e in graph.edges.values() if e.target in inside)


def fed(graph: Graph, col: Sequence[str]) -> list[str]:
    """The neurons the column has edges to (edge order)."""
    inside = set(col)
    return _ordered_union(e.target for e in graph.edges.values() if e.source in inside)


def incoming_edges(graph: Graph, col: Sequence[str]) -> list[str]:
    """Edges into the column, by target (top to bottom) then in edge order: the order the
    Weights field lists them, w(h1←x1), w(h1←x2), w(h2←x1), …"""
    by_target: dict[str, list[str]] = {i: [] for i in col}
    for e in graph.edges.values():
        if e.target in by_target:
            by_target[e.target].append(e.id)
    return [eid for i in col for eid in by_target[i]]


def initial_weights(graph: Graph, edges: list[Edge], salt: str) -> None:
    """Give new edges values drawn as training.init would (fan-in/out after the change),
    seeded from the network's seed and the edge ids, so the same edit draws the same numbers."""
    if not edges:
        return
    fan_in: dict[str, int] = {}
    fan_out: dict[str, int] = {}
    for e in [*graph.edges.values(), *edges]:
        fan_in[e.target] = fan_in.get(e.target, 0) + 1
        fan_out[e.source] = fan_out.get(e.source, 0) + 1
    scheme = graph.training.get("init", "xavier_uniform")
    if scheme not in core_init.INITIALISERS:
        scheme = "xavier_uniform"
    seed = int(graph.training.get("seed", 0) or 0) + zlib.crc32(salt.encode())
    rng = np.random.default_rng(seed % 2**63)
    drawn = core_init.draw(
        scheme,
        np.array([fan_in[e.target] for e in edges]),
        np.array([fan_out[e.source] for e in edges]),
        rng,
    )
    for e, w in zip(edges, drawn, strict=True):
        e.weight = round(float(w), 4)  # a number a lecturer can read off the canvas


# ---------------------------------------------------------------- new layers
def make_layer(
    graph: Graph,
    count: int,
    role: str,
    activation: str | None,
    x: float,
    centre_y: float,
    sources: Sequence[str] = (),
    targets: Sequence[str] = (),
    weights: bool = False,
) -> tuple[list[Neuron], list[Edge]]:
    """count new neurons in a column at x, centred on centre_y, fully connected from
    sources and to targets (edges by new neuron, then in the given order)."""
    if role in ("input", "bias"):
        activation = None
    else:
        activation = activation or DEFAULT_ACTIVATION[role]
        if role != "output" and activation == "softmax":
            activation = "sigmoid"  # softmax is an output activation (the file must open again)
    ids = graph.id_allocator()
    neurons = []
    for k in range(count):
        nid = ids.new(ID_PREFIX[role])
        n = Neuron(
            nid,
            role,
            activation=activation,
            label=label_for(nid, role),
            x=round(x, 1),
            y=round(centre_y + (k - (count - 1) / 2) * ROW, 1),
        )
        neurons.append(n)
    scratch = _scratch(graph)  # the new neurons' edges are checked with them in the graph
    scratch.neurons.update((n.id, n) for n in neurons)
    pairs = [(s, n.id) for n in neurons for s in sources]
    pairs += [(n.id, t) for n in neurons for t in targets]
    edges = new_connections(scratch, pairs, ids)
    if weights:
        initial_weights(graph, edges, ",".join(e.id for e in edges))
    return neurons, edges


def add_input_layer_command(graph: Graph, count: int, feed_to: Sequence[str]) -> AddItemsCommand:
    """Add Layer… with role input: below the inputs there are (feeding what they feed), or a
    new column left of the drawing feeding its first column (or the selected neurons)."""
    ins = [n.id for n in graph.neurons.values() if n.role == "input"]
    targets = [i for i in feed_to if graph.neurons[i].has_activation]
    if ins:
        col = column_of(graph, ins) or ins
        x = column_x(graph, col)
        bottom = max(_y(graph.neurons[i]) for i in col)
        centre = bottom + ROW * (count + 1) / 2
        targets = targets or fed(graph, ins)
    else:
        cols = columns(graph)
        first = cols[0] if cols else []
        x = (column_x(graph, first) - COLUMN) if first else 0.0
        centre = (sum(_y(graph.neurons[i]) for i in first) / len(first)) if first else 0.0
        targets = targets or [i for i in first if graph.neurons[i].has_activation]
    neurons, edges = make_layer(
        graph, count, "input", None, x, centre, targets=targets, weights=True
    )
    return AddItemsCommand(graph, neurons, edges, f"Add layer of {count} inputs")


# ---------------------------------------------------------------- whole-layer edits
def resize_command(graph: Graph, col: Sequence[str], size: int) -> QUndoCommand | None:
    """Grow the column (new neurons below, connected like the others, weights initialised)
    or shrink it (its last neurons go, with their edges)."""
    col = list(col)
    size = max(1, min(MAX_LAYER, int(size)))
    if not col or size == len(col):
        return None
    if size < len(col):
        gone = col[size:]
        return DeleteCommand(graph, gone, [], text=f"Shrink layer to {size}")
    first = graph.neurons[col[0]]
    acts = [graph.neurons[i].activation for i in col if graph.neurons[i].has_activation]
    activation = max(set(acts), key=acts.count) if acts else None
    extra = size - len(col)
    x = column_x(graph, col)
    bottom = max(_y(graph.neurons[i]) for i in col)
    neurons, edges = make_layer(
        graph,
        extra,
        first.role,
        activation,
        x,
        bottom + ROW * (extra + 1) / 2,
        feeders(graph, col),
        fed(graph, col),
        weights=True,
    )
    return AddItemsCommand(graph, neurons, edges, f"Grow layer to {size}")


def set_activation_command(graph: Graph, col: Sequence[str], activation: str):
    ids = [i for i in col if graph.neurons[i].has_activation]
    if activation == "softmax":
        ids = [i for i in ids if graph.neurons[i].role == "output"]
    ids = [i for i in ids if graph.neurons[i].activation != activation]
    if not ids:
        return None
    return SetNeuronCommand(
        graph, ids, {"activation": activation}, f"Set activation of layer to {activation}"
    )


NUMBER = re.compile(r"[^\s,;]+")


def parse_numbers(text: str) -> tuple[list[float], str | None]:
    """ "0.15 0.2; 0.25, 0.3" → the numbers, or a message naming the first one that is not."""
    values = []
    for k, tok in enumerate(NUMBER.findall(text.replace("−", "-")), start=1):
        try:
            v = float(tok)
        except ValueError:
            return [], f"value {k} ({tok!r}) is not a number"
        if not np.isfinite(v):
            return [], f"value {k} ({tok!r}) is not a finite number"
        values.append(v)
    return values, None


def weights_text(graph: Graph, col: Sequence[str]) -> str:
    """The column's incoming weights, a group per neuron: "0.15 0.2; 0.25 0.3"."""
    groups = []
    for i in col:
        ws = [graph.edges[e].weight for e in incoming_edges(graph, [i])]
        if any(w is None for w in ws):
            return ""  # not all set yet (drawn from training.init): the field starts empty
        if ws:
            groups.append(" ".join(f"{w:g}" for w in ws))
    return "; ".join(groups)


def weights_layout(graph: Graph, col: Sequence[str]) -> str:
    """What the Weights field expects, for its message: "h₁ ← x₁, x₂; h₂ ← x₁, x₂"."""
    parts = []
    for i in col:
        srcs = [
            graph.neurons[graph.edges[e].source].display_label for e in incoming_edges(graph, [i])
        ]
        if srcs:
            parts.append(f"{graph.neurons[i].display_label} ← {', '.join(srcs)}")
    return "; ".join(parts)


def set_weights_command(graph: Graph, col: Sequence[str], text: str):
    """(command or None, problem or None): every incoming weight of the column at once."""
    values, problem = parse_numbers(text)
    if problem:
        return None, problem
    edges = incoming_edges(graph, col)
    if not edges:
        return None, "the layer has no incoming edges"
    if len(values) != len(edges):
        return None, (
            f"{len(edges)} weights expected ({weights_layout(graph, col)}), got {len(values)}"
        )
    cmds = [
        SetEdgeCommand(graph, [eid], {"weight": v}, "")
        for eid, v in zip(edges, values, strict=True)
        if graph.edges[eid].weight != v
    ]
    if not cmds:
        return None, None
    return MacroCommand(f"Set {len(edges)} weights of a layer", cmds), None


def set_bias_command(graph: Graph, col: Sequence[str], text: str):
    values, problem = parse_numbers(text)
    if problem:
        return None, problem
    if len(values) != 1:
        return None, f"one bias for the whole layer, got {len(values)} values"
    ids = [i for i in col if graph.neurons[i].has_activation and graph.neurons[i].bias != values[0]]
    if not ids:
        return None, None
    return SetNeuronCommand(graph, ids, {"bias": values[0]}, "Set bias of layer"), None
