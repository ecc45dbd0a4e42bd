"""After the optimizer step: edges ease from the old weight to the new one, then settle.

:class:`WeightSettle` runs on its own clock (a QVariantAnimation for the easing, a single-shot
QTimer for the hold), so the event loop keeps serving input. While it runs, the overlay's
``old → new`` / ``Δw`` labels are shown and each edge stroke's width and colour move from what
the old weight would draw to what the new one draws; after the hold the overlay *settles*:
those labels go and the editor's own weight labels (already the new weights) are what is read.
Anything the lecturer does next (a step, reset, speed 0, a click) finishes it at once.

Per frame the work is a lerp over precomputed numpy arrays and one ``setPen`` per animated
stroke; only strokes in view are animated, at most :data:`MAX_ANIMATED` of them (the others
get their end pen at once: on a big network nobody can follow a thousand lines anyway).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEasingCurve, QObject, QRectF, Qt, QTimer, QVariantAnimation, Signal
from PySide6.QtGui import QColor, QPen

MAX_ANIMATED = 160
HOLD_MS = 1500
# each frame repaints the live canvas under the strokes; on a dense network (the editor paints
# every edge crossing the region) that is far too slow, so there the strokes jump to the new
# weights and only the hold and settle remain; a frame slower than SLOW_FRAME_MS does the same
LIVE_EASE_MAX_EDGES = 400
SLOW_FRAME_MS = 60.0


def ease_ms(speed: int) -> int:
    """0.6 s at the fastest speed setting, 1.0 s at the slowest."""
    return int(600 + 4 * max(0, min(100, int(speed))))


def _rgba(c: QColor) -> tuple[float, float, float, float]:
    return (c.redF(), c.greenF(), c.blueF(), c.alphaF())


class WeightSettle(QObject):
    """The old → new easing of the edge strokes and the hold before the labels settle."""

    settled = Signal()

    def __init__(self, overlay):
        super().__init__(overlay)
        self.overlay = overlay
        self.hold_ms = HOLD_MS
        self.phase: str | None = None  # "easing", "holding" or None
        self.progress = 0.0
        self.strokes: list = []  # the animated EdgeStroke items
        self.widths: dict[str, tuple[float, float]] = {}  # edge id -> (start, end) width
        self._end_pens: list[QPen] = []
        self._last_frame = 0.0
        # what measures the gap between frames (SLOW_FRAME_MS); a test drives the easing
        # itself (anim.setCurrentTime) and gives its own clock
        self.clock: Callable[[], float] = time.perf_counter
        self._keys: list = []  # each stroke's key when it started (a redraw ends its part)
        # widths and colours (rgba) at the start and their change, one row per stroke
        self._w0: np.ndarray = np.zeros(0)
        self._dw: np.ndarray = np.zeros(0)
        self._c0: np.ndarray = np.zeros((0, 4))
        self._dc: np.ndarray = np.zeros((0, 4))
        self.frames = 0
        self.anim = QVariantAnimation(self)
        self.anim.setStartValue(0.0)
        self.anim.setEndValue(1.0)
        self.anim.setEasingCurve(QEasingCurve.Type.InOutCubic)
        self.anim.valueChanged.connect(self._on_value)
        self.anim.finished.connect(self._on_eased)
        self.hold = QTimer(self)
        self.hold.setSingleShot(True)
        self.hold.timeout.connect(self.finish)

    @property
    def running(self) -> bool:
        return self.phase is not None

    # ------------------------------------------------------------------ start
    def start(self, speed: int, visible: QRectF | None = None) -> None:
        """Ease the strokes the overlay just drew for the updated weights (their end state)
        from the old weights' look; then hold, then settle."""
        self.stop()
        ov, st = self.overlay, self.overlay.stepper
        if speed <= 0 or not st.updated:
            return
        theme = ov.theme
        cands = []
        for eid, s in ov.strokes.items():
            if not s.isVisible() or s.scene() is not ov.scene:
                continue
            on = st.old_new_weight(eid)
            if on is None:
                continue
            if visible is not None and not s.sceneBoundingRect().intersects(visible):
                continue
            cands.append((abs(on[1] - on[0]), eid, s, on))
        if len(ov.graph.edges) > LIVE_EASE_MAX_EDGES:
            cands = []
        if len(cands) > MAX_ANIMATED:  # the biggest changes are the ones worth watching
            cands.sort(key=lambda c: c[0], reverse=True)
            del cands[MAX_ANIMATED:]
        wmax = ov.update_wmax or 1.0
        from .strokes import weight_width

        w0, w1, c0, c1 = [], [], [], []
        self.strokes, self._end_pens, self._keys, self.widths = [], [], [], {}
        for _, eid, s, (old, _new) in cands:
            end = s.pen()
            start_w = weight_width(old, theme, wmax)
            w0.append(start_w)
            w1.append(end.widthF())
            c0.append(_rgba(theme.sign_colour(old)))
            c1.append(_rgba(end.color()))
            self.strokes.append(s)
            self._end_pens.append(QPen(end))
            self._keys.append(s.key)
            self.widths[eid] = (start_w, end.widthF())
        self._w0 = np.array(w0, dtype=float)
        self._dw = np.array(w1, dtype=float) - self._w0
        self._c0 = np.array(c0, dtype=float).reshape(-1, 4)
        self._dc = np.array(c1, dtype=float).reshape(-1, 4) - self._c0
        self.frames = 0
        if not self.strokes:  # nothing to ease: just the hold
            self.phase = "holding"
            self.progress = 1.0
            self.hold.start(max(0, int(self.hold_ms)))
            return
        self.phase = "easing"
        self._apply(0.0)
        self._last_frame = self.clock()
        self.anim.setDuration(ease_ms(speed))
        self.anim.start()

    # ------------------------------------------------------------------ frames
    def _apply(self, t: float) -> None:
        self.progress = t
        if not self.strokes:
            return
        widths = (self._w0 + self._dw * t).tolist()
        cols = np.clip(self._c0 + self._dc * t, 0.0, 1.0).tolist()
        for s, k, w, (r, g, b, a) in zip(self.strokes, self._keys, widths, cols, strict=True):
            if s.key is not k:
                continue  # restyled by the overlay meanwhile (e.g. a theme change)
            pen = QPen(QColor.fromRgbF(r, g, b, a), w)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            s.setPen(pen)

    def _on_value(self, value) -> None:
        if self.phase != "easing":
            return
        if not self.overlay.stepper.updated:  # undone or reset under us
            self.stop()
            return
        now = self.clock()
        slow = (now - self._last_frame) * 1000 > SLOW_FRAME_MS and self.frames > 0
        self._last_frame = now
        self.frames += 1
        if slow:  # the canvas cannot keep up: land the easing (the input comes first)
            self.anim.stop()
            self._on_eased()
            return
        self._apply(float(value))

    def _on_eased(self) -> None:
        if self.phase != "easing":
            return
        self._end()
        self.phase = "holding"
        self.hold.start(max(0, int(self.hold_ms)))

    def _end(self) -> None:
        """Every animated stroke at its end pen (exactly what the overlay drew)."""
        for s, k, pen in zip(self.strokes, self._keys, self._end_pens, strict=True):
            if s.key is k and s.pen() != pen:
                s.setPen(pen)
        self.progress = 1.0

    # ------------------------------------------------------------------ endings
    def finish(self) -> None:
        """Jump to the settled state (the hold is over, or the lecturer moved on)."""
        if self.phase is None:
            return
        self.anim.stop()
        self.hold.stop()
        if self.overlay.stepper.updated:
            self._end()
        self._forget()
        self.settled.emit()

    def stop(self) -> None:
        """Drop the animation without settling (the overlay is being redrawn anyway)."""
        self.anim.stop()
        self.hold.stop()
        if self.phase == "easing" and self.overlay.stepper.updated:
            self._end()
        self._forget()

    def _forget(self) -> None:
        self.phase = None
        self.strokes, self._end_pens, self._keys = [], [], []
