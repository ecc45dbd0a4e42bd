"""The edges of neurons being dragged in bulk mode, drawn uncached over the edge layer."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QPainter, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from .line_buffer import line_buffer

if TYPE_CHECKING:
    from .edge_layer import EdgeLayerItem


class LiveEdgesItem(QGraphicsItem):
    """Uncached companion of EdgeLayerItem: draws the edges of neurons being dragged.

    Ten thousand one-pixel lines cost tens of milliseconds in the raster engine, so while the
    mouse moves the item draws an even subset (every 2nd, 4th, ... line of each colour
    bucket, chosen from the measured cost so a step stays within ``BUDGET_MS``); the full set
    is drawn as soon as the mouse rests for ``SETTLE_MS`` and on every step when it is cheap.
    """

    BUDGET_MS = 15.0
    SETTLE_MS = 120
    MAX_STRIDE = 16

    def __init__(self, layer: EdgeLayerItem):
        super().__init__()
        self.layer = layer
        layer.live_item = self
        self.setZValue(0.5)
        self._bounds = QRectF()
        self._ms_per_line = 0.0  # measured (smoothed) cost of one live line
        self.stride = 1
        self._sparse: dict[tuple[int, int], tuple[QPolygonF, np.ndarray]] = {}
        self._settle = QTimer()
        self._settle.setSingleShot(True)
        self._settle.setInterval(self.SETTLE_MS)
        self._settle.timeout.connect(self._draw_all)

    def moved(self) -> None:
        """The live lines changed: new bounds (only what they cover repaints) and a repaint."""
        batches = self.layer.live_batches()
        views = [v for _k, _p, v in batches]
        if views:
            lo = np.min([v.min(axis=0) for v in views], axis=0)
            hi = np.max([v.max(axis=0) for v in views], axis=0)
            rect = QRectF(lo[0] - 2, lo[1] - 2, hi[0] - lo[0] + 4, hi[1] - lo[1] + 4)
        else:
            rect = QRectF()
            self._sparse.clear()
        if rect != self._bounds:
            self.prepareGeometryChange()
            self._bounds = rect
        n = sum(len(v) // 2 for v in views)
        stride = 1
        while stride < self.MAX_STRIDE and n / stride * self._ms_per_line > self.BUDGET_MS:
            stride *= 2  # powers of two: each subset contains the next sparser one
        self.stride = stride
        if stride > 1:
            for key, _poly, view in batches:
                pairs = view.reshape(-1, 2, 2)[::stride]
                poly, sv = self._sparse_buffer(key, len(pairs))
                sv.reshape(-1, 2, 2)[:] = pairs
            self._settle.start()
        self.update()

    def _sparse_buffer(self, key: int, n: int) -> tuple[QPolygonF, np.ndarray]:
        buf = self._sparse.get((key, self.stride))
        if buf is None or len(buf[1]) != 2 * n:
            buf = self._sparse[(key, self.stride)] = line_buffer(n)
        return buf

    def _draw_all(self) -> None:
        if self.stride > 1:
            self.stride = 1
            self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # aliased hairlines in the layer's colours (the cheapest raster path); the cached
        # layer takes them back on release
        aa = painter.testRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        t0 = time.perf_counter()
        drawn = 0
        for key, poly, view in self.layer.live_batches():
            if self.stride > 1:
                poly, view = self._sparse[(key, self.stride)]
            painter.setPen(self.layer.pen(key))
            painter.drawLines(poly)  # type: ignore[call-overload]  # Qt accepts a QPolygonF as point pairs; the stubs lack it
            drawn += len(view) // 2
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, aa)  # DontSavePainterState
        if drawn >= 200:  # enough lines for a meaningful per-line cost
            ms = (time.perf_counter() - t0) * 1000 / drawn
            a = self._ms_per_line
            self._ms_per_line = ms if a == 0 else 0.5 * a + 0.5 * ms
