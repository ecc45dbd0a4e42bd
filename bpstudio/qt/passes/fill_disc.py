"""The fallback neuron tint of the pass overlays (a disc with the label) and its geometry."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from .badge import overlay_font
from .colormap import text_colour_on


def circle_rect(center: QPointF, r: float) -> QRectF:
    return QRectF(center.x() - r, center.y() - r, 2 * r, 2 * r)


class FillDisc(QGraphicsItem):
    """Fallback neuron tint when the editor's items have no fill hook: a disc with the label."""

    def __init__(self, neuron_id: str, label: str, radius: float):
        super().__init__()
        self.overlay_owner = ("neuron", neuron_id)
        self.label = label
        self.radius = radius
        self.colour = QColor(255, 255, 255)

    def boundingRect(self) -> QRectF:
        r = self.radius + 2
        return QRectF(-r, -r, 2 * r, 2 * r)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(QColor(60, 60, 70), 2.0))
        painter.setBrush(self.colour)
        r = self.radius
        painter.drawEllipse(QRectF(-r, -r, 2 * r, 2 * r))
        painter.setPen(text_colour_on(self.colour))
        painter.setFont(overlay_font(r * 0.8, bold=True))
        painter.drawText(QRectF(-r, -r, 2 * r, 2 * r), Qt.AlignmentFlag.AlignCenter, self.label)
