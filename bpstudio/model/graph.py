# Longer than 400 lines: the graph's data classes, change kinds and mutators are the one model every
# view observes.
"""The drawn network: neurons, edges, settings and data, with change events. No Qt.

The canvas, the inspector and undo commands all go through the mutating methods here; each
emits one :class:`Change` to the subscribers, so views redraw from the model and undo/redo can
never drift from the picture. Unknown keys from the file are kept in ``extra`` dicts and
written back on save.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from ..core.settings import DEFAULTS, TrainingSettings

ROLES = ("input", "hidden", "output", "bias")


@dataclass(slots=True)  # slots: a 1,000,000-neuron file takes a third of the memory
class Neuron:
    id: str
    role: str
    activation: str | None = None  # hidden/output only
    bias: float = 0.0
    label: str | None = None
    x: float | None = None
    y: float | None = None
    trainable: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def copied(self) -> Neuron:
        """A copy that shares nothing mutable: deepcopy's result in a tenth of its time."""
        extra = copy.deepcopy(self.extra) if self.extra else {}
        return Neuron(self.id, self.role, self.activation, self.bias, self.label, self.x,
                      self.y, self.trainable, extra)  # fmt: skip

    @property
    def display_label(self) -> str:
        return self.label if self.label else self.id

    @property
    def has_activation(self) -> bool:
        return self.role in ("hidden", "output")


@dataclass(slots=True)
class Edge:
    id: str
    source: str
    target: str
    weight: float | None = None  # None: drawn from training.init when compiled
    trainable: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def copied(self) -> Edge:
        """A copy that shares nothing mutable: deepcopy's result in a tenth of its time
        (connecting 10,000 edges spent 0.6 s deep-copying them)."""
        extra = copy.deepcopy(self.extra) if self.extra else {}
        return Edge(self.id, self.source, self.target, self.weight, self.trainable, extra)


class ChangeKind(StrEnum):
    """What a :class:`Change` is about. A ``str`` (StrEnum): ``kind == "reset"`` still holds,
    but a kind that does not exist fails when the Change is made (ValueError) and a misspelt
    member fails the type check."""

    NEURON_ADDED = "neuron_added"
    NEURON_REMOVED = "neuron_removed"
    NEURON_CHANGED = "neuron_changed"  # keys: the Neuron attributes set
    EDGE_ADDED = "edge_added"
    EDGE_REMOVED = "edge_removed"
    EDGES_ADDED = "edges_added"  # ids: a batch of edges, one event
    EDGES_REMOVED = "edges_removed"
    EDGE_CHANGED = "edge_changed"  # keys: the Edge attributes set
    NETWORK_CHANGED = "network_changed"  # keys: name, description, training, data
    WEIGHTS_CHANGED = "weights_changed"  # any weights and biases, one event (training)
    RESET = "reset"  # another network (open, new): everything


# the structure of the network: a listener that compiled it compiles again
STRUCTURE_KINDS = frozenset(
    {
        ChangeKind.NEURON_ADDED,
        ChangeKind.NEURON_REMOVED,
        ChangeKind.EDGE_ADDED,
        ChangeKind.EDGE_REMOVED,
        ChangeKind.EDGES_ADDED,
        ChangeKind.EDGES_REMOVED,
    }
)
# attributes that change the picture but not a single number of a pass or of training:
# a neuron's place and its label, and the unknown keys a file carried (kept for save)
LAYOUT_KEYS = frozenset({"x", "y", "label", "extra"})


@dataclass(frozen=True)
class Change:
    """What changed (see :class:`ChangeKind`). ``id`` is the neuron or edge id (or None),
    ``keys`` the attribute names that changed (for *_changed), ``ids`` the edge ids of a batch
    (edges_added/edges_removed: one event for many edges, so deleting 2,000 edges does not
    run every listener 2,000 times)."""

    kind: ChangeKind
    id: str | None = None
    keys: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if type(self.kind) is not ChangeKind:  # a plain string: checked (and typed) here
            object.__setattr__(self, "kind", ChangeKind(self.kind))

    @property
    def layout_only(self) -> bool:
        """A neuron or edge changed only in :data:`LAYOUT_KEYS`: no number changed (the pass
        stays, training goes on). The one definition: the stepper, the training session and
        the training controller all ask this."""
        changed = self.kind in (ChangeKind.NEURON_CHANGED, ChangeKind.EDGE_CHANGED)
        return changed and LAYOUT_KEYS.issuperset(self.keys)


Listener = Callable[[Change], None]

# what a new network's file says (the values are the defaults of core/settings.py)
DEFAULT_TRAINING: dict[str, Any] = DEFAULTS.to_dict(
    ("loss", "optimizer", "learning_rate", "epochs", "seed", "init")
)


UNTITLED = "Untitled network"  # the name of a network nobody has named yet


def _replace_fields(item: Neuron | Edge, values: dict[str, Any]) -> dict[str, Any]:
    """Set ``values`` on a neuron or an edge and return the values they replaced: an edit's
    undo sets those back (set_neuron and set_edge differ only in the change they emit)."""
    old = {k: getattr(item, k) for k in values}
    for k, v in values.items():
        setattr(item, k, v)
    return old


class Graph:
    def __init__(self, name: str = UNTITLED, description: str = ""):
        self.name = name
        self.description = description
        self.neurons: dict[str, Neuron] = {}
        self.edges: dict[str, Edge] = {}
        self.training: dict[str, Any] = dict(DEFAULT_TRAINING)
        self.data: dict[str, Any] = {"samples": []}
        self.extra: dict[str, Any] = {}  # unknown top-level keys, kept for save
        self.base_dir: Path | None = None  # the file's folder: relative CSV paths start here
        self._listeners: list[Listener] = []
        self._muted = 0

    # ---------------------------------------------------------------- events
    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def emit(self, change: Change) -> None:
        if self._muted:
            return
        for listener in list(self._listeners):
            listener(change)

    # ---------------------------------------------------------------- queries
    @property
    def settings(self) -> TrainingSettings:
        """``training`` with every default filled in (the file keeps only its own keys)."""
        return TrainingSettings.from_dict(self.training)

    def inputs(self) -> list[Neuron]:
        return [n for n in self.neurons.values() if n.role == "input"]

    def outputs(self) -> list[Neuron]:
        return [n for n in self.neurons.values() if n.role == "output"]

    def edges_of(self, neuron_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if neuron_id in (e.source, e.target)]

    def incoming(self, neuron_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if e.target == neuron_id]

    def outgoing(self, neuron_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if e.source == neuron_id]

    def edge_between(self, source: str, target: str) -> Edge | None:
        for e in self.edges.values():
            if e.source == source and e.target == target:
                return e
        return None

    def new_id(self, prefix: str) -> str:
        """A fresh id like h3 or w12 (the lowest free number, stable across undo/redo)."""
        taken = set(self.neurons) | set(self.edges)
        i = 1
        while f"{prefix}{i}" in taken:
            i += 1
        return f"{prefix}{i}"

    def id_allocator(self) -> IdAllocator:
        """new_id for many new items at once (paste, connect fully, add layer)."""
        return IdAllocator(set(self.neurons) | set(self.edges))

    def reaches(self, start: str, goal: str) -> bool:
        """True if a directed path start -> ... -> goal exists (used to refuse cycles)."""
        out: dict[str, list[str]] = {}
        for e in self.edges.values():
            out.setdefault(e.source, []).append(e.target)
        stack, seen = [start], {start}
        while stack:
            n = stack.pop()
            if n == goal:
                return True
            for m in out.get(n, ()):
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        return False

    def ends_refusal(self, source: str, target: str) -> str | None:
        """Why no edge source -> target may exist whatever the other edges are (a missing
        end, a self-loop, an edge into an input or bias, out of an output), or None."""
        s, t = self.neurons.get(source), self.neurons.get(target)
        if s is None or t is None:
            return "both ends must be neurons"
        if source == target:
            return f"{s.display_label} cannot connect to itself (no self-loops)"
        if t.role in ("input", "bias"):
            return f"{t.display_label} is an {t.role} unit: nothing can flow into it"
        if s.role == "output":
            return f"{s.display_label} is an output: edges cannot leave an output"
        return None

    def connection_refusal(self, source: str, target: str) -> str | None:
        """Why an edge source -> target may not be drawn, or None if it may."""
        refusal = self.ends_refusal(source, target)
        if refusal is not None:
            return refusal
        s, t = self.neurons[source], self.neurons[target]
        if self.edge_between(source, target) is not None:
            return f"{s.display_label} → {t.display_label} is already connected"
        if self.reaches(target, source):
            return f"{s.display_label} → {t.display_label} would close a cycle"
        return None

    # ---------------------------------------------------------------- mutations
    def add_neuron(self, neuron: Neuron, index: int | None = None) -> Neuron:
        if neuron.id in self.neurons:
            raise ValueError(f"neuron id {neuron.id!r} already exists")
        if index is None or index >= len(self.neurons):
            self.neurons[neuron.id] = neuron
        else:  # reinsert at its old position (undo of a delete keeps input/output order)
            items = list(self.neurons.items())
            items.insert(index, (neuron.id, neuron))
            self.neurons = dict(items)
        self.emit(Change(ChangeKind.NEURON_ADDED, neuron.id))
        return neuron

    def remove_neuron(self, neuron_id: str) -> tuple[Neuron, int, list[tuple[Edge, int]]]:
        """Remove a neuron and its edges; returns what undo needs to put them back."""
        if neuron_id not in self.neurons:
            raise KeyError(neuron_id)
        attached = [e.id for e in self.edges_of(neuron_id)]
        removed_edges = self.remove_edges(attached) if attached else []
        index = list(self.neurons).index(neuron_id)
        neuron = self.neurons.pop(neuron_id)
        self.emit(Change(ChangeKind.NEURON_REMOVED, neuron_id))
        return neuron, index, removed_edges

    def remove_neurons(self, neuron_ids: Iterable[str]) -> list[tuple[Neuron, int]]:
        """Remove neurons and all their edges: the edges in one pass and one event, then each
        neuron (one event each, from the back). Returns (neuron, index) in removal order, each
        index the one to reinsert at (reinsert in reverse order)."""
        dead = set(neuron_ids)
        missing = dead - self.neurons.keys()
        if missing:
            raise KeyError(sorted(missing)[0])
        attached = [eid for eid, e in self.edges.items() if e.source in dead or e.target in dead]
        if attached:
            self.remove_edges(attached)
        removed = []
        order = list(self.neurons)
        for index in range(len(order) - 1, -1, -1):
            nid = order[index]
            if nid in dead:
                removed.append((self.neurons.pop(nid), index))
                self.emit(Change(ChangeKind.NEURON_REMOVED, nid))
        return removed

    def edge_index(self, edge_id: str) -> int:
        return list(self.edges).index(edge_id)

    def add_edge(self, edge: Edge, index: int | None = None) -> Edge:
        if edge.id in self.edges:
            raise ValueError(f"edge id {edge.id!r} already exists")
        if index is None or index >= len(self.edges):
            self.edges[edge.id] = edge
        else:
            items = list(self.edges.items())
            items.insert(index, (edge.id, edge))
            self.edges = dict(items)
        self.emit(Change(ChangeKind.EDGE_ADDED, edge.id))
        return edge

    def remove_edge(self, edge_id: str) -> Edge:
        edge = self.edges.pop(edge_id)
        self.emit(Change(ChangeKind.EDGE_REMOVED, edge_id))
        return edge

    def add_edges(self, edges: Iterable[Edge]) -> None:
        """Append edges in order with one ``edges_added`` event (connect fully, paste)."""
        edges = list(edges)
        seen = set(self.edges)
        for e in edges:
            if e.id in seen:
                raise ValueError(f"edge id {e.id!r} already exists")
            seen.add(e.id)
        for e in edges:
            self.edges[e.id] = e
        if edges:
            self.emit(Change(ChangeKind.EDGES_ADDED, ids=tuple(e.id for e in edges)))

    def remove_edges(self, edge_ids: Iterable[str]) -> list[tuple[Edge, int]]:
        """Remove edges with one ``edges_removed`` event, in one pass over the edges.

        Returns (edge, index) in ascending index: what :meth:`insert_edges` needs to put
        each back where it was."""
        doomed = set(edge_ids)
        missing = doomed - self.edges.keys()
        if missing:
            raise KeyError(sorted(missing)[0])
        edges = self.edges
        removed = [(edges[eid], i) for i, eid in enumerate(edges) if eid in doomed]
        kept = dict(edges)  # a copied dict less the doomed keys: half the time of a rebuild
        for eid in doomed:
            del kept[eid]
        self.edges = kept
        if removed:
            self.emit(Change(ChangeKind.EDGES_REMOVED, ids=tuple(e.id for e, _ in removed)))
        return removed

    def insert_edges(self, entries: Iterable[tuple[Edge, int]]) -> None:
        """Put edges back at their indices (as :meth:`remove_edges` returned them), in one
        pass and with one ``edges_added`` event: the edge order is the one before removal."""
        entries = sorted(entries, key=lambda entry: entry[1])
        for e, _ in entries:
            if e.id in self.edges:
                raise ValueError(f"edge id {e.id!r} already exists")
        merged: dict[str, Edge] = {}
        existing = iter(self.edges.items())
        for e, index in entries:
            while len(merged) < index:
                item = next(existing, None)
                if item is None:
                    break
                merged[item[0]] = item[1]
            merged[e.id] = e
        merged.update(existing)
        self.edges = merged
        if entries:
            self.emit(Change(ChangeKind.EDGES_ADDED, ids=tuple(e.id for e, _ in entries)))

    def set_neuron(self, neuron_id: str, **values: Any) -> dict[str, Any]:
        """Set attributes; returns the old values (for undo)."""
        old = _replace_fields(self.neurons[neuron_id], values)
        self.emit(Change(ChangeKind.NEURON_CHANGED, neuron_id, tuple(values)))
        return old

    def set_edge(self, edge_id: str, **values: Any) -> dict[str, Any]:
        """Set attributes; returns the old values (for undo)."""
        old = _replace_fields(self.edges[edge_id], values)
        self.emit(Change(ChangeKind.EDGE_CHANGED, edge_id, tuple(values)))
        return old

    def set_network(self, **values: Any) -> dict[str, Any]:
        """name, description, training, data (whole dicts)."""
        old = {k: copy.deepcopy(getattr(self, k)) for k in values}
        for k, v in values.items():
            setattr(self, k, v)
        self.emit(Change(ChangeKind.NETWORK_CHANGED, None, tuple(values)))
        return old

    def set_parameters(
        self,
        weights: Mapping[str, float | None],
        biases: Mapping[str, float],
        emit: bool = True,
    ) -> None:
        """Write weights and biases to the edges and neurons in one event (training, a pass's
        update, and the undo of either). A ``None`` weight is "not initialised yet": undoing
        the first training of a file that left its weights out makes them missing again.
        Ids no longer in the graph (deleted since the values were taken) are skipped."""
        edges, neurons = self.edges, self.neurons
        try:  # the common case, live training's every frame: all there, all numbers
            for eid, w in weights.items():
                edges[eid].weight = float(w)  # type: ignore[arg-type]  # None: TypeError
            for nid, b in biases.items():
                neurons[nid].bias = float(b)
        except (KeyError, TypeError):  # a None weight or a deleted id: write all again, slowly
            for eid, w in weights.items():
                e = edges.get(eid)
                if e is not None:
                    e.weight = None if w is None else float(w)
            for nid, b in biases.items():
                n = neurons.get(nid)
                if n is not None:
                    n.bias = float(b)
        if emit:
            self.emit(Change(ChangeKind.WEIGHTS_CHANGED))

    def replace_with(self, other: Graph, take: bool = False) -> None:
        """Become a copy of other (open/new), keeping subscribers; one 'reset' event.

        take=True adopts other's contents without copying (other must not be used again):
        opening a 20,000-edge file would otherwise spend a second in deepcopy."""
        self.name, self.description = other.name, other.description
        dup = (lambda v: v) if take else copy.deepcopy
        if take:
            self.neurons, self.edges = other.neurons, other.edges
        else:
            self.neurons = {k: n.copied() for k, n in other.neurons.items()}
            self.edges = {k: e.copied() for k, e in other.edges.items()}
        self.training = dup(other.training)
        self.data = dup(other.data)
        self.extra = dup(other.extra)
        self.base_dir = other.base_dir
        self.emit(Change(ChangeKind.RESET))

    def copy(self) -> Graph:
        g = Graph(self.name, self.description)
        g.replace_with(self)
        return g


class IdAllocator:
    """Fresh ids as repeated ``Graph.new_id`` calls would give them, each item added before
    the next id is asked for, without the set of every id built per call: connecting 200
    neurons to 200 built it 40,000 times (a freeze of half a minute)."""

    def __init__(self, taken: set[str]):
        self._taken = taken
        self._next: dict[str, int] = {}  # every number below it is taken for the prefix

    def new(self, prefix: str) -> str:
        i = self._next.get(prefix, 1)
        while f"{prefix}{i}" in self._taken:
            i += 1
        self._next[prefix] = i + 1
        new_id = f"{prefix}{i}"
        self._taken.add(new_id)
        return new_id
