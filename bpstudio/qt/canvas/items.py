"""Graphics items of the canvas: neurons, edges, the bulk edge layer and the legend.

Items are views of one Neuron/Edge of the model: they never change the model themselves.
The pass overlay (qt/passes) draws its numbers as items of its own; it tints a neuron through
``NeuronItem.set_fill_override(QColor | None)`` (None: the role fill again).

An edge's label (its weight, and an overlay line) is a separate item, :class:`EdgeLabelItem`,
stacked above every stroke (a later edge's stroke never crosses an earlier edge's number); the
scene's label placement (``NetworkScene.place_labels``) moves it along its edge or makes it
hover-only (it then shows while the mouse is over the edge).
"""

from __future__ import annotations

import math
import time
from itertools import repeat
from operator import attrgetter

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle

from ...core import activations as act
from ...model.graph import Edge, Neuron
from ...model.numfmt import fmt
from .. import theme

R = theme.NEURON_RADIUS
_SOURCE, _TARGET, _WEIGHT = attrgetter("source"), attrgetter("target"), attrgetter("weight")


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
        if look == getattr(self, "_look", None):  # e.g. only the bias moved (training)
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
        if getattr(self, "_tooltip_stale", False):
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

    Type = QGraphicsItem.UserType + 2  # type: ignore[attr-defined]  # UserType (65536) is missing from the PySide6 stubs
    LABEL_AT = 0.7  # labels near the target: "the weights into j" reads naturally
    frozen = False  # True while a DragEdgesItem stands in for it (geometry not kept current)

    def __init__(
        self,
        edge: Edge,
        source: NeuronItem,
        target: NeuronItem,
        show_label: bool,
        decimals: int = 4,
    ):
        super().__init__()
        self.edge_id = edge.id
        self.source, self.target = source, target
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable)
        self.setZValue(1)
        self.show_label = show_label
        self._font = theme.font(theme.WEIGHT_PT)
        self._fm = QFontMetricsF(self._font)
        self._line = QLineF()
        self._arrow = QPolygonF()
        self._shape = QPainterPath()
        self._bounds = QRectF()
        self._label_rect = QRectF()  # where the label is (scene = item coordinates); null: none
        self._label_at: QPointF | None = None  # the placed centre (None: LABEL_AT, unplaced)
        self.label_hover_only = False  # placement found no room: shown on hover only
        self.label = EdgeLabelItem(self)
        # the Decimals setting, as for every number a student reads: 0.15 → 0.149666 after an
        # update reads 0.1497, not "0.15" (3 significant digits hid the step)
        self.decimals = int(decimals)
        self._hovered = False  # the mouse is over the edge (see NetworkScene.hover_label_at)
        self.sync(edge)

    def type(self) -> int:
        return self.Type

    # set by the scene when its labels are hover-only (a dense network): the text is then
    # written when it is read (hover, placement), not at every weight change of training —
    # 20,000 edges formatted ~30 times a second cost ~60 ms a frame
    lazy_text = False

    def sync(self, e: Edge) -> None:
        self.weight = e.weight
        if self.lazy_text:
            self._text_stale = True
            text = None  # the look then changes with the colour and width only
        else:
            text = self._format()
        width = theme.edge_width(e.weight)
        old = getattr(self, "_look", None)
        look = (text, theme.edge_colour(e.weight).rgba(), e.trainable)
        if old is not None and old[0] == look and abs(old[1] - width) < 0.05:
            return  # training moved the weight invisibly: keep geometry, no repaint
        self._look = (look, width)
        self.trainable = e.trainable
        self._pen = QPen(theme.edge_colour(e.weight), width)
        self._pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        if not e.trainable:
            self._pen.setStyle(Qt.PenStyle.DashLine)
        if text is not None:
            self._text = text  # unset: "" (no label noise)
        shown = self._label_text_now()
        self.setToolTip(f"{e.id}: {e.source} → {e.target}, w = {shown or 'not set'}")
        self.adjust()

    def set_show_label(self, show: bool) -> None:
        if show != self.show_label:
            self.show_label = show
            self.adjust()

    def set_label_font(self, font: QFont) -> None:
        """The weight label's font (the lecture layout enlarges it to read from the back row)."""
        self._font = font
        self._fm = QFontMetricsF(font)
        self.adjust()

    # ---------------------------------------------------------------- geometry
    def adjust(self) -> None:
        """Recompute the precomputed geometry (called when an end moves or the weight changes)."""
        self.prepareGeometryChange()
        a, b = self.source.pos(), self.target.pos()
        line = QLineF(a, b)
        length = line.length()
        pen = self._pen
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
            w, h = self.label_size()
            c = self._label_at if self._label_at is not None else line.pointAt(self.LABEL_AT)
            self._label_rect = QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
        else:
            self._label_rect = QRectF()
        self._sync_label()
        self.update()
        scene = self.scene()
        if scene is not None and hasattr(scene, "labels_changed"):
            # an end moved or the text changed size: the labels are placed again (coalesced)
            scene.labels_changed()

    # ---------------------------------------------------------------- the label
    def label_size(self) -> tuple[float, float]:
        """Width and height of the label box of the current text (its font, any size)."""
        lines = self._label_text().split("\n")
        w = max(self._fm.horizontalAdvance(s) for s in lines) + 8
        return w, self._fm.height() * len(lines) + 2

    def has_label(self) -> bool:
        return bool(self._label_text())

    def place_label(self, center: QPointF | None, hover_only: bool = False) -> None:
        """Put the label's centre at ``center`` (scene), or back at LABEL_AT (None);
        ``hover_only``: no room for it, shown while the mouse is over the edge."""
        if center == self._label_at and hover_only == self.label_hover_only:
            return
        self._label_at = QPointF(center) if center is not None else None
        self.label_hover_only = hover_only
        if not self._label_rect.isNull():
            w, h = self._label_rect.width(), self._label_rect.height()
            c = center if center is not None else self._line_center()
            self._label_rect = QRectF(c.x() - w / 2, c.y() - h / 2, w, h)
        self._sync_label()

    def _line_center(self) -> QPointF:
        return QLineF(self.source.pos(), self.target.pos()).pointAt(self.LABEL_AT)

    def _sync_label(self) -> None:
        hovered = self._hovered and self.label_hover_only
        self.label.set_content(
            self._label_text(), self._label_rect, self._pen.color(),
            self._font, not self.label_hover_only or hovered,
        )  # fmt: skip

    def show_hover_label(self, on: bool) -> None:
        """The mouse is over this edge (the view tells the scene): a hover-only label shows."""
        self._hovered = on
        if self.label_hover_only and not self._label_rect.isNull():
            self.label.show_hovered(on)

    def label_text(self) -> str:
        """What the weight label says (the weight at the Decimals setting)."""
        return self._label_text()

    def _format(self) -> str:
        return "" if self.weight is None else fmt(self.weight, self.decimals)

    def _label_text_now(self) -> str:
        """The weight's text, written now if it was left for later (lazy_text)."""
        if getattr(self, "_text_stale", False):
            self._text, self._text_stale = self._format(), False
        return self._text

    def _label_text(self) -> str:
        return self._label_text_now() if self.show_label else ""

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        return self._shape

    def paint(self, painter: QPainter, option, widget=None) -> None:
        pen = self._pen
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


class EdgeLabelItem(QGraphicsItem):
    """An edge's number in a rounded box, above every edge stroke (and the pass overlay's
    strokes), below the overlay's badges. Mouse-transparent: clicks and hovers reach the
    edge or neuron beneath. Added to and removed from the scene with its edge."""

    Z = 11.0  # neurons are 10, overlay strokes 9.5, overlay badges 12
    HOVER_Z = 13.0  # a hover-only label shown on hover goes over everything

    def __init__(self, edge: EdgeItem):
        super().__init__()
        self.edge_id = edge.edge_id  # the editor's hit tests and the overlay find its edge
        self.setZValue(self.Z)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self._text = ""
        self._rect = QRectF()
        self._colour = QColor()
        self._font = edge._font
        self._fm = QFontMetricsF(self._font)
        self.setVisible(False)

    def set_content(self, text: str, rect: QRectF, colour: QColor, font, shown: bool) -> None:
        if (text, rect, colour.rgba()) != (self._text, self._rect, self._colour.rgba()):
            self.prepareGeometryChange()
            self._text, self._rect, self._colour = text, QRectF(rect), QColor(colour)
            if font is not self._font:
                self._font, self._fm = font, QFontMetricsF(font)
            self.update()
        self.setZValue(self.Z)
        self.setVisible(shown and bool(text) and not rect.isNull())

    def show_hovered(self, on: bool) -> None:
        self.setZValue(self.HOVER_Z if on else self.Z)
        self.setVisible(on and bool(self._text) and not self._rect.isNull())

    def text(self) -> str:
        return self._text

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1) if not self._rect.isNull() else QRectF()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        # labels under ~4 px on screen are noise, and text is most of a label's paint cost
        if self._rect.isNull() or painter.worldTransform().m11() * self._fm.height() < 4:
            return
        painter.setPen(QPen(self._colour, 1))
        painter.setBrush(theme.LABEL_BACKGROUND)
        painter.drawRoundedRect(self._rect, 4, 4)
        painter.setPen(theme.TEXT)
        painter.setFont(self._font)
        painter.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self._text)


def _line_buffer(n_lines: int) -> tuple[QPolygonF, np.ndarray]:
    """A QPolygonF of 2 * n_lines points and a writable (2 * n_lines, 2) float64 numpy view
    of its memory: endpoints are filled in vectorised and ``drawLines(polygon)`` draws the
    pairs without creating one Python QLineF per edge. Keep the polygon alive with the view."""
    poly = QPolygonF()
    poly.resize(2 * n_lines)
    if n_lines == 0:
        return poly, np.zeros((0, 2))
    buf = shiboken6.VoidPtr(poly.data(), 2 * n_lines * 16, True)  # type: ignore[call-arg, arg-type]  # stubs: VoidPtr(address, size, writable)
    return poly, np.frombuffer(buf, dtype=np.float64).reshape(-1, 2)  # type: ignore[call-overload]  # VoidPtr has the buffer protocol


class EdgeLayerItem(QGraphicsItem):
    """All edges of a large network in one item (no per-edge items).

    Thousands of per-edge items make every repaint walk thousands of Python objects; one
    item drawing pre-bucketed line lists with ``drawLines`` and cached as a pixmap
    (ItemCoordinateCache, at most CACHE_PX: the item is scaled) keeps pan/zoom repaints to
    a blit. During a drag the edges with a
    moving end are taken out of the cached picture (rebuilt once at drag start) and drawn by
    the uncached :class:`LiveEdgesItem`, whose endpoints are recomputed with numpy per step.
    """

    BUCKETS = 6
    CACHE_PX = 2048
    CHUNK = 96  # lines per drawLines call while composing the picture
    SLICE_MS = 4.0  # composing work per event-loop turn
    SHARPER = 1.6  # zoomed in this much past the picture's resolution: compose a finer one

    def __init__(self):
        super().__init__()
        self.setZValue(0)
        self._static: list[tuple[int, QPolygonF]] = []  # (bucket key, line pairs)
        self._pens: dict[int, QPen] = {}
        self._bounds = QRectF()
        self.live_item: LiveEdgesItem | None = None
        self._index: dict[str, int] = {}  # neuron id -> row of self._pos
        self._pos = np.zeros((0, 2))
        self._live: list[tuple[int, QPolygonF, np.ndarray, np.ndarray, np.ndarray]] = []
        self._drawn = None  # what the current picture shows (skip identical rebuilds)
        self._static_views: list[np.ndarray] = []  # numpy views of the _static polygons
        # The static edges as one picture (in item coordinates, <= CACHE_PX), composed in
        # slices of SLICE_MS on the event loop: drawing 20,000 antialiased lines takes
        # ~0.5 s, which froze the window at every open, edit and training redraw. Until a
        # new picture is complete the previous one stays on screen (double-buffered).
        self.picture: QImage | None = None
        self.compose_count = 0  # pictures composed (tests)
        self._pending = None  # the state the running job composes (swapped in at its end)
        self._job = None
        # pixels of the picture per item unit: what the view shows (x 1.25), at most 1; a
        # 20,000-edge overview needs a picture of the screen's size, not of CACHE_PX
        self.resolution = 1.0
        self._picture_res = 1.0  # the resolution the shown picture was composed at
        self._want_res = 1.0
        self._compose_cpu = 0.0  # cost of the last picture (s): the next waits twice that
        self._last_end = 0.0
        self._spent = 0.0
        self._job_timer = QTimer()
        self._job_timer.setSingleShot(True)
        self._job_timer.setInterval(0)
        self._job_timer.timeout.connect(self._turn)
        self._yielding_since: float | None = None

    YIELD_MS = 20  # while a picture the user waits for is drawn: look again this much later
    YIELD_MAX_S = 1.5  # ... but never put off for longer than this

    def _turn(self) -> None:
        """A slice of the picture from the event loop, unless the scene draws something the
        user is waiting for (the pass overlay after F8: its picture comes first, this one is
        only the canvas under it, and the old picture stays until the new one is done)."""
        if self._job is None or not shiboken6.isValid(self):
            self._work()
            return
        busy = getattr(self.scene(), "foreground_busy", None)
        if busy is not None and busy():
            now = time.perf_counter()
            if self._yielding_since is None:
                self._yielding_since = now
            if now - self._yielding_since < self.YIELD_MAX_S:
                self._job_timer.start(self.YIELD_MS)
                return
        self._yielding_since = None
        self._work()

    def _keys(self, weights: np.ndarray) -> np.ndarray:
        """Bucket key per edge: 0..BUCKETS-1 for w >= 0 or unset, BUCKETS.. for w < 0."""
        # theme.edge_width, vectorised (unset weights: NaN -> the minimum width)
        w = theme.MIN_EDGE_WIDTH + 3.0 * np.abs(np.nan_to_num(weights))
        width = np.clip(w, theme.MIN_EDGE_WIDTH, theme.MAX_EDGE_WIDTH)
        span = theme.MAX_EDGE_WIDTH - theme.MIN_EDGE_WIDTH + 1e-9
        b = ((width - theme.MIN_EDGE_WIDTH) / span * self.BUCKETS).astype(np.int64)
        return np.where(weights < 0, self.BUCKETS, 0) + b

    def pen(self, key: int) -> QPen:
        pen = self._pens.get(key)
        if pen is None:
            neg, b = key >= self.BUCKETS, key % self.BUCKETS
            # opaque one-pixel cosmetic lines: translucent or wider strokes leave the raster
            # engine's fast path and cost seconds for 20,000 long lines, so |w| is shown by
            # lightness here instead of width
            colour = QColor(theme.NEGATIVE if neg else theme.POSITIVE).lighter(100 + 15 * (5 - b))
            pen = self._pens[key] = QPen(colour, 1.0)
            pen.setCosmetic(True)
        return pen

    def rebuild(self, edges, pos: dict[str, QPointF], live: set[str] | None = None,
                now: bool = False) -> None:  # fmt: skip
        """edges: iterable of Edge; pos: neuron id -> centre; live: moving neuron ids.

        The new picture is composed in slices (the old one stays meanwhile); ``now``: at
        once (a drag start: the moving edges must leave the picture before the next step)."""
        index = {nid: i for i, nid in enumerate(pos)}
        xy = np.array([(p.x(), p.y()) for p in pos.values()], dtype=np.float64).reshape(-1, 2)
        edges = list(edges)
        # map() with attrgetter keeps the per-edge work in C (20,000 edges a second in training)
        src_a = np.fromiter(map(index.get, map(_SOURCE, edges), repeat(-1)), np.int64, len(edges))
        tgt_a = np.fromiter(map(index.get, map(_TARGET, edges), repeat(-1)), np.int64, len(edges))
        w = np.array(list(map(_WEIGHT, edges)), dtype=np.float64)  # None (unset) -> nan
        ok = (src_a >= 0) & (tgt_a >= 0)
        if not ok.all():
            src_a, tgt_a, w = src_a[ok], tgt_a[ok], w[ok]
        keys = self._keys(w)
        moving = np.zeros(len(xy), dtype=bool)
        for nid in live or ():
            if nid in index:
                moving[index[nid]] = True
        drawn = (src_a, tgt_a, keys, xy.copy(), moving)
        same = self._drawn is not None and all(
            a.shape == b.shape and np.array_equal(a, b)
            for a, b in zip(drawn, self._drawn, strict=True)
        )
        self._drawn = drawn
        if same:  # e.g. weights moved within their colour buckets: the picture is right
            if now:
                self.finish()
            return
        is_live = moving[src_a] | moving[tgt_a] if len(src_a) else np.zeros(0, dtype=bool)
        if len(xy):
            lo, hi = xy.min(axis=0), xy.max(axis=0)
        else:
            lo = hi = np.zeros(2)
        # the item draws in scene coordinates * k and is scaled back by 1/k: its picture (the
        # item's own size) stays <= CACHE_PX, so composing 20,000 edges stays a fraction of
        # a second
        k = min(1.0, self.CACHE_PX / max(1.0, *(hi - lo + 2 * R)))
        static, views, live_batches = [], [], []
        for key in np.unique(keys):
            sel = keys == key
            for live_part, part in ((False, sel & ~is_live), (True, sel & is_live)):
                s, t = src_a[part], tgt_a[part]
                if not len(s):
                    continue
                poly, view = _line_buffer(len(s))
                if live_part:  # the live item draws in scene coordinates
                    view[0::2] = xy[s]
                    view[1::2] = xy[t]
                    live_batches.append((int(key), poly, view, s, t))
                else:
                    view[0::2] = xy[s] * k
                    view[1::2] = xy[t] * k
                    static.append((int(key), poly))
                    views.append(view)
        bounds = QRectF(lo[0] - R, lo[1] - R, hi[0] - lo[0] + 2 * R, hi[1] - lo[1] + 2 * R)
        bounds = QRectF(bounds.topLeft() * k, bounds.size() * k)
        state = (static, live_batches, bounds, k, index, xy, views)
        if self.picture is None and self._job is None and not now:
            self._swap(state, None)  # nothing on screen yet: the first paint composes it
            return
        self._start(state)
        if now:
            self.finish()

    # ---------------------------------------------------------------- the picture
    def _swap(self, state, picture: QImage | None) -> None:
        static, live_batches, bounds, k, index, xy, views = state
        self.prepareGeometryChange()
        self._static, self._live, self._bounds = static, live_batches, bounds
        self._static_views = views
        self._index, self._pos = index, xy
        self.setScale(1 / k)
        self.picture = picture
        self.update()
        if self.live_item is not None:
            self.live_item.moved()

    def _state(self):
        return (self._static, self._live, self._bounds, 1 / self.scale(), self._index,
                self._pos, self._static_views)  # fmt: skip

    def _start(self, state) -> None:
        self._pending = state
        self._job = self._compose(state, self._want_res)
        # pictures that cost much wait their turn: training recolours the edges once a
        # second, and composing 20,000 lines must not take the whole of the event loop
        wait = self._last_end + 2 * self._compose_cpu - time.perf_counter()
        self._job_timer.start(max(0, int(wait * 1000)) if self.picture is not None else 0)

    def stop(self) -> None:
        """Drop a picture being composed (the item is leaving the scene)."""
        self._job_timer.stop()
        self._job = self._pending = None

    def _work(self) -> None:
        if self._job is None:
            return
        if not shiboken6.isValid(self):  # deleted with its scene (open/new)
            self.stop()
            return
        t0 = time.perf_counter()
        try:
            next(self._job)
        except StopIteration as done:
            self._job = None
            state, self._pending = self._pending, None
            self.compose_count += 1
            picture, res = done.value
            self._swap(state, picture)
            self._picture_res = res
            self._last_end = time.perf_counter()
            self._compose_cpu = self._spent + self._last_end - t0
            return
        self._spent += time.perf_counter() - t0
        self._job_timer.start(0)

    def finish(self) -> None:
        """Complete a picture being composed now (tests, drag starts, exports)."""
        while self._job is not None:
            self._work()

    @property
    def composing(self) -> bool:
        return self._job is not None

    def _compose(self, state, res: float):
        """Draw the static lines into a new picture (``res`` pixels per item unit), yielding
        every SLICE_MS; returns (picture, res)."""
        static, bounds, views = state[0], state[2], state[6]
        self._spent = 0.0
        w = max(1, math.ceil(bounds.width() * res))
        h = max(1, math.ceil(bounds.height() * res))
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(0)
        painter = None
        clock = time.perf_counter()
        try:
            for (key, _poly), view in zip(static, views, strict=True):
                pen = self.pen(key)
                n = len(view) // 2
                for a in range(0, n, self.CHUNK):
                    if painter is None:
                        painter = QPainter(img)
                        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                        painter.scale(res, res)
                        painter.translate(-bounds.left(), -bounds.top())
                        clock = time.perf_counter()
                    m = min(self.CHUNK, n - a)
                    chunk, cv = _line_buffer(m)
                    cv[:] = view[2 * a : 2 * (a + m)]
                    painter.setPen(pen)
                    painter.drawLines(chunk)  # type: ignore[call-overload]  # Qt accepts a QPolygonF as point pairs; the stubs lack it
                    if (time.perf_counter() - clock) * 1000 > self.SLICE_MS:
                        painter.end()
                        painter = None
                        yield
        finally:
            if painter is not None:
                painter.end()
        return img, res

    def update_live(self, positions: dict[str, QPointF]) -> None:
        """Cheap per-drag-step update: new centres for the moving neurons; only the lines
        touching them are recomputed (vectorised) and only the live item repaints."""
        index, p = self._index, self._pos
        for nid, q in positions.items():
            i = index.get(nid)
            if i is not None:
                p[i, 0] = q.x()
                p[i, 1] = q.y()
        for _key, _poly, view, s, t in self._live:
            view[0::2] = p[s]
            view[1::2] = p[t]
        if self.live_item is not None:
            self.live_item.moved()

    def live_batches(self) -> list[tuple[int, QPolygonF, np.ndarray]]:
        """(bucket key, line pairs, their numpy view) of the edges with a moving end."""
        return [(key, poly, view) for key, poly, view, _s, _t in self._live]

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if widget is not None:
            # the resolution the view needs now (device pixels per item unit)
            t = painter.worldTransform()
            need = min(1.0, max(0.05, 1.25 * math.hypot(t.m11(), t.m12())))
            self._want_res = need
        if self.picture is not None:  # blitted on every pan/zoom
            painter.drawImage(self._bounds, self.picture)
            if widget is not None and need > self._picture_res * self.SHARPER and not self._job:
                self._start(self._state())  # zoomed in: a sharper picture, in slices
            return
        if widget is not None:  # on screen: compose the picture (the edges appear when done)
            if self._job is None:
                self._start(self._state())
            return
        for key, lines in self._static:  # an export (scene.render): the lines themselves
            painter.setPen(self.pen(key))
            painter.drawLines(lines)  # type: ignore[call-overload]  # Qt accepts a QPolygonF as point pairs; the stubs lack it


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
            buf = self._sparse[(key, self.stride)] = _line_buffer(n)
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
            option.state = (state | QStyle.StateFlag.State_Selected if e.isSelected()
                            else state & ~QStyle.StateFlag.State_Selected)  # fmt: skip
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
        static = [e for e in edges if e.source.neuron_id not in moving
                  and e.target.neuron_id not in moving]  # fmt: skip
        self.live = [e for e in edges if e.source.neuron_id in moving
                     or e.target.neuron_id in moving]  # fmt: skip
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
            poly, view = _line_buffer(len(es))
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
