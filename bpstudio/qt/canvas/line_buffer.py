"""Line pairs for ``QPainter.drawLines`` filled from numpy, without a Python object per line."""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtGui import QPainter, QPolygonF

# A picture of more lines than this, drawn at under OVERVIEW_SCALE device pixels per scene
# unit, is an overview (a 20,000-edge network fitted to the view: lines a pixel or two wide,
# packed): antialiasing there changes nothing one can see but made drawing them 3-4 times
# slower (most of F8's 150-190 ms picture and of Delete's repaint on that network)
DENSE_LINES = 5_000
OVERVIEW_SCALE = 0.5


def line_hints(n_lines: int, scale: float) -> QPainter.RenderHint:
    """The render hints for drawing ``n_lines`` lines at ``scale`` device pixels per unit:
    antialiased, except in a dense overview."""
    if n_lines > DENSE_LINES and scale < OVERVIEW_SCALE:
        return QPainter.RenderHint(0)
    return QPainter.RenderHint.Antialiasing


def line_buffer(n_lines: int) -> tuple[QPolygonF, np.ndarray]:
    """A QPolygonF of 2 * n_lines points and a writable (2 * n_lines, 2) float64 numpy view
    of its memory: endpoints are filled in vectorised and ``drawLines(polygon)`` draws the
    pairs without creating one Python QLineF per edge. Keep the polygon alive with the view."""
    poly = QPolygonF()
    poly.resize(2 * n_lines)
    if n_lines == 0:
        return poly, np.zeros((0, 2))
    buf = shiboken6.VoidPtr(poly.data(), 2 * n_lines * 16, True)  # type: ignore[call-arg, arg-type]  # stubs: VoidPtr(address, size, writable)
    return poly, np.frombuffer(buf, dtype=np.float64).reshape(-1, 2)  # type: ignore[call-overload]  # VoidPtr has the buffer protocol
