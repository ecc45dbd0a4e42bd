# Longer than 400 lines: the pass actions, their controls and the toolbar share one clock and one
# set of QActions.
"""Pass controls: the actions (toolbar and keys), the speed, the sample, and their clock.

:class:`PassController` owns the Qt-free :class:`~bpstudio.model.stepper.PassStepper` and the
:class:`~bpstudio.qt.passes.overlay.PassOverlay`. A command sets a *goal* position in the pass
(see ``PassStepper.position``); the controller then walks there one step at a time, each
step a pulse on the animation clock followed by the reveal. A new command while a pulse runs
lands the running walk at once and starts the new one, so a key press never waits for an
animation. At speed 0 every walk is instant (what the tests and the renderer use).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QToolBar,
    QWidget,
)

from ...model.graph import ChangeKind, Graph
from ...model.numfmt import general
from ...model.stepper import BACKWARD, FORWARD, LOSS, UPDATED, PassStepper, StepState
from ..canvas.scene import NetworkScene
from ..commands import SetParametersCommand, parameters_of
from .adapter import CanvasAdapter
from .display import DisplaySettings
from .overlay import PassOverlay

MS_PER_SPEED = 15  # speed 1..100 -> 15..1500 ms per layer

# Function keys: the editor owns the letters (F fit, B bias tool, S/C/I/H/O/W) and the arrows
# (nudge). PageDown is what a presenter's clicker sends: one step along the whole pass.
SHORTCUTS = {
    "forward": "F6",
    "forward_all": "Shift+F6",
    "backward": "F7",
    "backward_all": "Shift+F7",
    "update": "F8",
    "full_step": "F9",
    "reset": "Shift+F9",
    "next": "PgDown",
}


class PassController(QObject):
    state_changed = Signal(object)  # StepState after each revealed step
    status = Signal(str)  # one line for the status bar / the controls' label

    def __init__(
        self,
        graph: Graph,
        scene: NetworkScene,
        undo_stack: QUndoStack | None = None,
        adapter: CanvasAdapter | None = None,
        parent: QObject | None = None,
        view: QGraphicsView | None = None,
    ):
        super().__init__(parent or scene)
        self.graph = graph
        self.undo_stack = undo_stack
        self._last_command: SetParametersCommand | None = None
        self.stepper = PassStepper(graph, apply=self._apply, revert=self._revert)
        self.adapter = adapter or CanvasAdapter(scene, graph)
        self.overlay = PassOverlay(scene, graph, self.stepper, self.adapter, view=view)
        # decimals and focus, for the overlay and the docks alike (PassTools adds those)
        self.display = DisplaySettings(self.overlay.decimals, parent=self)
        self.display.watch(self.overlay)
        self.speed = 40  # 0 = instant
        self._goal: int | None = None
        self.stepper.subscribe(self._on_state)
        self.actions: dict[str, QAction] = {}
        self._build_actions()
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(0)
        self._refresh_timer.timeout.connect(self._refresh_stale)
        graph.subscribe(self._on_graph_change)

    # ---------------------------------------------------------------- undo glue
    def _apply(self, new_w, new_b, old_w, old_b, text) -> None:
        if self.undo_stack is None:
            self.graph.set_parameters(new_w, new_b)
            self._last_command = None
            return
        # undo restores what the graph held, not the pass's numbers: a weight the file left
        # out (None, drawn from training.init for the pass) must come back missing
        old = parameters_of(self.graph, new_w, new_b)
        cmd = SetParametersCommand(self.graph, old, (new_w, new_b), text)
        self.undo_stack.push(cmd)
        self._last_command = cmd

    def _revert(self) -> bool:
        """Take back the applied update: its own undo entry undone when it is the last one;
        otherwise (a neuron was moved since, which keeps the pass) a new entry that writes
        the values it replaced, so the document never changes beside the undo stack (redo
        all gave back the update a Reset pass had taken away: random-user soak, seed
        20261203)."""
        stack, cmd = self.undo_stack, self._last_command
        self._last_command = None
        if stack is None or cmd is None:
            return False
        if stack.index() > 0 and stack.command(stack.index() - 1) is cmd:
            stack.undo()
            return True
        now = parameters_of(self.graph, cmd.old[0], cmd.old[1])
        stack.push(SetParametersCommand(self.graph, now, cmd.old, "Take back the update"))
        return True

    # ---------------------------------------------------------------- actions
    def _build_actions(self) -> None:
        spec = [
            ("forward", "Forward", "Forward: compute the next layer", self.forward_step),
            (
                "forward_all",
                "Forward pass",
                "Forward: the whole pass to the loss",
                self.forward_all,
            ),
            (
                "backward",
                "Backward",
                "Backward: the next layer from the loss back",
                self.backward_step,
            ),
            (
                "backward_all",
                "Backward pass",
                "Backward: the whole backward pass",
                self.backward_all,
            ),
            ("update", "Update", "Update: one optimizer step from these gradients", self.update),
            ("full_step", "Full step", "Forward, backward and update", self.full_step),
            ("reset", "Reset pass", "Back to before the pass (takes back the update)", self.reset),
            ("next", "Next step", "The next step of the pass, whatever it is", self.next_step),
        ]
        for key, text, tip, slot in spec:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(SHORTCUTS[key]))
            act.setToolTip(f"{tip} ({SHORTCUTS[key]})")
            act.setStatusTip(tip)
            act.triggered.connect(slot)
            self.actions[key] = act

    # ---------------------------------------------------------------- commands
    def duration_ms(self) -> int:
        return int(self.speed) * MS_PER_SPEED

    def set_speed(self, speed: int) -> None:
        self.speed = max(0, min(100, int(speed)))
        if self.speed == 0:
            self.land()

    def forward_step(self) -> None:
        self._new_pass_if_updated()
        self._walk(lambda p, L: p + 1 if p <= L else p)

    def forward_all(self) -> None:
        self._new_pass_if_updated()
        self._walk(lambda p, L: max(p, L + 1))

    def backward_step(self) -> None:
        self._new_pass_if_updated()
        self._walk(lambda p, L: L + 1 if p <= L else (p + 1 if p <= 2 * L else p))

    def backward_all(self) -> None:
        self._new_pass_if_updated()
        self._walk(lambda p, L: max(p, 2 * L + 1))

    def update(self) -> None:
        self._walk(lambda p, L: 2 * L + 2)  # after an update: nothing (never applied twice)

    def next_step(self) -> None:
        """One step along forward → loss → backward → update, then a new pass."""
        self._new_pass_if_updated()
        self._walk(lambda p, L: p + 1)

    def full_step(self) -> None:
        self._new_pass_if_updated()
        self._walk(lambda p, L: 2 * L + 2)

    @property
    def walking(self) -> bool:
        """True while an animated walk still has steps to reveal."""
        return self._goal is not None

    def _new_pass_if_updated(self) -> None:
        """After an update, Forward/Backward/Next/Full step start a pass from the new weights."""
        self.land()
        if self.stepper.state.phase == UPDATED:
            self.stepper.start_over()

    def reset(self) -> None:
        self.land()
        self.stepper.reset()
        self.overlay.refresh()

    def land(self) -> None:
        """Finish any running walk instantly (its remaining steps revealed without pulses)."""
        goal, self._goal = self._goal, None
        self.overlay.finish()
        if goal is not None:
            fresh = not self.stepper.updated  # a new pass on the way: its update is unsettled
            while self.stepper.position() < goal:
                before = self.stepper.position()
                self.stepper.advance()
                fresh = fresh or not self.stepper.updated
                if self.stepper.position() == before:
                    break
            if fresh:
                self.overlay.update_settled = False
            if self.overlay.bulk and self.duration_ms() <= 0:
                self.overlay.refresh_soon()  # hundreds of badges: the key is answered first
            else:
                self.overlay.refresh()

    def _walk(self, goal_of) -> None:
        self.land()
        if self.stepper.compute() is None:
            self.status.emit(f"cannot run a pass: {self.stepper.error}")
            return
        p, L = self.stepper.position(), self.stepper.n_layers
        goal = goal_of(p, L)
        if goal <= p:
            return
        self._goal = goal
        if self.duration_ms() <= 0:
            # instant: the stepper walks there (every state is still announced) and the
            # canvas draws the end state once, not each step on the way (a full step on a
            # 20,000-edge network drew nine overlays nobody could see)
            self.land()
            return
        self.overlay.complete_refresh_soon()  # the canvas complete before a pulse freezes it
        self.overlay.scene.finish_drawing()
        self._pump()

    def _pump(self) -> None:
        goal = self._goal
        if goal is None:
            return
        st = self.stepper
        p, L = st.position(), st.n_layers
        if p >= goal:
            self._goal = None
            return
        kind, layer = self._transition(p, L)

        def reveal():
            st.advance()
            self.overlay.refresh()
            if kind == "update" and st.updated and self.speed > 0:
                self.overlay.play_update(self.speed)  # on its own clock; any command ends it
            if self._goal is not None:
                self._pump()

        self.overlay.play_pulse(
            kind, layer, self.duration_ms(), then=reveal, reveals_next=True, last=p + 1 >= goal
        )

    @staticmethod
    def _transition(p: int, L: int) -> tuple[str, int]:
        """Which pulse leads from position p to p + 1."""
        if p < L:
            return "forward", p + 1
        if p == L:
            return "loss", L
        if p <= 2 * L:
            return "backward", 2 * L + 1 - p
        return "update", 0

    # ---------------------------------------------------------------- model events
    def _on_state(self, state: StepState) -> None:
        self.state_changed.emit(state)
        self.status.emit(self.describe(state))

    def describe(self, state: StepState) -> str:
        L = self.stepper.n_layers
        if state.phase == FORWARD:
            return f"Forward: layer {state.layer} of {L} computed"
        if state.phase == LOSS:
            r = self.stepper.result
            return "Forward pass done: loss computed" + (
                f" (L = {general(r.trace.loss)})" if r is not None else ""
            )
        if state.phase == BACKWARD:
            return f"Backward: ∂L/∂z of layer {state.layer} and ∂L/∂w into it computed"
        if state.phase == UPDATED:
            return "Weights updated (one optimizer step; Reset or Undo takes it back)"
        return "Ready: press Forward (F6) to start a pass"

    def _on_graph_change(self, change) -> None:
        if self._goal is not None and self.stepper.result is None:
            # the pass was dropped under a running walk (an edit, undo, another file): the walk
            # is over, and its next step must not be revealed on the changed network
            self._goal = None
            self.overlay.abandon()
        # the stepper has already dropped a stale pass; redraw once the burst of events ends
        if not self._refresh_timer.isActive():
            self._refresh_timer.start()

    def _refresh_stale(self) -> None:
        if self.overlay.bulk and self._goal is None:
            self.overlay.refresh_soon()  # e.g. F8's own weights event: no long pause either
        else:
            self.overlay.refresh()

    def close(self) -> None:
        self.land()
        self.overlay.cancel_refresh_soon()
        self.graph.unsubscribe(self._on_graph_change)
        self.stepper.close()
        self.overlay.remove()


class PassControls(QWidget):
    """Sample chooser, speed slider and a state label (the toolbar's non-button part)."""

    def __init__(self, controller: PassController, parent: QWidget | None = None):
        super().__init__(parent)
        self.controller = controller
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 0, 6, 0)
        lay.addWidget(QLabel("Data:"))
        self.mode = QComboBox()
        self.mode.addItems(["one sample", "whole batch"])
        self.mode.setToolTip("Run the pass on one sample or on all samples as one batch")
        lay.addWidget(self.mode)
        self.sample = QSpinBox()
        self.sample.setPrefix("#")
        self.sample.setToolTip("Which sample (in a batch: which sample's values the canvas shows)")
        lay.addWidget(self.sample)
        lay.addSpacing(12)
        lay.addWidget(QLabel("Speed:"))
        self.speed = QSlider(Qt.Orientation.Horizontal)
        self.speed.setRange(0, 100)
        self.speed.setValue(controller.speed)
        self.speed.setFixedWidth(120)
        self.speed.setToolTip("Animation speed: 0 = instant, 100 = 1.5 s per layer")
        lay.addWidget(self.speed)
        self.speed_label = QLabel()
        self.speed_label.setMinimumWidth(52)
        lay.addWidget(self.speed_label)
        lay.addSpacing(12)
        lay.addWidget(QLabel("Decimals:"))
        self.decimals = QSpinBox()
        self.decimals.setRange(1, 8)
        self.decimals.setValue(controller.overlay.decimals)
        self.decimals.setToolTip("Decimals of the numbers on the canvas")
        lay.addWidget(self.decimals)
        self.state_label = QLabel()
        lay.addSpacing(12)
        lay.addWidget(self.state_label)
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.sample.valueChanged.connect(self._on_sample)
        self.speed.valueChanged.connect(self._on_speed)
        self.decimals.valueChanged.connect(controller.display.set_decimals)
        controller.status.connect(self.state_label.setText)
        controller.graph.subscribe(self._on_graph_change)
        self._sync_range()
        self._on_speed(self.speed.value())
        self.state_label.setText(controller.describe(controller.stepper.state))

    def _n_samples(self) -> int:
        try:
            from ...model.session import dataset

            return len(dataset(self.controller.graph))
        except Exception:
            return 0

    def _sync_range(self) -> None:
        n = self._n_samples()
        self.sample.blockSignals(True)
        self.sample.setRange(0, max(0, n - 1))
        self.sample.blockSignals(False)

    def _on_graph_change(self, change) -> None:
        if change.kind in (ChangeKind.NETWORK_CHANGED, ChangeKind.RESET):
            self._sync_range()

    def _on_mode(self, index: int) -> None:
        c = self.controller
        c.land()
        if index == 1:
            c.stepper.set_batch()
            c.display.set_focus(self.sample.value())
        else:
            c.stepper.set_sample(self.sample.value())
            c.display.set_focus(0)
        c.overlay.refresh()

    def _on_sample(self, k: int) -> None:
        c = self.controller
        c.land()
        if self.mode.currentIndex() == 1:
            c.display.set_focus(k)
        else:
            c.stepper.set_sample(k)
            c.overlay.refresh()
            c.display.set_focus(0)  # (the docks show the new sample at once)

    def _on_speed(self, v: int) -> None:
        self.controller.set_speed(v)
        self.speed_label.setText("instant" if v == 0 else f"{v * MS_PER_SPEED / 1000:.2f} s")


class PassToolbar(QToolBar):
    """The pass toolbar: the controller's actions, then its :class:`PassControls`."""

    controls: PassControls


def build_toolbar(controller: PassController, title: str = "Pass") -> PassToolbar:
    bar = PassToolbar(title)
    bar.setObjectName("pass_toolbar")
    for key in ("forward", "forward_all", "backward", "backward_all", "update", "full_step"):
        bar.addAction(controller.actions[key])
    bar.addAction(controller.actions["reset"])
    bar.addSeparator()
    controls = PassControls(controller)
    bar.controls = controls
    bar.addWidget(controls)
    return bar
