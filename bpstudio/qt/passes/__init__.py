"""See backprop happen: stepped, animated forward and backward passes on the canvas.

The main window calls :func:`install_pass_tools` once. Everything else in this package hangs
off the :class:`PassTools` it returns (``window.pass_tools``):

* ``controller`` (:mod:`.controller`): actions, speed, sample; owns the Qt-free
  :class:`~bpstudio.model.stepper.PassStepper` and the :class:`~.overlay.PassOverlay`;
* ``explain`` (:mod:`.explain_panel`) and ``matrix`` (:mod:`.matrix_view`) docks;
* ``presentation`` (:mod:`.presentation`, F5) and live hover ``tips`` (:mod:`.tips`);
* ``display`` (:mod:`.display`): decimals and the focused sample, which the overlay, Explain,
  Matrices and the weight labels follow.

What the window must offer is :class:`~bpstudio.qt.host.PassHost` (graph, undo stack, the
editor's scene and view, menus, toolbar, ``add_dock``, ``status``). Selection flows both ways:
the scene's ``selection_changed_ids`` in, ``select_edge``/``select_neuron`` out.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QGraphicsItem, QGraphicsView, QMainWindow

from ...model.graph import Graph
from ...model.reveal import Blanks
from ...model.stepper import IDLE, UPDATED
from ..canvas.scene import NetworkScene
from ..host import PassHost
from ..turns import Turn
from .adapter import CanvasAdapter
from .controller import PassController, build_toolbar
from .exercise import ExerciseMode
from .exercise_list import install_exercise
from .explain_panel import ExplainPanel, make_explain_dock
from .matrix_view import MatrixView, make_matrix_dock
from .pass_menu import PassMenuControls
from .presentation import PresentationMode
from .tips import HoverTips

__all__ = ["PassTools", "install_pass_tools"]


class PassTools(QObject):
    """The pass controls, overlay, docks and presentation mode of one window."""

    pass_menu: PassMenuControls  # the Pass menu's sample, speed and decimals (install_pass_tools)

    def __init__(
        self,
        graph: Graph,
        scene: NetworkScene,
        undo_stack: QUndoStack | None = None,
        view: QGraphicsView | None = None,
        parent: QObject | None = None,
    ):
        super().__init__(parent)
        self.graph, self.scene, self.view = graph, scene, view
        self.adapter = CanvasAdapter(scene, graph)
        self.controller = PassController(
            graph, scene, undo_stack, self.adapter, parent=self, view=view
        )
        self.stepper = self.controller.stepper
        self.overlay = self.controller.overlay
        self.toolbar = build_toolbar(self.controller)
        self.controls = self.toolbar.controls
        self.explain = ExplainPanel(self.stepper)
        self.matrix = MatrixView(self.stepper)
        self.explain_dock = make_explain_dock(self.explain)
        self.matrix_dock = make_matrix_dock(self.matrix)
        self.tips = HoverTips(scene, self.stepper, self.adapter, self.overlay)
        self.presentation: PresentationMode | None = None
        self.exercise: ExerciseMode | None = None  # install_pass_tools: exercise_list.py
        self._syncing = False

        self.display = self.controller.display  # decimals and focus (the controls set them)
        self.display.watch(self.explain)
        self.display.watch(self.matrix)
        self.display.decimals_changed.connect(scene.set_decimals)  # the weight labels
        scene.set_decimals(self.display.decimals)
        # the pass's badges take the room of the bias labels while it is on screen
        self.stepper.subscribe(lambda state: scene.pause_biases(state.phase != IDLE))
        self.matrix.edge_clicked.connect(self.select_edge)
        self.matrix.neuron_clicked.connect(self.select_neuron)
        scene.selection_changed_ids.connect(self._on_selected_ids)  # (neuron ids, edge ids)

        self._matrix_unselect = QTimer(self)
        self._matrix_unselect.setSingleShot(True)
        self._matrix_unselect.setInterval(0)
        self._matrix_unselect.timeout.connect(self._unselect_matrix)

        # docks refresh after a burst of model events (training emits many)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        # a heavy job (Explain and Matrices of a large network): it takes turns with the
        # training tick and the repaint (qt/turns.py), so input never waits for all of them
        self._refresh_turn = Turn(self._refresh_docks, self)
        self._timer.timeout.connect(self._refresh_turn.run)
        graph.subscribe(self._on_graph_change)
        self.stepper.subscribe(lambda _s: self._timer.start())
        self.stepper.subscribe(lambda _s: QTimer.singleShot(0, self, self._keep_loss_in_view))

    def set_exercise(self, blanks: Blanks | None) -> None:
        """An exercise's blanks (qt/passes/exercise.py) for every view of the pass: the
        canvas draws them, Explain, Matrices and the hover tips withhold what they hide
        (model/reveal.py decides for all of them). None: the pass as stepped."""
        self.overlay.set_exercise(blanks)
        self.explain.set_exercise(blanks)
        self.matrix.set_exercise(blanks)

    def _keep_loss_in_view(self) -> None:
        """Once a walk has stopped, bring the loss badge on screen: it sits right of the
        outputs, which fit-to-view of the bare network leaves at the edge. Scroll if the
        network and its numbers fit at this zoom, otherwise zoom out to show them all."""
        badge = self.overlay.visible_loss_badge()
        view = self.view
        if view is None or badge is None or self.controller.walking:
            return
        if self.presentation is not None and self.presentation.active:
            self.presentation.fit()  # zooms out with the numbers kept at their size
            return
        shown = view.mapToScene(view.viewport().rect()).boundingRect()
        if shown.contains(badge.sceneBoundingRect()):
            return
        whole = self.scene.network_rect().united(badge.sceneBoundingRect())
        for b in [*self.overlay.neuron_badges.values(), self.overlay.legend]:
            if b.isVisible():
                whole = whole.united(b.sceneBoundingRect())
        margin = 24
        if (
            whole.width() + 2 * margin <= shown.width()
            and whole.height() + 2 * margin <= shown.height()
        ):
            view.ensureVisible(whole, margin, margin)
        else:
            view.fitInView(
                whole.adjusted(
                    -margin, -140, margin, margin
                )  # room for the key, as fit_all, Qt.AspectRatioMode.KeepAspectRatio
            )

    # ----------------------------------------------------------------- selection
    def _on_selected_ids(self, neurons: list[str], edges: list[str]) -> None:
        if self._syncing:
            return
        if not neurons and not edges:
            self._nothing_selected()
            return
        if len(neurons) + len(edges) != 1:
            return
        if edges:
            self.explain.show_edge(edges[0])
            self.matrix.select_edge(edges[0])
        else:
            self.explain.show_neuron(neurons[0])
            self.matrix.select_edge(None)

    def _nothing_selected(self) -> None:
        """A click on empty canvas (or another file): Explain no longer explains the last
        selection, which the canvas does not show as selected any more."""
        if self.explain.selection is not None:
            self.explain.clear_selection()
        if self.matrix.selected_edge() is not None:
            # not now: this may be the scene's rebuild for another file, before the stepper
            # has heard of it (the matrix would rebuild from the old pass)
            self._matrix_unselect.start()

    def _unselect_matrix(self) -> None:
        if not self.scene.selectedItems() and self.matrix.selected_edge() is not None:
            self.matrix.select_edge(None)

    def select_edge(self, eid: str) -> None:
        """Select an edge everywhere (from the matrix or a test)."""
        self._select_on_canvas(self.adapter.edge_item(eid))
        self.explain.show_edge(eid)
        self.matrix.select_edge(eid)

    def select_neuron(self, nid: str) -> None:
        self._select_on_canvas(self.adapter.neuron_item(nid))
        self.explain.show_neuron(nid)

    def _select_on_canvas(self, item: QGraphicsItem | None) -> None:
        self._syncing = True
        try:
            self.scene.clearSelection()
            if item is not None:
                item.setSelected(True)
        finally:
            self._syncing = False

    # ----------------------------------------------------------------- refresh
    def _on_graph_change(self, _change) -> None:
        if not self._timer.isActive():
            self._timer.start()

    def _refresh_docks(self) -> None:
        self.explain.refresh_live()  # off screen / tabbed away: skipped; at most 5 Hz
        self.matrix.refresh_live()  # off screen / tabbed away: skipped; at most 5 Hz

    def refresh_now(self) -> None:
        """Refresh the docks at once, not on their timer's turn (tests; after loading a file)."""
        self._timer.stop()
        self._refresh_turn.cancel()
        self.explain.refresh()
        self.matrix.rebuild()

    def close(self) -> None:
        self.graph.unsubscribe(self._on_graph_change)
        self.controller.close()


def install_pass_tools(window: PassHost) -> PassTools:
    """Add the pass toolbar, the Explain and Matrices docks, the Pass menu and F5.

    ``window`` is also a QMainWindow (its toolbars and shortcuts), which is checked here."""
    if not isinstance(window, QMainWindow):
        raise TypeError(f"the pass tools need a QMainWindow, not {type(window).__name__}")
    tools = PassTools(window.graph, window.scene, window.undo_stack, window.view, parent=window)
    window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)  # the pass controls get their own row
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, tools.toolbar)
    window.add_dock(tools.explain_dock, Qt.DockWidgetArea.RightDockWidgetArea)
    window.add_dock(tools.matrix_dock, Qt.DockWidgetArea.RightDockWidgetArea)
    tools.presentation = PresentationMode(window, tools, window.view, window.training_tools)
    window.addAction(tools.presentation.action)  # F5 works with the menus hidden

    menus = window.menus
    menu = menus.get("Pass")
    if menu is None:
        menu = menus["Pass"] = window.menuBar().addMenu("&Pass")
    for key in ("forward", "forward_all", "backward", "backward_all", "update", "full_step"):
        menu.addAction(tools.controller.actions[key])
    menu.addAction(tools.controller.actions["next"])
    menu.addAction(tools.controller.actions["reset"])
    tools.pass_menu = PassMenuControls(menu, tools.controls)  # sample, speed, decimals
    for act in tools.pass_menu.shortcut_actions():
        window.addAction(act)
    view_menu = menus["View"]
    view_menu.addSeparator()
    view_menu.addAction(tools.explain_dock.toggleViewAction())
    view_menu.addAction(tools.matrix_dock.toggleViewAction())
    view_menu.addAction(tools.presentation.action)
    view_menu.addMenu(tools.presentation.keep_menu)
    for act in tools.controller.actions.values():
        window.addAction(act)  # shortcuts live even when the toolbar is hidden
    tools.controller.status.connect(window.status)
    _share_canvas_with_history(window, tools)
    _explain_divergences(window, tools)
    # Pass → Exercise, File → Check Answers…, the Answers dock (exercise.py, exercise_list.py)
    tools.exercise = install_exercise(window, tools, menu)
    return tools


def _share_canvas_with_history(window: PassHost, tools: PassTools) -> None:
    """A pass and the scrubbed training history (qt/training/scrub.py) both draw numbers on
    the canvas: a pass is computed from the document's weights, so stepping one takes the
    history back to the live network, and scrubbing puts away a pass in progress (one that
    is not yet applied: resetting an applied update would edit the document)."""
    training = window.training_tools
    if training is None:
        return
    scrubber = training.scrubber
    stepper, controller = tools.stepper, tools.controller

    def on_state(state) -> None:
        if state.phase != IDLE:
            scrubber.go_live()

    def before_scrub() -> None:
        if stepper.state.phase not in (IDLE, UPDATED):
            controller.reset()

    controller.state_changed.connect(on_state)
    scrubber.before_scrub = before_scrub


def _explain_divergences(window: PassHost, tools: PassTools) -> None:
    """The training panel's "Explain the divergence" shows its note in the Explain dock (the
    training tools are installed first, so the pass tools attach themselves to them)."""
    training = window.training_tools
    if training is None:
        return

    def explain(title: str, lines: tuple[str, ...]) -> None:
        tools.explain_dock.show()
        tools.explain_dock.raise_()
        tools.explain.show_note(title, lines)

    training.divergence_view.attach_explain(explain, tools.explain.clear_note)
