"""Graphics items of the pass overlays: value badges, edge strokes, the pulse, the legend.

Every badge keeps the exact floats it displays (``values``) next to the strings it paints
(``texts``), so tests read what the student sees and check it against the reference.
"""

from __future__ import annotations

import gc
import math
import time

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QLinearGradient,
    QPainter,
    QPen,
    QPolygonF,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsLineItem,
    QStyle,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ...model.numfmt import MINUS, fmt
from ..canvas.items import _line_buffer
from .colormap import NORMAL, Theme, diverging, text_colour_on

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

    def rect_at(self, point: QPointF, mode: str) -> QRectF:
        """The scene rect the badge would cover if anchored there (nothing moves)."""
        return _anchored(self._rect.width(), self._rect.height(), mode).translated(point)

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


class EdgeStroke(QGraphicsLineItem):
    """A coloured, weighted line over an edge (gradient or weight), between the neuron rims."""

    def __init__(self, edge_id: str):
        super().__init__()
        self.overlay_owner = ("edge", edge_id)
        self.edge_id = edge_id
        self.value = 0.0  # the number the colour and width encode
        self.key = None  # what the overlay last drew it from (unchanged key: nothing to do)
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


class StrokeLayer(QGraphicsItem):
    """Bulk mode (a network drawn by one edge layer): every visible edge stroke in one item.

    There are no per-edge stroke items in bulk mode: the overlay hands this item the strokes
    as numpy arrays (:meth:`set_arrays`: ends, colours, widths, computed vectorised), because
    styling 20,000 QGraphicsLineItems cost a second per step. Pens are grouped (widths to
    1/8 px, alphas to 1/64) and drawn faintest first, so the strongest gradients lie on top;
    each group is drawn with a few ``drawLines`` calls on polygons filled from numpy. The lines are
    rasterised once (:meth:`build`, in slices) into an image of the viewport at the view's
    transform; ``paint`` then blits it pixel for pixel. Painted at any other transform (zoom,
    pan, an export) it draws the lines directly and asks for a new image. Hover tips find
    the edge under the mouse with :meth:`owner_at`.
    """

    CHUNK = 64  # lines per drawLines call of a build (a slice ends after SLICE_MS)
    SLICE_MS = 2.5

    def __init__(self):
        super().__init__()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setAcceptHoverEvents(False)
        self.runs: list = []  # (pen spec, first, stop): consecutive lines sharing a pen
        self._lines = np.zeros((0, 4))
        self._ids: list[str] = []  # edge id per line (drawing order)
        self._values = np.zeros(0)  # the number each stroke encodes
        self._widths = np.zeros(0)
        self._where: dict[str, int] | None = None  # edge id -> line (built when asked)
        self.count = 0
        self._rect = QRectF()
        self.view = None
        self.image = None  # QImage of the strokes at ``_transform``, origin ``_origin``
        self._transform = None
        self._origin = (0, 0)
        self.hints = QPainter.RenderHint.Antialiasing
        self.build_count = 0  # tests: images rasterised
        self._timer = None
        self._job = None  # a build running in slices on the event loop (build_soon)
        self._job_timer = None

    def set_strokes(self, strokes) -> None:
        """strokes: EdgeStroke items in drawing order (their pens and lines). Drops the image."""
        for _ in self.collect(strokes):
            pass

    def collect(self, strokes):
        """:meth:`set_strokes` as a generator (kept for callers that have stroke items)."""
        strokes = list(strokes)
        rgba, widths, lines = [], [], []
        for s in strokes:
            pen, line = s.pen(), s.line()
            c = pen.color()
            rgba.append((c.redF(), c.greenF(), c.blueF(), c.alphaF()))
            widths.append(pen.widthF())
            lines.append((line.x1(), line.y1(), line.x2(), line.y2()))
        yield
        self.set_arrays([s.edge_id for s in strokes], np.array(lines, float).reshape(-1, 4),
                        np.array(rgba, float).reshape(-1, 4), np.array(widths, float),
                        np.array([s.value for s in strokes], float))  # fmt: skip

    def values_by_edge(self) -> dict[str, float]:
        """The number each drawn stroke encodes, by edge id (what tests and tips read)."""
        return dict(zip(self._ids, self._values.tolist(), strict=True))

    def set_arrays(self, ids: list[str], lines: np.ndarray, rgba: np.ndarray,
                   widths: np.ndarray, values: np.ndarray) -> None:  # fmt: skip
        """The strokes to draw: per edge its line (x0, y0, x1, y1) in scene coordinates, pen
        colour (r, g, b, a in 0..1), pen width and value. Drops the image."""
        n = len(ids)
        wq = np.round(np.asarray(widths, float) * 8) / 8
        q = np.asarray(rgba, float).reshape(-1, 4).copy()  # the theme's few colours, exact
        q[:, 3] = np.round(q[:, 3] * 64) / 64
        c8 = np.round(q[:, :3] * 65535).astype(np.int64)  # QColor keeps 16 bits a channel
        colour = (c8[:, 0] << 32) | (c8[:, 1] << 16) | c8[:, 2]  # one number per colour
        # faint and thin first, strong on top; equal pens keep the edge order (stable)
        order = np.lexsort((colour, q[:, 3], wq)) if n else np.zeros(0, np.intp)
        wq, q, colour = wq[order], q[order], colour[order]
        runs = []
        if n:
            change = (np.diff(wq) != 0) | (np.diff(q[:, 3]) != 0) | (np.diff(colour) != 0)
            starts = np.concatenate([[0], np.nonzero(change)[0] + 1])
            stops = np.concatenate([starts[1:], [n]])
            for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
                runs.append(((*q[a].tolist(), float(wq[a])), a, b))
        lines = np.asarray(lines, float).reshape(-1, 4)[order]
        rect = QRectF()
        if n:
            xy = lines.reshape(-1, 2)
            lo, hi = xy.min(axis=0), xy.max(axis=0)
            m = float(wq.max()) / 2 + 2
            rect = QRectF(lo[0] - m, lo[1] - m, hi[0] - lo[0] + 2 * m, hi[1] - lo[1] + 2 * m)
        self.prepareGeometryChange()
        self.runs = runs
        self._lines = lines
        self._ids = [ids[k] for k in order.tolist()]
        self._values = np.asarray(values, float)[order]
        self._widths = wq
        self._where = None
        self.count = n
        self._rect = rect
        self.image = None
        self._transform = None
        self._job = None
        self.update()

    # ------------------------------------------------------------------ queries
    def _index_of(self, edge_id: str) -> int | None:
        if self._where is None:
            self._where = {eid: k for k, eid in enumerate(self._ids)}
        return self._where.get(edge_id)

    def value_of(self, edge_id: str) -> float | None:
        """The number the edge's stroke encodes (∂L/∂w, or the new weight after an update)."""
        k = self._index_of(edge_id)
        return None if k is None else float(self._values[k])

    def pen_of(self, edge_id: str) -> QPen | None:
        k = self._index_of(edge_id)
        if k is None:
            return None
        for spec, first, stop in self.runs:
            if first <= k < stop:
                return self._pen(spec)
        return None

    def line_of(self, edge_id: str) -> QLineF | None:
        k = self._index_of(edge_id)
        return None if k is None else QLineF(*self._lines[k].tolist())

    def owner_at(self, pos: QPointF) -> tuple[str, str] | None:
        """("edge", id) of the topmost stroke under a scene point (hover tips), or None."""
        if not self.count or not self.isVisible():
            return None
        x0, y0, x1, y1 = self._lines.T
        dx, dy = x1 - x0, y1 - y0
        px, py = pos.x(), pos.y()
        t = np.clip(((px - x0) * dx + (py - y0) * dy) / np.maximum(dx * dx + dy * dy, 1e-12), 0, 1)
        d = np.hypot(x0 + t * dx - px, y0 + t * dy - py)
        scale = self.view.transform().m11() if self.view is not None else 1.0
        hit = np.nonzero(d <= self._widths / 2 + 3.0 / max(scale, 1e-6))[0]
        return ("edge", self._ids[int(hit[-1])]) if len(hit) else None

    def boundingRect(self) -> QRectF:
        return self._rect

    def _view_state(self):
        v = self.view
        if v is None or self.scene() is None:
            return None
        return v.viewportTransform(), v.viewport().rect()

    def build(self):
        """Rasterise the strokes for the view as it is now; a generator (yields between
        slices; drive it to the end). No view: nothing to build (paint draws directly).
        Until it ends, an image of the same strokes at another transform stays (paint
        shows it scaled meanwhile)."""
        state = self._view_state()
        if state is None or not self.runs:
            self.image = None
            self._transform = None
            return
        vt, vp = state
        if abs(vt.m12()) > 1e-12 or abs(vt.m21()) > 1e-12:
            return
        dev = vt.mapRect(self._rect).toAlignedRect().intersected(vp)
        if dev.isEmpty():
            return
        dpr = self.view.viewport().devicePixelRatioF()
        w, h = math.ceil(dev.width() * dpr), math.ceil(dev.height() * dpr)
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(0)
        origin = (dev.left(), dev.top())
        t = QTransform(vt.m11(), 0.0, 0.0, vt.m22(), vt.dx() - origin[0], vt.dy() - origin[1])
        painter = QPainter(img)
        painter.setRenderHints(self.hints)
        painter.setTransform(t)
        clock = time.perf_counter()
        try:
            for pen, lines in self._batches():
                if not painter.isActive():
                    painter.begin(img)
                    painter.setRenderHints(self.hints)
                    painter.setTransform(t)
                    clock = time.perf_counter()
                painter.setPen(pen)
                painter.drawLines(lines)
                if (time.perf_counter() - clock) * 1000 > self.SLICE_MS:
                    painter.end()
                    yield
        finally:
            if painter.isActive():
                painter.end()
        self.image, self._transform, self._origin = img, vt, origin
        self.build_count += 1
        self.update()

    @staticmethod
    def _pen(spec) -> QPen:
        r, g, b, a, w = spec
        pen = QPen(QColor.fromRgbF(r, g, b, a), w)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        return pen

    def _batches(self):
        """(QPen, line pairs as a QPolygonF) per run, at most CHUNK lines each, filled from
        the numpy lines as they are drawn (no Python object per line)."""
        lines = self._lines
        for spec, first, stop in self.runs:
            pen = self._pen(spec)
            for i in range(first, stop, self.CHUNK):
                j = min(stop, i + self.CHUNK)
                poly, view = _line_buffer(j - i)
                view[:] = lines[i:j].reshape(-1, 2)
                yield pen, poly

    def build_now(self) -> None:
        self._job = None
        for _ in self.build():
            pass

    def build_soon(self) -> None:
        """Rasterise in slices on the event loop (an instant step answers the key first;
        the strokes appear when the picture is done, a fraction of a second later)."""
        if self._view_state() is None:
            return
        if self._job_timer is None:
            self._job_timer = QTimer()
            self._job_timer.setSingleShot(True)
            self._job_timer.setInterval(0)
            self._job_timer.timeout.connect(self._work)
        self._job = self.build()
        self._job_timer.start()

    def _work(self) -> None:
        if self._job is None:
            return
        try:
            next(self._job)
        except StopIteration:
            self._job = None
            return
        except RuntimeError:  # the item went with its scene
            self._job = None
            return
        self._job_timer.start()

    @property
    def building(self) -> bool:
        return self._job is not None

    def stop_build(self) -> None:
        """Drop the rasterisation in progress (its strokes are about to be replaced): the
        image shown so far stays until the next one is built."""
        self._job = None
        if self._job_timer is not None:
            self._job_timer.stop()

    def _matches(self, wt: QTransform) -> bool:
        t = self._transform
        if t is None or self.image is None:
            return False
        return all(
            abs(a - b) < 1e-9
            for a, b in zip(
                (wt.m11(), wt.m12(), wt.m21(), wt.m22(), wt.dx(), wt.dy()),
                (t.m11(), t.m12(), t.m21(), t.m22(), t.dx(), t.dy()),
                strict=True,
            )
        )

    def _shift(self, wt: QTransform) -> tuple[int, int] | None:
        """(dx, dy) in whole device pixels when ``wt`` is the image's transform moved by
        that much and the image still covers every stroke on screen: the image is blitted
        there as it is. A scroll of the view (the scene rect grows with a badge after F8, a
        pan) then costs no new rasterisation of 20,000 strokes. None: a new image is needed."""
        t = self._transform
        if t is None or self.image is None:
            return None
        if any(abs(a - b) > 1e-9 for a, b in ((wt.m11(), t.m11()), (wt.m12(), t.m12()),
                                              (wt.m21(), t.m21()), (wt.m22(), t.m22()))):  # fmt: skip
            return None
        dx, dy = wt.dx() - t.dx(), wt.dy() - t.dy()
        if abs(dx - round(dx)) > 1e-9 or abs(dy - round(dy)) > 1e-9:
            return None
        dx, dy = int(round(dx)), int(round(dy))
        if (dx, dy) == (0, 0):
            return 0, 0
        state = self._view_state()
        if state is None:
            return None
        dpr = self.image.devicePixelRatio() or 1.0
        size = self.image.size() / dpr
        have = QRect(self._origin[0] + dx, self._origin[1] + dy, size.width(), size.height())
        need = wt.mapRect(self._rect).toAlignedRect().intersected(state[1])
        return (dx, dy) if have.contains(need) else None

    def _stale(self) -> None:
        """Painted at another transform: a new image once the view has settled."""
        if self.view is None:
            return
        if self._timer is None:
            # a child of the view: it dies with the window, never firing into a layer that
            # the scene has already deleted (RuntimeError: Internal C++ object already deleted)
            self._timer = QTimer(self.view)
            self._timer.setSingleShot(True)
            self._timer.setInterval(150)
            self._timer.timeout.connect(self._rebuild_if_stale)
        self._timer.start()

    def forget(self) -> None:
        """The layer is dropped (the scene deletes it or has): its timer must not fire into
        it. Touches the timer only, never the item."""
        if self._timer is not None:
            self._timer.stop()
            self._timer.deleteLater()
            self._timer = None

    def _rebuild_if_stale(self) -> None:
        state = self._view_state()
        if state is not None and self.isVisible() and self._shift(state[0]) is None:
            self.build_soon()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        wt = painter.worldTransform()
        shift = self._shift(wt) if widget is not None else (0, 0) if self._matches(wt) else None
        if shift is not None:  # pixel for pixel (moved by whole pixels: a scroll)
            painter.save()
            painter.resetTransform()
            painter.drawImage(self._origin[0] + shift[0], self._origin[1] + shift[1], self.image)
            painter.restore()
            return
        if widget is not None and self.image is not None and self._transform is not None:
            # an image for another transform (a zoom, a pan): shown scaled until the new
            # one is rasterised, instead of drawing every line in this paint
            inv, ok = self._transform.inverted()
            if ok:
                painter.save()
                painter.setTransform(inv * wt)
                painter.drawImage(QPointF(*self._origin), self.image)
                painter.restore()
                if self._job is None:
                    self._stale()
                return
        if self._job is not None and widget is not None:
            return  # being rasterised for this view: shown when done
        for pen, lines in self._batches():
            painter.setPen(pen)
            painter.drawLines(lines)
        if self.image is not None or self._transform is None:
            self._stale()


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


class PulseLayer(QGraphicsItem):
    """All travelling pulses of one step in one item: one repaint per frame, any edge count."""

    def __init__(self):
        super().__init__()
        self.segments: list[tuple[QPointF, QPointF]] = []
        self.progress = 0.0
        self.colour = QColor(255, 170, 0)
        self.dot = 7.0
        self._rect = QRectF()
        self.paint_count = 0  # frames drawn
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
        self.paint_count += 1
        if self.paint_times is not None:
            self.paint_times.append(time.perf_counter())
        if self.segments:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            paint_dots(painter, self.segments, self.progress, self.colour, self.dot)


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
        self._config = None
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
        rows = 0
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


_SUP = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def circle_rect(center: QPointF, r: float) -> QRectF:
    return QRectF(center.x() - r, center.y() - r, 2 * r, 2 * r)


def weight_width(w: float, theme: Theme, wmax: float) -> float:
    if not math.isfinite(w) or wmax <= 0:
        return theme.min_width
    return theme.min_width + (theme.max_width * 0.6 - theme.min_width) * min(1.0, abs(w) / wmax)


class FrozenPulse(QWidget):
    """The pulse drawn over a still picture of the canvas, on top of the view's viewport.

    Moving dots over a QGraphicsScene make the view repaint every item under them on every
    frame; on a 1,600-edge network one repaint of a layer's column costs more than 40 ms (the
    editor paints each edge in Python), a whole one ~0.35 s. So during a walk this widget
    shows a picture instead, in two layers:

    * ``under``: the editor's drawing without the pass overlay, grabbed once per walk (the
      editor does not change between the steps of a pass);
    * the overlay (strokes, neurons with their fills, badges, legend), which is all that
      changes from one step to the next, composed over ``under`` by painting those items
      directly: a few thousand cheap calls, cut into slices of a few ms
      (:meth:`compose_async`) so the next step's picture is ready while the pulse runs and the
      event loop is never held for long.

    It is opaque to painting (the view underneath is not repainted) but transparent to the
    mouse; a wheel or click lands the animation first (see PassOverlay), and a scroll, zoom or
    resize from elsewhere calls ``on_view_changed``.
    """

    SLICE_MS = 6.0  # work per slice of an asynchronous compose
    WARM_SLICE_MS = 3.0  # work per turn of a cache warm-up (a strip may take a few ms more)

    def __init__(self, view):
        super().__init__(view.viewport())
        self.view = view
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.under = None  # QPixmap: the canvas without the overlay
        self.snapshot = None  # QPixmap: what is shown under the dots
        self.scene_segments: list[tuple[QPointF, QPointF]] = []
        self.segments: list[tuple[QPointF, QPointF]] = []
        self.base_dot = 7.0
        self._key = None
        self.progress = 0.0
        self.colour = QColor(255, 170, 0)
        self.dot = 7.0
        self.dots = False
        self.on_view_changed = None  # callable: the view moved under the picture
        self._job = None  # generator of an asynchronous compose
        self.warm = False  # after a compose, warm the view's item caches (see _warm_caches)
        self._warm_job = None
        self.warm_count = 0  # tests: warm-ups run to the end
        self._job_done = None
        self.pending = None
        self._gc_frozen = False
        self._timer = QTimer(self)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._work)
        self.paint_times: list[float] | None = None  # benchmarks set a list to record frames
        self.paint_ms: list[float] = []  # how long each frame took to paint (last 1000)
        self.grab_ms: list[float] = []  # how long each grab of ``under`` took
        self.hide()

    # ------------------------------------------------------------------ pictures
    @property
    def active(self) -> bool:
        return self.under is not None and self._key == self._view_key()

    def _view_key(self):
        v = self.view
        return (v.transform(), v.mapFromScene(QPointF(0.0, 0.0)), v.viewport().size())

    def begin(self, own_items, picture_items) -> None:
        """Grab the canvas without our items (once per walk), then compose ``picture_items``
        (ours and whatever of the editor's a step changes, e.g. tinted neurons) over it."""
        t0 = time.perf_counter()
        self.cancel_job()
        vp = self.view.viewport()
        shown = [it for it in own_items if it.isVisible()]
        for it in shown:
            it.setVisible(False)
        self.hide()
        try:
            self.under = vp.grab()
        finally:
            for it in shown:
                it.setVisible(True)
        self._key = self._view_key()
        if not self._gc_frozen:
            # a full collection of the app's heap takes ~40 ms: during the walk the collector
            # only looks at objects made during the walk (undone in stop)
            gc.freeze()
            self._gc_frozen = True
        self.snapshot = self._compose_now(picture_items)
        self.grab_ms.append((time.perf_counter() - t0) * 1000)
        self.setGeometry(vp.rect())
        self.show()
        self.raise_()

    def _compose_now(self, overlay_items):
        return list(self._compose(overlay_items))[-1]

    def _compose(self, overlay_items):
        """Paint the visible overlay items over ``under`` in z order; yields between chunks
        (the last value yielded is the finished picture)."""
        pm = self.under.copy()
        items = sorted(
            (it for it in overlay_items if it.isVisible() and it.scene() is not None),
            key=lambda it: it.zValue(),
        )
        vt = self.view.viewportTransform()
        visible = self.view.mapToScene(self.view.viewport().rect()).boundingRect()
        hints = self.view.renderHints()
        option = QStyleOptionGraphicsItem()
        painter = QPainter(pm)
        try:
            painter.setRenderHints(hints)
            clock = time.perf_counter()
            for i, it in enumerate(items):
                if not it.sceneBoundingRect().intersects(visible):
                    continue
                painter.save()
                if it.flags() & QGraphicsItem.GraphicsItemFlag.ItemHasNoContents:
                    pass  # bulk mode: a StrokeLayer draws it
                elif isinstance(it, EdgeStroke):  # most items: no transform, one line
                    painter.setTransform(vt)
                    painter.setPen(it.pen())
                    painter.drawLine(it.line())
                else:
                    painter.setTransform(it.sceneTransform() * vt)
                    option.state = (
                        QStyle.StateFlag.State_Selected
                        if it.isSelected()
                        else QStyle.StateFlag.State_None
                    )
                    option.exposedRect = it.boundingRect()
                    it.paint(painter, option, None)
                painter.restore()
                if i % 16 == 15 and (time.perf_counter() - clock) * 1000 > self.SLICE_MS:
                    painter.end()  # a QPixmap may not stay open across event-loop turns
                    yield None
                    clock = time.perf_counter()
                    painter.begin(pm)
                    painter.setRenderHints(hints)
        finally:
            if painter.isActive():
                painter.end()
        yield pm

    def compose_async(self, overlay_items, done=None) -> None:
        """Compose the overlay as it is now in slices; ``done(pixmap)`` when finished."""
        self.cancel_job()
        if self.under is None:
            return
        self._job = self._compose(list(overlay_items))
        self._job_done = done
        self._timer.start()

    def _work(self) -> None:
        if self._job is None:
            if self._warm_job is not None:
                self._advance_warm()
                return
            self._timer.stop()
            return
        t0 = time.perf_counter()
        while (time.perf_counter() - t0) * 1000 < self.SLICE_MS:
            if self._advance_job():
                return

    def _advance_job(self) -> bool:
        """One slice of the running compose; True (and the job finished) when it is done."""
        try:
            pm = next(self._job)
        except StopIteration:
            pm = None
            self._job = None
        if pm is not None or self._job is None:
            self._finish_job(pm)
            return True
        return False

    def _finish_job(self, pm) -> None:
        self._timer.stop()
        self._job = None
        done, self._job_done = self._job_done, None
        self.pending = pm
        if done is not None and pm is not None:
            done(pm)
        if self.warm and pm is not None and self.under is not None:
            self.warm_async()

    def warm_async(self) -> None:
        """Start warming the live canvas's caches (see _warm_caches), in slices."""
        self.cancel_job()
        if self.under is None:
            return
        self._warm_job = self._warm_caches()
        self._timer.start()

    def _warm_caches(self):
        """Paint the live canvas (hidden under the picture) into a throwaway image, in strips
        of a few ms: the items' device caches (editor neurons, badges) are then filled, so
        the swap back to the live canvas at the walk's end is a blit, not a repaint of every
        badge and tinted neuron (~30 ms on a 100-neuron network)."""
        vp = self.view.viewport()
        rect = vp.rect()
        img = QImage(rect.size(), QImage.Format.Format_ARGB32_Premultiplied)
        strip = 32
        for top in range(rect.top(), rect.bottom() + 1, strip):
            src = QRect(rect.left(), top, rect.width(), min(strip, rect.bottom() + 1 - top))
            painter = QPainter(img)
            try:
                self.view.render(painter, QRectF(src), src)
            finally:
                painter.end()
            yield
        self.warm_count += 1

    def _advance_warm(self) -> None:
        t0 = time.perf_counter()
        try:
            while (time.perf_counter() - t0) * 1000 < self.WARM_SLICE_MS:
                next(self._warm_job)
        except StopIteration:
            self._warm_job = None
            self._timer.stop()

    @property
    def composing(self) -> bool:
        return self._job is not None

    def complete_job(self) -> None:
        """Finish a running compose now (the pulse landed before it was done)."""
        while self._job is not None and not self._advance_job():
            pass

    def cancel_job(self) -> None:
        if self._job is not None:
            self._job.close()
        self._job = None
        if self._warm_job is not None:
            self._warm_job.close()
        self._warm_job = None
        self._job_done = None
        self._timer.stop()

    def set_picture(self, pm) -> None:
        self.snapshot = pm
        self.update()

    # ------------------------------------------------------------------ pulses
    def start(self, segments, colour: QColor, dot: float) -> None:
        self.scene_segments = list(segments)
        self.colour = colour
        self.base_dot = dot
        self.progress = 0.0
        m = self.view.mapFromScene
        self.segments = [(QPointF(m(p0)), QPointF(m(p1))) for p0, p1 in self.scene_segments]
        self.dot = max(4.0, self.base_dot * self.view.transform().m11())
        self.dots = True
        self.update()

    def end_pulse(self) -> None:
        """The dots go; the picture stays (the next pulse of the walk reuses it)."""
        self.dots = False
        self.update()

    def stop(self) -> None:
        self.cancel_job()
        self.hide()
        self.dots = False
        self.snapshot = None
        self.under = None
        self._key = None
        if self._gc_frozen:
            gc.unfreeze()
            self._gc_frozen = False

    def set_progress(self, t: float) -> None:
        self.progress = t
        if self._view_key() != self._key and self.on_view_changed is not None:
            self.on_view_changed()  # the view scrolled or zoomed under the picture
            return
        self.update()

    def paintEvent(self, event) -> None:
        t0 = time.perf_counter()
        if self.paint_times is not None and self.dots:
            self.paint_times.append(t0)
        painter = QPainter(self)
        if self.snapshot is not None:
            painter.drawPixmap(0, 0, self.snapshot)
        if self.dots:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            paint_dots(painter, self.segments, self.progress, self.colour, self.dot)
        painter.end()
        self.paint_ms.append((time.perf_counter() - t0) * 1000)
        del self.paint_ms[:-1000]


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
