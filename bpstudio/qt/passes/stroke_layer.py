"""Bulk mode's edge strokes: every visible stroke of a pass in one rasterised item."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView

from ..canvas.line_buffer import line_buffer, line_hints


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
        self.view: QGraphicsView | None = None  # set by the overlay that shows it
        self.image: QImage | None = (
            None  # QImage of the strokes at ``_transform``, origin ``_origin``
        )
        self._transform: QTransform | None = None
        self._origin = (0, 0)
        self.hints = QPainter.RenderHint.Antialiasing
        self.build_count = 0  # tests: images rasterised
        self._timer: QTimer | None = None
        self._job: Iterator[None] | None = (
            None  # a build running in slices on the event loop (build_soon)
        )
        self._job_timer: QTimer | None = None

    def values_by_edge(self) -> dict[str, float]:
        """The number each drawn stroke encodes, by edge id (what tests and tips read)."""
        return dict(zip(self._ids, self._values.tolist(), strict=True))

    def set_arrays(
        self,
        ids: list[str],
        lines: np.ndarray,
        rgba: np.ndarray,
        widths: np.ndarray,
        values: np.ndarray,
    ) -> None:
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
        assert self.view is not None  # _view_state is None without a view
        dpr = self.view.viewport().devicePixelRatioF()
        w, h = math.ceil(dev.width() * dpr), math.ceil(dev.height() * dpr)
        img = QImage(w, h, QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(0)
        origin = (dev.left(), dev.top())
        t = QTransform(vt.m11(), 0.0, 0.0, vt.m22(), vt.dx() - origin[0], vt.dy() - origin[1])
        hints = self.hints & line_hints(len(self._lines), vt.m11() * dpr)
        # a dense overview's strokes are a pixel or two wide: round caps there are invisible
        # and, aliased, cost 9 times the line itself (20,000 strokes: 94 ms against 10 ms)
        aa = bool(hints & QPainter.RenderHint.Antialiasing)
        cap = Qt.PenCapStyle.RoundCap if aa else Qt.PenCapStyle.FlatCap
        painter = QPainter(img)
        painter.setRenderHints(hints)
        painter.setTransform(t)
        clock = time.perf_counter()
        try:
            for pen, lines in self._batches(cap):
                if not painter.isActive():
                    painter.begin(img)
                    painter.setRenderHints(hints)
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
    def _pen(spec, cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap) -> QPen:
        r, g, b, a, w = spec
        pen = QPen(QColor.fromRgbF(r, g, b, a), w)
        pen.setCapStyle(cap)
        return pen

    def _batches(self, cap: Qt.PenCapStyle = Qt.PenCapStyle.RoundCap):
        """(QPen, line pairs as a QPolygonF) per run, at most CHUNK lines each, filled from
        the numpy lines as they are drawn (no Python object per line)."""
        lines = self._lines
        for spec, first, stop in self.runs:
            pen = self._pen(spec, cap)
            for i in range(first, stop, self.CHUNK):
                j = min(stop, i + self.CHUNK)
                poly, view = line_buffer(j - i)
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
        assert self._job_timer is not None  # build_soon made it before starting the job
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
        if any(
            abs(a - b) > 1e-9
            for a, b in (
                (wt.m11(), t.m11()),
                (wt.m12(), t.m12()),
                (wt.m21(), t.m21()),
                (wt.m22(), t.m22()),
            )
        ):
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
        if shift is not None and self.image is not None:  # pixel for pixel (a scroll)
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
