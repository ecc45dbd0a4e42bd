"""Undo commands of the training tools: a stretch of training, Reset and Re-initialise.

They set edge weights and neuron biases in one ``weights_changed`` event (one canvas redraw,
however many edges). ``None`` is a legal stored weight (not yet initialised), so undoing the
first training of a file with missing weights makes them missing again. Ids that no longer
exist (deleted since) are skipped.
"""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand

from ...model.graph import Change, ChangeKind, Graph

Params = tuple[dict[str, float | None], dict[str, float]]


def graph_parameters(graph: Graph) -> Params:
    """The graph's edge weights (None where missing) and neuron biases."""
    return (
        {eid: e.weight for eid, e in graph.edges.items()},
        {nid: n.bias for nid, n in graph.neurons.items() if n.has_activation},
    )


def apply_parameters(graph: Graph, params: Params) -> None:
    weights, biases = params
    edges, neurons = graph.edges, graph.neurons
    for eid, w in weights.items():
        e = edges.get(eid)
        if e is not None:
            e.weight = None if w is None else float(w)
    for nid, b in biases.items():
        n = neurons.get(nid)
        if n is not None:
            n.bias = float(b)
    graph.emit(Change(ChangeKind.WEIGHTS_CHANGED))


class SetParametersCommand(QUndoCommand):
    """Old and new parameters; ``applied`` means the graph already holds the new ones."""

    def __init__(self, graph: Graph, old: Params, new: Params, text: str, applied: bool = False):
        super().__init__(text)
        self.graph, self.old, self.new = graph, old, new
        self._skip = applied

    def redo(self) -> None:
        if self._skip:  # training already wrote these weights; push() must not write again
            self._skip = False
            return
        apply_parameters(self.graph, self.new)

    def undo(self) -> None:
        apply_parameters(self.graph, self.old)
