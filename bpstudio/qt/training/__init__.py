"""Train live: data and training panels, the timer-driven loop, and the docked plots.

The main window calls :func:`install_training_tools` once; everything hangs off the
:class:`TrainingTools` it returns (``window.training_tools``):

* ``controller`` (:mod:`.controller`): Play/Pause/Step/Reset/Re-initialise, speed; owns the
  Qt-free :class:`~bpstudio.model.training_session.TrainingSession` (history, runs);
* ``training_panel`` and ``data_panel`` (docks on the left);
* ``loss_plot``, ``grad_plot``, ``boundary_plot``, ``activation_plot`` and
  ``landscape_plot`` (the loss landscape and the optimizer race, :mod:`.landscape`), docks
  at the bottom, each exportable as PNG and CSV.

The window needs ``graph``; ``undo_stack``, ``add_dock``, ``menus``, ``toolbar``, ``status``
and ``document.path`` (for CSV paths relative to the file) are used when present. Without a
window, ``TrainingTools(graph, undo_stack)`` builds the same widgets for tests and scripts.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow

from ...model.graph import Graph
from ..window_layout import scrollable
from .boundary import ActivationPlot, BoundaryPlot
from .controller import TrainingController
from .data_panel import DataPanel
from .landscape import LandscapePlot
from .plots import GradNormPlot, LossPlot
from .training_panel import TrainingPanel

__all__ = ["TrainingTools", "install_training_tools"]

SHORTCUTS = {"play": "Ctrl+Space", "step": "Ctrl+E", "reset": "Ctrl+Shift+R"}


class TrainingTools(QObject):
    def __init__(self, graph: Graph, undo_stack=None, base_dir=None, parent=None):
        super().__init__(parent)
        self.graph = graph
        self.controller = TrainingController(graph, undo_stack, base_dir=base_dir, parent=self)
        self.session = self.controller.session
        self.training_panel = TrainingPanel(self.controller, undo_stack)
        self.data_panel = DataPanel(graph, undo_stack, base_dir=base_dir)
        self.loss_plot = LossPlot(self.session)
        self.grad_plot = GradNormPlot(self.session)
        self.boundary_plot = BoundaryPlot(self.session)
        self.activation_plot = ActivationPlot(self.session)
        self.landscape_plot = LandscapePlot(self.controller, undo_stack)
        for p in (self.loss_plot, self.grad_plot):
            p.x_hint = lambda c=self.controller: c.target or c.epochs_setting() or None
        self.docks: dict[str, QDockWidget] = {}
        self.actions: dict[str, QAction] = {}
        c = self.controller
        c.frame.connect(self._frame)
        c.slow_frame.connect(self._slow_frame)
        c.runs_changed.connect(self._runs_changed)
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

    def _frame(self) -> None:
        for p in (self.loss_plot, self.grad_plot):
            if self._live(p):
                p.update_view()
        self.landscape_plot.record()  # the trajectory grows even while the dock is hidden

    def _slow_frame(self) -> None:
        for p in (self.boundary_plot, self.activation_plot, self.landscape_plot):
            if self._live(p):
                p.update_view()

    def _runs_changed(self) -> None:
        for p in (self.loss_plot, self.grad_plot):
            p.redraw_earlier()
            p.update_view()

    def update_all(self) -> None:
        for p in (self.loss_plot, self.grad_plot, self.boundary_plot, self.activation_plot,
                  self.landscape_plot):  # fmt: skip
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
        for key, title, widget in (
            ("training", "Training", self.training_panel),
            ("data", "Data", self.data_panel),
            ("loss", "Loss", self.loss_plot),
            ("grads", "Gradient norms", self.grad_plot),
            ("boundary", "Decision boundary", self.boundary_plot),
            ("activations", "Activations", self.activation_plot),
            ("landscape", "Loss landscape", self.landscape_plot),
        ):
            d = QDockWidget(title, parent)
            d.setObjectName(f"training_{key}_dock")
            # the settings and the data table scroll: the dock may be shorter than the panel
            d.setWidget(scrollable(widget) if key in ("training", "data") else widget)
            self.docks[key] = d
        for key in ("loss", "grads", "boundary", "activations", "landscape"):
            plot = self.docks[key].widget()
            self.docks[key].visibilityChanged.connect(lambda vis, w=plot: vis and w.update_view())
        return self.docks


def install_training_tools(window) -> TrainingTools:
    """Add the training docks, the Train menu and toolbar buttons to the main window."""
    undo = getattr(window, "undo_stack", None)

    def base_dir() -> Path | None:
        # the folder the graph's relative CSV path starts from: the one it was read from
        # (saving elsewhere rewrites the path in the file, not in the open graph)
        if window.graph.base_dir is not None:
            return Path(window.graph.base_dir)
        doc = getattr(window, "document", None)
        path = getattr(doc, "path", None)
        return Path(path).parent if path else None

    tools = TrainingTools(window.graph, undo, base_dir=base_dir, parent=window)
    window.training_tools = tools
    docks = tools.make_docks(window)
    add = getattr(window, "add_dock", None) or (lambda d, area: window.addDockWidget(area, d))
    left, bottom = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.BottomDockWidgetArea
    add(docks["training"], left)
    add(docks["data"], left)
    for key in ("loss", "grads", "boundary", "activations", "landscape"):
        add(docks[key], bottom)
    # a window with its own arrangement (MainWindow: qt/window_layout.py) tabifies once, itself:
    # each extra tabify before the window is shown leaves Qt 6.11 a stale tab bar
    if not hasattr(window, "reset_layout"):
        window.tabifyDockWidget(docks["training"], docks["data"])
        docks["training"].raise_()
        window.splitDockWidget(docks["loss"], docks["grads"], Qt.Orientation.Horizontal)
        window.splitDockWidget(docks["grads"], docks["boundary"], Qt.Orientation.Horizontal)
        window.tabifyDockWidget(docks["boundary"], docks["activations"])
        window.tabifyDockWidget(docks["boundary"], docks["landscape"])
        docks["boundary"].raise_()
    menus = getattr(window, "menus", None)
    if isinstance(menus, dict):
        menu = menus.get("Train")
        if menu is None:
            menu = window.menuBar().addMenu("&Train")
            menus["Train"] = menu
        for key in ("play", "step", "reset", "reinit"):
            menu.addAction(tools.actions[key])
        menu.addSeparator()
        menu.addAction(tools.actions["clear_runs"])
    else:
        window.addActions(list(tools.actions.values()))
    toolbar = getattr(window, "toolbar", None)
    if toolbar is not None:
        toolbar.addSeparator()
        toolbar.addAction(tools.actions["play"])
        toolbar.addAction(tools.actions["step"])
    selection = getattr(window, "selection_changed_ids", None)
    if selection is not None:  # two selected edges are the landscape's "Selected weights"
        selection.connect(tools.landscape_plot.set_selection)
    status = getattr(window, "status", None)
    if callable(status):
        tools.controller.message.connect(lambda text, level: text and status(text))
    return tools
