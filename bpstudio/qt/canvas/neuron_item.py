"""The canvas's neuron: its disc, label, activation glyph and the overlay's fill hook.

Items are views of one Neuron of the model: they never change the model themselves. The pass
overlay (qt/passes) tints a neuron through ``NeuronItem.set_fill_override(QColor | None)``
(None: the role fill again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle

from ...core import activations as act
from ...model.graph import Neuron
from ...model.numfmt import fmt
from .. import theme

R = theme.NEURON_RADIUS

if TYPE_CHECKING:
    from .edge_item import EdgeItem


# per activation name: (the entry's polyline, its path); rebuilt when the entry is replaced
_GLYPHS: dict[str, tuple[tuple[tuple[float, float], ...], QPainterPath]] = {}
_BADGE_PATHS: dict[int, tuple[QPainterPath, QPainterPath]] = {}  # id(glyph) -> (it, placed)


def glyph(activation: str | None) -> QPainterPath | None:
    """The activation's badge (its registry entry's polyline, y up) as a path in Qt's y-down
    coordinates; None for input and bias units or an unknown name."""
    try:
        points = act.entry(activation or "").glyph
    except KeyError:
        return None
    cached = _GLYPHS.get(activation or "")
    if cached is not None and cached[0] is points:
        return cached[1]
    path = QPainterPath()
    path.moveTo(QPointF(points[0][0], -points[0][1]))
    for x, y in points[1:]:
        path.lineTo(QPointF(x, -y))
    _GLYPHS[activation or ""] = (points, path)
    return path


class NeuronItem(QGraphicsItem):
    """A neuron: role-styled circle (square for bias), label, activation badge, warning badge."""

    Type = QGraphicsItem.UserType + 1  # type: ignore[attr-defined]  # UserType (65536) is missing from the PySide6 stubs

    def __init__(self, neuron: Neuron):
        super().__init__()
        self.neuron_id = neuron.id
        self.edges: list[EdgeItem] = []  # attached edge items (kept by the scene)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(10)
        self._fill_override: QColor | None = None
        self._warning: str | None = None
        self._font = theme.font(theme.LABEL_PT, bold=True)
        self._small = theme.font(9)
        self._bounds = QRectF(-R - 6, -R - 6, 2 * R + 12, 2 * R + 12)
        # "b = 0.35" under a hidden or output neuron (View > Show Biases): drawn by the item,
        # a fixed rectangle to the label placement
        self.show_bias = False
        self.decimals = 4
        self._bias_font = theme.font(theme.WEIGHT_PT)
        self._bias_text = ""
        self._bias_rect = QRectF()
        # what the picture shows (role, label, activation, trainable): None before the first
        # sync; the tool tip of a bias-only change is written when asked for (stale)
        self._look: tuple[str, str, str | None, bool] | None = None
        self._tooltip_base = neuron
        self._tooltip_stale = False
        self._cache()
        self.sync(neuron)

    def type(self) -> int:
        return self.Type

    overview = False  # set by the scene in bulk mode (very large networks)

    def set_overview(self, overview: bool) -> None:
        if overview != self.overview:
            self.overview = overview
            self._cache()

    def _cache(self) -> None:
        """Pans and drags blit a pixmap instead of calling paint() in Python.

        Normally the pixmap is per device resolution: a zoom re-renders it, so labels stay
        crisp on a projector and in presentation mode. In bulk mode (hundreds of neurons) a
        zoom would re-render them all (60-90 ms), so the pixmap is kept at item size instead.
        (Never ItemCoordinateCache with another size: Qt 6.11 blits such a pixmap unscaled,
        which drew the neurons twice too big.)"""
        mode = QGraphicsItem.CacheMode
        self.setCacheMode(mode.ItemCoordinateCache if self.overview else mode.DeviceCoordinateCache)

    # ---------------------------------------------------------------- model -> item
    def sync(self, n: Neuron) -> None:
        self._sync_bias(n)
        look = (n.role, n.display_label, n.activation if n.has_activation else None, n.trainable)
        if look == self._look:  # e.g. only the bias moved (training)
            # no repaint (the cached picture stays valid), and the tool tip is written when
            # it is asked for (see refresh_tooltip): training moves hundreds of biases a
            # second and writing every tip took ~40 ms of a 500-neuron canvas's frame
            self._tooltip_base, self._tooltip_stale = n, True
            return
        self._look = look
        self.prepareGeometryChange()
        self.role, self.label, self.activation, self.trainable = look
        self._update_tooltip(n)
        self.update()

    def set_show_bias(
        self, show: bool, n: Neuron, decimals: int, font: QFont | None = None
    ) -> None:
        if font is not None and font != self._bias_font:
            self._bias_font = font
            self._bias_text = ""  # measured again in the new font
        self.show_bias, self.decimals = bool(show), int(decimals)
        self._sync_bias(n)

    def _sync_bias(self, n: Neuron) -> None:
        text = f"b = {fmt(n.bias, self.decimals)}" if self.show_bias and n.has_activation else ""
        if text == self._bias_text:
            return
        self.prepareGeometryChange()
        self._bias_text = text
        if text:
            fm = QFontMetricsF(self._bias_font)
            w, h = fm.horizontalAdvance(text) + 8, fm.height() + 2
            self._bias_rect = QRectF(-w / 2, R + 5, w, h)
        else:
            self._bias_rect = QRectF()
        self._update_bounds()
        self.update()

    def bias_text(self) -> str:
        return self._bias_text

    def bias_rect(self) -> QRectF:
        """Where the bias label is, in scene coordinates (empty when not shown)."""
        return self.mapRectToScene(self._bias_rect) if self._bias_text else QRectF()

    def _update_bounds(self) -> None:
        r = QRectF(-R - 6, -R - 6, 2 * R + 12, 2 * R + 12)
        if self._bias_text:
            r = r.united(self._bias_rect)
        self._bounds = r

    def _update_tooltip(self, n: Neuron) -> None:
        parts = [f"<b>{n.display_label}</b> ({n.id}) — {n.role}"]
        if n.has_activation:
            parts.append(f"activation: {n.activation}, bias: {n.bias:g}")
        if self._warning:
            parts.append(f"⚠ {self._warning}")
        self.setToolTip("<br>".join(parts))
        self._tooltip_base, self._tooltip_stale = n, False

    def refresh_tooltip(self) -> None:
        """Write the tool tip for the neuron as it is now (the scene calls this before Qt
        shows the tip of an item under the mouse)."""
        if self._tooltip_stale:
            self._update_tooltip(self._tooltip_base)

    def set_warning(self, why: str | None) -> None:
        if why != self._warning:
            self._warning = why
            self._update_tooltip(self._tooltip_base)
            self.update()

    @property
    def warning(self) -> str | None:
        return self._warning

    # ---------------------------------------------------------------- the pass overlay's tint
    def set_fill_override(self, colour: QColor | None) -> None:
        self._fill_override = colour
        self.update()

    # ---------------------------------------------------------------- geometry
    def boundingRect(self) -> QRectF:
        return self._bounds  # called ~3x per neuron per repaint: precomputed

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addEllipse(QPointF(0, 0), R + 2, R + 2)
        return p

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for e in self.edges:
                if not e.frozen:  # frozen: drawn by a DragEdgesItem during a drag
                    e.adjust()
        return super().itemChange(change, value)

    # ---------------------------------------------------------------- painting
    def paint(self, painter: QPainter, option, widget=None) -> None:
        style = theme.ROLE_STYLES.get(self.role, theme.ROLE_STYLES["hidden"])
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        fill = self._fill_override or style.fill
        if selected:
            painter.setPen(QPen(theme.SELECTION, 6))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            self._outline(painter, R + 4)
        pen = QPen(style.border, style.border_width)
        if self.role == "bias":
            pen.setStyle(Qt.PenStyle.DashLine)
        if not self.trainable and self.role in ("hidden", "output"):
            pen.setStyle(Qt.PenStyle.DotLine)
        painter.setPen(pen)
        painter.setBrush(QBrush(fill))
        self._outline(painter, R)
        if self.role == "output":  # double ring: outputs read as "the answer"
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(QPointF(0, 0), R - 4, R - 4)
        painter.setPen(theme.TEXT)
        painter.setFont(self._font)
        painter.drawText(QRectF(-R, -R, 2 * R, 2 * R), Qt.AlignmentFlag.AlignCenter, self.label)
        g = glyph(self.activation)
        if g is not None:
            self._paint_badge(painter, g, style.border)
        if self._warning:
            self._paint_warning(painter)
        if self._bias_text:
            painter.setPen(QPen(theme.GRID_COLOUR.darker(150), 1))
            painter.setBrush(theme.LABEL_BACKGROUND)
            painter.drawRoundedRect(self._bias_rect, 4, 4)
            painter.setPen(theme.TEXT)
            painter.setFont(self._bias_font)
            painter.drawText(self._bias_rect, Qt.AlignmentFlag.AlignCenter, self._bias_text)

    def _outline(self, painter: QPainter, r: float) -> None:
        if self.role == "bias":
            painter.drawRoundedRect(QRectF(-r, -r, 2 * r, 2 * r), 8, 8)
        else:
            painter.drawEllipse(QPointF(0, 0), r, r)

    def _paint_badge(self, painter: QPainter, g: QPainterPath, border: QColor) -> None:
        c = QPointF(R * 0.72, R * 0.72)
        painter.setPen(QPen(border, 1.2))
        painter.setBrush(QColor("white"))
        painter.drawEllipse(c, 9, 9)
        # the curve is scaled into the badge here, not by the painter: a cosmetic pen under a
        # scaled painter becomes SVG's non-scaling-stroke, which librsvg and most SVG viewers
        # ignore (they drew the glyph as a filled blob, its stroke 5.5 times too wide)
        cached = _BADGE_PATHS.get(id(g))
        if cached is None or cached[0] is not g:  # (an id can be reused by a newer glyph)
            cached = _BADGE_PATHS[id(g)] = (
                g,
                QTransform().translate(c.x(), c.y()).scale(5.5, 5.5).map(g),
            )
        path = cached[1]
        painter.setPen(QPen(border, 1.6))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)

    def _paint_warning(self, painter: QPainter) -> None:
        tri = QPolygonF(
            [
                QPointF(R * 0.7, -R - 4),
                QPointF(R * 0.7 - 10, -R + 14),
                QPointF(R * 0.7 + 10, -R + 14),
            ]
        )
        painter.setPen(QPen(QColor("#7a5600"), 1.2))
        painter.setBrush(theme.WARNING)
        painter.drawPolygon(tri)
        painter.setPen(QColor("black"))
        painter.setFont(self._small)
        painter.drawText(QRectF(R * 0.7 - 10, -R - 2, 20, 16), Qt.AlignmentFlag.AlignCenter, "!")
