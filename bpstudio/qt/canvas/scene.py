# Longer than 400 lines: the scene is the one place that mirrors every Graph change onto its items
# (build, incremental updates, label placement, both edge modes); others edit it now, so it is not
# split here.
"""The canvas scene: a live view of one Graph, rebuilt from its change events.

The scene never changes the model. Tools and commands change the Graph; the Graph's events
move, add and remove items here. Extension points (used by overlay/stepping panels):

- ``neuron_item(id) -> NeuronItem | None`` and ``edge_item(id) -> EdgeItem | None``
  (``edge_item`` is None for every edge of a network drawn in bulk mode, see below);
- ``selection_changed_ids = Signal(list, list)``: selected neuron ids, selected edge ids;
- ``rebuilding = Signal()``: another network is about to be drawn and every item on the
  scene, whoever added it, is deleted right after: forget the ones you hold;
- ``show_parameters(weights, biases)`` draws other weights and biases than the graph's (the
  training history scrubbed to an earlier epoch) until ``show_parameters(None, None)``; the
  graph is not changed.

Labels: every edge's weight label is placed by :mod:`bpstudio.model.label_placement` (along
its edge, never over a neuron or another label; what has no room is shown on hover), again
whenever an edge, a neuron position or a label's size changes (coalesced). A pass overlay
joins in as a *guest* (``place_labels_with``): its badges and the weight labels are placed
together, the overlay's first, so a gradient never lands on a weight.

Large networks (more than ``BULK_EDGES`` edges) are drawn in *bulk mode*: one cached item
draws all edges, so a 20,000-edge file opens and repaints fast; edges are then not
individually selectable and have no labels. An edit that adds or removes many edges at once
(connect fully, paste, delete) crosses into or out of it as opening the result would.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, QTimer, Signal
from PySide6.QtGui import QFont, QPainter, QPen, QPixmapCache
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from ...model.compile import graph_warnings
from ...model.graph import Change, ChangeKind, Edge, Graph, Neuron
from ...model.label_placement import HIDDEN, Disc, Label, Placement, along_segment, place_labels
from ...model.layout import missing_positions
from .. import theme
from ..turns import Turn
from .drag_edges import DragEdgesItem
from .edge_item import EdgeItem, EdgeLabelItem
from .edge_layer import EdgeLayerItem
from .live_edges import LiveEdgesItem
from .neuron_item import NeuronItem


class _DrawnEdge(NamedTuple):
    """An edge as the bulk picture reads it (EdgeLayerItem.rebuild: ends and weight)."""

    source: str
    target: str
    weight: float | None


BULK_EDGES = 1000  # above this, per-edge labels are unreadable and per-item painting slow
DENSE_LABELS = 250  # above this many weight labels, all give way to hover (no placement)
WEIGHT_PRIORITY = 0.0  # weight labels give way to everything a pass overlay shows
NEURON_CLEARANCE = 6.0  # the activation glyph and the warning badge reach past the circle


class NetworkScene(QGraphicsScene):
    selection_changed_ids = Signal(list, list)
    # rebuild() (open, new) deletes every item on the scene, others' too: emitted just before,
    # so their owners drop their references (and make new items afterwards)
    rebuilding = Signal()

    def __init__(self, graph: Graph, parent=None):
        super().__init__(parent)
        # item caches live in QPixmapCache (10 MB by default): 500 cached neurons and the
        # bulk edge layer would evict each other and repaint in Python on every frame
        QPixmapCache.setCacheLimit(max(QPixmapCache.cacheLimit(), 256 * 1024))
        self.graph = graph
        self._neurons: dict[str, NeuronItem] = {}
        self._edges: dict[str, EdgeItem] = {}
        self._layer: EdgeLayerItem | None = None
        self._live: LiveEdgesItem | None = None
        self._live_ids: set[str] = set()
        self._drag_edges: DragEdgesItem | None = None
        self.show_weights = True
        self.label_px: float | None = None  # weight label size in the lecture layout
        self.decimals = 4  # of the weight labels (set_decimals)
        self.show_biases = False  # "b = …" under each neuron (View > Show Biases)
        # while a pass is on screen its badges take that room (the bias is in Explain and the
        # Matrices' b column): the labels come back when the pass is reset
        self.biases_paused = False
        # items drawn above the network that labels must not cover (the layer handles)
        self.label_obstacles: Sequence[QGraphicsItem] = []
        # where labels may go, in scene units (None: anywhere). The lecture layout sets the
        # screen's rect, so no number is drawn past the edge of the projector's picture.
        self.label_bounds: QRectF | None = None
        # the lecture layout spreads a tall network sideways on screen only (see
        # set_view_stretch): x shown = centre + (x - centre) * stretch; the document keeps x
        self.view_stretch = 1.0
        self._stretch_cx = 0.0
        # more of them by owner (the neuron tiles): drawn parts of the network, so the fit
        # (network_rect) includes them as well
        self.extra_obstacles: dict[str, list[QGraphicsItem]] = {}
        self.show_grid = True
        self._warnings_dirty = False
        self._layer_dirty = False
        self._foreground: list[Callable[[], Callable[[], bool] | None]] = []
        self._timer = QTimer(self)  # coalesces warning/bulk refreshes after bursts of events
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._flush_soon)
        self._weights_timer = QTimer(self)  # bulk mode: weight-only redraws, at most 1 Hz
        self._weights_timer.setSingleShot(True)
        self._weights_timer.setInterval(1000)
        # a heavy job on a large network: it takes turns with training (qt/turns.py)
        self._weights_timer.timeout.connect(Turn(self._weights_due, self).run)
        self._selection_timer = QTimer(self)  # one selection signal after a burst of removals
        self._selection_timer.setSingleShot(True)
        self._selection_timer.setInterval(0)
        self._selection_timer.timeout.connect(self._emit_selection)
        self._labels_timer = QTimer(self)  # one label placement after a burst of changes
        self._labels_timer.setSingleShot(True)
        self._labels_timer.setInterval(0)
        self._labels_timer.timeout.connect(self.place_labels)
        # a pass overlay's labels, the function that applies their placement, weights shown
        self._guests: tuple[list[Label], Callable[[Placement], None] | None, bool] | None = None
        self._hovered: EdgeItem | None = None  # the edge whose hover-only label shows
        self._placing = False
        # weights and biases drawn instead of the graph's (show_parameters), or None
        self._shown: tuple[dict[str, float], dict[str, float]] | None = None
        self.selectionChanged.connect(self._emit_selection)
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.BspTreeIndex)
        graph.subscribe(self._on_change)
        self.rebuild()

    # ---------------------------------------------------------------- public queries
    def neuron_item(self, neuron_id: str) -> NeuronItem | None:
        return self._neurons.get(neuron_id)

    def edge_item(self, edge_id: str) -> EdgeItem | None:
        return self._edges.get(edge_id)

    def neuron_items(self) -> list[NeuronItem]:
        return list(self._neurons.values())

    def edge_items(self) -> list[EdgeItem]:
        return list(self._edges.values())

    def edge_label_items(self) -> list[EdgeLabelItem]:
        """Every edge's label item (none in bulk mode)."""
        return [e.label for e in self._edges.values()]

    @property
    def bulk(self) -> bool:
        return self._layer is not None

    def selected_ids(self) -> tuple[list[str], list[str]]:
        """(neuron ids, edge ids) in model order, so commands and copies are deterministic."""
        sel = self.selectedItems()
        ns = {i.neuron_id for i in sel if isinstance(i, NeuronItem)}
        es = {i.edge_id for i in sel if isinstance(i, EdgeItem)}
        neurons = [n for n in self.graph.neurons if n in ns] if ns else []
        return neurons, [e for e in self.graph.edges if e in es] if es else []

    def select_ids(self, neurons=(), edges=(), add: bool = False) -> None:
        self.blockSignals(True)
        try:
            if not add:
                self.clearSelection()
            for nid in neurons:
                if nid in self._neurons:
                    self._neurons[nid].setSelected(True)
            for eid in edges:
                if eid in self._edges:
                    self._edges[eid].setSelected(True)
        finally:
            self.blockSignals(False)
        self._emit_selection()

    def set_show_weights(self, show: bool) -> None:
        self.show_weights = show
        for e in self._edges.values():
            e.set_show_label(show)

    def set_show_biases(self, show: bool) -> None:
        self.show_biases = bool(show)
        shown = self.show_biases and not self.biases_paused
        for nid, item in self._neurons.items():
            n = self.graph.neurons.get(nid)
            if n is not None:
                item.set_show_bias(shown, self._neuron_model(n), self.decimals, self.label_font())
        self.labels_changed()

    def pause_biases(self, paused: bool) -> None:
        if paused != self.biases_paused:
            self.biases_paused = paused
            self.set_show_biases(self.show_biases)

    def set_decimals(self, decimals: int) -> None:
        """Weight and bias labels with this many decimals (the pass controls' setting)."""
        self.decimals = int(decimals)
        if self.show_biases:
            self.set_show_biases(True)
        for eid, item in self._edges.items():
            e = self.graph.edges.get(eid)
            if e is not None and item.decimals != self.decimals:
                item.decimals = self.decimals
                item._look = None  # the text changes even where the weight did not
                item.sync(self._edge_model(e))

    def set_label_px(self, px: float | None) -> None:
        """Weight labels drawn px scene units tall (None: the normal theme font)."""
        self.label_px = px
        for e in self._edges.values():
            e.set_label_font(self.label_font())
        self.set_show_biases(self.show_biases)  # the bias labels in the same size

    def label_font(self) -> QFont:
        font = theme.font(theme.WEIGHT_PT)
        if self.label_px is not None:
            font.setPixelSize(max(1, round(self.label_px)))
        return font

    def set_show_grid(self, show: bool) -> None:
        self.show_grid = show
        # the views cache the background (CacheBackground): invalidate that layer
        self.invalidate(self.sceneRect(), QGraphicsScene.SceneLayer.BackgroundLayer)

    def network_rect(self) -> QRectF:
        r = QRectF()
        for n in self._neurons.values():
            r = r.united(n.sceneBoundingRect())
        for it in self._extra_obstacle_items():
            r = r.united(it.sceneBoundingRect())
        return r

    # ---------------------------------------------------------------- view stretch
    def shown_pos(self, x: float, y: float) -> QPointF:
        """Where the document's position (x, y) is drawn (see set_view_stretch)."""
        k = self.view_stretch
        return QPointF(x if k == 1.0 else self._stretch_cx + (x - self._stretch_cx) * k, y)

    def model_point(self, p: QPointF) -> tuple[float, float]:
        """The document's position of a point drawn at ``p`` (a drop, rounded as a move is)."""
        k = self.view_stretch
        x = p.x() if k == 1.0 else self._stretch_cx + (p.x() - self._stretch_cx) / k
        return round(x, 1), round(p.y(), 1)

    def set_view_stretch(self, k: float) -> None:
        """Draw the network ``k`` times wider about its centre, the document untouched.

        The lecture layout's numbers are 24 px on screen whatever the zoom, so a network
        taller than the screen's shape (ECS171's 3-2-1 with its bias unit) is drawn small
        and its edges are too short to carry their numbers; spread sideways, it fills the
        projector's width. Moves made meanwhile are mapped back (model_point). A bulk-drawn
        network is never stretched (its picture is cached by document positions)."""
        if self._layer is not None:
            k = 1.0
        xs = [n.x for n in self.graph.neurons.values() if n.x is not None]
        cx = (min(xs) + max(xs)) / 2 if xs else 0.0
        if k == self.view_stretch and cx == self._stretch_cx:
            return
        self.view_stretch, self._stretch_cx = float(k), cx
        for nid, item in self._neurons.items():
            n = self.graph.neurons.get(nid)
            if n is not None and n.x is not None and n.y is not None:
                item.setPos(self.shown_pos(n.x, n.y))
        self.labels_changed()

    def content_rect(self) -> QRectF:
        """The network with every number drawn around it (weight labels, bias labels, a
        pass's badges and legend): what Fit to View shows, so an update's Δw labels below
        the lowest neuron are not cut off by the canvas's edge."""
        r = self.network_rect()
        for it in self.items():
            if it.parentItem() is None and it.isVisible() and not isinstance(it, NeuronItem):
                box = it.sceneBoundingRect()
                if box.isValid() and box.width() < 1e6 and box.height() < 1e6:
                    r = r.united(box)
        return r

    def _extra_obstacle_items(self) -> list[QGraphicsItem]:
        # a tile is its neuron's child: deleting the neuron deleted it (before its owner knew)
        return [
            it
            for items in self.extra_obstacles.values()
            for it in items
            if shiboken6.isValid(it) and it.scene() is self
        ]

    # ---------------------------------------------------------------- live moves (drag)
    def preview_move(self, positions: dict[str, QPointF]) -> None:
        """Move items without touching the model (a drag in progress); the tool pushes one
        MoveNeuronsCommand on release, whose events then confirm these positions."""
        if self._layer is not None and set(positions) != self._live_ids:
            # drag start: the cached picture keeps only the static edges (redrawn once);
            # edges with a moving end go to the live item, recomputed per step below
            self._live_ids = set(positions)
            self._layer.rebuild(self._edges_drawn(), self._positions(), self._live_ids, now=True)
        elif self._layer is None and set(positions) != self._live_ids:
            # normal mode: one stand-in item draws all edges while the drag lasts
            self._end_item_drag()
            self._live_ids = set(positions)
            views = self.views()
            zoom = views[0].transform().m11() if views else 1.0
            self._drag_edges = DragEdgesItem(list(self._edges.values()), self._live_ids, zoom)
            if self._drag_edges.picture is not None:
                self.addItem(self._drag_edges.picture)
            self.addItem(self._drag_edges)
        neurons = self._neurons
        for nid, p in positions.items():
            neurons[nid].setPos(p)
        if self._layer is not None:
            self._layer.update_live(positions)
        elif self._drag_edges is not None:
            self._drag_edges.moved()

    def end_preview(self) -> None:
        if self._live_ids:
            self._live_ids = set()
            if self._layer is not None:
                self._layer_dirty = True
                self._timer.start()
        self._end_item_drag()

    def _end_item_drag(self) -> None:
        drag, self._drag_edges = self._drag_edges, None
        if drag is None:
            return
        for e in drag.end():
            if e.scene() is self:
                e.adjust()
        for item in (drag.picture, drag):
            if item is not None and item.scene() is self:
                self.removeItem(item)

    # ---------------------------------------------------------------- shown parameters
    def show_parameters(
        self, weights: dict[str, float] | None, biases: dict[str, float] | None = None
    ) -> None:
        """Draw these edge weights and neuron biases instead of the graph's (ids missing
        from them keep the graph's); ``None``: the graph's again. The graph never changes:
        the scrubbed training history shows an epoch without editing the document."""
        self._shown = None if weights is None else (dict(weights), dict(biases or {}))
        for eid, edge_item in self._edges.items():
            e = self.graph.edges.get(eid)
            if e is not None:
                edge_item.sync(self._edge_model(e))
        for nid, neuron_item in self._neurons.items():
            n = self.graph.neurons.get(nid)
            if n is not None:
                neuron_item.sync(self._neuron_model(n))
        if self._layer is not None:
            self._layer_dirty = True
            self._timer.start()

    @property
    def shown_parameters(self) -> tuple[dict[str, float], dict[str, float]] | None:
        return self._shown

    # (built field by field: dataclasses.replace took ~1.3 s for the 20,000 edges of a bulk
    # network per slider step; the copies share ``extra``, which no view changes)
    def _edge_model(self, e: Edge) -> Edge:
        """The edge as drawn: the graph's, with a shown weight if one is set."""
        w = self._shown[0].get(e.id) if self._shown is not None else None
        if w is None:
            return e
        return Edge(e.id, e.source, e.target, w, e.trainable, e.extra)

    def _neuron_model(self, n: Neuron) -> Neuron:
        b = self._shown[1].get(n.id) if self._shown is not None else None
        if b is None:
            return n
        return Neuron(n.id, n.role, n.activation, b, n.label, n.x, n.y, n.trainable, n.extra)

    def _edges_drawn(self) -> Iterable[Edge | _DrawnEdge]:
        """What the bulk edge picture draws: the graph's edges, or their ends with the shown
        weights (tuples: the 20,000 edges of a bulk network per slider step)."""
        edges = self.graph.edges.values()
        if self._shown is None:
            return edges
        get = self._shown[0].get
        return [_DrawnEdge(e.source, e.target, get(e.id, e.weight)) for e in edges]

    # ---------------------------------------------------------------- building
    def rebuild(self) -> None:
        """Recreate every item from the graph (open/new/reset)."""
        self.rebuilding.emit()  # others' items go too: their owners forget them now
        self.blockSignals(True)
        self._end_item_drag()
        if self._layer is not None:
            self._layer.stop()
        self.clear()  # every item at once (40,000 pass strokes: ~0.1 s, one by one ~0.6 s)
        self.label_obstacles = []  # the layer handles went too (their owner makes new ones)
        self.extra_obstacles = {}  # (so did the tiles)
        self._neurons.clear()
        self._edges.clear()
        self._layer = self._live = None
        self._live_ids = set()
        fallback = missing_positions(self.graph)
        for n in self.graph.neurons.values():
            self._add_neuron_item(n.id, fallback)
        if len(self.graph.edges) > BULK_EDGES:
            self._add_edge_layer()
        else:
            for e in self.graph.edges.values():
                self._add_edge_item(e.id)
        for item in self._neurons.values():
            item.set_overview(self._layer is not None)
        self.blockSignals(False)
        self._guests = None  # the overlay's items went with clear()
        self._hovered = None
        self.place_labels()
        self._refresh_warnings()
        self._update_scene_rect()
        self._emit_selection()

    def _add_edge_layer(self) -> None:
        self._layer = EdgeLayerItem()
        self._layer.foreground_busy = self.foreground_busy
        self._live = LiveEdgesItem(self._layer)
        self.addItem(self._layer)
        self.addItem(self._live)
        self._layer.rebuild(self._edges_drawn(), self._positions())

    def _follow_edge_count(self) -> None:
        """Into bulk mode, or out of it, after an edit that added or removed many edges at
        once: 10,000 edges connected on a small network became 10,000 labelled items (1.5 s,
        and slow repaints after), and their undo left the canvas in bulk mode."""
        bulk = len(self.graph.edges) > BULK_EDGES
        if bulk == (self._layer is not None) or self._live_ids:  # (not in mid-drag)
            return
        if bulk:
            for eid in list(self._edges):
                self._remove_edge_item(eid)
            self._add_edge_layer()
        else:
            for item in (self._live, self._layer):
                if item is not None:
                    self.removeItem(item)
            if self._layer is not None:
                self._layer.stop()
            self._layer = self._live = None
            for eid in self.graph.edges:
                self._add_edge_item(eid)
        for neuron in self._neurons.values():
            neuron.set_overview(bulk)
        self.labels_changed()

    def _positions(self) -> dict[str, QPointF]:
        return {nid: item.pos() for nid, item in self._neurons.items()}

    def _add_neuron_item(self, nid: str, fallback=None) -> None:
        n = self.graph.neurons[nid]
        item = NeuronItem(n)
        if self.show_biases and not self.biases_paused:
            item.set_show_bias(True, n, self.decimals, self.label_font())
        if n.x is None or n.y is None:
            fb = fallback if fallback is not None else missing_positions(self.graph)
            x, y = fb.get(nid, (0.0, 0.0))
        else:
            x, y = n.x, n.y
        item.setPos(self.shown_pos(x, y))
        self._neurons[nid] = item
        self.addItem(item)

    def _add_edge_item(self, eid: str) -> None:
        e = self.graph.edges[eid]
        s, t = self._neurons.get(e.source), self._neurons.get(e.target)
        if s is None or t is None:
            return
        item = EdgeItem(e, s, t, self.show_weights, self.decimals)
        item.on_labels_changed = self.labels_changed
        if self.label_px is not None:
            item.set_label_font(self.label_font())
        s.edges.append(item)
        t.edges.append(item)
        self._edges[eid] = item
        self.addItem(item)
        self.addItem(item.label)
        self.labels_changed()

    def _remove_edge_item(self, eid: str) -> None:
        item = self._edges.pop(eid, None)
        if item is None:
            return
        for end in (item.source, item.target):
            if item in end.edges:
                end.edges.remove(item)
        if item.label.scene() is self:
            self.removeItem(item.label)
        if self._hovered is item:
            self._hovered = None
        self._remove_quietly(item)
        self.labels_changed()

    def _remove_quietly(self, item: QGraphicsItem) -> None:
        """Remove an item; if it was selected, the selection signal comes once after the
        burst (deleting 20 selected neurons changed the selection 20 times, and every
        change redrew the inspector and the docks for neurons about to go)."""
        if not item.isSelected():
            self.removeItem(item)
            return
        self.blockSignals(True)
        try:
            self.removeItem(item)
        finally:
            self.blockSignals(False)
        self._selection_timer.start()

    # ---------------------------------------------------------------- label placement
    def labels_changed(self) -> None:
        """An edge moved, appeared, went or its label changed size: place again (soon)."""
        if not self._placing and not self._labels_timer.isActive():
            self._labels_timer.start()

    def neuron_discs(self) -> list[Disc]:
        """What no label may cover: every neuron's circle with its badges."""
        r = theme.NEURON_RADIUS + NEURON_CLEARANCE
        return [Disc(n.pos().x(), n.pos().y(), r) for n in self._neurons.values()]

    def weight_labels(self) -> list[Label]:
        """The weight labels to place: candidates along each edge, near the target first."""
        out = []
        rad = theme.NEURON_RADIUS + NEURON_CLEARANCE
        for eid, e in self._edges.items():
            if not e.has_label():
                continue
            w, h = e.label_size()
            a, b = e.source.pos(), e.target.pos()
            cands = along_segment((a.x(), a.y()), (b.x(), b.y()), rad, rad, beside=h / 2 + 3)
            out.append(Label(("w", eid), w, h, cands, WEIGHT_PRIORITY, None, leader=False))
        return out

    def place_labels(self) -> Placement:
        """Place the weight labels (and a guest overlay's labels) now; see the module notes."""
        self._labels_timer.stop()
        guests, apply_guests, weights_shown = self._guests or ([], None, True)
        labelled = [e for e in self._edges.values() if e.has_label()]
        dense = len(labelled) > DENSE_LABELS or not weights_shown
        for e in labelled:
            e.lazy_text = dense  # hover-only labels: their text is written when read
        weights = [] if dense else self.weight_labels()
        biases = [item.bias_rect() for item in self._neurons.values() if item.bias_text()]
        biases += [it.sceneBoundingRect() for it in self.label_obstacles if it.scene() is self]
        biases += [it.sceneBoundingRect() for it in self._extra_obstacle_items()]
        fixed = [(r.left(), r.top(), r.right(), r.bottom()) for r in biases]
        lb = self.label_bounds
        bounds = None if lb is None else (lb.left(), lb.top(), lb.right(), lb.bottom())
        out = place_labels([*guests, *weights], self.neuron_discs(), fixed, bounds=bounds)
        self._placing = True  # moving a label is not a change that asks for a placement
        try:
            for e in labelled:
                key = ("w", e.edge_id)
                rect = out.rects.get(key)
                if rect is None:
                    e.place_label(None, hover_only=dense or out.how.get(key) == HIDDEN)
                else:
                    e.place_label(QPointF((rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2))
            if apply_guests is not None:
                apply_guests(out)
        finally:
            self._placing = False
        return out

    def hover_label_at(self, pos: QPointF | None) -> None:
        """The mouse is at ``pos`` (None: gone or dragging): the edge under it shows its label
        if that label is hover-only (no room on the canvas)."""
        edge = None
        if pos is not None and self._edges:
            for it in self.items(pos):
                if isinstance(it, NeuronItem):
                    break  # a neuron is on top: its own tip
                if isinstance(it, EdgeItem):
                    edge = it
                    break
        if edge is self._hovered:
            return
        if self._hovered is not None and self._hovered.scene() is self:
            self._hovered.show_hover_label(False)
        self._hovered = edge
        if edge is not None:
            edge.show_hover_label(True)

    def place_labels_with(
        self, guests: list[Label] | None, apply=None, weights: bool = True
    ) -> Placement:
        """A pass overlay's labels join the placement (``None``: they leave). ``apply(out)`` is
        called with every later placement too (a weight label changed size, an edge went).
        ``weights=False``: the overlay shows the weights itself (old → new), so the weight
        labels are hover-only meanwhile."""
        self._guests = (list(guests), apply, weights) if guests is not None else None
        return self.place_labels()

    # ---------------------------------------------------------------- model events
    # complexity: one short branch per ChangeKind, the scene's whole reaction in one view
    def _on_change(self, ch: Change) -> None:  # noqa: C901
        k = ch.kind
        if k == ChangeKind.RESET:
            self.rebuild()
            return
        ident = ch.id or ""  # (the one-item kinds below always carry their id)
        if k == ChangeKind.NEURON_ADDED:
            self._add_neuron_item(ident)
            self._structure_changed()
        elif k == ChangeKind.NEURON_REMOVED:
            item = self._neurons.pop(ident, None)
            if item is not None:
                for e in list(item.edges):
                    self._remove_edge_item(e.edge_id)
                self._remove_quietly(item)
            self._structure_changed()
        elif k == ChangeKind.NEURON_CHANGED:
            item = self._neurons.get(ident)
            if item is None:
                return
            n = self.graph.neurons[ident]
            if ("x" in ch.keys or "y" in ch.keys) and n.x is not None and n.y is not None:
                item.setPos(self.shown_pos(n.x, n.y))
                if self._layer is not None:
                    self._layer_dirty = True
                    self._timer.start()
            item.sync(self._neuron_model(n))
            if "role" in ch.keys:
                self._structure_changed()
        elif k == ChangeKind.EDGE_ADDED:
            if self._layer is None:
                self._add_edge_item(ident)
            self._structure_changed()
        elif k == ChangeKind.EDGE_REMOVED:
            self._remove_edge_item(ident)
            self._structure_changed()
        elif k == ChangeKind.EDGES_ADDED:
            self._follow_edge_count()
            if self._layer is None:
                for eid in ch.ids:
                    self._add_edge_item(eid)
            self._structure_changed()
        elif k == ChangeKind.EDGES_REMOVED:
            for eid in ch.ids:
                self._remove_edge_item(eid)
            self._follow_edge_count()
            self._structure_changed()
        elif k == ChangeKind.EDGE_CHANGED:
            edge_item = self._edges.get(ident)
            if edge_item is not None:
                edge_item.sync(self._edge_model(self.graph.edges[ident]))
            elif self._layer is not None:
                self._layer_dirty = True
                self._timer.start()
        elif k == ChangeKind.WEIGHTS_CHANGED:
            edge, neuron = self._edge_model, self._neuron_model
            for eid, edge_item in self._edges.items():
                edge_item.sync(edge(self.graph.edges[eid]))
            if self._layer is None:
                for nid, neuron_item in self._neurons.items():
                    neuron_item.sync(neuron(self.graph.neurons[nid]))
            elif not self._weights_timer.isActive():
                # training writes weights ~30 times a second: redraw the 20,000-edge picture
                # and the hundreds of neurons' tool tips (their biases) at most once a
                # second (the picture only if a colour bucket changed, see rebuild)
                self._weights_timer.start()

    def _weights_due(self) -> None:
        if self._layer is not None:
            for nid, item in self._neurons.items():
                n = self.graph.neurons.get(nid)
                if n is not None:
                    item.sync(self._neuron_model(n))
            if self._warnings_dirty or self._timer.isActive():
                self._layer_dirty = True  # a structural refresh is due anyway: all of it
                self.flush(wait=False)
                return
            # weights only: nothing moved, so the scene rect stays (itemsBoundingRect over
            # every item was half of this refresh on a 20,000-edge network)
            self._layer_dirty = False
            self._layer.rebuild(self._edges_drawn(), self._positions(), self._live_ids)

    def finish_drawing(self) -> None:
        """Complete the bulk edge picture being composed (a pulse is about to freeze it)."""
        if self._layer is not None:
            self._layer.finish()

    def _flush_soon(self) -> None:
        self.flush(wait=False)

    def _structure_changed(self) -> None:
        self._warnings_dirty = True
        if self._layer is not None:
            self._layer_dirty = True
        self._timer.start()

    def flush(self, wait: bool = True) -> None:
        """Apply coalesced refreshes now (warnings, bulk edge layer, scene rect). ``wait``:
        the bulk edge picture is complete on return; otherwise (the event loop's own
        refreshes) it is composed in slices and the previous one stays until it is done."""
        self._timer.stop()
        if self._warnings_dirty:
            self._refresh_warnings()
        if self._layer_dirty and self._layer is not None:
            self._layer_dirty = False
            self._layer.rebuild(self._edges_drawn(), self._positions(), self._live_ids)
        if wait and self._layer is not None:
            self._layer.finish()
        self._update_scene_rect()

    def _refresh_warnings(self) -> None:
        self._warnings_dirty = False
        warnings = graph_warnings(self.graph)
        for nid, item in self._neurons.items():
            item.set_warning(warnings.get(nid))

    def _update_scene_rect(self) -> None:
        # generous margins so a lecturer can always place new neurons beside the network
        r = self.itemsBoundingRect().adjusted(-2000, -1500, 2000, 1500)
        self.setSceneRect(r.united(QRectF(-2000, -1500, 4000, 3000)))

    def _emit_selection(self) -> None:
        n, e = self.selected_ids()
        self.selection_changed_ids.emit(n, e)

    def add_foreground(self, busy: Callable[[], bool]) -> None:
        """Register a drawing the user waits for (``busy()`` while it is being drawn): the
        bulk edge picture is composed after it (see EdgeLayerItem._turn). Held weakly."""
        ref = weakref.WeakMethod(busy) if inspect.ismethod(busy) else (lambda: busy)
        self._foreground.append(ref)

    def foreground_busy(self) -> bool:
        alive = []
        busy = False
        for ref in self._foreground:
            fn = ref()
            if fn is None:
                continue
            alive.append(ref)
            try:
                busy = busy or bool(fn())
            except RuntimeError:  # its Qt object went away
                alive.pop()
        self._foreground = alive
        return busy

    def helpEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        # neuron tool tips are written when shown (training moves the biases they name)
        for item in self.items(event.scenePos()):
            if isinstance(item, NeuronItem):
                item.refresh_tooltip()
        super().helpEvent(event)

    # ---------------------------------------------------------------- background
    def drawBackground(self, painter: QPainter, exposed: QRectF | QRect) -> None:
        rect = QRectF(exposed)  # (Qt passes a QRectF)
        painter.fillRect(rect, theme.BACKGROUND)
        if not self.show_grid:
            return
        scale = painter.worldTransform().m11()
        step = theme.GRID * (1 if scale > 0.5 else 5)
        if step * scale < 6:  # too dense to help; skip instead of painting thousands of lines
            return
        pen = QPen(theme.GRID_COLOUR, 0)
        painter.setPen(pen)
        left = int(rect.left() // step) * step
        top = int(rect.top() // step) * step
        x = left
        lines = []

        while x < rect.right():
            lines.append(QLineF(x, rect.top(), x, rect.bottom()))
            x += step
        y = top
        while y < rect.bottom():
            lines.append(QLineF(rect.left(), y, rect.right(), y))
            y += step
        painter.drawLines(lines)
