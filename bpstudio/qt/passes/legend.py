"""The legend of the pass overlays: the activation colour bar and the edge keys."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QFontMetricsF, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ...model.numfmt import MINUS, fmt
from .badge import overlay_font
from .colormap import NORMAL, Theme, diverging

_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


class LegendItem(QGraphicsItem):
    """Colour bar of the activation map and, in the backward view, the |∂L/∂w| width key."""

    def __init__(self, theme: Theme = NORMAL):
        super().__init__()
        self.theme = theme
        self.vmax = 1.0
        self.show_activation = True
        self.show_gradient = False
        self.show_weights = False
        self._font = overlay_font(14)
        self._rect = QRectF()
        self._config: tuple[float, bool, bool, bool, float, int] | None = None
        self.version = 0
        self._relayout()

    def configure(
        self, vmax: float, activation: bool, gradient: bool, weights: bool, font_px: float
    ) -> None:
        config = (vmax, activation, gradient, weights, font_px, id(self.theme))
        if config == self._config:
            return
        self._config = config
        self.version += 1
        self.vmax, self.show_activation = vmax, activation
        self.show_gradient, self.show_weights = gradient, weights
        self._font = overlay_font(font_px * 0.75)
        self._relayout()
        self.update()

    def _relayout(self) -> None:
        fm = QFontMetricsF(self._font)
        h = fm.height()
        rows = 0.0
        if self.show_activation:
            rows += 2.6
        if self.show_gradient:
            rows += 3.8
        if self.show_weights:
            rows += 1.6
        self.prepareGeometryChange()
        self._rect = QRectF(0, 0, h * 15, max(rows, 1) * h + h * 0.6)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        t = self.theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(t.badge_border, 1))
        painter.setBrush(t.badge_fill)
        painter.drawRoundedRect(self._rect, 8, 8)
        painter.setFont(self._font)
        fm = QFontMetricsF(self._font)
        h = fm.height()
        x0, w = self._rect.left() + h * 0.5, self._rect.width() - h
        y = self._rect.top() + h * 0.3
        if self.show_activation:
            painter.setPen(t.badge_text)
            painter.drawText(QPointF(x0, y + fm.ascent()), "neuron fill: activation a")
            y += h * 1.1
            bar = QRectF(x0, y, w, h * 0.6)
            grad = QLinearGradient(bar.topLeft(), bar.topRight())
            for i in range(11):
                s = i / 10
                grad.setColorAt(s, diverging((2 * s - 1) * self.vmax, self.vmax))
            painter.setPen(QPen(t.badge_border, 1))
            painter.setBrush(QBrush(grad))
            painter.drawRect(bar)
            painter.setPen(t.badge_text_dim)
            lo, hi = fmt(-self.vmax, 1, MINUS), fmt(self.vmax, 1, MINUS)
            yy = bar.bottom() + fm.ascent() * 0.95
            painter.drawText(QPointF(bar.left(), yy), lo)
            painter.drawText(QPointF(bar.center().x() - fm.horizontalAdvance("0") / 2, yy), "0")
            painter.drawText(QPointF(bar.right() - fm.horizontalAdvance(hi), yy), hi)
            y += h * 1.5
        if self.show_gradient:
            painter.setPen(t.badge_text)
            painter.drawText(QPointF(x0, y + fm.ascent()), "edges: ∂L/∂w (width: log |∂L/∂w|)")
            y += h * 1.2
            for i, (label, colour) in enumerate((("+", t.positive), (MINUS, t.negative))):
                xx = x0 + i * w / 2
                painter.setPen(QPen(colour, 6))
                painter.drawLine(QPointF(xx, y + h / 2), QPointF(xx + h * 1.5, y + h / 2))
                painter.setPen(t.badge_text)
                painter.drawText(QPointF(xx + h * 1.9, y + fm.ascent()), label)
            y += h * 1.2
            for i, exp in enumerate((-6, -3, 0)):
                xx = x0 + i * w / 3
                painter.setPen(QPen(t.grad_colour(10.0**exp), t.grad_width(10.0**exp)))
                painter.drawLine(QPointF(xx, y + h / 2), QPointF(xx + h * 1.2, y + h / 2))
                painter.setPen(t.badge_text)
                label = "1" if exp == 0 else "10" + str(exp).translate(_SUP)
                painter.drawText(
                    QPointF(xx + h * 1.2 + t.max_width / 2 + 4, y + fm.ascent()), label
                )
            y += h * 1.4
        if self.show_weights:
            painter.setPen(t.badge_text)
            painter.drawText(QPointF(x0, y + fm.ascent()), "edges: weight w (old → new)")
