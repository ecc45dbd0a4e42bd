"""Normal mode during a drag: the edge items stood in for by two cheap items."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyle

from .. import theme
from .edge_item import EdgeItem
from .line_buffer import line_buffer


class StaticEdgesPicture(QGraphicsItem):
    """Edge items that do not move during a drag, painted once as their items paint them
    into an ItemCoordinateCache at the current zoom: a drag step blits one picture instead
    of calling thousands of Python ``paint`` methods."""

    CACHE_PX = 4096

    def __init__(self, edges: list[EdgeItem], zoom: float):
        super().__init__()
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.edges = edges
        bounds = QRectF()
        for e in edges:
            bounds = bounds.united(e.boundingRect())
        # drawn in scene coordinates * k and scaled back by 1/k, so the cache (the item's own
        # size: Qt 6.11 blits other sizes unscaled) has about the view's resolution
        size = max(1.0, bounds.width(), bounds.height())
        self._k = k = min(max(zoom, 0.05), self.CACHE_PX / size)
        self._bounds = QRectF(bounds.topLeft() * k, bounds.size() * k)
        self.setScale(1 / k)
        self.setCacheMode(QGraphicsItem.CacheMode.ItemCoordinateCache)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.scale(self._k, self._k)
        state = option.state
        for e in self.edges:
            option.state = (
                state | QStyle.StateFlag.State_Selected
                if e.isSelected()
                else state & ~QStyle.StateFlag.State_Selected
            )
            e.paint(painter, option)
        option.state = state


class DragEdgesItem(QGraphicsItem):
    """Normal mode (per-edge items) during a drag: stands in for every edge item at once.

    At drag start the edge items are made transparent; the edges without a moving end go
    to a :class:`StaticEdgesPicture` (cached), and the edges with a moving end are drawn
    here as plain lines in their own pens (no label or arrow while moving), batched per pen
    with numpy-filled buffers. ``end()`` gives the items back.
    """

    def __init__(self, edges: list[EdgeItem], moving: set[str], zoom: float):
        super().__init__()
        self.setZValue(1)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        static = [
            e
            for e in edges
            if e.source.neuron_id not in moving and e.target.neuron_id not in moving
        ]
        self.live = [
            e for e in edges if e.source.neuron_id in moving or e.target.neuron_id in moving
        ]
        self.edges = edges
        for e in edges:
            e.frozen = True
            e.setOpacity(0.0)  # not painted (and stays selected, unlike a hidden item)
            e.label.setOpacity(0.0)
        self.picture = StaticEdgesPicture(static, zoom) if static else None
        ends = {id(n): n for e in self.live for n in (e.source, e.target)}
        self._ends = list(ends.values())
        index = {k: i for i, k in enumerate(ends)}
        groups: dict[tuple, list[EdgeItem]] = {}
        for e in self.live:
            pen = e._pen
            k = (pen.color().rgba(), pen.widthF(), pen.style().value, e.isSelected())
            groups.setdefault(k, []).append(e)
        self._batches = []
        for es in groups.values():
            pen = QPen(es[0]._pen)
            s = np.array([index[id(e.source)] for e in es], dtype=np.int64)
            t = np.array([index[id(e.target)] for e in es], dtype=np.int64)
            poly, view = line_buffer(len(es))
            self._batches.append((pen, es[0].isSelected(), poly, view, s, t))
        self._bounds = QRectF()
        self.moved()

    def moved(self) -> None:
        """Moving neurons have new positions: recompute the live lines (vectorised)."""
        pos = np.array([(n.pos().x(), n.pos().y()) for n in self._ends], dtype=np.float64)
        rect = QRectF()
        if len(pos):
            for _pen, _sel, _poly, view, s, t in self._batches:
                view[0::2] = pos[s]
                view[1::2] = pos[t]
            lo, hi = pos.min(axis=0) - 8, pos.max(axis=0) + 8
            rect = QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1])
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect
        self.update()

    def end(self) -> list[EdgeItem]:
        """Make the edge items visible again; returns the ones whose ends moved."""
        for e in self.edges:
            e.frozen = False
            e.setOpacity(1.0)
            e.label.setOpacity(1.0)
        return self.live

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # aliased while moving: wide antialiased strokes cost ~15 us a line in the raster
        # engine; the items take over (antialiased, with labels and arrows) on release
        aa = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for pen, selected, poly, _view, _s, _t in self._batches:
            if selected:
                painter.setPen(QPen(theme.SELECTION, pen.widthF() + 6))
                painter.drawLines(poly)  # type: ignore[call-overload]  # Qt accepts a QPolygonF as point pairs; the stubs lack it
            painter.setPen(pen)
            painter.drawLines(poly)  # type: ignore[call-overload]  # Qt accepts a QPolygonF as point pairs; the stubs lack it
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, aa)  # DontSavePainterState
