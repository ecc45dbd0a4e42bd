# Longer than 400 lines: one dock class: the surface, the path, the race and their controls redraw
# from one shared state.
"""The Loss landscape dock: the loss over a slice of weight space, the path training takes on
it, and a race of the optimizers from one start (the numbers: model/landscape.py).

* **Random directions** (the default; each click draws new ones, seeded from training.seed):
  two filter-normalised directions through the current weights.
* **Selected weights**: select two edges on the canvas (Ctrl/Shift+click), then this button:
  the plane of those two weights, every other parameter as it is.
* **Follow** (on): the slice goes through the current weights, re-evaluated while training
  (at the slow views' rate, ≤ 5 a second); off: it stays where it was made.
* **Race optimizers**: sgd, momentum, rmsprop and adam from the current weights, with the
  file's learning rate, for training.epochs epochs (1,000 when unlimited), on a timer (the
  window answers; the button becomes Stop). The document's weights do not change unless the
  lecturer picks **Keep ▾** → one racer's weights (an undo step).

The grid's resolution adapts (model/landscape.Resolution) so that, while training or racing,
the evaluation and the contours take ~15 ms and the frame with its paint stays under ~30 ms
(finer when nothing moves); the colour is log₁₀ of the loss, with contour lines.
"""

from __future__ import annotations

import io
import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.regularization import Penalty
from ...model import landscape as ls
from ...model.compile import CompileError, compile_graph
from ...model.graph import ChangeKind
from ...model.numfmt import general
from ..commands import Params, SetParametersCommand, graph_parameters
from .controller import TrainingController
from .plots import PlotPanel
from .style import FOREGROUND, LINE_WIDTH, TRAIN, add_legend

RACE_COLOURS = {
    "sgd": QColor("#d62728"),
    "momentum": QColor("#ff7f0e"),
    "rmsprop": QColor("#2ca02c"),
    "adam": QColor("#9467bd"),
}
RACE_SLICE_S = 0.012  # epochs per timer tick of a race: the window answers between ticks
RACE_FRAME_S = 1 / 30  # the paths are redrawn at most this often
CONTOURS = 9
# pale colours (low loss light, high loss a greyish blue), so coloured paths stand out
_STOPS = np.array([0.0, 0.35, 0.7, 1.0])
_COLOURS = np.array([[255, 250, 232], [214, 232, 236], [160, 190, 214], [96, 122, 166]], float)
_LUT = np.stack(
    [np.interp(np.linspace(0, 1, 256), _STOPS, _COLOURS[:, k]) for k in range(3)], axis=1
).astype(np.uint8)
LIVE_SURFACE_S = 0.5  # while training, the surface is re-centred at most this often
HALF_RANDOM = 1.0  # the default half-width of a random-direction slice (filter-normalised units)
HALF_WEIGHTS = 2.0  # … of a two-weight slice (weight units)


class LandscapePlot(PlotPanel):
    title = "loss-landscape"

    def __init__(
        self, controller: TrainingController, undo_stack=None, parent: QWidget | None = None
    ):
        super().__init__(controller.session, "", "", None, parent)
        self.controller, self.undo_stack = controller, undo_stack
        self.graph = controller.graph
        self.item.setAspectLocked(True, ratio=1.0)
        self.image = pg.ImageItem()
        self.image.setLookupTable(_LUT)
        self.image.setZValue(-20)
        self.item.addItem(self.image)
        # every contour line in one item of segments (model/landscape.contour_segments)
        self.contours = pg.PlotCurveItem(pen=pg.mkPen(FOREGROUND, width=1.0), connect="pairs")
        self.contours.setZValue(-10)
        self.item.addItem(self.contours)
        self.legend = add_legend(self.item)
        self.trajectory = pg.PlotDataItem(pen=pg.mkPen(TRAIN, width=LINE_WIDTH), name="training")
        self.item.addItem(self.trajectory)
        self.marker = pg.ScatterPlotItem(
            size=14, brush=pg.mkBrush(TRAIN), pen=pg.mkPen("#ffffff", width=2)
        )
        self.item.addItem(self.marker)
        self._shown_at: np.ndarray | None = None  # (α, β) of the history slider's epoch
        self.race_curves: dict[str, pg.PlotDataItem] = {}
        for name, colour in RACE_COLOURS.items():
            c = pg.PlotDataItem(pen=pg.mkPen(colour, width=LINE_WIDTH), name=name)
            self.item.addItem(c)
            self.legend.removeItem(c)
            c.setVisible(False)
            self.race_curves[name] = c
        # where each racer is now: one scatter item (one setData per frame, not four)
        self.race_ends = pg.ScatterPlotItem(size=14, pen=pg.mkPen("#ffffff", width=2))
        self.race_ends.setVisible(False)
        self.item.addItem(self.race_ends)
        self._end_brushes = {n: pg.mkBrush(c) for n, c in RACE_COLOURS.items()}
        self._legend_texts: dict[str, str] = {}
        self._legend_at = 0.0
        for c in (self.trajectory, *self.race_curves.values()):
            # PlotItem.addItem gave them the plot's peak downsampling and clipping: a path
            # is drawn whole (its last point is where the weights are)
            c.setDownsampling(ds=1, auto=False)
            c.setClipToView(False)
        self.start_marker = pg.ScatterPlotItem(
            size=16, symbol="s", brush=pg.mkBrush("#202020"), pen=pg.mkPen("#ffffff", width=2)
        )
        self.start_marker.setVisible(False)
        self.item.addItem(self.start_marker)
        self.counter = pg.TextItem(
            "", color=FOREGROUND, anchor=(0, 1), fill=pg.mkBrush(255, 255, 255, 210)
        )
        f = self.counter.textItem.font()
        f.setPointSize(14)
        f.setBold(True)
        self.counter.setFont(f)
        self.counter.setParentItem(self.item.getViewBox())
        self.counter.setVisible(False)
        self.item.getViewBox().sigResized.connect(self._place_counter)

        # the controls: two rows under the info line (the dock is a narrow column)
        self.random_button = QPushButton("Random directions")
        self.random_button.setToolTip(
            "Two random directions through the weights, scaled per "
            "neuron (filter normalisation); click again for others"
        )
        self.weights_button = QPushButton("Selected weights")
        self.weights_button.setToolTip(
            "The plane of two weights: select two edges on the canvas (Ctrl+click), then click here"
        )
        self.weights_button.setEnabled(False)
        self.follow_box = QCheckBox("Follow")
        self.follow_box.setChecked(True)
        self.follow_box.setToolTip(
            "The slice goes through the current weights (redrawn while "
            "training); off: it stays where it was made"
        )
        self.race_button = QPushButton("Race optimizers")
        self.race_button.setToolTip(
            "sgd, momentum, rmsprop and adam from the current weights, "
            "on this surface (the document's weights stay)"
        )
        self.keep_button = QToolButton()
        self.keep_button.setText("Keep")
        self.keep_button.setToolTip("Give the network one racer's weights (undoable)")
        self.keep_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.keep_menu = QMenu(self.keep_button)
        self.keep_actions = {}
        for name in ls.RACE_OPTIMIZERS:
            a = self.keep_menu.addAction(f"{name}'s weights")
            a.triggered.connect(lambda _=False, n=name: self.keep_weights(n))
            self.keep_actions[name] = a
        self.keep_button.setMenu(self.keep_menu)
        self.keep_button.setEnabled(False)
        for b in (self.random_button, self.weights_button, self.race_button):
            b.setAutoDefault(False)
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)  # PlotPanel's: info, buttons, plot
        bar_item = lay.itemAt(1)
        bar = bar_item.layout() if bar_item is not None else None
        assert isinstance(bar, QHBoxLayout)
        bar.insertWidget(0, self.follow_box)  # beside PNG and CSV
        for k, widgets in enumerate(
            ((self.random_button, self.weights_button), (self.race_button, self.keep_button))
        ):
            row = QHBoxLayout()
            row.setContentsMargins(6, 2, 6, 0)
            for w in widgets:
                row.addWidget(w)
            row.addStretch(1)
            lay.insertLayout(1 + k, row)
        self.random_button.clicked.connect(self.use_random)
        self.weights_button.clicked.connect(self.use_selected_weights)
        self.follow_box.toggled.connect(lambda _: self._slice_changed())
        self.race_button.clicked.connect(self.toggle_race)

        # what is shown
        self.kind = "random"
        self.seed: int | None = None  # None: training.seed (the file's); then each click +1
        self.edges: tuple[str, str] | None = None
        self.selected_edges: list[str] = []
        self.anchor: np.ndarray | None = None  # the weights a fixed slice goes through
        self.plane: ls.Plane | None = None
        self.surface: ls.Surface | None = None
        self.extent: ls.Extent | None = None
        # the grid's size: evaluation and contours within ~15 ms while training or racing
        # (with the paint, a frame stays under ~30 ms), finer when nothing moves (~120 ms once)
        self.resolution = ls.Resolution(budget=0.015, highest=81)
        self.still_resolution = ls.Resolution(budget=0.12, highest=121, start=61)
        self.path: ls.Path | None = None
        self._path_run: object | None = None
        self._surface_key: tuple | None = None
        self.race: ls.Race | None = None
        self.race_plane: ls.Plane | None = None
        self._race_timer = QTimer(self)
        self._race_timer.setSingleShot(True)
        self._race_timer.timeout.connect(self._race_tick)
        self._race_drawn_at = 0.0
        self._race_running = False
        self._painted_from: float | None = None
        self._paint_cost = 0.0
        self.frame_seconds = 0.0  # the last update_view (for the benchmark)
        self._surface_at = 0.0
        self._surface_still = False  # the surface was made at the still resolution
        self._labels: tuple[str, str] = ("", "")
        controller.running_changed.connect(self._training_running)
        self.graph.subscribe(self._on_change)

    # ---------------------------------------------------------------- choices
    def set_selection(self, neurons: list[str], edges: list[str]) -> None:
        """The canvas selection (the window connects it): two edges enable "Selected weights"."""
        self.selected_edges = list(edges)
        self.weights_button.setEnabled(len(edges) == 2)

    def use_random(self) -> None:
        if self.kind == "random" and self.plane is not None and self.race is None:
            self.seed = self._seed() + 1  # the same click again: other directions
        self.kind, self.edges = "random", None
        self._slice_changed()

    def use_selected_weights(self) -> None:
        if len(self.selected_edges) != 2:
            return
        self.use_weights(self.selected_edges[0], self.selected_edges[1])

    def use_weights(self, e1: str, e2: str) -> None:
        self.kind, self.edges = "weights", (e1, e2)
        self._slice_changed()

    def _seed(self) -> int:
        if self.seed is not None:
            return self.seed
        try:
            return int(self.graph.settings.seed)
        except (TypeError, ValueError):
            return 0

    def _slice_changed(self) -> None:
        self._drop_race()  # (and the live slice: the next frame makes the new one)
        self.anchor = None
        self.update_view()

    # ---------------------------------------------------------------- graph / training events
    def _on_change(self, ch) -> None:
        """A race is a what-if about this network, these data and settings: an edit of any
        of them ends it (weights may change: Keep and Undo are edits of the weights)."""
        kind, keys, K = ch.kind, set(ch.keys), ChangeKind
        if kind == K.WEIGHTS_CHANGED or ch.layout_only:
            return
        if kind == K.NETWORK_CHANGED and not keys & {"training", "data"}:
            return
        self._drop_race()  # (no drawing here: the graph is mid-change; views refresh after)
        if kind != K.NETWORK_CHANGED:
            self.anchor = None
        if kind == K.RESET:
            self.kind, self.edges, self.seed = "random", None, None

    def _drop_race(self) -> None:
        self.race = self.race_plane = None
        self.stop_race()
        self.extent = None
        self.plane = None

    def _training_running(self, running: bool) -> None:
        if running and self.race is not None:  # the race was a what-if; training is the news
            self._drop_race()

    def record(self) -> None:
        """A point of the training trajectory (called on every frame, even when hidden: the
        path is there when the dock is opened)."""
        s = self.session
        net = s.compiled.net if s.compiled is not None else None
        if net is None:
            return
        if self._path_run is not s.run or self.path is None or self.path.size != net.params.size:
            self._path_run = s.run
            self.path = ls.Path(net.params.size)
            start = s.run.initial_params  # the path starts where the run did, not at a frame
            if start is not None and start.size == net.params.size and s.epoch > 0:
                self.path.append(0, start)
        self.path.append(s.epoch, net.params)

    # ---------------------------------------------------------------- the slice
    def _net_and_data(self):
        s = self.session
        if not s.ensure() or s.compiled is None or s.train_set is None or not len(s.train_set):
            return None
        return s.compiled, s.train_set

    def _make_plane(self, compiled, theta: np.ndarray) -> ls.Plane:
        net = compiled.net
        if self.kind == "weights" and self.edges is not None:
            idx = compiled.edge_index
            if all(e in idx for e in self.edges):
                e1, e2 = self.edges
                i, j = int(compiled.edge_param[idx[e1]]), int(compiled.edge_param[idx[e2]])
                labels = (self._edge_label(e1), self._edge_label(e2))
                return ls.weight_plane(net, i, j, theta, labels)
            self.kind, self.edges = "random", None  # an edge was deleted: back to random
        return ls.random_plane(net, theta, self._seed())

    def _edge_label(self, eid: str) -> str:
        e = self.graph.edges.get(eid)
        if e is None:
            return eid
        names = []
        for nid in (e.source, e.target):
            n = self.graph.neurons.get(nid)
            names.append((n.label or nid) if n is not None else nid)
        return f"w {names[0]}→{names[1]}"

    # ---------------------------------------------------------------- drawing
    def update_view(self) -> None:
        # weights that overflow (a diverging run, a typed 1e300) give inf and NaN here, which
        # the drawing handles (the top colour, no contour): expected, so not warned about
        with np.errstate(all="ignore"):
            self._update_view()

    def _update_view(self) -> None:
        t0 = time.perf_counter()
        got = self._net_and_data()
        if got is None:
            self._blank(self.session.error or "no network")
            return
        compiled, train = got
        net = compiled.net
        self.record()  # (a new run or another network: a new path)
        rp = self.race_plane
        if self.race is not None and rp is not None and rp.origin.size != net.params.size:
            self._drop_race()  # another network since (an edit the graph did not announce)
        try:
            if self.race is not None and self.race_plane is not None:
                plane = self.race_plane
                paths = {r.name: plane.project(r.path.params) for r in self.race.racers}
                centre = plane.project(self.race.start)[0]
            else:
                theta = net.params
                if not self.follow_box.isChecked():
                    if self.anchor is None or self.anchor.size != theta.size:
                        self.anchor = theta.copy()
                    theta = self.anchor
                plane = self._live_plane() or self._make_plane(compiled, theta)
                traj = self.path.params if self.path is not None and len(self.path) else theta[None]
                if not np.array_equal(traj[-1], net.params):  # an edit since the last epoch
                    traj = np.vstack([traj, net.params[None]])
                paths = {"training": plane.project(traj)}
                centre = plane.project(net.params)[0]
            # the history slider's epoch: the marker stands where the weights were then
            self._shown_at = None
            epoch = self.session.shown_epoch
            kept = self.session.params_at(epoch) if epoch is not None else None
            if kept is not None and kept.size == net.params.size:
                self._shown_at = plane.project(kept)[0]
        except ValueError as exc:
            self._blank(str(exc))
            return
        self.plane = plane
        half = HALF_WEIGHTS if plane.kind == "weights" else HALF_RANDOM
        pts = np.concatenate([p for p in paths.values()] + [centre[None]])
        self.extent = ls.extent_for(pts, (float(centre[0]), float(centre[1])), half, self.extent)
        self._draw_surface(net, train, plane, self._fit_to_plot(self.extent))
        self._draw_paths(paths)
        if plane.labels != self._labels:  # (a new axis label costs a relayout)
            self._labels = plane.labels
            style = {"color": FOREGROUND, "font-size": "13pt"}
            self.item.setLabel("bottom", plane.labels[0], **style)
            self.item.setLabel("left", plane.labels[1], **style)
        self._say()
        self.frame_seconds = time.perf_counter() - t0

    def _live_plane(self) -> ls.Plane | None:
        """While training with Follow on, the slice of the last surface for LIVE_SURFACE_S:
        the path and the dot move on it, and the surface is re-centred twice a second (the
        landscape then costs training ~5 %, not ~15 %)."""
        p, sf = self.plane, self.surface
        if p is None or sf is None or sf.plane is not p or not self.controller.running:
            return None
        if p.kind != self.kind or time.perf_counter() - self._surface_at >= LIVE_SURFACE_S:
            return None
        return p

    def _fit_to_plot(self, extent: ls.Extent) -> ls.Extent:
        """The square extent widened along the plot's longer side (the axes keep one scale,
        so the surface fills a tall lecture panel or a wide dock instead of a square)."""
        vb = self.item.getViewBox()
        w, h = vb.width(), vb.height()
        if w < 20 or h < 20:
            return extent
        r = round(max(w, h) / min(w, h), 1)  # (rounded: a resize by a pixel recomputes nothing)
        a0, a1, b0, b1 = extent
        if h > w:
            mid, half = (b0 + b1) / 2, (b1 - b0) / 2 * r
            return (a0, a1, mid - half, mid + half)
        mid, half = (a0 + a1) / 2, (a1 - a0) / 2 * r
        return (mid - half, mid + half, b0, b1)

    def _draw_surface(self, net, train, plane: ls.Plane, extent: ls.Extent) -> None:
        live = self.controller.running or self.racing
        governor = self.resolution if live else self.still_resolution
        # the loss training descends: the data loss plus the L1/L2 penalty when set
        penalty = Penalty.of(net, self.graph.settings)
        key = (
            id(net),
            plane.origin.tobytes(),
            plane.d1.tobytes(),
            plane.d2.tobytes(),
            extent,
            penalty.l1,
            penalty.l2,
        )
        if key == self._surface_key and self.surface is not None:
            if live or self._surface_still:
                return
        res, k = ls.surface_size(len(train.X), net.params.size, governor.value)
        t0 = time.perf_counter()
        sf = ls.surface(net, train.X, train.Y, plane, extent, res, penalty, samples=k)
        self._surface_still = not live
        self.surface, self._surface_key = sf, key
        self._surface_at = time.perf_counter()
        with np.errstate(all="ignore"):
            logL = np.log10(np.where(np.isfinite(sf.loss), np.maximum(sf.loss, 1e-300), np.nan))
        finite = logL[np.isfinite(logL)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if hi - lo < 1e-9:
            hi = lo + 1.0
        shown = np.where(np.isfinite(logL), logL, hi)  # no finite loss: the top colour
        self.image.setImage(shown, autoLevels=False, levels=(lo, hi))
        a0, a1, b0, b1 = extent
        da, db = (a1 - a0) / (res - 1), (b1 - b0) / (res - 1)
        rect = QRectF(a0 - da / 2, b0 - db / 2, da * res, db * res)
        self.image.setRect(rect)
        levels = lo + (hi - lo) * np.arange(1, CONTOURS + 1) / (CONTOURS + 1)
        seg = ls.contour_segments(sf.alphas, sf.betas, shown, levels).reshape(-1, 2)
        self.contours.setData(seg[:, 0], seg[:, 1], connect="pairs")
        # the grid's cost: evaluation and contours, both proportional to the cells
        governor.measured(res, time.perf_counter() - t0)
        self.item.setRange(xRange=(a0, a1), yRange=(b0, b1), padding=0)

    def _draw_paths(self, paths: dict[str, np.ndarray]) -> None:
        racing = self.race is not None
        self.trajectory.setVisible(not racing)
        self.marker.setVisible(not racing)
        self.start_marker.setVisible(racing)
        self.counter.setVisible(racing)
        if racing:
            if self.legend.getLabel(self.trajectory) is not None:
                self.legend.removeItem(self.trajectory)
            assert self.race is not None and self.race_plane is not None
            s = self.race_plane.project(self.race.start)[0]
            self.start_marker.setData([s[0]], [s[1]])
            # the legend's losses: rich text is slow to lay out, so twice a second (and at
            # the end), not at every frame
            now = time.perf_counter()
            texts = not self.racing or now - self._legend_at >= 0.5
            if texts:
                self._legend_at = now
            ends = []
            for r in self.race.racers:
                c = self.race_curves[r.name]
                xy = paths[r.name]
                c.setData(xy[:, 0], xy[:, 1])
                c.setVisible(True)
                ends.append({"pos": (xy[-1, 0], xy[-1, 1]), "brush": self._end_brushes[r.name]})
                label = self.legend.getLabel(c)
                if label is not None and not texts:
                    continue
                text = f"{r.name}  {general(r.loss, 3)}" if math.isfinite(r.loss) else r.name
                if r.stopped == "diverged":
                    text = f"{r.name}  diverged"
                if label is None:
                    self.legend.addItem(c, text)
                elif text != self._legend_texts.get(r.name):
                    label.setText(text)
                self._legend_texts[r.name] = text
            self.race_ends.setData(ends)
            self.race_ends.setVisible(True)
            self.counter.setText(f"epoch {self.race.epoch:,} / {self.race.target:,}")
        else:
            for c in self.race_curves.values():
                if self.legend.getLabel(c) is not None:
                    self.legend.removeItem(c)
                c.setVisible(False)
            self.race_ends.setVisible(False)
            self._legend_texts.clear()
            if self.legend.getLabel(self.trajectory) is None:
                self.legend.addItem(self.trajectory, "training")
            xy = paths["training"]
            self.trajectory.setData(xy[:, 0], xy[:, 1])
            at = xy[-1] if self._shown_at is None else self._shown_at
            self.marker.setData([at[0]], [at[1]])

    def _place_counter(self, *_) -> None:
        """Bottom left of the plot (the legend has the top right)."""
        self.counter.setPos(4, self.item.getViewBox().height() - 4)

    def _say(self) -> None:
        p, sf = self.plane, self.surface
        if p is None or sf is None:
            return
        what = (
            ("random directions, seed " + str(self._seed()))
            if p.kind == "random"
            else f"{p.labels[0]} × {p.labels[1]}"
        )
        if self.race is not None:
            what = f"race, {what}"
        if sf.samples < sf.of:  # a large training set: the loss over evenly spaced samples
            # (and a race trains on the same ones: model/landscape.Race); first, so that the
            # narrow dock's elided caption still shows it
            what = f"{sf.samples:,} of {sf.of:,} samples · {what}"
        self.info.setText(f"{what} · grid {sf.resolution}² · {sf.seconds * 1000:.0f} ms")

    def _blank(self, text: str) -> None:
        self.info.setText(text)
        self.image.clear()
        self.contours.setData([], [])
        self.trajectory.setData([], [])
        self.marker.setData([], [])
        self.surface = self.plane = None
        self._surface_key = None

    # ---------------------------------------------------------------- the race
    @property
    def racing(self) -> bool:
        return self._race_running

    def toggle_race(self) -> None:
        if self.racing:
            self.stop_race()
        else:
            self.start_race()

    def start_race(self, epochs: int | None = None) -> bool:
        c = self.controller
        if c.running:
            c.pause()
        got = self._net_and_data()
        if got is None:
            self.info.setText(f"Cannot race: {self.session.error or 'no network'}")
            return False
        compiled, train = got
        start = compiled.net.params.copy()
        graph = self.graph
        try:
            plane = self._make_plane(compiled, start)
            n = epochs or c.epochs_setting() or 1000
            race = ls.Race.build(lambda: compile_graph(graph).net, start, train, graph.settings, n)
        except (CompileError, ValueError, KeyError, TypeError) as exc:
            self.info.setText(f"Cannot race: {exc}")
            return False
        self.race, self.race_plane = race, plane
        self.extent = None
        self._race_running = True
        self.race_button.setText("Stop race")
        self.keep_button.setEnabled(True)
        self.update_view()
        self._race_timer.start(0)
        return True

    def stop_race(self) -> None:
        self._race_timer.stop()
        if self._race_running:
            self._race_running = False
            self.race_button.setText("Race optimizers")
            if self.race is not None:
                self.update_view()
        self.keep_button.setEnabled(self.race is not None)

    def _race_tick(self) -> None:
        race = self.race
        if race is None or not self._race_running:
            return
        start = time.perf_counter()
        if self._painted_from is not None:
            # what the event loop spent since the last frame (painting it): with the frame's
            # own cost, racing gets at least twice as much time before the next frame
            self._paint_cost = 0.7 * self._paint_cost + 0.3 * (start - self._painted_from)
            self._painted_from = None
        race.run_for(RACE_SLICE_S)
        now = time.perf_counter()
        done = race.finished
        gap = max(RACE_FRAME_S, 2 * (self.frame_seconds + self._paint_cost))
        shown = self.isVisible() and not self.visibleRegion().isEmpty()  # (not behind a tab)
        if done or shown and now - self._race_drawn_at >= gap:
            self._race_drawn_at = now
            self.update_view()
            self._painted_from = time.perf_counter()
        if done:
            self.stop_race()
        else:
            self._race_timer.start(0)

    def keep_weights(self, name: str) -> None:
        """The network takes the racer's weights (one undo step)."""
        race = self.race
        if race is None:
            return
        r = next((r for r in race.racers if r.name == name), None)
        if r is None or self.session.compiled is None:
            return
        try:
            weights, biases = self.session.parameters_for(r.net.params)
        except ValueError:
            return
        new: Params = (dict[str, float | None](weights), biases)
        cmd_text = f"Weights of the {name} racer (epoch {r.epochs})"
        cmd = SetParametersCommand(self.graph, graph_parameters(self.graph), new, cmd_text)
        if self.undo_stack is not None:
            self.undo_stack.push(cmd)
        else:
            cmd.redo()

    # ---------------------------------------------------------------- export
    def csv_text(self) -> str:
        out = io.StringIO()
        sf = self.surface
        if sf is None:
            return ""
        a, b = sf.plane.labels
        out.write(f"{a},{b},loss\n")
        for i, x in enumerate(sf.alphas):
            for j, y in enumerate(sf.betas):
                out.write(f"{float(x)!r},{float(y)!r},{float(sf.loss[i, j])!r}\n")
        return out.getvalue()

    def close(self) -> bool:
        self._race_timer.stop()
        return super().close()
