"""Training panel: Play/Pause/Step/Reset, the epoch counter, speed, and the settings.

Settings edits are undoable (one merged step per field while typing) and go to
``graph.training``; the fields follow the graph (undo, opening a file) under signal blockers,
so model updates never echo back as edits.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ...core import losses, optimizers
from ...core.init import INITIALISERS
from ...model.file_validation import validate_training
from ...model.graph import Change, ChangeKind
from ..elided_label import ElidedLabel
from ..field_note import FieldNote
from .controller import SPEEDS, TrainingController
from .fields import INT_MAX, IntSpin, NumberSpin

LEVEL_STYLE = {
    "error": "color: #b00020; font-weight: bold;",
    "warning": "color: #8a5a00;",
    "info": "color: #205020;",
}


def push_network(graph, undo_stack, values: dict, text: str, token=None) -> None:
    """Change graph.training/data through the undo stack when there is one."""
    if undo_stack is None:
        graph.set_network(**values)
        return
    from ..commands import SetNetworkCommand

    undo_stack.push(SetNetworkCommand(graph, values, text, session=token))


LARGE_LEARNING_RATE = 10.0  # accepted, with a warning under the field


class TrainingPanel(QWidget):
    def __init__(self, controller: TrainingController, undo_stack=None, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.graph = controller.graph
        self.undo_stack = undo_stack
        self._tokens: dict[str, object] = {}

        # ---- run controls
        # the style's own icons: ⏸ is missing from DejaVu, the font many Linux desktops have
        self.play_button = QPushButton(self._icon(running=False), "Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Train until training.epochs (Ctrl+Space)")
        self.step_button = QPushButton("Step epoch")
        self.reset_button = QPushButton("Reset")
        self.reset_button.setToolTip("Weights back to where this run started (undoable)")
        for b in (self.play_button, self.step_button, self.reset_button):
            b.setMinimumHeight(36)
            b.setStyleSheet("font-size: 13pt;")
        self.play_button.clicked.connect(self._play_clicked)
        self.step_button.clicked.connect(controller.step)
        self.reset_button.clicked.connect(controller.reset)
        # shrinks rather than widening the dock as the count grows ("epoch 534 / 3,000")
        self.epoch_label = ElidedLabel("epoch 0", shrink=True)
        self.epoch_label.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.rate_label = ElidedLabel("")
        self.rate_label.setStyleSheet("font-size: 11pt; color: #505050;")
        self.speed = QComboBox()
        self.speed.addItems(list(SPEEDS))
        self.speed.currentTextChanged.connect(lambda t: controller.set_speed(SPEEDS[t]))
        self.message = QLabel("")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        buttons = QGridLayout()
        buttons.addWidget(self.play_button, 0, 0, 1, 2)
        buttons.addWidget(self.step_button, 1, 0)
        buttons.addWidget(self.reset_button, 1, 1)
        counter = QVBoxLayout()  # the rate under the count: neither pushes the other away
        counter.setSpacing(0)
        counter.addWidget(self.epoch_label)
        counter.addWidget(self.rate_label)

        # ---- settings
        self.loss = QComboBox()
        self.loss.addItems(losses.NAMES)
        self.optimizer = QComboBox()
        self.optimizer.addItems(optimizers.NAMES)
        # every value the file format accepts (file_validation.RANGES); the open ends (> 0, < 1)
        # are refused by validate_training, with its message under the field
        self.lr = NumberSpin("learning rate", "> 0", 0.0)
        self.momentum = NumberSpin("momentum", "in [0, 1)", 0.0, 1.0)
        self.beta1 = NumberSpin("β₁", "in [0, 1)", 0.0, 1.0)
        self.beta2 = NumberSpin("β₂", "in [0, 1)", 0.0, 1.0)
        self.eps = NumberSpin("ε", "> 0", 0.0)
        self.batch = IntSpin("batch size", f"a whole number from 1 to {INT_MAX:,}", 0)
        self.batch.setSpecialValueText("all (full batch)")
        self.epochs = IntSpin("number of epochs", f"a whole number from 0 to {INT_MAX:,}", 0)
        self.epochs.setSpecialValueText("no limit")
        self.stop_loss = NumberSpin("stop-at loss", ">= 0", 0.0)
        self.stop_loss.setSpecialValueText("off")
        # regularisation (core/regularization.py): 0 is off, and removes the key from the file
        self.l2 = NumberSpin("L2 strength λ₂", ">= 0", 0.0)
        self.l1 = NumberSpin("L1 strength λ₁", ">= 0", 0.0)
        for spin, what in ((self.l2, "λ₂/2·Σw²"), (self.l1, "λ₁·Σ|w|")):
            spin.setSpecialValueText("off")
            # fixed steps: the adaptive ones of the other fields step 0 to 1e-323
            spin.setStepType(QAbstractSpinBox.StepType.DefaultStepType)
            spin.setSingleStep(0.001)
            spin.setToolTip(f"Adds {what} over the trainable weights to the loss (not the biases)")
        self.init = QComboBox()
        self.init.addItems(sorted(INITIALISERS))
        self.seed = IntSpin("seed", f"a whole number from 0 to {INT_MAX:,}", 0)
        self.reinit_button = QPushButton("Re-initialise weights")
        self.reinit_button.setToolTip("Draw every weight from the init scheme and seed (undoable)")
        self.reinit_button.clicked.connect(controller.reinitialise)
        self.clear_runs_button = QPushButton("Clear earlier runs")
        self.clear_runs_button.setToolTip("Remove the greyed curves of earlier runs")
        self.clear_runs_button.clicked.connect(controller.clear_runs)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._rows = {}
        self.notes: dict[str, FieldNote] = {}
        self._spins: dict[str, NumberSpin | IntSpin] = {}  # the number fields (with notes)
        for key, label, w in (
            ("loss", "Loss", self.loss),
            ("optimizer", "Optimizer", self.optimizer),
            ("learning_rate", "Learning rate", self.lr),
            ("momentum", "Momentum", self.momentum),
            ("beta1", "β₁", self.beta1),
            ("beta2", "β₂", self.beta2),
            ("eps", "ε", self.eps),
            ("batch_size", "Batch size", self.batch),
            ("epochs", "Epochs", self.epochs),
            ("stop_loss", "Stop at loss", self.stop_loss),
            ("l2", "L2 (λ₂)", self.l2),
            ("l1", "L1 (λ₁)", self.l1),
            ("init", "Init scheme", self.init),
            ("seed", "Seed", self.seed),
            ("speed", "Speed", self.speed),
        ):
            lab = QLabel(label)
            form.addRow(lab, w)
            self._rows[key] = (lab, w)
            if isinstance(w, (NumberSpin, IntSpin)):
                self._spins[key] = w
                note = self.notes[key] = FieldNote()
                form.addRow(note)
                w.refused.connect(note.say)
        for key, combo in (("loss", self.loss), ("optimizer", self.optimizer), ("init", self.init)):
            # "half_squared_error" must not set the column's width: the field narrows instead
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(8)
            combo.currentTextChanged.connect(lambda v, k=key: self._set(k, v))
        for key, spin in (
            ("learning_rate", self.lr),
            ("momentum", self.momentum),
            ("beta1", self.beta1),
            ("beta2", self.beta2),
            ("eps", self.eps),
        ):
            spin.valueChanged.connect(lambda v, k=key: self._set(k, float(v)))
        self.batch.valueChanged.connect(lambda v: self._set("batch_size", int(v) or None))
        self.epochs.valueChanged.connect(lambda v: self._set("epochs", int(v)))
        self.stop_loss.valueChanged.connect(lambda v: self._set("stop_loss", float(v) or None))
        self.l2.valueChanged.connect(lambda v: self._set("l2", float(v) or None))
        self.l1.valueChanged.connect(lambda v: self._set("l1", float(v) or None))
        self.seed.valueChanged.connect(lambda v: self._set("seed", int(v)))

        lay = QVBoxLayout(self)
        lay.addLayout(counter)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addLayout(form)
        more = QGridLayout()  # one above the other: the column stays narrow (the canvas first)
        more.addWidget(self.reinit_button, 0, 0)
        more.addWidget(self.clear_runs_button, 1, 0)
        lay.addLayout(more)
        lay.addStretch(1)

        controller.running_changed.connect(self._running_changed)
        controller.frame.connect(self.update_counter)
        controller.message.connect(self.show_message)
        self.graph.subscribe(self._on_change)
        self.refresh()
        self.update_counter()

    def add_history_bar(self, bar: QWidget) -> None:
        """The history slider (qt/training/scrub.py), under the run buttons."""
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)  # built in __init__
        lay.insertWidget(lay.indexOf(self.message), bar)

    def add_under_message(self, w: QWidget) -> None:
        """A control about the message (the divergence's Explain button), right under it."""
        lay = self.layout()
        assert isinstance(lay, QVBoxLayout)  # built in __init__
        lay.insertWidget(lay.indexOf(self.message) + 1, w)

    def _icon(self, running: bool) -> QIcon:
        pixmap = QStyle.StandardPixmap
        return self.style().standardIcon(pixmap.SP_MediaPause if running else pixmap.SP_MediaPlay)

    # ---------------------------------------------------------------- model -> widgets
    def _on_change(self, ch: Change) -> None:
        settings = ch.kind == ChangeKind.NETWORK_CHANGED and "training" in ch.keys
        if ch.kind == ChangeKind.RESET or settings:
            self.refresh()

    def refresh(self) -> None:
        t = self.graph.settings
        blockers = [QSignalBlocker(w) for _, w in self._rows.values()]
        self.loss.setCurrentText(t.loss)
        opt = t.optimizer
        self.optimizer.setCurrentText(opt)
        self.lr.setValue(t.learning_rate)
        # the hyperparameter fields show the values in use (the file's, else the optimizer's
        # default: β₂ is 0.9 for rmsprop, 0.999 for adam); only the chosen optimizer's show
        known = opt in optimizers.OPTIMIZERS
        shown = optimizers.OPTIMIZERS[opt].defaults if known else {}
        values: dict[str, float] = {}
        for name in [*optimizers.NAMES, *([opt] if known else [])]:
            values.update(t.hyperparameters(name))
        for key, v in values.items():
            getattr(self, key).setValue(v)
        # a QSpinBox holds at most 2³¹ − 1: a larger file value is shown clamped and noted
        # (_note_values); the file's value itself is kept
        self.batch.setValue(min(t.batch_size or 0, INT_MAX))
        self.epochs.setValue(min(t.epochs, INT_MAX))
        self.stop_loss.setValue(t.stop_loss or 0.0)
        self.l2.setValue(t.l2)
        self.l1.setValue(t.l1)
        self.init.setCurrentText(t.init)
        self.seed.setValue(min(t.seed, INT_MAX))
        for b in blockers:
            b.unblock()
        for key in ("momentum", "beta1", "beta2", "eps"):
            lab, w = self._rows[key]
            lab.setVisible(key in shown)
            w.setVisible(key in shown)
        self._note_values()
        self.update_counter()

    def _note_values(self) -> None:
        """The notes that follow from the settings themselves: a value the field cannot hold
        (a file's seed above 2³¹ − 1: kept, not changed by showing it), a huge learning rate."""
        t = self.graph.training
        for key, note in self.notes.items():
            note.say("")
            v = t.get(key)
            w = self._spins[key]
            if isinstance(v, (int, float)) and not isinstance(v, bool) and w.value() != v:
                note.say(
                    f"The file's {w.name} is {v!r}; this field can only show "
                    f"{w.textFromValue(w.value())}. The file's value is kept unless "
                    "you type another.",
                    "warning",
                )
        lr = t.get("learning_rate")
        if isinstance(lr, (int, float)) and lr >= LARGE_LEARNING_RATE:
            self.notes["learning_rate"].say(
                f"A learning rate of {self.lr.textFromValue(lr)} is very large: training will "
                "most likely diverge (the usual range is 0.001 to 1).",
                "warning",
            )

    def update_counter(self) -> None:
        c = self.controller
        n = c.epochs_setting()
        total = f" / {c.target or n:,}" if (c.target or n) else ""
        self.epoch_label.setText(f"epoch {c.epoch:,}{total}")
        if c.running:
            self.rate_label.setText(f"{c.epochs_per_second():,.0f} epochs/s")

    # ---------------------------------------------------------------- widgets -> model
    def _set(self, key: str, value) -> None:
        new = copy.deepcopy(self.graph.training)
        if value is None:
            if key not in new:
                return
            del new[key]
        else:
            if new.get(key) == value:
                return
            new[key] = value
        errors = validate_training(new)
        if errors:
            self.refresh()  # the field shows the value in use again
            note = self.notes.get(key)
            text = "; ".join(errors)
            if note is not None:
                w = self._spins[key]
                note.say(f"{text}; it stays {w.textFromValue(w.value())}.")
            else:
                self.show_message(text, "error")
            return
        token = self._tokens.setdefault(key, object())
        label = self._rows[key][0].text() if key in self._rows else key
        push_network(self.graph, self.undo_stack, {"training": new}, f"Set {label.lower()}", token)

    def _play_clicked(self) -> None:
        self.controller.toggle()
        self._running_changed(self.controller.running)

    def _running_changed(self, running: bool) -> None:
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(running)
        self.play_button.setText("Pause" if running else "Play")
        self.play_button.setIcon(self._icon(running))
        if not running:
            self.rate_label.setText("")
        self.update_counter()

    def show_message(self, text: str, level: str = "info") -> None:
        self.message.setStyleSheet(LEVEL_STYLE.get(level, "") + " font-size: 12pt;")
        self.message.setText(text)

    def close_panel(self) -> None:
        self.graph.unsubscribe(self._on_change)
