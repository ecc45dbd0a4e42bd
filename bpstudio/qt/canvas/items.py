"""Graphics items of the canvas: neurons, edges, the bulk edge layer and the legend.

Items are views of one Neuron/Edge of the model: they never change the model themselves.
Overlay hooks for later panels (forward/backward values, highlights):

- ``NeuronItem.set_overlay_text(text | None)``: a small multi-line note under the neuron
  (e.g. ``"z = 0.378\\na = 0.593"``).
- ``NeuronItem.set_fill_override(QColor | None)``: replaces the role fill (heat maps).
- ``EdgeItem.set_overlay_text(text | None)``: a second label line on the edge (∂L/∂w).
- ``EdgeItem.set_pen_override(QPen | None)``: replaces the weight-derived pen (highlight a path).

Pass ``None`` to clear. All are cheap (they only store the value and schedule a repaint).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QLineF, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle

from ...model.graph import Edge, Neuron
from .. import theme

R = theme.NEURON_RADIUS


def _glyph_paths() -> dict[str, QPainterPath]:
    """Tiny plots of each activation in a [-1, 1] box (y up), drawn in the neuron's badge."""

    def curve(f, lo=-1.0, hi=1.0, n=24) -> QPainterPath:
        p = QPainterPath()
        for i in range(n + 1):
            x = lo + (hi - lo) * i / n
            pt = QPointF(x, -max(-1.0, min(1.0, f(x))))
            p.moveTo(pt) if i == 0 else p.lineTo(pt)
        return p

    return {
        "sigmoid": curve(lambda x: 2 / (1 + math.exp(-6 * x)) - 1),
        "tanh": curve(lambda x: math.tanh(3 * x)),
        "relu": curve(lambda x: max(0.0, x) * 2 - 0.6),
        "leaky_relu": curve(lambda x: (x if x > 0 else 0.15 * x) * 2 - 0.6),
        "elu": curve(lambda x: (x if x > 0 else math.exp(2 * x) - 1) * 1.2 - 0.2),
        "softplus": curve(lambda x: math.log1p(math.exp(4 * x)) / 2.5 - 0.8),
        "identity": curve(lambda x: x),
        "linear": curve(lambda x: x),
        "softmax": curve(lambda x: 2 / (1 + math.exp(-6 * x)) - 1),
    }


_GLYPHS: dict[str, QPainterPath] = {}


def glyph(activation: str | None) -> QPainterPath | None:
    if not _GLYPHS:
        _GLYPHS.update(_glyph_paths())
    return _GLYPHS.get(activation or "")


class NeuronItem(QGraphicsItem):
    """A neuron: role-styled circle (square for bias), label, activation badge, warning badge."""

    Type = QGraphicsItem.UserType + 1

    def __init__(self, neuron: Neuron):
        super().__init__()
        self.neuron_id = neuron.id
        self.edges: list[EdgeItem] = []  # attached edge items (kept by the scene)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges)
        self.setAcceptHoverEvents(True)
        self.setZValue(10)
        self._fill_override: QColor | None = None
        self._overlay: str | None = None
        self._warning: str | None = None
        self._font = theme.font(theme.LABEL_PT, bold=True)
        self._small = theme.font(9)
        self._overlay_rect = QRectF()
        self._cache()
        self.sync(neuron)

    def type(self) -> int:
        return self.Type

    def _cache(self) -> None:
        """Repaints (pan, zoom, drags) blit a pixmap instead of calling paint() in Python;
        rendered at 2x so labels stay crisp on a zoomed-in projector."""
        r = self.boundingRect()
        self.setCacheMode(
            QGraphicsItem.CacheMode.ItemCoordinateCache,
            QSize(int(r.width() * 2) + 2, int(r.height() * 2) + 2),
        )

    # ---------------------------------------------------------------- model -> item
    def sync(self, n: Neuron) -> None:
        self.prepareGeometryChange()
        self.role = n.role
        self.label = n.display_label
        self.activation = n.activation if n.has_activation else None
        self.trainable = n.trainable
        self._update_tooltip(n)
        self.update()

    def _update_tooltip(self, n: Neuron) -> None:
        parts = [f"<b>{n.display_label}</b> ({n.id}) — {n.role}"]
        if n.has_activation:
            parts.append(f"activation: {n.activation}, bias: {n.bias:g}")
        if self._warning:
            parts.append(f"⚠ {self._warning}")
        self.setToolTip("<br>".join(parts))
        self._tooltip_base = n

    def set_warning(self, why: str | None) -> None:
        if why != self._warning:
            self._warning = why
            self._update_tooltip(self._tooltip_base)
            self.update()

    @property
    def warning(self) -> str | None:
        return self._warning

    # ---------------------------------------------------------------- overlay hooks
    def set_overlay_text(self, text: str | None) -> None:
        self.prepareGeometryChange()
        self._overlay = text or None
        if self._overlay:
            fm = QFontMetricsF(self._small)
            lines = self._overlay.split("\n")
            w = max(fm.horizontalAdvance(s) for s in lines) + 8
            h = fm.height() * len(lines) + 4
            self._overlay_rect = QRectF(-w / 2, R + 6, w, h)
        self._cache()
        self.update()

    def overlay_text(self) -> str | None:
        return self._overlay

    def set_fill_override(self, colour: QColor | None) -> None:
        self._fill_override = colour
        self.update()

    # ---------------------------------------------------------------- geometry
    def boundingRect(self) -> QRectF:
        r = QRectF(-R - 6, -R - 6, 2 * R + 12, 2 * R + 12)
        if self._overlay:
            r = r.united(self._overlay_rect)
        return r

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addEllipse(QPointF(0, 0), R + 2, R + 2)
        return p

    def itemChange(self, change, value):
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            for e in self.edges:
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
        if self._overlay:
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(theme.LABEL_BACKGROUND)
            painter.drawRoundedRect(self._overlay_rect, 4, 4)
            painter.setPen(theme.TEXT)
            painter.setFont(self._small)
            painter.drawText(self._overlay_rect, Qt.AlignmentFlag.AlignCenter, self._overlay)

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
        painter.save()
        painter.translate(c)
        painter.scale(5.5, 5.5)
        p = QPen(border, 1.6)
        p.setCosmetic(True)
        painter.setPen(p)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(g)
        painter.restore()

    def _paint_warning(self, painter: QPainter) -> None:
        tri = QPolygonF([QPointF(R * 0.7, -R - 4), QPointF(R * 0.7 - 10, -R + 14),
                         QPointF(R * 0.7 + 10, -R + 14)])  # fmt: skip
        painter.setPen(QPen(QColor("#7a5600"), 1.2))
        painter.setBrush(theme.WARNING)
        painter.drawPolygon(tri)
        painter.setPen(QColor("black"))
        painter.setFont(self._small)
        painter.drawText(QRectF(R * 0.7 - 10, -R - 2, 20, 16), Qt.AlignmentFlag.AlignCenter, "!")


class EdgeItem(QGraphicsItem):
    """An arrow from the source rim to the target rim; colour = sign, width = |w|."""

    Type = QGraphicsItem.UserType + 2
    LABEL_AT = 0.7  # labels near the target: "the weights into j" reads naturally

    def __init__(self, edge: Edge, source: NeuronItem, target: NeuronItem, show_label: bool):
        super().__init__()
        self.edge_id = edge.id
        self.source, self.target = source, target
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(1)
        self.show_label = show_label
        self._pen_override: QPen | None = None
        self._overlay: str | None = None
        self._font = theme.font(theme.WEIGHT_PT)
        self._fm = QFontMetricsF(self._font)
        self._line = QLineF()
        self._arrow = QPolygonF()
        self._shape = QPainterPath()
        self._bounds = QRectF()
        self._label_rect = QRectF()
        self.sync(edge)

    def type(self) -> int:
        return self.Type

    def sync(self, e: Edge) -> None:
        self.weight = e.weight
        self.trainable = e.trainable
        self._pen = QPen(theme.edge_colour(e.weight), theme.edge_width(e.weight))
        self._pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if not e.trainable:
            self._pen.setStyle(Qt.PenStyle.DashLine)
        self._text = "" if e.weight is None else f"{e.weight:.3g}"  # unset: no label noise
        self.setToolTip(f"{e.id}: {e.source} → {e.target}, w = {self._text or 'not set'}")
        self.adjust()

    def set_show_label(self, show: bool) -> None:
        if show != self.show_label:
            self.show_label = show
            self.adjust()

    # ---------------------------------------------------------------- overlay hooks
    def set_overlay_text(self, text: str | None) -> None:
        self._overlay = text or None
        self.adjust()

    def overlay_text(self) -> str | None:
        return self._overlay

    def set_pen_override(self, pen: QPen | None) -> None:
        self._pen_override = pen
        self.adjust()

    # ---------------------------------------------------------------- geometry
    def adjust(self) -> None:
        """Recompute the precomputed geometry (called when an end moves or the weight changes)."""
        self.prepareGeometryChange()
        a, b = self.source.pos(), self.target.pos()
        line = QLineF(a, b)
        length = line.length()
        pen = self._pen_override or self._pen
        if length < 2 * R + 1:
            self._line = QLineF(a, a)
            self._arrow = QPolygonF()
        else:
            ux, uy = (b.x() - a.x()) / length, (b.y() - a.y()) / length
            start = QPointF(a.x() + ux * R, a.y() + uy * R)
            tip = QPointF(b.x() - ux * (R + 1), b.y() - uy * (R + 1))
            size = 9 + pen.widthF() * 1.2
            base = QPointF(tip.x() - ux * size, tip.y() - uy * size)
            nx, ny = -uy * size * 0.5, ux * size * 0.5
            self._arrow = QPolygonF([tip, base + QPointF(nx, ny), base - QPointF(nx, ny)])
            self._line = QLineF(start, base)
        stroker = QPainterPathStroker()
        stroker.setWidth(max(8.0, pen.widthF() + 4))
        path = QPainterPath(self._line.p1())
        path.lineTo(self._line.p2())
        self._shape = stroker.createStroke(path)
        self._shape.addPolygon(self._arrow)
        self._bounds = self._shape.boundingRect().adjusted(-4, -4, 4, 4)
        text = self._label_text()
        if text:
            lines = text.split("\n")
            w = max(self._fm.horizontalAdvance(s) for s in lines) + 8
            h = self._fm.height() * len(lines) + 2
            c = line.pointAt(self.LABEL_AT)
            self._label_rect = QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
            self._bounds = self._bounds.united(self._label_rect)
        else:
            self._label_rect = QRectF()
        self.update()

    def _label_text(self) -> str:
        parts = []
        if self.show_label and self._text:
            parts.append(self._text)
        if self._overlay:
            parts.append(self._overlay)
        return "\n".join(parts)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    def paint(self, painter: QPainter, option, widget=None) -> None:
        pen = self._pen_override or self._pen
        if option.state & QStyle.StateFlag.State_Selected:
            halo = QPen(theme.SELECTION, pen.widthF() + 6)
            halo.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(halo)
            painter.drawLine(self._line)
        painter.setPen(pen)
        painter.drawLine(self._line)
        if not self._arrow.isEmpty():
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(pen.color())
            painter.drawPolygon(self._arrow)
        if not self._label_rect.isNull():
            painter.setPen(QPen(pen.color(), 1))
            painter.setBrush(theme.LABEL_BACKGROUND)
            painter.drawRoundedRect(self._label_rect, 4, 4)
            painter.setPen(theme.TEXT)
            painter.setFont(self._font)
            painter.drawText(self._label_rect, Qt.AlignmentFlag.AlignCenter, self._label_text())


class EdgeLayerItem(QGraphicsItem):
    """All edges of a large network in one item (no per-edge items).

    Thousands of per-edge items make every repaint walk thousands of Python objects; one
    item drawing pre-bucketed line lists with ``drawLines`` and cached as a pixmap
    (ItemCoordinateCache) keeps pan/zoom repaints to a blit. Edges whose ends are being
    dragged go to a small uncached "live" list so the cache is not re-rendered per step.
    """

    BUCKETS = 6
    CACHE_PX = 2048

    def __init__(self):
        super().__init__()
        self.setZValue(0)
        self._static: dict[tuple[bool, int], list[QLineF]] = {}
        self._pens: dict[tuple[bool, int], QPen] = {}
        self._bounds = QRectF()

    def _key(self, w: float | None) -> tuple[bool, int]:
        width = theme.edge_width(w)
        b = int(
            (width - theme.MIN_EDGE_WIDTH)
            / (theme.MAX_EDGE_WIDTH - theme.MIN_EDGE_WIDTH + 1e-9)
            * self.BUCKETS
        )
        return (w is not None and w < 0, b)

    def _pen(self, key: tuple[bool, int]) -> QPen:
        pen = self._pens.get(key)
        if pen is None:
            neg, b = key
            # opaque one-pixel cosmetic lines: translucent or wider strokes leave the raster
            # engine's fast path and cost seconds for 20,000 long lines, so |w| is shown by
            # lightness here instead of width
            colour = QColor(theme.NEGATIVE if neg else theme.POSITIVE).lighter(100 + 15 * (5 - b))
            pen = self._pens[key] = QPen(colour, 1.0)
            pen.setCosmetic(True)
        return pen

    def rebuild(self, edges, pos: dict[str, QPointF], live: set[str] | None = None) -> None:
        """edges: iterable of Edge; pos: neuron id -> centre; live: moving neuron ids."""
        self.prepareGeometryChange()
        static: dict[tuple[bool, int], list[QLineF]] = {}
        moving: dict[tuple[bool, int], list[QLineF]] = {}
        for e in edges:
            a, b = pos.get(e.source), pos.get(e.target)
            if a is None or b is None:
                continue
            target = moving if live and (e.source in live or e.target in live) else static
            target.setdefault(self._key(e.weight), []).append(QLineF(a, b))
        self._static = static
        self._live_edges = [e for e in edges if live and (e.source in live or e.target in live)]
        self._live_flat = [line for lines in moving.values() for line in lines]
        xs = [p.x() for p in pos.values()] or [0.0]
        ys = [p.y() for p in pos.values()] or [0.0]
        self._bounds = QRectF(min(xs) - R, min(ys) - R, max(xs) - min(xs) + 2 * R,
                              max(ys) - min(ys) + 2 * R)  # fmt: skip
        self._recache()

    def update_live(self, pos: dict[str, QPointF]) -> None:
        """Cheap per-drag-step update: only the lines touching moving neurons, in one list."""
        self._live_flat = [QLineF(pos[e.source], pos[e.target]) for e in self._live_edges]
        self.update()

    def _recache(self) -> None:
        size = self._bounds.size().toSize()
        # the cache is drawn once per change and blitted on every pan/zoom: keep it small
        # enough (<= 2048 px) that drawing 20,000 edges into it stays a fraction of a second
        scale = min(1.0, self.CACHE_PX / max(1, size.width(), size.height()))
        self.setCacheMode(QGraphicsItem.CacheMode.NoCache)  # drop the old pixmap
        self.setCacheMode(
            QGraphicsItem.CacheMode.ItemCoordinateCache,
            QSize(int(size.width() * scale) + 1, int(size.height() * scale) + 1),
        )
        self.update()

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        for key, lines in self._static.items():
            painter.setPen(self._pen(key))
            painter.drawLines(lines)

    def live_lines(self) -> list[QLineF]:
        return getattr(self, "_live_flat", [])


class LiveEdgesItem(QGraphicsItem):
    """Uncached companion of EdgeLayerItem: draws the edges of neurons being dragged."""

    def __init__(self, layer: EdgeLayerItem):
        super().__init__()
        self.layer = layer
        self.setZValue(0.5)

    def boundingRect(self) -> QRectF:
        return self.layer.boundingRect().adjusted(-2000, -2000, 2000, 2000)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # while dragging: one aliased hairline batch (a rubber band), the real colours and
        # widths come back in the cached layer on release
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pen = QPen(QColor(90, 110, 150), 0)
        painter.setPen(pen)
        painter.drawLines(self.layer.live_lines())
