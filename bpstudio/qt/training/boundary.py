"""What the network has learned, in the input space: the decision-boundary heat map with the
data points (2 inputs), the fitted curve (1 input), and the activation histograms per layer
(are the squashing units saturated?). Refreshed a few times a second, only when visible."""

from __future__ import annotations

import io
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QPushButton, QWidget

from ...core import activations as act
from ...model.neuron_tiles import tile_colours, tile_grid
from ...model.sampling import evenly_spaced_rows
from ...model.training_session import TrainingSession, saturation
from .plots import PlotPanel
from .style import (
    LINE_WIDTH,
    TRAIN,
    add_legend,
    class_colour,
    layer_colour,
    make_plot_widget,
    style_plot,
)

RESOLUTION = 60
# The scatter draws at most this many samples (evenly spaced): with 1,000,000 points each
# repaint took ~0.6 s and each refresh 4.5 s, and a soak's PNG export held the window 10 s
# (a dock shown or resized repaints too). Accuracy is still over every sample.
POINTS_SHOWN = 2_000


def _rgb(c) -> np.ndarray:
    return np.array([c.red(), c.green(), c.blue()], float)


def boundary_image(P: np.ndarray, classification: bool) -> np.ndarray:
    """RGBA (x, y, 4) uint8: each class's colour, paler where the network is unsure."""
    white = np.array([255.0, 255.0, 255.0])
    k = P.shape[2]
    if k == 1:
        v = P[:, :, 0]
        if classification:
            p = np.clip(v, 0.0, 1.0)
        else:
            lo, hi = np.nanmin(v), np.nanmax(v)
            p = (v - lo) / (hi - lo) if hi > lo else np.full_like(v, 0.5)
        s = np.abs(p - 0.5)[..., None] * 2 * 0.65  # at most 65 % colour: points stay visible
        col = np.where((p >= 0.5)[..., None], _rgb(class_colour(1)), _rgb(class_colour(0)))
    else:
        idx = np.nan_to_num(P).argmax(2)
        top = np.nan_to_num(P).max(2)
        s = (np.clip((top - 1 / k) / (1 - 1 / k), 0, 1) * 0.65)[..., None]
        palette = np.array([_rgb(class_colour(i)) for i in range(k)])
        col = palette[idx]
    rgb = white * (1 - s) + col * s
    alpha = np.full(rgb.shape[:2] + (1,), 255.0)
    return np.concatenate([rgb, alpha], axis=2).astype(np.uint8)


class BoundaryPlot(PlotPanel):
    title = "decision-boundary"

    def __init__(self, session: TrainingSession, parent: QWidget | None = None):
        super().__init__(session, "x₁", "x₂", None, parent)
        self.image = pg.ImageItem()
        self.image.setZValue(-20)
        self.iso = pg.IsocurveItem(level=0.5, pen=pg.mkPen("#202020", width=2.5))
        self.iso.setParentItem(self.image)
        self.points = pg.ScatterPlotItem(size=13, pen=pg.mkPen("#202020", width=1.5))
        self.curve = pg.PlotDataItem(pen=pg.mkPen(TRAIN, width=LINE_WIDTH))
        self.item.addItem(self.image)
        self.item.addItem(self.points)
        self.item.addItem(self.curve)
        self.message = pg.TextItem("", color="#444444", anchor=(0.5, 0.5))
        f = self.message.textItem.font()
        f.setPointSize(13)
        self.message.setFont(f)
        self.item.addItem(self.message)
        self._mode = None
        self._rect = None
        self._grid = None
        self._curve_data = None
        # a neuron whose tile was clicked on the canvas: its output over the plane instead
        # of the network's (None: the outputs, the decision boundary)
        self.neuron: str | None = None
        self.outputs_button = QPushButton("Outputs")
        self.outputs_button.setToolTip("Back to the network's outputs (the decision boundary)")
        self.outputs_button.setAutoDefault(False)
        self.outputs_button.clicked.connect(lambda: self.show_neuron(None))
        self.outputs_button.hide()
        bar = self.layout().itemAt(1).layout()  # PlotPanel's row of buttons
        bar.insertWidget(1, self.outputs_button)

    def show_neuron(self, nid: str | None) -> None:
        """Show one hidden/output neuron's output over the input plane (None: the outputs)."""
        self.neuron = nid
        self.outputs_button.setVisible(nid is not None)
        self.update_view()

    def _set_mode(self, mode: str) -> None:
        if mode == self._mode:
            return
        self._mode = mode
        self.image.setVisible(mode == "2d")
        self.curve.setVisible(mode == "1d")
        self.points.setVisible(mode in ("1d", "2d"))
        self.message.setVisible(mode == "none")
        self.item.setAspectLocked(mode == "2d", ratio=1.0)
        self._rect = None
        self.item.setLabel("left", "x₂" if mode == "2d" else "y")
        self.item.enableAutoRange()

    def update_view(self) -> None:
        s = self.session
        pts = s.data_points()
        if pts is None:
            self._show_message(s.error or "no network")
            return
        X_in, Y, labels = pts
        X = X_in[:, : s.plane_dims()]  # the data's own columns: derived features are not drawn
        d = X.shape[1]
        if d == 2:
            self._set_mode("2d")
            xs, ys, P = s.predict_grid(RESOLUTION)
            self._grid = (xs, ys, P)
            classification = labels is not None
            neuron = self._neuron_grid()
            if neuron is not None:
                values, lo, hi = neuron
                self._grid = (xs, ys, values[:, :, None])
                self.image.setImage(tile_colours(values, lo, hi), autoLevels=False)
            else:
                self.image.setImage(boundary_image(P, classification), autoLevels=False)
            dx, dy = xs[1] - xs[0], ys[1] - ys[0]
            rect = QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys))
            self.image.setRect(rect)
            if rect != self._rect:  # new data range: show exactly the shaded square
                self._rect = rect
                self.item.setRange(rect, padding=0)
            if neuron is not None:  # where the neuron's output crosses the middle of its range
                self.iso.setLevel((neuron[1] + neuron[2]) / 2)
                self.iso.setData(np.nan_to_num(neuron[0]))
                self.iso.setVisible(True)
            elif P.shape[2] == 1 and classification:
                self.iso.setLevel(0.5)
                self.iso.setData(P[:, :, 0])
                self.iso.setVisible(True)
            else:
                self.iso.setVisible(False)
            rows = evenly_spaced_rows(len(X), POINTS_SHOWN)
            shown_X, shown_labels = X[rows], None if labels is None else labels[rows]
            brushes = self._brushes(shown_labels, len(shown_X))
            size = 13 if len(shown_X) <= 60 else 10 if len(shown_X) <= 250 else 8
            self.points.setData(shown_X[:, 0], shown_X[:, 1], brush=brushes, size=size)
            acc = self._accuracy(X_in, Y, labels)
            # accuracy first: a narrow dock elides the end of the line
            caption = _points_caption(len(shown_X), len(X))
            self.info.setText(f"accuracy {acc:.0%} · {caption}" if acc is not None else caption)
            self.info.setToolTip(
                f"{caption} drawn, evenly spaced over the data; accuracy over all {len(X):,}"
                if len(shown_X) < len(X)
                else ""
            )
            if neuron is not None:
                n = s.graph.neurons[self.neuron or ""]
                self.info.setText(f"{n.display_label} ({n.activation}) over x₁, x₂")
                self.info.setToolTip(
                    "The neuron's output: blue high, orange low, the line at "
                    "the middle of its range"
                )
        elif d == 1:
            self._set_mode("1d")
            x, yhat = s.predict_curve()
            self._curve_data = (x, yhat)
            self.curve.setData(x, yhat[:, 0])
            rows = evenly_spaced_rows(len(X), POINTS_SHOWN)
            shown_X, shown_Y = X[rows], Y[rows]
            self.points.setData(shown_X[:, 0], shown_Y[:, 0], brush=pg.mkBrush("#555555"))
            self.info.setText(f"{_points_caption(len(shown_X), len(X))}: fitted curve of output 1")
        else:
            self._show_message(
                f"The decision boundary needs 2 inputs\n(this network has {d}).", keep=False
            )

    def _neuron_grid(self) -> tuple[np.ndarray, float, float] | None:
        """The chosen neuron's (values, low, high) at the dock's resolution; None when no
        neuron is chosen or it is gone (then the dock goes back to the outputs)."""
        if self.neuron is None:
            return None
        grid = tile_grid(self.session, RESOLUTION)
        if grid is None or self.neuron not in grid.values:
            self.neuron = None
            self.outputs_button.hide()
            return None
        lo, hi = grid.value_range(self.neuron)
        return grid.values[self.neuron], lo, hi

    def _show_message(self, text: str, keep: bool = False) -> None:
        self._set_mode("none")
        self.message.setText(text)
        self.message.setPos(0, 0)
        self.item.setRange(xRange=(-1, 1), yRange=(-1, 1))
        self.info.setText("")

    @staticmethod
    def _brushes(labels, n):
        if labels is None:
            return [pg.mkBrush("#555555")] * n
        cache = {}
        out = []
        for k in labels.tolist():
            b = cache.get(k)
            if b is None:
                b = cache[k] = pg.mkBrush(class_colour(int(k)))
            out.append(b)
        return out

    def _accuracy(self, X, Y, labels) -> float | None:
        if labels is None or self.session.compiled is None:
            return None
        P = self.session.predict(X)  # the shown epoch's network (scrubbing), else the live one
        pred = (P[:, 0] >= 0.5).astype(int) if P.shape[1] == 1 else P.argmax(1)
        return float(np.mean(pred == labels))

    def csv_text(self) -> str:
        out = io.StringIO()
        if self._mode == "2d" and self._grid is not None:
            xs, ys, P = self._grid
            k = P.shape[2]
            names = (
                [self.neuron] if self.neuron is not None else [f"output_{i + 1}" for i in range(k)]
            )
            out.write("x1,x2," + ",".join(names) + "\n")
            for i, x in enumerate(xs):
                for j, y in enumerate(ys):
                    out.write(f"{x!r},{y!r}," + ",".join(repr(float(v)) for v in P[i, j]) + "\n")
        elif self._mode == "1d" and self._curve_data is not None:
            x, yhat = self._curve_data
            out.write("x," + ",".join(f"output_{i + 1}" for i in range(yhat.shape[1])) + "\n")
            for xi, row in zip(x, yhat, strict=True):
                out.write(f"{float(xi)!r}," + ",".join(repr(float(v)) for v in row) + "\n")
        return out.getvalue()


def _points_caption(shown: int, total: int) -> str:
    """ "200 points", or "2,000 of 1,000,000 points" when the scatter draws a subset."""
    return f"{total} points" if shown == total else f"{shown:,} of {total:,} points"


class ActivationPlot(PlotPanel):
    """One small histogram per layer of its units' outputs on the training data."""

    title = "activations"

    def __init__(self, session: TrainingSession, parent: QWidget | None = None):
        super().__init__(session, "", "", None, parent)
        # replace the single plot with a grid of small ones
        self.layout().removeWidget(self.plot)
        self.plot.hide()
        self.plot.setParent(None)
        self.plot.deleteLater()
        self.plot = pg.GraphicsLayoutWidget()
        self.plot.setBackground("#ffffff")
        self.layout().addWidget(self.plot, 1)
        self.cells: list[tuple[pg.PlotItem, pg.PlotDataItem]] = []
        self._hist: list[tuple[str, np.ndarray, np.ndarray, float | None]] = []

    def _ensure_cells(self, n: int) -> None:
        if len(self.cells) == n:
            return
        self.plot.clear()
        self.cells = []
        cols = 1 if n <= 2 else 2 if n <= 6 else 3
        for l in range(1, n + 1):
            p = self.plot.addPlot(row=(l - 1) // cols, col=(l - 1) % cols)
            style_plot(p)
            p.hideAxis("left")
            colour = layer_colour(l)
            c = pg.PlotDataItem(
                stepMode="center",
                fillLevel=0,
                pen=pg.mkPen(colour, width=2),
                brush=pg.mkBrush(colour.red(), colour.green(), colour.blue(), 110),
            )
            p.addItem(c)
            self.cells.append((p, c))

    def update_view(self) -> None:
        acts = self.session.layer_activations()
        self._ensure_cells(len(acts))
        self._hist = []
        for l, ((name, values), (p, c)) in enumerate(zip(acts, self.cells, strict=True), start=1):
            values = values[np.isfinite(values)]
            lo, hi = _hist_range(name, values)
            counts, edges = np.histogram(values, bins=30, range=(lo, hi))
            frac = counts / max(values.size, 1)
            c.setData(edges, frac)
            sat = saturation(name, values)
            entry = act.REGISTRY.get(name)
            word = entry.tails_word if entry is not None else "saturated"
            extra = "" if sat is None else f" · {sat:.0%} {word}"
            p.setTitle(f"layer {l} · {name}{extra}", color="#202020", size="11pt")
            self._hist.append((name, edges, frac, sat))
        self.info.setText("outputs of each layer's units on the training data")

    def csv_text(self) -> str:
        lines = ["layer,activation,bin_low,bin_high,fraction"]
        for l, (name, edges, frac, _) in enumerate(self._hist, start=1):
            for i, f in enumerate(frac):
                lines.append(f"{l},{name},{edges[i]!r},{edges[i + 1]!r},{float(f)!r}")
        return "\n".join(lines) + "\n"


def _hist_range(name: str, values: np.ndarray) -> tuple[float, float]:
    """The histogram's range: the activation's own where it is bounded (its registry
    entry's ``value_range``), the data's where not."""
    entry = act.REGISTRY.get(name)
    fixed_lo, fixed_hi = entry.value_range if entry is not None else (None, None)
    if fixed_lo is not None and fixed_hi is not None:
        return fixed_lo, fixed_hi
    if not values.size:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    if fixed_lo is not None:
        lo = fixed_lo
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return lo - 0.5, lo + 0.5
    return lo, hi


__all__ = ["ActivationPlot", "BoundaryPlot", "add_legend", "boundary_image", "make_plot_widget"]
