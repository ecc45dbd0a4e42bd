"""Train live: data and training panels, the timer-driven loop, and the docked plots.

The main window calls :func:`install_training_tools` once; everything hangs off the
:class:`TrainingTools` it returns (``window.training_tools``):

* ``controller`` (:mod:`.controller`): Play/Pause/Step/Reset/Re-initialise, speed; owns the
  Qt-free :class:`~bpstudio.model.training_session.TrainingSession` (history, runs);
* ``training_panel`` and ``data_panel`` (docks on the left);
* ``scrubber`` (:mod:`.scrub`): the history slider in the training panel; its ``shown``
  signal tells every view which epoch's parameters are shown (``ShownParameters``);
* ``divergence_view`` (:mod:`.divergence_view`): the canvas mark where training diverged,
  and its Explain button;
* the plots of :data:`PLOTS` (docks at the bottom), each exportable as PNG and CSV:
  ``plots[key]``, and ``loss_plot``, ``grad_plot``, ``boundary_plot``, ``activation_plot``,
  ``landscape_plot`` (the loss landscape and the optimizer race, :mod:`.landscape`).

A new plot is one :class:`PlotSpec` in :data:`PLOTS` (a :class:`~.plots.PlotPanel`
subclass): it is built, refreshed, docked, arranged and offered as the lecture plot from
there.

What the window must offer is :class:`~bpstudio.qt.host.TrainingHost` (graph, undo stack,
document, menus, toolbar, ``add_dock``, ``status``). Without a window,
``TrainingTools(graph, undo_stack)`` builds the same widgets for tests and scripts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import QDockWidget, QMainWindow

from ...model.graph import Graph
from ..host import TrainingHost
from ..undo import UndoStack
from ..window_layout import scrollable
from .boundary import ActivationPlot, BoundaryPlot
from .controller import TrainingController
from .data_panel import DataPanel
from .divergence_view import DivergenceView
from .landscape import LandscapePlot
from .plots import GradNormPlot, LossPlot, PlotPanel
from .scrub import HistoryScrubber
from .training_panel import TrainingPanel

__all__ = ["PLOTS", "PlotSpec", "TrainingTools", "install_training_tools"]

SHORTCUTS = {"play": "Ctrl+Space", "step": "Ctrl+E", "reset": "Ctrl+Shift+R"}


@dataclass(frozen=True)
class PlotSpec:
    """One docked plot of the training tools."""

    key: str  # TrainingTools.plots and .docks key; the dock is training_{key}_dock
    title: str  # the dock's title, and the lecture layout's Lecture Plot entry
    make: Callable[[TrainingController, QUndoStack | None], PlotPanel]
    # per epoch curves: redrawn every frame, their x axis sized to the planned epochs, and
    # their grey earlier runs redrawn when the runs change (else: on the slow frame)
    curves: bool


P = TypeVar("P", bound=PlotPanel)

# the one list of the plots, in dock order
PLOTS: tuple[PlotSpec, ...] = (
    PlotSpec("loss", "Loss", lambda c, _u: LossPlot(c.session), curves=True),
    PlotSpec("grads", "Gradient norms", lambda c, _u: GradNormPlot(c.session), curves=True),
    PlotSpec("boundary", "Decision boundary", lambda c, _u: BoundaryPlot(c.session), curves=False),
    PlotSpec("activations", "Activations", lambda c, _u: ActivationPlot(c.session), curves=False),
    # the landscape edits nothing unless asked (Keep the race's weights: one undo step)
    PlotSpec("landscape", "Loss landscape", LandscapePlot, curves=False),
)


class TrainingTools(QObject):
    def __init__(
        self, graph: Graph, undo_stack: UndoStack | None = None, base_dir=None, parent=None
    ):
        super().__init__(parent)
        self.graph = graph
        self.controller = TrainingController(graph, undo_stack, base_dir=base_dir, parent=self)
        self.session = self.controller.session
        self.training_panel = TrainingPanel(self.controller, undo_stack)
        self.scrubber = HistoryScrubber(self.controller, undo_stack, parent=self)
        self.training_panel.add_history_bar(self.scrubber.bar)
        self.divergence_view = DivergenceView(self.controller, parent=self)
        self.training_panel.add_under_message(self.divergence_view.explain_button)
        self.data_panel = DataPanel(graph, undo_stack, base_dir=base_dir)
        self.plots: dict[str, PlotPanel] = {
            p.key: p.make(self.controller, undo_stack) for p in PLOTS
        }
        self._curves = [self.plots[p.key] for p in PLOTS if p.curves]
        self._slow = [self.plots[p.key] for p in PLOTS if not p.curves]
        for plot in self._curves:
            plot.x_hint = lambda c=self.controller: c.target or c.epochs_setting() or None
        self.docks: dict[str, QDockWidget] = {}
        self.actions: dict[str, QAction] = {}
        c = self.controller
        c.frame.connect(self._frame)
        c.slow_frame.connect(self._slow_frame)
        c.runs_changed.connect(self._runs_changed)
        self.scrubber.shown.connect(self._shown_changed)
        self._build_actions()
        c.running_changed.connect(self._running_changed)
        self._runs_changed()
        c.refresh_all()

    # ---------------------------------------------------------------- refresh
    @staticmethod
    def _live(w) -> bool:
        # a plot in a hidden dock or a background tab costs nothing; standalone: always drawn
        # (a dock behind another dock's tab still says isVisible(): ask what is exposed)
        return w.parent() is None or w.isVisible() and not w.visibleRegion().isEmpty()

    # the plots by their old names (tests, the benchmarks, exports)
    @property
    def loss_plot(self) -> LossPlot:
        return self._plot("loss", LossPlot)

    @property
    def grad_plot(self) -> GradNormPlot:
        return self._plot("grads", GradNormPlot)

    @property
    def boundary_plot(self) -> BoundaryPlot:
        return self._plot("boundary", BoundaryPlot)

    @property
    def activation_plot(self) -> ActivationPlot:
        return self._plot("activations", ActivationPlot)

    @property
    def landscape_plot(self) -> LandscapePlot:
        return self._plot("landscape", LandscapePlot)

    def _plot(self, key: str, cls: type[P]) -> P:
        plot = self.plots[key]
        assert isinstance(plot, cls)
        return plot

    def _frame(self) -> None:
        for p in self._curves:
            if self._live(p):
                p.update_view()
        self.landscape_plot.record()  # the trajectory grows even while the dock is hidden

    def _slow_frame(self) -> None:
        for p in self._slow:
            if self._live(p):
                p.update_view()

    def _shown_changed(self, shown) -> None:
        """The history slider moved: the views computed from the network follow it."""
        epoch = None if shown is None or shown.live else shown.epoch
        self.loss_plot.set_marker(epoch)
        self._slow_frame()

    def _runs_changed(self) -> None:
        for p in self._curves:
            p.redraw_earlier()
            p.update_view()

    def update_all(self) -> None:
        for p in self.plots.values():
            p.update_view()

    # ---------------------------------------------------------------- actions
    def _build_actions(self) -> None:
        c = self.controller
        for key, text, slot, tip in (
            ("play", "&Play / Pause", c.toggle, "Train live, or pause"),
            ("step", "&Step one epoch", c.step, "Train one epoch"),
            ("reset", "&Reset training", c.reset, "Weights back to where this run started"),
            ("reinit", "Re-&initialise weights", c.reinitialise, "Fresh weights from init/seed"),
            ("clear_runs", "&Clear earlier runs", c.clear_runs, "Remove the greyed curves"),
        ):
            a = QAction(text, self)
            if key in SHORTCUTS:
                a.setShortcut(QKeySequence(SHORTCUTS[key]))
                tip = f"{tip} ({SHORTCUTS[key]})"
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.triggered.connect(slot)
            self.actions[key] = a
        self.actions["play"].setCheckable(True)

    def _running_changed(self, running: bool) -> None:
        a = self.actions["play"]
        a.blockSignals(True)
        a.setChecked(running)
        a.blockSignals(False)
        a.setText("&Pause" if running else "&Play")

    # ---------------------------------------------------------------- docks
    def make_docks(self, parent: QMainWindow) -> dict[str, QDockWidget]:
        # the settings and the data table scroll: the dock may be shorter than the panel
        panels = [("training", "Training", scrollable(self.training_panel))]
        panels.append(("data", "Data", scrollable(self.data_panel)))
        for key, title, widget in panels + [(p.key, p.title, self.plots[p.key]) for p in PLOTS]:
            d = QDockWidget(title, parent)
            d.setObjectName(f"training_{key}_dock")
            d.setWidget(widget)
            self.docks[key] = d
        for key, plot in self.plots.items():
            self.docks[key].visibilityChanged.connect(lambda vis, w=plot: vis and w.update_view())
        return self.docks


def install_training_tools(window: TrainingHost) -> TrainingTools:
    """Add the training docks, the Train menu and toolbar buttons to the main window (which
    arranges the docks itself: qt/window_layout.py). ``window`` is also a QMainWindow."""
    if not isinstance(window, QMainWindow):
        raise TypeError(f"the training tools need a QMainWindow, not {type(window).__name__}")

    def base_dir() -> Path | None:
        # the folder the graph's relative CSV path starts from: the one it was read from
        # (saving elsewhere rewrites the path in the file, not in the open graph)
        if window.graph.base_dir is not None:
            return Path(window.graph.base_dir)
        path = window.document.path
        return path.parent if path else None

    tools = TrainingTools(window.graph, window.undo_stack, base_dir=base_dir, parent=window)
    scene = window.scene
    tools.scrubber.attach_canvas(scene.show_parameters)  # the canvas draws the shown epoch
    tools.divergence_view.attach_scene(scene)  # marks where a divergence started

    docks = tools.make_docks(window)
    left, bottom = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    window.add_dock(docks["training"], left)
    window.add_dock(docks["data"], left)
    for plot in PLOTS:
        window.add_dock(docks[plot.key], bottom)
    menu = window.menus.get("Train")
    if menu is None:
        menu = window.menus["Train"] = window.menuBar().addMenu("&Train")
    for key in ("play", "step", "reset", "reinit"):
        menu.addAction(tools.actions[key])
    menu.addSeparator()
    menu.addAction(tools.actions["clear_runs"])
    window.toolbar.addSeparator()
    window.toolbar.addAction(tools.actions["play"])
    window.toolbar.addAction(tools.actions["step"])

    def show(text: str, _level: object) -> None:
        if text:
            window.status(text)

    tools.controller.message.connect(show)
    # two selected edges are the landscape's "Selected weights"
    window.scene.selection_changed_ids.connect(tools.landscape_plot.set_selection)
    return tools
