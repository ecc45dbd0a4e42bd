"""Where the pass overlays find neurons and edges on the editor's canvas.

The overlays draw their own items (badges, strokes, pulses) on top of the editor's scene and
need only a few things from it: where a neuron is, how big it is, its item to tint, and the
weight labels they share the room with. :class:`CanvasAdapter` asks the scene for those
through the typed :class:`~bpstudio.qt.host.Canvas` seam (the editor's ``NetworkScene``), and
falls back to the positions stored on the graph for a neuron the canvas has not drawn yet.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem

from ...model.graph import Graph
from ...model.label_placement import Label, Placement
from .. import theme
from ..canvas.edge_item import EdgeItem, EdgeLabelItem
from ..canvas.neuron_item import NeuronItem
from ..host import Canvas
from .badge import ValueBadge
from .fill_disc import FillDisc
from .strokes import EdgeStroke


class CanvasAdapter:
    def __init__(self, canvas: Canvas, graph: Graph):
        self.canvas = canvas
        self.graph = graph
        self._auto: dict[str, QPointF] = {}

    # ------------------------------------------------------------- editor items
    def neuron_item(self, nid: str) -> NeuronItem | None:
        return self.canvas.neuron_item(nid)

    def edge_item(self, eid: str) -> EdgeItem | None:
        return self.canvas.edge_item(eid)

    @staticmethod
    def id_of(item: QGraphicsItem | None) -> tuple[str, str] | None:
        """('neuron', id) or ('edge', id) for an editor item or one of its children, or the
        owner of one of the overlay's own items (('loss', '') for the loss badge)."""
        while item is not None:
            if isinstance(item, NeuronItem):
                return "neuron", item.neuron_id
            if isinstance(item, (EdgeItem, EdgeLabelItem, EdgeStroke)):
                return "edge", item.edge_id
            if isinstance(item, (ValueBadge, FillDisc)):
                return item.overlay_owner
            item = item.parentItem()
        return None

    # ------------------------------------------------------------- geometry
    def center(self, nid: str) -> QPointF:
        item = self.neuron_item(nid)
        if item is not None:
            return item.scenePos()
        n = self.graph.neurons[nid]
        if n.x is not None and n.y is not None:
            return QPointF(float(n.x), float(n.y))
        if not self._auto:
            self._auto_layout()
        return self._auto.get(nid, QPointF(0.0, 0.0))

    def radius(self, nid: str) -> float:
        """Every neuron of the editor is a circle of this radius (its pick shape adds 2 px)."""
        return theme.NEURON_RADIUS

    def neuron_z(self) -> float:
        """Z value of the editor's neurons (edge strokes go just below it)."""
        for nid in self.graph.neurons:
            item = self.neuron_item(nid)
            if item is not None:
                return item.zValue()
        return 10.0

    def _auto_layout(self) -> None:
        """Columns by layer for neurons without a position that the canvas has not drawn."""
        from ...model.compile import compute_layers

        try:
            layers = compute_layers(self.graph)
        except Exception:
            layers = {nid: 0 for nid in self.graph.neurons}
        cols: dict[int, list[str]] = {}
        for nid, l in layers.items():
            cols.setdefault(l, []).append(nid)
        for l, ids in cols.items():
            for i, nid in enumerate(ids):
                y = (i - (len(ids) - 1) / 2.0) * 120.0
                self._auto[nid] = QPointF(l * 240.0, y)

    # ------------------------------------------------------------- label placement
    def place_labels_with(
        self,
        labels: list[Label] | None,
        apply: Callable[[Placement], None] | None,
        weights: bool = True,
    ) -> Placement:
        """Place the overlay's ``labels`` together with the editor's weight labels (the
        editor's scene owns that placement and calls ``apply`` again when it re-places).
        ``None``: the overlay's labels leave; ``weights=False``: the weight labels give way
        (the overlay shows old → new)."""
        return self.canvas.place_labels_with(labels, apply, weights)

    def label_items(self) -> list[EdgeLabelItem]:
        """The editor's edge label items (a step may move them: they belong in its picture)."""
        return self.canvas.edge_label_items()

    # ------------------------------------------------------------- fill
    def set_fill(self, nid: str, colour: QColor | None) -> bool:
        """Tint a neuron's own item; False if the canvas has none for it (the overlay then
        draws a disc of its own)."""
        item = self.neuron_item(nid)
        if item is None:
            return False
        item.set_fill_override(colour)
        return True
