"""Bulk mode: all edges of a large network in one cached item (no per-edge items)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from itertools import repeat
from operator import attrgetter

import numpy as np
import shiboken6
from PySide6.QtCore import QPointF, QRectF, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem

from .. import theme
from .line_buffer import line_buffer, line_hints
from .live_edges import LiveEdgesItem

R = theme.NEURON_RADIUS
_SOURCE, _TARGET, _WEIGHT = attrgetter("source"), attrgetter("target"), attrgetter("weight")


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
        # NetworkScene.foreground_busy (set by the scene): something drawn over the edges
        # that the user waits for (the pass overlay) goes first
        self.foreground_busy: Callable[[], bool] | None = None
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
        self.yield_count = 0  # turns put off for the foreground's picture (tests)

    YIELD_MS = 20  # while a picture the user waits for is drawn: look again this much later
    YIELD_MAX_S = 1.5  # ... but never put off for longer than this

    def _turn(self) -> None:
        """A slice of the picture from the event loop, unless the scene draws something the
        user is waiting for (the pass overlay after F8: its picture comes first, this one is
        only the canvas under it, and the old picture stays until the new one is done)."""
        if self._job is None or not shiboken6.isValid(self):
            self._work()
            return
        busy = self.foreground_busy
        if busy is not None and busy():
            now = time.perf_counter()
            if self._yielding_since is None:
                self._yielding_since = now
            if now - self._yielding_since < self.YIELD_MAX_S:
                self.yield_count += 1
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

    def rebuild(
        self, edges, pos: dict[str, QPointF], live: set[str] | None = None, now: bool = False
    ) -> None:
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
                poly, view = line_buffer(len(s))
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
        return (
            self._static,
            self._live,
            self._bounds,
            1 / self.scale(),
            self._index,
            self._pos,
            self._static_views,
        )

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
        hints = line_hints(sum(len(v) for v in views) // 2, res)
        clock = time.perf_counter()
        try:
            for (key, _poly), view in zip(static, views, strict=True):
                pen = self.pen(key)
                n = len(view) // 2
                for a in range(0, n, self.CHUNK):
                    if painter is None:
                        painter = QPainter(img)
                        painter.setRenderHints(hints)
                        painter.scale(res, res)
                        painter.translate(-bounds.left(), -bounds.top())
                        clock = time.perf_counter()
                    m = min(self.CHUNK, n - a)
                    chunk, cv = line_buffer(m)
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
