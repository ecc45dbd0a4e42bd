"""Derived inputs in the Data panel: one check box per feature the data can feed (x₁², x₂²,
x₁x₂, sin x₁, sin x₂; for 1-D data x², x³, sin x). Ticking one adds an input neuron labelled
with its formula, fed to what the data's own inputs feed, and lists it in ``data.features``;
unticking removes both. Each is one undo step (model/feature_inputs.py plans it)."""

from __future__ import annotations

from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QCheckBox, QGridLayout, QGroupBox, QLabel, QWidget

from ...core import features
from ...model import feature_inputs
from ...model.graph import Change, ChangeKind, Graph
from ..commands import AddItemsCommand, DeleteCommand, SetNetworkCommand


def feature_command(graph: Graph, name: str, on: bool) -> QUndoCommand | None:
    """One undo step turning feature ``name`` on or off; None if nothing would change."""
    plan = feature_inputs.toggle(graph, name, on)
    if plan is None:
        return None
    data = SetNetworkCommand(graph, {"data": plan.data}, plan.text)
    if plan.add:  # the neuron first: the data then fits the moment it lists the feature
        steps: list[QUndoCommand] = [AddItemsCommand(graph, plan.add, plan.edges, plan.text), data]
    else:
        steps = [data] + ([DeleteCommand(graph, plan.remove, [], plan.text)] if plan.remove else [])
    return FeatureCommand(plan.text, steps)


class FeatureCommand(QUndoCommand):
    """Its steps in order, undone in reverse. (The steps are kept here, in Python: as Qt
    child commands their Python halves were collected and a redo crashed.)"""

    def __init__(self, text: str, steps: list[QUndoCommand]):
        super().__init__(text)
        self.steps = steps

    def redo(self) -> None:
        for step in self.steps:
            step.redo()

    def undo(self) -> None:
        for step in reversed(self.steps):
            step.undo()


class FeaturePicker(QGroupBox):
    def __init__(self, graph: Graph, undo_stack=None, parent: QWidget | None = None):
        super().__init__("Derived inputs", parent)
        self.graph = graph
        self.undo_stack = undo_stack
        self.setToolTip("Feed the network computed inputs as well: each becomes an input neuron")
        self.boxes: dict[str, QCheckBox] = {}  # feature name -> its box (tests click them)
        self._grid = QGridLayout(self)
        self._note = QLabel("")
        self._note.setWordWrap(True)
        self._dims: int | None = None
        graph.subscribe(self._on_change)
        self.refresh()

    def _on_change(self, ch: Change) -> None:
        K = ChangeKind
        if (
            ch.kind in (K.RESET, K.NEURON_ADDED, K.NEURON_REMOVED)
            or (ch.kind == K.NETWORK_CHANGED and "data" in ch.keys)
            or (ch.kind == K.NEURON_CHANGED and "role" in ch.keys)
        ):
            self.refresh()

    def refresh(self) -> None:
        dims = feature_inputs.raw_dims(self.graph)
        if dims != self._dims:
            self._dims = dims
            while self._grid.count():
                item = self._grid.takeAt(0)
                w = item.widget() if item is not None else None
                if w is not None and w is not self._note:
                    w.deleteLater()
            self.boxes = {}
            offered = features.available(dims)
            for i, f in enumerate(offered):
                box = QCheckBox(f.label)
                box.setToolTip(f"Feed {f.label} as one more input neuron ({f.name} in the file)")
                box.toggled.connect(lambda on, name=f.name: self.set_feature(name, on))
                self.boxes[f.name] = box
                self._grid.addWidget(box, i // 3, i % 3)
            if not offered:
                self._note.setText("for data with 1 or 2 input columns of its own")
                self._grid.addWidget(self._note, 0, 0, 1, 3)
            self._note.setVisible(not offered)
        listed = set(features.feature_names(self.graph.data))
        addable = feature_inputs.can_add(self.graph)  # not on data that does not fit
        for name, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(name in listed)
            box.setEnabled(addable or name in listed)
            box.blockSignals(False)

    def set_feature(self, name: str, on: bool) -> bool:
        """Turn a feature on/off as one undo step; False if nothing changed."""
        cmd = feature_command(self.graph, name, on)
        if cmd is None:
            self.refresh()
            return False
        if self.undo_stack is None:
            cmd.redo()
        else:
            self.undo_stack.push(cmd)
        return True

    def close_panel(self) -> None:
        self.graph.unsubscribe(self._on_change)
