"""One coloured, weighted line over an edge (gradient or weight) and the width rule."""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import QGraphicsLineItem

from .colormap import Theme


class EdgeStroke(QGraphicsLineItem):
    """A coloured, weighted line over an edge (gradient or weight), between the neuron rims."""

    def __init__(self, edge_id: str):
        super().__init__()
        self.overlay_owner = ("edge", edge_id)
        self.edge_id = edge_id
        self.value = 0.0  # the number the colour and width encode
        # what the overlay last drew it from (an unchanged key: nothing to do); its shape is the
        # overlay's business, so the stroke only compares it
        self.key: object = None
        self.version = 0
        self.setAcceptHoverEvents(True)

    def set_ends(self, p0: QPointF, p1: QPointF, r0: float, r1: float) -> None:
        x0, y0, x1, y1 = p0.x(), p0.y(), p1.x(), p1.y()
        n = math.hypot(x1 - x0, y1 - y0)
        if n > r0 + r1:
            ux, uy = (x1 - x0) / n, (y1 - y0) / n
            x0, y0, x1, y1 = x0 + ux * r0, y0 + uy * r0, x1 - ux * r1, y1 - uy * r1
        line = QLineF(x0, y0, x1, y1)
        if line != self.line():
            self.setLine(line)
            self.version += 1

    def set_style(self, value: float, colour: QColor, width: float) -> None:
        self.value = float(value)
        pen = QPen(colour, width)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        if pen != self.pen():
            self.setPen(pen)
            self.version += 1


def weight_width(w: float, theme: Theme, wmax: float) -> float:
    if not math.isfinite(w) or wmax <= 0:
        return theme.min_width
    return theme.min_width + (theme.max_width * 0.6 - theme.min_width) * min(1.0, abs(w) / wmax)
