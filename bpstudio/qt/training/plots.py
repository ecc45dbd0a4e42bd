# Longer than 400 lines: the live plots share one panel base and its history views (issue 10's plot
# table is to reshape it).
"""Loss and per-layer gradient-norm curves, live, with earlier runs greyed and labelled.

Curves take views of the session's history arrays (no copies, no list conversions), and
every curve downsamples to the pixels it covers and clips to the view, so 100,000 epochs draw
as fast as 100. Earlier runs are drawn once per change of the run list, not per frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ...model.atomic_write import atomic_write_bytes, atomic_write_text
from ...model.numfmt import MAX_DECADE, general
from ...model.training_session import History, Run, TrainingSession
from .. import places
from ..elided_label import ElidedLabel
from . import dialogs
from .style import (
    EARLIER,
    EARLIER_TEXT,
    LINE_WIDTH,
    PENALTY,
    TRAIN,
    VALIDATION,
    add_legend,
    layer_pen,
    make_plot_widget,
)

EARLIER_ENTRY = "earlier runs"  # the legend's one entry for every earlier run's grey curve


def live_curve(pen, name: str | None = None) -> pg.PlotDataItem:
    item = pg.PlotDataItem(pen=pen, name=name, antialias=False, autoDownsampleFactor=1.5)
    item.setDownsampling(auto=True, method="peak")
    item.setClipToView(True)
    return item


class PlotPanel(QWidget):
    """A plot with a row of controls: optional log-y, PNG and CSV export."""

    title = "plot"

    def __init__(
        self,
        session: TrainingSession,
        x_label: str,
        y_label: str,
        log_y: bool | None,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.session = session
        # pyqtgraph's LegendItem (untyped) of a plot that has one (earlier runs are listed
        # in it too); None: no legend
        self.legend: Any = None
        self._earlier_items: list[Any] = []  # the earlier runs' curves and labels drawn
        self._earlier_names: list[str] = []  # their entries in the legend
        self._all_tick_strings: Callable[..., list[str]] | None = None  # the axis's own
        self.plot = make_plot_widget(x_label, y_label)
        self.item = self.plot.getPlotItem()
        # PlotItem.addItem() imposes the plot's own modes on every curve added: set them here
        self.item.setDownsampling(auto=True, mode="peak")
        self.item.setClipToView(True)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 2, 6, 0)
        # a long caption ends in "…" (the whole of it in the tooltip) and never pushes the
        # buttons away: in the narrow dock column it was cut mid-word without a sign
        self.info = ElidedLabel()
        self.info.setStyleSheet("font-size: 12pt;")
        bar.addStretch(1)  # the info has a line of its own (read in a narrow column)
        self.log_box = None
        if log_y is not None:
            self.log_box = QCheckBox("log y")
            self.log_box.setChecked(log_y)
            self.log_box.toggled.connect(self.set_log_y)
            bar.addWidget(self.log_box)
            self.item.setLogMode(False, log_y)
            self._label_decades_only(log_y)
        self.png_button = QPushButton("PNG")
        self.csv_button = QPushButton("CSV")
        for b, tip in (
            (self.png_button, "Save the plot as an image"),
            (self.csv_button, "Save the plotted numbers as CSV"),
        ):
            b.setToolTip(tip)
            b.setAutoDefault(False)
            bar.addWidget(b)
        self.png_button.clicked.connect(self.export_png_dialog)
        self.csv_button.clicked.connect(self.export_csv_dialog)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.info.setContentsMargins(6, 2, 6, 0)
        lay.addWidget(self.info)
        lay.addLayout(bar)
        lay.addWidget(self.plot, 1)

        # the view follows the data in coarse steps (1-2-5 epochs, whole decades): the axes
        # are then repainted a few times per run instead of every frame
        self.follow = True
        self.x_hint: Callable[[], int | None] | None = None  # planned number of epochs
        self._fitted: tuple[float, float, float, bool] | None = None
        self._earlier_bounds = (0, np.inf, -np.inf)
        vb = self.item.getViewBox()
        vb.disableAutoRange()
        vb.sigRangeChangedManually.connect(self._user_moved)
        self.item.autoBtn.clicked.connect(self._auto_clicked)

    def _user_moved(self, *_) -> None:
        self.follow = False
        self.item.autoBtn.show()

    def _auto_clicked(self) -> None:
        self.item.getViewBox().disableAutoRange()
        self.follow = True
        self._fitted = None
        self.update_view()

    def fit_view(self, n: int, lo: float, hi: float) -> None:
        """Show epochs 1..nice(n) and [lo, hi] rounded out (to decades in log mode)."""
        if not self.follow:
            return
        en, elo, ehi = self._earlier_bounds
        n, lo, hi = max(n, en, 10), min(lo, elo), max(hi, ehi)
        x_hi = nice_ceiling(n)
        planned = self.x_hint() if self.x_hint is not None else None
        if planned and n <= planned:  # the run's planned length: the curve grows into it
            x_hi = planned
        log = self.log_box is not None and self.log_box.isChecked()
        if not (np.isfinite(lo) and np.isfinite(hi)):
            y = (-1.0, 1.0) if log else (0.0, 1.0)
        elif log:
            lo, hi = max(lo, 1e-300), max(hi, 1e-300)
            y = (np.floor(np.log10(lo)), np.ceil(np.log10(hi)))
            if y[1] - y[0] < 1:
                y = (y[0], y[0] + 1)
        else:
            y = (min(0.0, -nice_ceiling(-lo)) if lo < 0 else 0.0, nice_ceiling(hi))
        fitted = (x_hi, *y, log)
        if fitted != self._fitted:
            self._fitted = fitted
            self.item.setRange(xRange=(0, x_hi), yRange=y, padding=0.02)
        self.item.autoBtn.hide()

    def _label_decades_only(self, log: bool) -> None:
        # pyqtgraph labels a log axis's 2..9 ticks too, at the same level as the powers of ten;
        # on a projector "10 8 6 5 4 3 2 1 0.9" runs together, so only powers of ten get numbers
        # (the y range always spans whole decades)
        axis = self.item.getAxis("left")
        if self._all_tick_strings is None:
            self._all_tick_strings = axis.tickStrings
        if not log:
            axis.tickStrings = self._all_tick_strings
            return

        def decade_strings(values, scale, spacing, _all=self._all_tick_strings):
            # pyqtgraph writes 10**v, which overflows past float64's 1e308 (a loss near it,
            # padded: a RuntimeWarning from every paint, random-user soak action 54,733);
            # such a tick gets no number
            with np.errstate(over="ignore"):
                strings = _all(values, scale, spacing)
            return [
                s if abs(v - round(v)) < 1e-9 and abs(v) <= MAX_DECADE else ""
                for v, s in zip(values, strings, strict=True)
            ]

        axis.tickStrings = decade_strings

    def set_log_y(self, on: bool) -> None:
        self.item.setLogMode(False, on)
        self._label_decades_only(on)
        self._fitted = None
        self.redraw_earlier()
        self.update_view()

    def update_view(self) -> None:
        raise NotImplementedError

    def no_epochs_text(self) -> str:
        """The info line of an empty run: why nothing can be trained yet, if so (a blank
        network: no inputs or outputs), else the run's name."""
        error = self.session.error
        if error:
            return f"Nothing to train yet: {error}"
        return f"{self.session.run.label}: no epochs yet"

    # ------------------------------------------------------------ export
    def export_png(self, path: str | Path) -> bool:
        buffer = QBuffer()  # encoded in memory, written atomically like every file bpstudio writes
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        if not self.plot.grab().save(buffer, "PNG"):
            return False
        atomic_write_bytes(path, buffer.data().data())
        places.remember(path)
        return True

    def csv_text(self) -> str:
        raise NotImplementedError

    def export_csv(self, path: str | Path) -> None:
        atomic_write_text(path, self.csv_text())
        places.remember(path)

    def export_png_dialog(self) -> None:
        path = dialogs.ask_export_path(
            self, places.suggest(f"{self.title}.png"), "PNG images (*.png)"
        )
        if path:
            self._export(path if path.lower().endswith(".png") else path + ".png", "PNG")

    def export_csv_dialog(self) -> None:
        path = dialogs.ask_export_path(
            self, places.suggest(f"{self.title}.csv"), "CSV files (*.csv)"
        )
        if path:
            self._export(path if path.lower().endswith(".csv") else path + ".csv", "CSV")

    def _export(self, path: str, kind: str) -> bool:
        """Write the plot's PNG or CSV; a folder that cannot be written (read-only, gone, a
        full disk) is a message box naming the file and the reason, not an exception out of
        the button's slot. The write is atomic, so a failure leaves no partial file."""
        from .. import dialogs as app_dialogs

        title = f"Export {self.title} {kind}"
        try:
            if kind == "PNG":
                if not self.export_png(path):
                    reason = "the plot could not be encoded as a PNG image"
                    app_dialogs.show_errors(self, title, f"Cannot write {path}:", [reason])
                    return False
            else:
                self.export_csv(path)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            app_dialogs.show_errors(self, title, f"Cannot write {path}:", [reason])
            return False
        return True

    # ------------------------------------------------------------ earlier runs
    def redraw_earlier(self) -> None:
        for it in self._earlier_items:
            self.item.removeItem(it)
        self._earlier_items = []
        legend = self.legend
        for name in self._earlier_names:
            if legend is not None:
                legend.removeItem(name)
        self._earlier_names = []
        for label, run in self.earlier_to_draw():
            items = self.earlier_items(run, label)
            if legend is not None and not self._earlier_names:
                # one grey entry for them all: the runs are named on their curves (an entry
                # each made the legend wider than a 1280x720 dock's plot, cut off over it)
                legend.addItem(items[0], EARLIER_ENTRY)
                self._earlier_names.append(EARLIER_ENTRY)
            self._earlier_items.extend(items)
        for it in self._earlier_items:
            self.item.addItem(it)
            it.setZValue(-10)
            if isinstance(it, EarlierCurve):
                it.setData(*it.pending)
        n, lo, hi = 0, np.inf, -np.inf
        for run in self.session.earlier:
            if len(run.history):
                a, b = self.value_bounds(run.history)
                n, lo, hi = max(n, len(run.history)), min(lo, a), max(hi, b)
        self._earlier_bounds = (n, lo, hi)
        self._fitted = None

    def earlier_to_draw(self) -> list[tuple[str, Run]]:
        """(label, run) per distinct earlier curve: runs that drew the same curve (Reset,
        or Re-initialise with the same seed, then the same epochs) share one label, their
        names joined, not one label each printed over the other."""
        drawn: dict[bytes, tuple[list[str], Run]] = {}
        for run in self.session.earlier:
            if len(run.history):
                key = self.curve_key(run.history)
                if key in drawn:
                    drawn[key][0].append(run.label)
                else:
                    drawn[key] = ([run.label], run)
        return [(joined_run_labels(names), run) for names, run in drawn.values()]

    def curve_key(self, h: History) -> bytes:
        """What this plot draws of a run, as bytes (equal curves, equal keys)."""
        return h.epochs.tobytes()

    def value_bounds(self, h: History) -> tuple[float, float]:
        return np.inf, -np.inf

    def earlier_items(self, run: Run, label: str) -> list:
        return []

    def _log(self) -> bool:
        return self.log_box is not None and self.log_box.isChecked()

    def earlier_label(self, text: str, x: float, y: float) -> pg.TextItem:
        t = pg.TextItem(text, color=EARLIER_TEXT, anchor=(0.5, 1))
        f = t.textItem.font()
        f.setPointSize(12)
        f.setItalic(True)
        t.setFont(f)
        log = self.item.getAxis("left").logMode
        t.setPos(x, np.log10(y) if log and y > 0 else y)
        return t

    def earlier_curve(self, x, y, width: float = 2.0) -> EarlierCurve:
        return EarlierCurve(x, y, pen=pg.mkPen(EARLIER, width=width), autoDownsampleFactor=1.5)


class EarlierCurve(pg.PlotDataItem):
    """An earlier run's curve: its data is set once it is in the plot (clip-to-view needs
    its ViewBox), from ``pending``."""

    def __init__(self, x, y, **options):
        super().__init__(**options)
        self.pending = (x, y)


class LossPlot(PlotPanel):
    title = "loss"

    def __init__(self, session: TrainingSession, parent=None):
        super().__init__(session, "epoch", "loss", True, parent)
        self.legend = add_legend(self.item)
        self.train_curve = live_curve(pg.mkPen(TRAIN, width=LINE_WIDTH), "train")
        self.val_curve = live_curve(
            pg.mkPen(VALIDATION, width=LINE_WIDTH, style=Qt.PenStyle.DashLine), "validation"
        )
        self.item.addItem(self.train_curve)
        # the validation curve stays in the plot, hidden (and out of the legend) while the
        # run has no validation: pyqtgraph cannot re-add a clip-to-view curve that holds data
        # (on the way in it asks the PlotWidget, not the ViewBox, for autoRangeEnabled and
        # raises AttributeError), and a run with a split after one without did exactly that
        self.item.addItem(self.val_curve)
        self.legend.removeItem(self.val_curve)
        self.val_curve.setVisible(False)
        self._val_shown = False
        # the regularisation penalty, beside the data loss (train): in the plot from the
        # start, hidden while the run has none, for the validation curve's reason
        self.penalty_curve = live_curve(
            pg.mkPen(PENALTY, width=LINE_WIDTH, style=Qt.PenStyle.DotLine), "penalty"
        )
        self.item.addItem(self.penalty_curve)
        self.legend.removeItem(self.penalty_curve)
        self.penalty_curve.setVisible(False)
        self._penalty_shown = False
        # the epoch the history slider shows (qt/training/scrub.py): a vertical line
        self.marker = pg.InfiniteLine(
            angle=90, movable=False, pen=pg.mkPen("#d08000", width=2.5, style=Qt.PenStyle.DashLine)
        )
        self.marker.setZValue(5)
        self.marker.setVisible(False)
        self.item.addItem(self.marker, ignoreBounds=True)
        self.marker_epoch: int | None = None

    def set_marker(self, epoch: int | None) -> None:
        """Mark ``epoch`` (the scrubbed one); None: no marker (the live network)."""
        self.marker_epoch = epoch
        self.marker.setVisible(epoch is not None)
        if epoch is not None:
            self.marker.setValue(float(epoch))
        self.update_view()

    def update_view(self) -> None:
        h = self.session.run.history
        self.train_curve.setData(h.epochs, h.train_loss)
        if h.has_validation:
            if not self._val_shown:
                self.val_curve.setVisible(True)
                self.legend.addItem(self.val_curve, "validation")
                self._val_shown = True
            self.val_curve.setData(h.epochs, h.val_loss)
        elif self._val_shown:
            self.val_curve.setData([], [])
            self.val_curve.setVisible(False)
            self.legend.removeItem(self.val_curve)
            self._val_shown = False
        self._show_penalty(h)
        self.fit_view(len(h), *self.value_bounds(h))
        last = h.last()
        if last is None:
            self.info.setText(self.no_epochs_text())
        else:
            v = "" if last[1] is None else f"   validation {general(last[1], 4)}"
            if self._penalty_shown:  # the loss is the data loss; the penalty beside it
                v += f"   penalty {general(float(h.penalty[-1]), 4)}"
            loss = "data loss" if self._penalty_shown else "loss"
            shown = ""
            e = self.marker_epoch
            if e is not None and 1 <= e <= len(h):
                shown = f"   (showing epoch {e}: {loss} {general(float(h.train_loss[e - 1]), 4)})"
            elif e is not None:
                shown = f"   (showing epoch {e})"
            self.info.setText(
                f"{self.session.run.label}: epoch {len(h)}   {loss} {general(last[0], 4)}{v}"
                + shown
            )

    def _show_penalty(self, h: History) -> None:
        if h.has_penalty:
            if not self._penalty_shown:
                self.penalty_curve.setVisible(True)
                self.legend.addItem(self.penalty_curve, "penalty")
                self._rename_legend(self.train_curve, "train (data loss)")
                self._penalty_shown = True
            self.penalty_curve.setData(h.epochs, h.penalty)
        elif self._penalty_shown:
            self.penalty_curve.setData([], [])
            self.penalty_curve.setVisible(False)
            self.legend.removeItem(self.penalty_curve)
            self._rename_legend(self.train_curve, "train")
            self._penalty_shown = False

    def _rename_legend(self, item, text: str) -> None:
        for sample, label in self.legend.items:
            if sample.item is item:
                label.setText(text)

    def value_bounds(self, h: History) -> tuple[float, float]:
        if h.has_penalty:
            return positive_bounds(h.train_loss, h.val_loss, h.penalty, log=self._log())
        return positive_bounds(h.train_loss, h.val_loss, log=self._log())

    def curve_key(self, h: History) -> bytes:
        return h.epochs.tobytes() + h.train_loss.tobytes()

    def earlier_items(self, run: Run, label: str) -> list:
        h = run.history
        items = [self.earlier_curve(h.epochs, h.train_loss)]
        i = label_index(len(h))
        items.append(self.earlier_label(label, float(h.epochs[i]), float(h.train_loss[i])))
        return items

    def csv_text(self) -> str:
        runs = [*self.session.earlier, self.session.run]
        return history_table(
            runs,
            lambda h: [
                ("train_loss", h.train_loss),
                ("val_loss", h.val_loss),
                *([("penalty", h.penalty)] if h.has_penalty else []),
            ],
        )


class GradNormPlot(PlotPanel):
    """‖∂L/∂W(l)‖ per layer: the vanishing-gradient plot."""

    title = "gradient-norms"

    def __init__(self, session: TrainingSession, parent=None):
        super().__init__(session, "epoch", "‖∂L/∂W‖ per layer", True, parent)
        self.legend = add_legend(self.item)
        self.curves: list[pg.PlotDataItem] = []

    def _ensure_curves(self, n_layers: int) -> None:
        if len(self.curves) == n_layers:
            return
        for c in self.curves:
            self.item.removeItem(c)
        self.legend.clear()
        self.curves = []
        for l in range(1, n_layers + 1):
            c = live_curve(layer_pen(l), f"layer {l}")
            self.item.addItem(c)
            self.curves.append(c)
        self.legend.setColumnCount(1 if n_layers <= 5 else 2)

    def update_view(self) -> None:
        h = self.session.run.history
        self._ensure_curves(h.n_layers)
        g = h.grad_norms
        x = h.epochs
        for l, c in enumerate(self.curves):
            c.setData(x, g[:, l])
        self.fit_view(len(h), *self.value_bounds(h))
        if len(h):
            last = g[-1]
            first, final = last[0], last[-1]
            self.info.setText(
                f"{self.session.run.label}: layer 1 / layer {h.n_layers} = "
                f"{general(gradient_ratio(first, final), 2)}"
                if h.n_layers > 1
                else f"{self.session.run.label}: ‖∂L/∂W‖ = {general(first, 3)}"
            )
        else:
            self.info.setText(self.no_epochs_text())

    def value_bounds(self, h: History) -> tuple[float, float]:
        return positive_bounds(h.grad_norms, log=self._log())

    def curve_key(self, h: History) -> bytes:
        return h.epochs.tobytes() + np.ascontiguousarray(h.grad_norms).tobytes()

    def earlier_items(self, run: Run, label: str) -> list:
        h = run.history
        items = [self.earlier_curve(h.epochs, h.grad_norms[:, l], 1.5) for l in range(h.n_layers)]
        i = label_index(len(h))
        x = float(h.epochs[i])
        items.append(self.earlier_label(f"{label}: layer 1", x, float(h.grad_norms[i, 0])))
        if h.n_layers > 1:
            items.append(
                self.earlier_label(f"{label}: layer {h.n_layers}", x, float(h.grad_norms[i, -1]))
            )
        return items

    def csv_text(self) -> str:
        runs = [*self.session.earlier, self.session.run]
        return history_table(
            runs, lambda h: [(f"grad_norm_{l + 1}", h.grad_norms[:, l]) for l in range(h.n_layers)]
        )


def joined_run_labels(labels: list[str]) -> str:
    """One label for runs that drew the same curve: "XOR 2-4-1 = run 2 = run 3" (a later
    run's label repeats the file's name, "XOR 2-4-1, run 2": said once, it fits a dock)."""
    names = list(dict.fromkeys(labels))
    first = names[0]
    short = [n.removeprefix(f"{first}, ") for n in names[1:]]
    return " = ".join([first, *short])


def label_index(n: int) -> int:
    """Where along an earlier run's curve its label goes: past the start, clear of the
    legend in the top right corner."""
    return max(0, min(n - 1, int(0.6 * (n - 1))))


def nice_ceiling(v: float) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50, … that is >= v (v > 0)."""
    if v <= 0:
        return 0.0
    e = 10.0 ** np.floor(np.log10(v))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * e >= v * (1 - 1e-12):
            return float(m * e)
    return float(10 * e)


def positive_bounds(*arrays: np.ndarray, log: bool) -> tuple[float, float]:
    """Min and max of the finite values (only the positive ones on a log axis)."""
    lo, hi = np.inf, -np.inf
    for a in arrays:
        if not a.size:
            continue
        with np.errstate(invalid="ignore"):
            ok = a[np.isfinite(a) & (a > 0)] if log else a[np.isfinite(a)]
        if ok.size:
            lo, hi = min(lo, float(ok.min())), max(hi, float(ok.max()))
    return lo, hi


def history_table(runs: list[Run], columns) -> str:
    """One CSV: epoch, then each run's columns prefixed with its label (current run last)."""
    header = ["epoch"]
    cols: list[np.ndarray] = []
    n = max((len(r.history) for r in runs), default=0)
    for r in runs:
        for name, values in columns(r.history):
            header.append(f"{r.label}:{name}" if len(runs) > 1 else name)
            cols.append(values)
    lines = [",".join(header)]
    for i in range(n):
        row = [str(i + 1)]
        for c in cols:
            row.append(repr(float(c[i])) if i < len(c) and np.isfinite(c[i]) else "")
        lines.append(",".join(row))
    return "\n".join(lines) + "\n"


__all__ = ["GradNormPlot", "History", "LossPlot", "PlotPanel", "history_table"]


def gradient_ratio(first: float, final: float) -> float:
    """Layer 1's gradient norm over the last layer's, as the caption shows it: a norm that
    overflowed (inf) or a divergence (nan) gives nan ("nan" on screen, no numpy warning), a
    vanished last layer inf."""
    if not (math.isfinite(first) and math.isfinite(final)):
        return math.nan
    return first / final if final > 0 else math.inf
