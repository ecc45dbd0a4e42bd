"""The travelling pulses of a pass step: dots with a fading trail along the edges."""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem


class PulseLayer(QGraphicsItem):
    """All travelling pulses of one step in one item: one repaint per frame, any edge count."""

    def __init__(self):
        super().__init__()
        self.segments: list[tuple[QPointF, QPointF]] = []
        self.progress = 0.0
        self.colour = QColor(255, 170, 0)
        self.dot = 7.0
        self._rect = QRectF()
        self.paint_times: list[float] | None = None  # benchmarks set a list to record frames
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def set_segments(self, segments: list[tuple[QPointF, QPointF]]) -> None:
        self.prepareGeometryChange()
        self.segments = segments
        rect = QRectF()
        for p0, p1 in segments:
            rect = rect.united(QRectF(p0, p1).normalized())
        d = self.dot * 2
        self._rect = rect.adjusted(-d, -d, d, d)
        self.update()

    def set_progress(self, t: float) -> None:
        self.progress = t
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self.paint_times is not None:
            self.paint_times.append(time.perf_counter())
        if self.segments:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            paint_dots(painter, self.segments, self.progress, self.colour, self.dot)


def paint_dots(painter: QPainter, segments, t: float, colour: QColor, dot: float) -> None:
    """Pulse heads with a fading trail: one drawPoints call per trail step (round, wide pen),
    so a frame costs a handful of C++ calls whatever the number of edges."""
    if not segments:
        return
    if _SEGMENT_ARRAYS.get("segments") is not segments:  # new pulse: arrays once, not per frame
        p0 = np.array([(a.x(), a.y()) for a, _ in segments])
        p1 = np.array([(b.x(), b.y()) for _, b in segments])
        _SEGMENT_ARRAYS.update(segments=segments, p0=p0, d=p1 - p0)
    p0, d = _SEGMENT_ARRAYS["p0"], _SEGMENT_ARRAYS["d"]
    trail = 4
    for k in range(trail, -1, -1):
        tk = t - 0.045 * k
        if tk < 0:
            continue
        c = QColor(colour)
        c.setAlphaF(1.0 - k / (trail + 1))
        pen = QPen(c, 2 * dot * (1.0 - 0.12 * k))
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        pts = p0 + d * tk
        painter.drawPoints(QPolygonF([QPointF(x, y) for x, y in pts.tolist()]))


_SEGMENT_ARRAYS: dict = {}
