"""Antialiasing of the bulk edge picture and the pass strokes: on, except for a dense overview
(many lines at a fraction of a pixel per scene unit), where it only cost time."""

from __future__ import annotations

from PySide6.QtGui import QPainter

from bpstudio.qt.canvas.line_buffer import DENSE_LINES, OVERVIEW_SCALE, line_hints

AA = QPainter.RenderHint.Antialiasing


def test_a_dense_overview_is_drawn_aliased_and_everything_else_antialiased():
    assert not line_hints(20_000, 0.1) & AA  # the 500-neuron network fitted to the view
    assert line_hints(20_000, 1.0) & AA  # the same network at actual size
    assert line_hints(DENSE_LINES, 0.1) & AA  # few lines: always smooth
    assert line_hints(DENSE_LINES + 1, OVERVIEW_SCALE) & AA
    assert not line_hints(DENSE_LINES + 1, OVERVIEW_SCALE * 0.99) & AA
