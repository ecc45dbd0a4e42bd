"""The colour/shape legend, painted by the same function on screen and in rendered images."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QPainter, QPen, QPixmap
from PySide6.QtWidgets import QWidget

from .. import theme

ROWS = [("input", "input"), ("hidden", "hidden"), ("output", "output"), ("bias", "bias (1)")]
SIZE = QSize(300, 112)


def paint_legend(painter: QPainter, origin: QPointF) -> None:
    """Draw the legend with its top-left corner at origin (in painter coordinates)."""
    painter.save()
    painter.translate(origin)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(theme.GRID_COLOUR.darker(130), 1))
    painter.setBrush(theme.LABEL_BACKGROUND)
    painter.drawRoundedRect(QRectF(0, 0, SIZE.width(), SIZE.height()), 8, 8)
    painter.setFont(theme.font(10))
    for i, (role, text) in enumerate(ROWS):
        y = 18 + i * 24
        st = theme.ROLE_STYLES[role]
        pen = QPen(st.border, st.border_width * 0.7)
        if role == "bias":
            pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(st.fill)
        if role == "bias":
            painter.drawRoundedRect(QRectF(10, y - 8, 16, 16), 4, 4)
        else:
            painter.drawEllipse(QPointF(18, y), 8, 8)
            if role == "output":
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawEllipse(QPointF(18, y), 5, 5)
        painter.setPen(theme.TEXT)
        painter.drawText(QRectF(32, y - 10, 90, 20), Qt.AlignmentFlag.AlignVCenter, text)
    x0 = 130
    for i, (colour, text) in enumerate(
        [(theme.POSITIVE, "w > 0"), (theme.NEGATIVE, "w < 0"), (theme.UNSET, "w not set")]
    ):
        y = 18 + i * 24
        painter.setPen(QPen(colour, 4))
        painter.drawLine(QPointF(x0, y), QPointF(x0 + 36, y))
        painter.setPen(theme.TEXT)
        painter.drawText(QRectF(x0 + 44, y - 10, 120, 20), Qt.AlignmentFlag.AlignVCenter, text)
    y = 18 + 3 * 24
    for k, w in enumerate((1.0, 3.0, 6.0)):
        painter.setPen(QPen(theme.POSITIVE, w))
        painter.drawLine(QPointF(x0 + k * 14, y + 6), QPointF(x0 + k * 14 + 10, y - 6))
    painter.setPen(theme.TEXT)
    painter.drawText(QRectF(x0 + 44, y - 10, 130, 20), Qt.AlignmentFlag.AlignVCenter, "width ∝ |w|")
    painter.restore()


class LegendWidget(QWidget):
    """Fixed in the view's corner (it does not zoom with the network)."""

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.setFixedSize(SIZE.width() + 2, SIZE.height() + 2)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)

        self._pixmap: QPixmap | None = None

    def paintEvent(self, event) -> None:
        # repainted whenever the canvas under it is (every drag step): blit a cached picture
        dpr = self.devicePixelRatioF()
        if self._pixmap is None or self._pixmap.devicePixelRatio() != dpr:
            pm = QPixmap(self.size() * dpr)
            pm.setDevicePixelRatio(dpr)
            pm.fill(Qt.GlobalColor.transparent)
            q = QPainter(pm)
            paint_legend(q, QPointF(1, 1))
            q.end()
            self._pixmap = pm
        p = QPainter(self)
        p.drawPixmap(0, 0, self._pixmap)
        p.end()
