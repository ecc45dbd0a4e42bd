"""Where the pass overlays find neurons and edges on a canvas.

The overlays draw their own items (badges, strokes, pulses) on top of the editor's scene and
need only three things from it: where a neuron is, how big it is, and (optionally) a way to
tint a neuron's fill. :class:`CanvasAdapter` asks the editor's scene for those through
``neuron_item(id)`` / ``edge_item(id)`` when it has them and falls back to the positions
stored on the graph, so the overlay also works on a bare QGraphicsScene (tests, headless
render) and never reaches into the editor's item classes beyond these hooks.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from ...model.graph import Graph
from ...model.label_placement import Disc, Label, Placement, place_labels

DEFAULT_RADIUS = 24.0


class CanvasAdapter:
    def __init__(self, scene: QGraphicsScene, graph: Graph):
        self.scene = scene
        self.graph = graph
        self._auto: dict[str, QPointF] = {}

    # ------------------------------------------------------------- editor items
    def neuron_item(self, nid: str) -> QGraphicsItem | None:
        fn = getattr(self.scene, "neuron_item", None)
        try:
            return fn(nid) if fn else None
        except (KeyError, LookupError):
            return None

    def edge_item(self, eid: str) -> QGraphicsItem | None:
        fn = getattr(self.scene, "edge_item", None)
        try:
            return fn(eid) if fn else None
        except (KeyError, LookupError):
            return None

    def id_of(self, item: QGraphicsItem) -> tuple[str, str] | None:
        """('neuron', id) or ('edge', id) for an editor item or one of its children."""
        while item is not None:
            for kind, attrs in (("neuron", ("neuron_id",)), ("edge", ("edge_id",))):
                for attr in attrs:
                    value = getattr(item, attr, None)
                    if isinstance(value, str):
                        return kind, value
            owner = getattr(item, "overlay_owner", None)
            if owner is not None:
                return owner
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
        item = self.neuron_item(nid)
        if item is None:
            return DEFAULT_RADIUS
        r = getattr(item, "radius", None)
        if callable(r):
            r = r()
        if isinstance(r, (int, float)):
            return float(r)
        # the editor's neuron shape is its circle plus a 2 px pick margin
        rect = item.shape().boundingRect()
        return max(8.0, min(rect.width(), rect.height()) / 2.0 - 2.0)

    def neuron_z(self) -> float:
        """Z value of the editor's neurons (edge strokes go just below it)."""
        for nid in self.graph.neurons:
            item = self.neuron_item(nid)
            if item is not None:
                return item.zValue()
        return 10.0

    def _auto_layout(self) -> None:
        """Columns by layer when the file has no positions and there is no editor scene."""
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

    def edge_label_rects(self) -> list[QRectF]:
        """Scene rects of the editor's own edge labels (the weights), so ours avoid them."""
        out = []
        for eid in self.graph.edges:
            item = self.edge_item(eid)
            fn = getattr(item, "label_scene_rect", None) if item is not None else None
            rect = fn() if fn is not None else None
            if isinstance(rect, QRectF) and not rect.isNull() and item.isVisible():
                out.append(rect)
        return out

    # ------------------------------------------------------------- label placement
    def place_labels_with(
        self, labels: list[Label] | None, apply, discs: list[Disc], weights: bool = True
    ) -> Placement:
        """Place the overlay's ``labels`` together with the editor's weight labels (the
        editor's scene owns that placement and calls ``apply`` again when it re-places), or,
        on a bare scene, alone among ``discs``. ``None``: the overlay's labels leave;
        ``weights=False``: the weight labels give way (the overlay shows old → new)."""
        fn = getattr(self.scene, "place_labels_with", None)
        if fn is not None:
            return fn(labels, apply, weights)
        out = place_labels(labels or [], discs)
        if labels is not None and apply is not None:
            apply(out)
        return out

    def label_items(self) -> list[QGraphicsItem]:
        """The editor's edge label items (a step may move them: they belong in its picture)."""
        fn = getattr(self.scene, "edge_label_items", None)
        return fn() if fn is not None else []

    # ------------------------------------------------------------- fill hook
    def set_fill(self, nid: str, colour: QColor | None) -> bool:
        """Tint a neuron through the editor's hook; False if the item has none."""
        item = self.neuron_item(nid)
        for name in ("set_fill_override", "set_overlay_fill", "setFillOverride"):
            fn = getattr(item, name, None)
            if fn is not None:
                fn(colour)
                return True
        return False
