"""The edges' strokes during a pass: ∂L/∂w by colour and width, or the weights after the update.

One :class:`~.items.EdgeStroke` per edge, or in bulk mode (a network of thousands of edges)
one :class:`~.items.StrokeLayer` drawing them all from numpy arrays, rasterised in slices.
Which edges a step shows and whether a stroke must hide its value (an exercise's blank) is
model/reveal.py's; here they are drawn.
"""

from __future__ import annotations

from collections.abc import Generator

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsItem

from ...model.trace import PassResult
from .overlay_base import BulkStrokes
from .overlay_place import OverlayPlacement
from .strokes import EdgeStroke

MAX_EDGE_LABELS = 80  # beyond this the labels are noise: strokes + hover tips only


class OverlayStrokes(OverlayPlacement):
    """The edges' strokes: one item each, or one layer of arrays in bulk mode."""

    def _stroke(self, eid: str, bulk: bool = False) -> EdgeStroke:
        s = self.strokes.get(eid)
        if s is None or s.scene() is not self.scene:
            s = EdgeStroke(eid)
            self.scene.addItem(s)
            self.strokes[eid] = s
        s.setZValue(self._z - 0.5)
        s.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, bulk)
        self._show(s)
        return s

    def _shown_edges(self, r: PassResult) -> np.ndarray:
        """Positions (in compiled edge order) of the edges whose strokes the state shows."""
        st, c = self.stepper, r.compiled
        if st.updated:
            shown = np.ones(len(c.edge_ids), dtype=bool)
        else:
            layers = [l for l in range(1, c.n_layers + 1) if st.backward_shown(l)]
            shown = np.isin(c.edge_layer, layers)
        if len(self.graph.edges) != len(c.edge_ids):  # edges deleted since the pass
            shown &= np.fromiter(
                (eid in self.graph.edges for eid in c.edge_ids), bool, count=len(c.edge_ids)
            )
        return np.nonzero(shown)[0]

    def _bulk_strokes(
        self,
        r: PassResult,
        idx: np.ndarray,
        values: np.ndarray,
        centers: dict[str, QPointF],
        radii: dict[str, float],
        thin: float,
        wmax: float,
    ) -> BulkStrokes:
        """Bulk mode: every shown stroke as arrays (ends between the rims, colour, width),
        computed with numpy; what EdgeStroke.set_ends/set_style do per item."""
        c = r.compiled
        pos = np.array([(centers[n].x(), centers[n].y()) for n in c.neuron_ids], float)
        rad = np.array([radii[n] for n in c.neuron_ids], float)
        src, tgt = (a[idx] for a in c.edge_rows)
        p0, p1 = pos.reshape(-1, 2)[src], pos.reshape(-1, 2)[tgt]
        r0, r1 = rad[src], rad[tgt]
        d = p1 - p0
        n = np.hypot(d[:, 0], d[:, 1])
        inside = n > r0 + r1
        u = d / np.where(inside, n, 1.0)[:, None]
        p0 = np.where(inside[:, None], p0 + u * r0[:, None], p0)
        p1 = np.where(inside[:, None], p1 - u * r1[:, None], p1)
        v = np.asarray(values, float)[idx]
        if self.stepper.updated:
            rgba, widths = self.theme.weight_styles(v, wmax)
        else:
            rgba, widths = self.theme.grad_styles(v)
            widths = widths * thin
        ids = [c.edge_ids[i] for i in idx.tolist()]
        return ids, np.hstack([p0, p1]), rgba, widths, v

    def _layer_steps(self, bulk: bool) -> Generator[None, None, None]:
        """Bulk mode: the shown strokes into the stroke layer, rasterised in slices."""
        layer = self.stroke_layer
        arrays = self._bulk if bulk else None
        if arrays is None or not arrays[0]:
            if layer.runs:
                layer.set_arrays([], np.zeros((0, 4)), np.zeros((0, 4)), np.zeros(0), np.zeros(0))
            layer.setVisible(False)
            return
        if layer.scene() is not self.scene:
            self.scene.addItem(layer)
        layer.setZValue(self._z - 0.5)
        self._show(layer)
        layer.set_arrays(*arrays)
        if self._defer_build:
            layer.build_soon()
            return
        yield
        yield from layer.build()
