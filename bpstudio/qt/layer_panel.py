"""The Layer panel (under the palette): the selected column edited as one layer.

Select a column (its handle above it on the canvas, or a drop, which selects what it made)
and set its size, activation, bias and every incoming weight at once. Each change is one undo
step (``qt/layers.py``). The Weights field lists the weights into the layer neuron by neuron,
"0.15 0.2; 0.25 0.3" (w h₁←x₁, h₁←x₂; h₂←x₁, h₂←x₂); spaces, commas and semicolons all
separate, so a worked example's numbers are typed as they are read off the slide.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from ..core import activations
from ..model.graph import Change, ChangeKind, Graph
from . import layers
from .commands import AddItemsCommand
from .field_note import FieldNote


class WholeField(QLineEdit):
    """Clicked into, the whole text is selected: typing replaces it (numbers off a slide)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._fresh = False  # focused and not yet clicked in

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self._fresh = True

    def mouseReleaseEvent(self, event) -> None:
        super().mouseReleaseEvent(event)
        if self._fresh and not self.hasSelectedText():
            self.selectAll()
        self._fresh = False


class LayerPanel(QGroupBox):
    def __init__(
        self,
        graph: Graph,
        undo_stack: QUndoStack,
        select: Callable[[list[str]], None] | None = None,
        parent: QWidget | None = None,
    ):
        super().__init__("Layer", parent)
        self.setObjectName("layer_panel")
        self.graph, self.undo_stack = graph, undo_stack
        # the canvas's NetworkScene.select_ids (None: no canvas, the panel refreshes itself)
        self._select_ids = select
        self.column: list[str] = []
        form = QFormLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        form.addRow(self.summary)
        self.size_field = QSpinBox()
        self.size_field.setObjectName("layer_size")
        self.size_field.setRange(1, layers.MAX_LAYER)
        self.size_field.setKeyboardTracking(False)  # typing "12" is one change, not 1 then 12
        self.size_field.setToolTip(
            "Growing adds fully connected neurons with initialised weights; "
            "shrinking removes the last ones"
        )
        self.size_field.valueChanged.connect(self._resize)
        form.addRow("Neurons", self.size_field)
        self.activation = QComboBox()
        self.activation.setObjectName("layer_activation")
        self.activation.addItems(activations.listed())
        self.activation.activated.connect(lambda _: self._set_activation())
        form.addRow("Activation", self.activation)
        self.weights = WholeField()
        self.weights.setObjectName("layer_weights")
        self.weights.setPlaceholderText("weights into the layer, e.g. 0.15 0.2; 0.25 0.3")
        self.weights.editingFinished.connect(self._set_weights)
        form.addRow("Weights in", self.weights)
        self.weights_note = FieldNote()
        form.addRow(self.weights_note)
        self.bias = WholeField()
        self.bias.setObjectName("layer_bias")
        self.bias.setPlaceholderText("one bias for every neuron")
        self.bias.editingFinished.connect(self._set_bias)
        form.addRow("Bias", self.bias)
        self.bias_note = FieldNote()
        form.addRow(self.bias_note)
        graph.subscribe(self._on_change)
        self.show_selection([], [])

    # ---------------------------------------------------------------- selection
    def show_selection(self, neuron_ids: list[str], edge_ids: list[str]) -> None:
        col = layers.column_of(self.graph, neuron_ids) if not edge_ids else None
        # one neuron selected is not yet "the layer": it is, when its whole column is
        self.column = col if col is not None and len(col) == len(neuron_ids) else []
        self.weights_note.say("")
        self.bias_note.say("")
        self.refresh(force=True)

    def refresh(self, force: bool = False) -> None:
        g = self.graph
        # the layer is the drawn column of these neurons now (a redo may have grown it back)
        kept = [i for i in self.column if i in g.neurons]
        self.column = (layers.column_of(g, kept) or kept) if kept else []
        col = self.column
        on = bool(col)
        for w in (self.size_field, self.activation, self.weights, self.bias):
            w.setEnabled(on)
        if not on:
            self.summary.setText("Select a layer: click the handle above its column")
            return
        self.summary.setText(
            f"<b>{layers.describe(g, col)}</b>: "
            + ", ".join(g.neurons[i].display_label for i in col[:8])
            + (", …" if len(col) > 8 else "")
        )
        self.size_field.blockSignals(True)
        self.size_field.setValue(len(col))
        self.size_field.blockSignals(False)
        activated = [i for i in col if g.neurons[i].has_activation]
        acts = {g.neurons[i].activation for i in activated}
        self.activation.setEnabled(bool(activated))
        self.activation.setCurrentText((acts.pop() or "") if len(acts) == 1 else "")
        has_in = bool(layers.incoming_edges(g, col))
        self.weights.setEnabled(has_in)
        self.bias.setEnabled(bool(activated))
        if force or not self.weights.hasFocus():
            self.weights.setText(layers.weights_text(g, col))
            layout = layers.weights_layout(g, col)
            self.weights.setToolTip(layout)
            n = len(layers.incoming_edges(g, col))
            self.weights.setPlaceholderText(f"{n} weights: {layout}" if n else "no edges in")
        biases = {g.neurons[i].bias for i in activated}
        if force or not self.bias.hasFocus():
            self.bias.setText(f"{biases.pop():g}" if len(biases) == 1 else "")

    # ---------------------------------------------------------------- edits
    def _push(self, cmd) -> None:
        if cmd is not None:
            self.undo_stack.push(cmd)

    def _resize(self, value: int) -> None:
        if not self.column:
            return
        col = list(self.column)
        cmd = layers.resize_command(self.graph, col, value)
        self._push(cmd)
        if isinstance(cmd, AddItemsCommand):  # grown: the whole layer stays the selection
            self.column = col + [n.id for n in cmd.neurons]
        self._select(self.column)

    def _select(self, ids: list[str]) -> None:
        if self._select_ids is not None:
            self._select_ids(ids)
        else:
            self.refresh()

    def _set_activation(self) -> None:
        act = self.activation.currentText()
        if self.column and act:
            self._push(layers.set_activation_command(self.graph, self.column, act))

    def _set_weights(self) -> None:
        if not self.column or not self.weights.isEnabled():
            return
        cmd, problem = layers.set_weights_command(self.graph, self.column, self.weights.text())
        self.weights_note.say(f"{problem}: nothing was changed" if problem else "")
        self._push(cmd)

    def _set_bias(self) -> None:
        if not self.column or not self.bias.isEnabled() or not self.bias.text().strip():
            return
        cmd, problem = layers.set_bias_command(self.graph, self.column, self.bias.text())
        self.bias_note.say(f"{problem}: nothing was changed" if problem else "")
        self._push(cmd)

    def _on_change(self, ch: Change) -> None:
        if self.column or ch.kind == ChangeKind.RESET:
            self.refresh()
