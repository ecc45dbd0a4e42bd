"""Scrub the training history: a slider over the current run's epochs.

The slider's positions are the epochs whose parameters the session kept
(model/param_history.py: every epoch up to 64 MB, then log-spaced ones), and last the
current epoch (the live network). Moving it away from the end shows that epoch's network in
every view: the canvas draws its weights and biases (``scene.show_parameters``), the
decision boundary, fitted curve and histograms are computed with them
(``TrainingSession.show_epoch``), the loss plot marks the epoch. Other views follow
:attr:`HistoryScrubber.shown`, a typed notification (``ShownParameters``: epoch, live, the
flat parameters and the weights and biases by id) emitted whenever what is shown changes.

The document is never edited by scrubbing: Play goes back to the end and trains on from the
live network, an edit or Undo goes back to the end too. Only "Restore weights from epoch E"
writes the shown weights into the document, as one undo step. Moving the slider while
training runs pauses it first (the stretch so far becomes its undo entry, as a Pause does).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSlider, QVBoxLayout, QWidget

from ...model.graph import Change, ChangeKind
from ...model.param_history import ShownParameters
from ..commands import Params, SetParametersCommand, graph_parameters
from ..elided_label import ElidedLabel
from .controller import TrainingController

_LAYOUT_KEYS = {"x", "y", "label", "extra"}
ShowOnCanvas = Callable[[dict[str, float] | None, dict[str, float] | None], None]


class ScrubBar(QWidget):
    """The slider, what it shows ("epoch 120 of 500"), and the Restore button."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("history_slider")
        self.slider.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # arrow keys once clicked
        self.slider.setRange(0, 0)
        self.slider.setSingleStep(1)
        self.slider.setPageStep(10)
        self.slider.setToolTip(
            "Scrub the training history: the network as it was at that epoch (←/→ one kept "
            "epoch, Home/End the first and the last). The document keeps its weights."
        )
        self.label = ElidedLabel("History: no epochs yet")
        self.label.setStyleSheet("font-size: 11pt;")
        self.restore_button = QPushButton("Restore weights")
        self.restore_button.setToolTip("Put the shown epoch's weights into the network (undoable)")
        self.restore_button.setEnabled(False)
        self.restore_button.setAutoDefault(False)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.slider, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 4)
        lay.setSpacing(2)
        lay.addWidget(self.label)
        lay.addLayout(row)
        lay.addWidget(self.restore_button)


class HistoryScrubber(QObject):
    # ShownParameters: what the views show now (emitted on every change, live included)
    shown = Signal(object)

    def __init__(self, controller: TrainingController, undo_stack=None, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.session = controller.session
        self.graph = controller.graph
        self.undo_stack = undo_stack
        self.bar = ScrubBar()
        self._canvas: ShowOnCanvas | None = None
        # called before the canvas leaves the live network (qt/passes puts a pass away)
        self.before_scrub: Callable[[], None] | None = None
        self._epoch: int | None = None  # the epoch shown, None: live
        self._pending: int | None = None  # slider position to show (coalesced while dragging)
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(0)
        self._later.timeout.connect(self._show_pending)
        self._live_soon = QTimer(self)  # back to live once an edit has landed everywhere
        self._live_soon.setSingleShot(True)
        self._live_soon.setInterval(0)
        self._live_soon.timeout.connect(self.go_live)
        s = self.bar.slider
        s.valueChanged.connect(self._slider_moved)
        self.bar.restore_button.clicked.connect(self.restore)
        controller.frame.connect(self.sync_range)
        controller.runs_changed.connect(self.go_live)
        controller.running_changed.connect(self._running_changed)
        self.graph.subscribe(self._on_change)
        self.sync_range()

    def _running_changed(self, running: bool) -> None:
        if running:  # Play trains on from the end: the views follow the live network
            self.go_live()

    # ---------------------------------------------------------------- wiring
    def attach_canvas(self, show: ShowOnCanvas) -> None:
        """Where the shown weights and biases are drawn (the window's scene)."""
        self._canvas = show

    @property
    def scrubbed(self) -> bool:
        return self._epoch is not None

    @property
    def shown_epoch(self) -> int:
        return self.session.epoch if self._epoch is None else self._epoch

    # ---------------------------------------------------------------- the slider
    def sync_range(self) -> None:
        """Follow the run: the slider's end is the current epoch; a scrubbed position stays
        on its epoch (thinning may have moved its index)."""
        s, session = self.bar.slider, self.session
        count = session.scrub_count()
        with QSignalBlocker(s):
            s.setRange(0, count - 1)
            if self._epoch is None:
                s.setValue(count - 1)
            else:
                s.setValue(session.scrub_index(self._epoch))
        self.bar.slider.setEnabled(count > 1)
        self._update_label()

    def _slider_moved(self, index: int) -> None:
        if self.controller.running:
            # at once: no more epochs after the one the slider was moved from (the stretch
            # becomes its undo entry, as with Pause)
            self.controller.pause()
        self._pending = index
        if not self._later.isActive():
            self._later.start()

    def _show_pending(self) -> None:
        index, self._pending = self._pending, None
        if index is not None:
            self.show_index(index)

    def show_index(self, index: int) -> None:
        session = self.session
        if index >= session.scrub_count() - 1:
            self.go_live()
            return
        self.show_epoch(session.scrub_epoch(index))

    def show_epoch(self, epoch: int | None) -> None:
        """Show the network after ``epoch`` epochs (the nearest kept one); None: live."""
        session = self.session
        if session.compiled is None or epoch is None or epoch >= session.epoch:
            self.go_live()
            return
        index = session.scrub_index(epoch)
        epoch = session.scrub_epoch(index)
        if epoch >= session.epoch:
            self.go_live()
            return
        shown = session.shown_parameters(epoch)
        if shown is None:
            self.go_live()
            return
        if self._epoch is None and self.before_scrub is not None:
            self.before_scrub()
        self._epoch = epoch
        session.show_epoch(epoch)
        with QSignalBlocker(self.bar.slider):
            self.bar.slider.setValue(index)
        if self._canvas is not None:
            self._canvas(shown.weights, shown.biases)
        self._update_label()
        self.shown.emit(shown)

    def go_live(self) -> None:
        """Back to the end: every view shows the network as it is (the document's)."""
        was = self._epoch
        self._epoch = None
        self._pending = None
        self._later.stop()
        self.session.show_epoch(None)
        if was is not None and self._canvas is not None:
            self._canvas(None, None)
        self.sync_range()
        if was is not None:
            live = self.session.shown_parameters(None)
            if live is not None:
                self.shown.emit(live)
            else:  # no network to show (an untrainable one): the views redraw anyway
                self.shown.emit(None)

    def current(self) -> ShownParameters | None:
        """What is shown now (for a view that starts following late)."""
        return self.session.shown_parameters(self._epoch)

    def _update_label(self) -> None:
        n = self.session.epoch
        b = self.bar
        if self._epoch is None:
            b.label.setText(f"History: epoch {n:,} (now)" if n else "History: no epochs yet")
            b.restore_button.setText("Restore weights")
            b.restore_button.setEnabled(False)
        else:
            b.label.setText(f"Shown: epoch {self._epoch:,} / {n:,}")
            b.restore_button.setText(f"Restore weights from epoch {self._epoch:,}")
            b.restore_button.setEnabled(True)

    # ---------------------------------------------------------------- restore
    def restore(self) -> None:
        """The shown epoch's weights into the document: one undo step."""
        if self._epoch is None:
            return
        shown = self.session.shown_parameters(self._epoch)
        if shown is None:
            return
        epoch, now = self._epoch, self.session.epoch
        old = graph_parameters(self.graph)
        new: Params = (dict[str, float | None](shown.weights), dict(shown.biases))
        text = f"Restore weights from epoch {epoch}"
        if self.undo_stack is None:
            self.graph.set_parameters(*new)
        else:
            self.undo_stack.push(SetParametersCommand(self.graph, old, new, text))
        self.go_live()  # the document now holds them: the live network is that epoch's
        self.controller.message.emit(
            f"Weights restored from epoch {epoch:,} (Undo gives back epoch {now:,}'s). "
            "Play trains on from them.",
            "info",
        )

    # ---------------------------------------------------------------- graph events
    def _on_change(self, ch: Change) -> None:
        """An edit, Undo or another file: the views go back to the document's network."""
        if self._epoch is None:
            return
        if ch.kind == ChangeKind.WEIGHTS_CHANGED and self.session._writing:
            return
        if ch.kind in ("neuron_changed", "edge_changed") and set(ch.keys) <= _LAYOUT_KEYS:
            return
        self._live_soon.start()

    def close(self) -> None:
        self._later.stop()
        self._live_soon.stop()
        self.graph.unsubscribe(self._on_change)
