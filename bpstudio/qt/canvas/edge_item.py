"""The canvas's edge (normal mode: one item per edge) and its label.

An edge's label (its weight, and an overlay line) is a separate item, :class:`EdgeLabelItem`,
stacked above every stroke (a later edge's stroke never crosses an earlier edge's number); the
scene's label placement (``NetworkScene.place_labels``) moves it along its edge or makes it
hover-only (it then shows while the mouse is over the edge).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem, QStyle

from ...model.graph import Edge
from ...model.numfmt import fmt
from .. import theme
from .neuron_item import NeuronItem

R = theme.NEURON_RADIUS


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
        # ((text, colour, trainable), pen width) drawn: None before the first sync
        self._look: tuple[tuple[str | None, int, bool], float] | None = None
        self._text = ""
        self._text_stale = False  # lazy_text: the weight changed, the text is written on read
        # NetworkScene.labels_changed (set by the scene): the labels are placed again
        self.on_labels_changed: Callable[[], None] | None = None
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
        old = self._look
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
        if self.on_labels_changed is not None and self.scene() is not None:
            # an end moved or the text changed size: the labels are placed again (coalesced)
            self.on_labels_changed()

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
            self._label_text(),
            self._label_rect,
            self._pen.color(),
            self._font,
            not self.label_hover_only or hovered,
        )

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
        if self._text_stale:
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
