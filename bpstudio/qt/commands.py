"""Undo commands. Each one changes only the model (the Graph); the scene follows its events.

Every command stores what it needs to undo exactly (indices keep input/output order, so an
undone delete puts a neuron back in the same column of the data). Field edits carry a
``session`` token: consecutive edits of the same field in one focus session merge into one
undo step ("typing into a field merges").
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from PySide6.QtGui import QUndoCommand

from ..model import fileformat
from ..model.graph import Edge, Graph, Neuron

MOVE_ID, SET_NEURON_ID, SET_EDGE_ID, SET_NETWORK_ID = 1, 2, 3, 4


class AddItemsCommand(QUndoCommand):
    """Add neurons and edges (place, connect, paste, duplicate, add layer, connect fully)."""

    def __init__(self, graph: Graph, neurons: list[Neuron], edges: list[Edge], text: str):
        super().__init__(text)
        self.graph = graph
        self.neurons = [n.copied() for n in neurons]
        self.edges = [e.copied() for e in edges]

    def redo(self) -> None:
        for n in self.neurons:
            self.graph.add_neuron(n.copied())
        if len(self.edges) == 1:  # one connection: the single-edge event (and its id)
            self.graph.add_edge(self.edges[0].copied())
        else:  # connect fully, paste: one event for all edges
            self.graph.add_edges([e.copied() for e in self.edges])

    def undo(self) -> None:
        if len(self.edges) == 1:
            self.graph.remove_edge(self.edges[0].id)
        elif self.edges:
            self.graph.remove_edges([e.id for e in self.edges])
        for n in reversed(self.neurons):
            self.graph.remove_neuron(n.id)


def add_neuron_command(graph: Graph, neuron: Neuron) -> AddItemsCommand:
    return AddItemsCommand(graph, [neuron], [], f"Add {neuron.role} neuron {neuron.id}")


def add_edge_command(graph: Graph, edge: Edge) -> AddItemsCommand:
    s, t = graph.neurons[edge.source], graph.neurons[edge.target]
    return AddItemsCommand(graph, [], [edge], f"Connect {s.display_label} → {t.display_label}")


class DeleteCommand(QUndoCommand):
    """Delete neurons (with all their edges) and edges as one step."""

    def __init__(self, graph: Graph, neuron_ids: list[str], edge_ids: list[str], text: str = ""):
        n, e = len(neuron_ids), len(edge_ids)
        if not text:
            what = []
            if n:
                what.append(f"{n} neuron{'s' * (n != 1)}")
            if e:
                what.append(f"{e} edge{'s' * (e != 1)}")
            text = "Delete " + " and ".join(what)
        super().__init__(text)
        self.graph = graph
        self.neuron_ids = list(neuron_ids)
        self.edge_ids = [x for x in edge_ids]
        self._removed_neurons: list[tuple[Neuron, int]] = []
        self._removed_edges: list[tuple[Edge, int]] = []  # ascending index

    def redo(self) -> None:
        g = self.graph
        self._removed_edges, self._removed_neurons = [], []
        dead = set(self.neuron_ids)
        chosen = set(self.edge_ids)
        edge_ids = [
            eid
            for eid, e in g.edges.items()
            if eid in chosen or e.source in dead or e.target in dead
        ]
        if len(edge_ids) == 1:  # one edge: the single-edge event (and its id)
            index = g.edge_index(edge_ids[0])
            self._removed_edges = [(g.remove_edge(edge_ids[0]), index)]
        elif edge_ids:  # many: one pass and one event, with each index to reinsert at
            self._removed_edges = g.remove_edges(edge_ids)
        if dead:  # their edges are gone already: one pass for all of them
            self._removed_neurons = g.remove_neurons([n for n in g.neurons if n in dead])

    def undo(self) -> None:
        for neuron, index in reversed(self._removed_neurons):
            self.graph.add_neuron(neuron, index)
        if len(self._removed_edges) == 1:
            self.graph.add_edge(*self._removed_edges[0])
        elif self._removed_edges:
            self.graph.insert_edges(self._removed_edges)


class MoveNeuronsCommand(QUndoCommand):
    """Positions before/after a drag, a nudge, a layout, align or distribute."""

    def __init__(
        self,
        graph: Graph,
        old: dict[str, tuple[float | None, float | None]],
        new: dict[str, tuple[float, float]],
        text: str = "",
        mergeable: bool = False,
    ):
        super().__init__(text or f"Move {len(new)} neuron{'s' * (len(new) != 1)}")
        self.graph, self.old, self.new = graph, dict(old), dict(new)
        self.mergeable = mergeable  # arrow-key nudges of the same selection merge

    def id(self) -> int:
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, MoveNeuronsCommand) and self.mergeable and other.mergeable):
            return False
        if set(other.new) != set(self.new):
            return False
        self.new = dict(other.new)
        return True

    def _apply(self, pos) -> None:
        for nid, (x, y) in pos.items():
            self.graph.set_neuron(nid, x=x, y=y)

    def redo(self) -> None:
        self._apply(self.new)

    def undo(self) -> None:
        self._apply(self.old)


class _SetCommand(QUndoCommand):
    kind_id = 0

    def __init__(
        self,
        graph: Graph,
        ids: list[str] | None,
        values: dict[str, Any],
        text: str,
        session: object | None = None,
    ):
        super().__init__(text)
        self.graph = graph
        self.ids = list(ids) if ids is not None else [None]
        self.values = dict(values)
        self.session = session
        self.old = {i: self._get(i) for i in self.ids}

    def id(self) -> int:
        return self.kind_id

    def _get(self, i: str | None) -> Any:
        raise NotImplementedError

    def _set(self, i: str | None, values: dict[str, Any]) -> None:
        raise NotImplementedError

    def mergeWith(self, other: QUndoCommand) -> bool:
        if (
            self.session is None
            or not isinstance(other, _SetCommand)
            or other.session is not self.session
            or other.ids != self.ids
            or set(other.values) != set(self.values)
        ):
            return False
        self.values = dict(other.values)
        return True

    def redo(self) -> None:
        for i in self.ids:
            self._set(i, self.values)

    def undo(self) -> None:
        for i in self.ids:
            self._set(i, self.old[i])


class SetNeuronCommand(_SetCommand):
    kind_id = SET_NEURON_ID

    def _get(self, nid):
        n = self.graph.neurons[nid]
        return {k: copy.deepcopy(getattr(n, k)) for k in self.values}

    def _set(self, nid, values):
        self.graph.set_neuron(nid, **copy.deepcopy(values))


class SetEdgeCommand(_SetCommand):
    kind_id = SET_EDGE_ID

    def _get(self, eid):
        e = self.graph.edges[eid]
        return {k: getattr(e, k) for k in self.values}

    def _set(self, eid, values):
        self.graph.set_edge(eid, **values)


class SetNetworkCommand(_SetCommand):
    """Set graph.training / graph.data (and other network-level keys).

    A relative ``data.csv`` path means nothing without the folder it is relative to: the
    command remembers the graph's folder when it was made, and a Save As into another folder
    (which rebases the graph's own path, qt/document.py) does not make an undo or redo bring
    back a path that no longer points at the file: the stored data is rebased onto the
    folder the graph has when it is applied."""

    kind_id = SET_NETWORK_ID

    def __init__(self, graph: Graph, values: dict[str, Any], text: str, session=None):
        super().__init__(graph, None, values, text, session)
        self.folder = graph.base_dir  # what relative CSV paths in old and values are relative to

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetNetworkCommand) or other.folder != self.folder:
            # another kind of edit, or saved elsewhere in between
            return False
        return super().mergeWith(other)

    def _get(self, _):
        return {k: copy.deepcopy(getattr(self.graph, k)) for k in self.values}

    def _set(self, _, values):
        values = copy.deepcopy(values)
        here = self.graph.base_dir
        if isinstance(values.get("data"), dict) and self.folder is not None and here is not None:
            values["data"] = fileformat.rebased_data(values["data"], self.folder, here)
        self.graph.set_network(**values)


# edge weights (None: not initialised yet), neuron biases
Params = tuple[Mapping[str, float | None], Mapping[str, float]]


def graph_parameters(graph: Graph) -> Params:
    """The graph's edge weights (None where missing) and neuron biases."""
    return (
        {eid: e.weight for eid, e in graph.edges.items()},
        {nid: n.bias for nid, n in graph.neurons.items() if n.has_activation},
    )


def parameters_of(graph: Graph, weight_ids: Iterable[str], bias_ids: Iterable[str]) -> Params:
    """What the graph holds now for these edges and neurons (ids no longer there left out):
    the ``old`` of an entry that changes just them."""
    edges, neurons = graph.edges, graph.neurons
    return (
        {eid: edges[eid].weight for eid in weight_ids if eid in edges},
        {nid: neurons[nid].bias for nid in bias_ids if nid in neurons},
    )


class SetParametersCommand(QUndoCommand):
    """New weights and biases as one undo entry: a stretch of training, Reset, Re-initialise,
    a pass's update (F8). Both ways go through ``Graph.set_parameters`` (one
    ``weights_changed`` event however many edges; None-aware, deleted ids skipped).
    ``applied``: the graph already holds ``new`` (training wrote it), so the push does not
    write it again."""

    def __init__(self, graph: Graph, old: Params, new: Params, text: str, applied: bool = False):
        super().__init__(text)
        self.graph, self.old, self.new = graph, old, new
        self._skip = applied

    def redo(self) -> None:
        if self._skip:
            self._skip = False
            return
        self.graph.set_parameters(*self.new)

    def undo(self) -> None:
        self.graph.set_parameters(*self.old)
