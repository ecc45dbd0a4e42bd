"""The pulse drawn over a still picture of the canvas during a walk (see FrozenPulse)."""

from __future__ import annotations

import time
from collections.abc import Generator

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QStyle, QStyleOptionGraphicsItem, QWidget

from .pulse import paint_dots
from .strokes import EdgeStroke


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
        self.under: QPixmap | None = None  # QPixmap: the canvas without the overlay
        self.snapshot: QPixmap | None = None  # QPixmap: what is shown under the dots
        self.scene_segments: list[tuple[QPointF, QPointF]] = []
        self.segments: list[tuple[QPointF, QPointF]] = []
        self.base_dot = 7.0
        self._key = None
        self.progress = 0.0
        self.colour = QColor(255, 170, 0)
        self.dot = 7.0
        self.dots = False
        self.on_view_changed = None  # callable: the view moved under the picture
        self._job: Generator[QPixmap | None] | None = None  # generator of an asynchronous compose
        self.warm = False  # after a compose, warm the view's item caches (see _warm_caches)
        self._warm_job: Generator[None] | None = None
        self.warm_count = 0  # tests: warm-ups run to the end
        self._job_done = None
        self.pending = None
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
        assert self.under is not None  # begin grabbed it; stop drops jobs with it
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
        assert self._job is not None  # called while a compose runs
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
        assert self._warm_job is not None  # called while a warm-up runs
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
