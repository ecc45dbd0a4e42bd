"""Line pairs for ``QPainter.drawLines`` filled from numpy, without a Python object per line."""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtGui import QPolygonF


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
