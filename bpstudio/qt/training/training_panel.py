"""Training panel: Play/Pause/Step/Reset, the epoch counter, speed, and the settings.

Settings edits are undoable (one merged step per field while typing) and go to
``graph.training``; the fields follow the graph (undo, opening a file) under signal blockers,
so model updates never echo back as edits.
"""

from __future__ import annotations

import copy

from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core import losses, optimizers
from ...core.init import INITIALISERS
from ...model.fileformat import validate_training
from ...model.graph import Change
from .controller import SPEEDS, TrainingController

OPTIMIZER_KEYS = {"sgd": (), "momentum": ("momentum",), "rmsprop": ("beta2", "eps"),
                  "adam": ("beta1", "beta2", "eps")}  # fmt: skip
DEFAULTS = {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "learning_rate": 0.01}
LEVEL_STYLE = {"error": "color: #b00020; font-weight: bold;", "warning": "color: #8a5a00;",
               "info": "color: #205020;"}  # fmt: skip


def push_network(graph, undo_stack, values: dict, text: str, token=None) -> None:
    """Change graph.training/data through the undo stack when there is one."""
    if undo_stack is None:
        graph.set_network(**values)
        return
    from ..commands import SetNetworkCommand

    undo_stack.push(SetNetworkCommand(graph, values, text, session=token))


class NumberSpin(QDoubleSpinBox):
    """Shows 0.05 and 1e-08, not 0.050000 and 0.0000000100."""

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        try:
            return float(text.replace(",", "."))
        except ValueError:
            return self.value()

    def validate(self, text: str, pos: int):
        from PySide6.QtGui import QValidator

        t = text.strip().replace(",", ".")
        if t in ("", "-", ".", "e", "-.") or t.endswith(("e", "e-", "e+")):
            return QValidator.State.Intermediate, text, pos
        try:
            float(t)
        except ValueError:
            return QValidator.State.Invalid, text, pos
        return QValidator.State.Acceptable, text, pos


def _spin(lo: float, hi: float, decimals: int) -> QDoubleSpinBox:
    s = NumberSpin()
    s.setDecimals(max(decimals, 12))
    s.setRange(lo, hi)
    s.setStepType(QAbstractSpinBox.StepType.AdaptiveDecimalStepType)
    s.setKeyboardTracking(False)  # one edit per finished number, not per keystroke
    return s


class TrainingPanel(QWidget):
    def __init__(self, controller: TrainingController, undo_stack=None, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.graph = controller.graph
        self.undo_stack = undo_stack
        self._tokens: dict[str, object] = {}

        # ---- run controls
        self.play_button = QPushButton("▶  Play")
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
        self.epoch_label = QLabel("epoch 0")
        self.epoch_label.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.rate_label = QLabel("")
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
        counter = QHBoxLayout()
        counter.addWidget(self.epoch_label, 1)
        counter.addWidget(self.rate_label)

        # ---- settings
        self.loss = QComboBox()
        self.loss.addItems(losses.NAMES)
        self.optimizer = QComboBox()
        self.optimizer.addItems(optimizers.NAMES)
        self.lr = _spin(1e-6, 100.0, 6)
        self.momentum = _spin(0.0, 0.999, 3)
        self.beta1 = _spin(0.0, 0.9999, 4)
        self.beta2 = _spin(0.0, 0.9999, 4)
        self.eps = _spin(1e-12, 1.0, 10)
        self.batch = QSpinBox()
        self.batch.setRange(0, 1_000_000)
        self.batch.setSpecialValueText("all (full batch)")
        self.batch.setKeyboardTracking(False)
        self.epochs = QSpinBox()
        self.epochs.setRange(0, 100_000_000)
        self.epochs.setSpecialValueText("no limit")
        self.epochs.setKeyboardTracking(False)
        self.stop_loss = _spin(0.0, 1e6, 6)
        self.stop_loss.setSpecialValueText("off")
        self.init = QComboBox()
        self.init.addItems(sorted(INITIALISERS))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_000_000_000)
        self.seed.setKeyboardTracking(False)
        self.reinit_button = QPushButton("Re-initialise weights")
        self.reinit_button.setToolTip("Draw every weight from the init scheme and seed (undoable)")
        self.reinit_button.clicked.connect(controller.reinitialise)
        self.clear_runs_button = QPushButton("Clear earlier runs")
        self.clear_runs_button.setToolTip("Remove the greyed curves of earlier runs")
        self.clear_runs_button.clicked.connect(controller.clear_runs)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._rows = {}
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
            ("init", "Init scheme", self.init),
            ("seed", "Seed", self.seed),
            ("speed", "Speed", self.speed),
        ):
            lab = QLabel(label)
            form.addRow(lab, w)
            self._rows[key] = (lab, w)
        for key, combo in (("loss", self.loss), ("optimizer", self.optimizer),
                           ("init", self.init)):  # fmt: skip
            combo.currentTextChanged.connect(lambda v, k=key: self._set(k, v))
        for key, spin in (("learning_rate", self.lr), ("momentum", self.momentum),
                          ("beta1", self.beta1), ("beta2", self.beta2), ("eps", self.eps)):  # fmt: skip
            spin.valueChanged.connect(lambda v, k=key: self._set(k, float(v)))
        self.batch.valueChanged.connect(lambda v: self._set("batch_size", int(v) or None))
        self.epochs.valueChanged.connect(lambda v: self._set("epochs", int(v)))
        self.stop_loss.valueChanged.connect(lambda v: self._set("stop_loss", float(v) or None))
        self.seed.valueChanged.connect(lambda v: self._set("seed", int(v)))

        lay = QVBoxLayout(self)
        lay.addLayout(counter)
        lay.addLayout(buttons)
        lay.addWidget(self.message)
        lay.addLayout(form)
        more = QHBoxLayout()
        more.addWidget(self.reinit_button)
        more.addWidget(self.clear_runs_button)
        lay.addLayout(more)
        lay.addStretch(1)

        controller.running_changed.connect(self._running_changed)
        controller.frame.connect(self.update_counter)
        controller.message.connect(self.show_message)
        self.graph.subscribe(self._on_change)
        self.refresh()
        self.update_counter()

    # ---------------------------------------------------------------- model -> widgets
    def _on_change(self, ch: Change) -> None:
        if ch.kind == "reset" or ch.kind == "network_changed" and "training" in ch.keys:
            self.refresh()

    def refresh(self) -> None:
        t = self.graph.training
        blockers = [QSignalBlocker(w) for _, w in self._rows.values()]
        self.loss.setCurrentText(str(t.get("loss", "half_squared_error")))
        opt = str(t.get("optimizer", "sgd"))
        self.optimizer.setCurrentText(opt)
        for key in ("learning_rate", "momentum", "beta1", "beta2", "eps"):
            v = t.get(key, DEFAULTS[key])
            getattr(self, {"learning_rate": "lr"}.get(key, key)).setValue(float(v))
        self.batch.setValue(int(t.get("batch_size") or 0))
        self.epochs.setValue(int(t.get("epochs", 1000)))
        self.stop_loss.setValue(float(t.get("stop_loss") or 0.0))
        self.init.setCurrentText(str(t.get("init", "xavier_uniform")))
        self.seed.setValue(int(t.get("seed", 0)))
        for b in blockers:
            b.unblock()
        shown = set(OPTIMIZER_KEYS.get(opt, ()))
        for key in ("momentum", "beta1", "beta2", "eps"):
            lab, w = self._rows[key]
            lab.setVisible(key in shown)
            w.setVisible(key in shown)
        self.update_counter()

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
            self.show_message("; ".join(errors), "error")
            self.refresh()
            return
        token = self._tokens.setdefault(key, object())
        label = self._rows[key][0].text() if key in self._rows else key
        push_network(self.graph, self.undo_stack, {"training": new}, f"Set {label.lower()}",
                     token)  # fmt: skip

    def _play_clicked(self) -> None:
        self.controller.toggle()
        self._running_changed(self.controller.running)

    def _running_changed(self, running: bool) -> None:
        with QSignalBlocker(self.play_button):
            self.play_button.setChecked(running)
        self.play_button.setText("⏸  Pause" if running else "▶  Play")
        if not running:
            self.rate_label.setText("")
        self.update_counter()

    def show_message(self, text: str, level: str = "info") -> None:
        self.message.setStyleSheet(LEVEL_STYLE.get(level, "") + " font-size: 12pt;")
        self.message.setText(text)

    def close_panel(self) -> None:
        self.graph.unsubscribe(self._on_change)
