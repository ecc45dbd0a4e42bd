"""The value badge of the pass overlays: a rounded label of ``name = value`` rows.

Every badge keeps the exact floats it displays (``values``) next to the strings it paints
(``texts``), so tests read what the student sees and check it against the reference.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

from ...model.numfmt import fmt
from .colormap import NORMAL, Theme

ABOVE, BELOW, RIGHT, LEFT, CENTER = "above", "below", "right", "left", "center"


def overlay_font(px: float, bold: bool = False) -> QFont:
    f = QFont()
    f.setFamilies(["DejaVu Sans", "Noto Sans", "Segoe UI", "Helvetica", "Arial"])
    f.setPixelSize(max(6, round(px)))
    f.setBold(bold)
    return f


class ValueBadge(QGraphicsItem):
    """A rounded label of ``name = value`` rows, anchored to a point of the scene."""

    def __init__(self, owner: tuple[str, str], role: str, theme: Theme = NORMAL):
        super().__init__()
        self.overlay_owner = owner  # ('neuron'|'edge'|'loss', id): hover tips find it
        self.role = role
        self.theme = theme
        self.values: dict[str, float] = {}
        self.texts: dict[str, str] = {}  # key -> the number as displayed
        self.lines: list[str] = []
        self._colours: list[QColor | None] = []
        self._font = overlay_font(15)
        self._font_px = 15.0
        self._accent: QColor | None = None
        self._rect = QRectF()
        self._pad = (0.0, 0.0)
        self._leader: QPointF | None = None  # item coordinates: a line from there to the box
        self.anchor_mode = ABOVE
        self.version = 0  # bumped whenever what it paints changes (the frozen picture reads it)
        self.setAcceptHoverEvents(True)

    @property
    def accent(self) -> QColor | None:
        return self._accent

    @accent.setter
    def accent(self, colour: QColor | None) -> None:
        if colour != self._accent:
            self._accent = colour
            self.version += 1
            self.update()

    # ------------------------------------------------------------------ content
    def set_rows(
        self,
        rows: list[tuple[str, str, float]],
        decimals: int,
        colours: list[QColor | None] | None = None,
        suffix: dict[str, str] | None = None,
    ) -> None:
        """rows: (key, prefix, value). A prefix ending in '=' gets ' value' appended."""
        self.values = {k: float(v) for k, _, v in rows}
        self.texts = {k: fmt(v, decimals) for k, _, v in rows}
        lines = [f"{p} {self.texts[k]}{(suffix or {}).get(k, '')}".strip() for k, p, _ in rows]
        self._set_lines(lines, list(colours) if colours else [None] * len(rows))

    def set_text_lines(
        self,
        lines: list[str],
        values: dict[str, float],
        texts: dict[str, str],
        colours: list[QColor | None] | None = None,
    ):
        """Free-form lines (e.g. 'old → new', an exercise's blanks), still exposing the
        numbers behind them."""
        self.values = dict(values)
        self.texts = dict(texts)
        self._set_lines(list(lines), list(colours) if colours else [None] * len(lines))

    def _set_lines(self, lines: list[str], colours: list[QColor | None]) -> None:
        """Only a real change relayouts and repaints (refreshes are incremental)."""
        if lines == self.lines and colours == self._colours:
            return
        self.lines = lines
        self._colours = colours
        self._relayout()

    @property
    def font_px(self) -> float:
        """The height of its text in scene units (on screen: times the view's scale)."""
        return self._font_px

    def set_font_px(self, px: float) -> None:
        if float(px) == self._font_px:
            return
        self._font_px = float(px)
        self._font = overlay_font(px)
        self._relayout()

    def set_theme(self, theme: Theme) -> None:
        if theme is self.theme:
            return
        self.theme = theme
        self.version += 1
        self.update()

    def text(self) -> str:
        return "\n".join(self.lines)

    # ------------------------------------------------------------------ geometry
    def _relayout(self) -> None:
        fm = QFontMetricsF(self._font)
        w = max((fm.horizontalAdvance(s) for s in self.lines), default=0.0)
        pad_x, pad_y = fm.height() * 0.35, fm.height() * 0.12
        h = fm.height() * len(self.lines)
        wb, hb = w + 2 * pad_x, h + 2 * pad_y
        self.prepareGeometryChange()
        self._rect = _anchored(wb, hb, self.anchor_mode)
        self._pad = (pad_x, pad_y)
        self.version += 1
        self.update()

    def set_anchor(self, point: QPointF, mode: str) -> None:
        if mode != self.anchor_mode:
            self.anchor_mode = mode
            self.prepareGeometryChange()
            self._rect = _anchored(self._rect.width(), self._rect.height(), mode)
            self.version += 1
        if point != self.pos():
            self.setPos(point)

    def size(self) -> tuple[float, float]:
        return self._rect.width(), self._rect.height()

    def set_leader(self, anchor: QPointF | None) -> None:
        """A thin line from ``anchor`` (scene) to the box: the label placement found no room
        next to what the badge describes. None: no line."""
        local = None if anchor is None else anchor - self.pos()
        if local != self._leader:
            self.prepareGeometryChange()
            self._leader = local
            self.version += 1
            self.update()

    def leader(self) -> QPointF | None:
        """The leader's anchor in scene coordinates (None: no leader)."""
        return None if self._leader is None else self._leader + self.pos()

    def boundingRect(self) -> QRectF:
        r = self._rect.adjusted(-1.5, -1.5, 1.5, 1.5)
        if self._leader is not None:
            p = self._leader
            r = r.united(QRectF(p.x() - 2, p.y() - 2, 4, 4))
        return r

    def scene_rect(self) -> QRectF:
        return self._rect.translated(self.pos())

    def paint(self, painter: QPainter, option, widget=None) -> None:
        t = self.theme
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        border = self.accent or t.badge_border
        if self._leader is not None:
            r, p = self._rect, self._leader
            end = QPointF(
                min(max(p.x(), r.left()), r.right()), min(max(p.y(), r.top()), r.bottom())
            )
            painter.setPen(QPen(border, 1.2))
            painter.drawLine(p, end)
            painter.setBrush(QBrush(border))
            painter.drawEllipse(p, 2.0, 2.0)
        painter.setPen(QPen(border, 2.0 if self.accent else 1.0))
        painter.setBrush(QBrush(t.badge_fill))
        radius = min(self._rect.height() / 2, QFontMetricsF(self._font).height() * 0.45)
        painter.drawRoundedRect(self._rect, radius, radius)
        painter.setFont(self._font)
        fm = QFontMetricsF(self._font)
        pad_x, pad_y = self._pad
        y = self._rect.top() + pad_y + fm.ascent()
        for i, line in enumerate(self.lines):
            colour = self._colours[i] if i < len(self._colours) else None
            painter.setPen(colour or t.badge_text)
            w = fm.horizontalAdvance(line)
            x = self._rect.left() + (self._rect.width() - w) / 2
            painter.drawText(QPointF(x, y), line)
            y += fm.height()


def _anchored(wb: float, hb: float, mode: str) -> QRectF:
    x, y = {
        ABOVE: (-wb / 2, -hb),
        BELOW: (-wb / 2, 0.0),
        RIGHT: (0.0, -hb / 2),
        LEFT: (-wb, -hb / 2),
        CENTER: (-wb / 2, -hb / 2),
    }[mode]
    return QRectF(x, y, wb, hb)
