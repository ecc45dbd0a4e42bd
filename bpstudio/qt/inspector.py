# Longer than 400 lines: one dock's four pages (neuron, edge, several neurons, network) share its
# merge sessions, signal blocking and undo pushes.
"""The inspector dock: edit the selected neuron, edge, several neurons, or the network.

Edits apply live as undo commands; consecutive keystrokes in one field merge into one step
(a new merge "session" starts when the selection changes or a field loses focus). Model
events refresh the fields under a signal blocker so edits never echo back.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..core import activations
from ..model.compile import graph_warnings
from ..model.graph import ROLES, STRUCTURE_KINDS, Change, ChangeKind, Graph
from ..model.numfmt import exact
from .commands import SetEdgeCommand, SetNetworkCommand, SetNeuronCommand
from .field_note import FieldNote


def parse_number(text: str) -> float | None:
    try:
        v = float(text.replace(",", ".").replace("−", "-"))
    except ValueError:
        return None
    return v if v == v and abs(v) != float("inf") else None


def number_problem(text: str) -> str | None:
    """Why text is not a value a weight or bias can take (None: it is one)."""
    t = text.strip()
    if parse_number(t) is not None:
        return None
    try:
        float(t.replace(",", ".").replace("−", "-"))
    except ValueError:
        return f"“{t}” is not a number"
    return f"“{t}” is not a finite number"


PARTIAL = ("", "-", "+", ".", "-.", "−", "−.")  # on the way to a number: no note while typing


class Page(QWidget):
    """One page of the inspector: a bold heading over a form."""

    def __init__(self, title: str):
        super().__init__()
        outer = QVBoxLayout(self)
        self.heading = QLabel(f"<b>{title}</b>")
        outer.addWidget(self.heading)
        self.form = QFormLayout()
        outer.addLayout(self.form)
        outer.addStretch(1)


class NumberField(QLineEdit):
    """A weight or bias field, with the line under it that says why a text is not applied."""

    def __init__(self, what: str, note: FieldNote, empty_ok: bool = False):
        super().__init__()
        self.what = what  # "weight", "bias": named in the note
        self.note = note
        self.empty_ok = empty_ok  # an empty text means "unset" (a weight), not a mistake
        self.shown = ""  # the value in use, as the field shows it ("" when none)


class Inspector(QStackedWidget):
    def __init__(
        self,
        graph: Graph,
        undo_stack: QUndoStack,
        parent=None,
        status: Callable[[str], None] | None = None,
    ):
        super().__init__(parent)
        self.graph, self.undo_stack = graph, undo_stack
        self._status = status  # the window's status line: why a change was refused
        self.neuron_ids: list[str] = []
        self.edge_ids: list[str] = []
        self._session = object()
        self._pushing = False
        self._warned_for: str | None = None  # the neuron n_warning was computed for
        self._number_fields: list[NumberField] = []
        self.setMinimumWidth(230)  # a narrow column: the canvas gets the width (window_layout)
        self._build_network_page()
        self._build_neuron_page()
        self._build_edge_page()
        self._build_multi_page()
        graph.subscribe(self._on_change)
        self.show_selection([], [])

    # ---------------------------------------------------------------- pages
    def _page(self, title: str) -> tuple[Page, QFormLayout]:
        page = Page(title)
        self.addWidget(page)
        return page, page.form

    def _line(self, form: QFormLayout, label: str, on_edit) -> QLineEdit:
        w = QLineEdit()
        w.textEdited.connect(on_edit)
        w.editingFinished.connect(self.new_session)
        form.addRow(label, w)
        return w

    def _number_line(
        self, form: QFormLayout, label: str, what: str, on_edit, empty_ok: bool = False
    ) -> NumberField:
        """A weight/bias field: text that is not a finite number is not applied, and a line
        under the field says so (typing on, or back to the value in use on Enter)."""
        note = FieldNote()
        w = NumberField(what, note, empty_ok)
        w.textEdited.connect(on_edit)
        w.textEdited.connect(lambda text, w=w: self._note_typing(w, text))
        # before new_session: the typing session's merged step is still the one on top
        w.editingFinished.connect(lambda w=w: self._number_finished(w))
        w.editingFinished.connect(self.new_session)
        form.addRow(label, w)
        form.addRow(note)
        self._number_fields.append(w)
        return w

    @staticmethod
    def _kept(w: NumberField, why: str) -> str:
        if w.shown:
            return f"{why}: the {w.what} stays {w.shown}."
        return f"{why}: nothing was changed."

    def _note(self, w: NumberField, text: str) -> None:
        w.note.say(text)

    def _note_typing(self, w: NumberField, text: str) -> None:
        t = text.strip()
        if t in PARTIAL or t.lower().endswith(("e", "e-", "e+")) or (w.empty_ok and not t):
            self._note(w, "")
            return
        why = number_problem(t)
        self._note(w, f"{why} (not applied)" if why else "")

    def _number_finished(self, w: NumberField) -> None:
        t = w.text().strip()
        why = number_problem(t)
        if (w.empty_ok and not t) or why is None:
            return
        self._drop_typing()
        self.refresh()  # the field shows the value in use again
        self._note(w, self._kept(w, why))

    def _drop_typing(self) -> None:
        """Typing "1e9999" applied "1e99" on the way (every keystroke that reads as a number
        is applied live): the text ended as no number, so that merged step goes entirely."""
        stack = self.undo_stack
        top = stack.command(stack.index() - 1) if stack.index() > 0 else None
        typed = (SetNeuronCommand, SetEdgeCommand, SetNetworkCommand)
        if isinstance(top, typed) and top.session is self._session:
            stack.undo()
            # then out of the redo list too: an obsolete command is dropped, not redone
            top.setObsolete(True)
            stack.redo()

    def _build_network_page(self) -> None:
        self.network_page, form = self._page("Network")
        self.net_name = self._line(form, "Name", lambda t: self._set_network(name=t))
        self.net_desc = QPlainTextEdit()
        self.net_desc.setMinimumHeight(120)
        self.net_desc.textChanged.connect(
            lambda: self._set_network(description=self.net_desc.toPlainText())
        )
        form.addRow("Description", self.net_desc)
        self.net_stats = QLabel()
        self.net_stats.setWordWrap(True)
        form.addRow(self.net_stats)

    def _build_neuron_page(self) -> None:
        self.neuron_page, form = self._page("Neuron")
        self.n_label = self._line(form, "Label", lambda t: self._set_neurons("label", t or None))
        self.n_role = QComboBox()
        self.n_role.addItems(list(ROLES))
        self.n_role.activated.connect(lambda _: self._set_role(self.n_role.currentText()))
        form.addRow("Role", self.n_role)
        self.n_act = QComboBox()
        self.n_act.addItems(activations.listed())
        self.n_act.activated.connect(
            lambda _: self._set_neurons("activation", self.n_act.currentText())
        )
        form.addRow("Activation", self.n_act)
        self.n_bias = self._number_line(form, "Bias", "bias", self._bias_edited)
        self.n_train = QCheckBox("trainable (bias learns)")
        self.n_train.toggled.connect(lambda v: self._set_neurons("trainable", v))
        form.addRow(self.n_train)
        self.n_warning = QLabel()
        self.n_warning.setWordWrap(True)
        self.n_warning.setStyleSheet("color: #8a5a00")
        form.addRow(self.n_warning)

    def _build_edge_page(self) -> None:
        self.edge_page, form = self._page("Edge")
        self.e_weight = self._number_line(
            form, "Weight", "weight", self._weight_edited, empty_ok=True
        )
        self.e_weight.setPlaceholderText("not set: initialised from training.init")
        self.e_train = QCheckBox("trainable (weight learns)")
        self.e_train.toggled.connect(lambda v: self._set_edges(trainable=v))
        form.addRow(self.e_train)

    def _build_multi_page(self) -> None:
        self.multi_page, form = self._page("Selection")
        self.m_act = QComboBox()
        self.m_act.addItems(["(mixed)"] + activations.listed())
        self.m_act.activated.connect(self._multi_activation)
        form.addRow("Activation (all)", self.m_act)
        self.m_bias = self._number_line(form, "Bias (all)", "bias", self._bias_edited)

    # ---------------------------------------------------------------- selection -> page
    def new_session(self) -> None:
        self._session = object()

    def show_selection(self, neuron_ids: list[str], edge_ids: list[str]) -> None:
        self.neuron_ids, self.edge_ids = list(neuron_ids), list(edge_ids)
        self.new_session()
        for w in self._number_fields:
            self._note(w, "")
        self.refresh()

    def refresh(self, structure: bool = True) -> None:
        """Show the selection's values. ``structure=False``: only weights and biases moved
        (training writes them several times a second), so the warnings stay as they are
        (they depend on the edges and roles alone, and cost a walk of the whole graph)."""
        g = self.graph
        self.neuron_ids = [i for i in self.neuron_ids if i in g.neurons]
        self.edge_ids = [i for i in self.edge_ids if i in g.edges]
        ns, es = self.neuron_ids, self.edge_ids
        widgets = [
            self.net_name,
            self.net_desc,
            self.n_label,
            self.n_role,
            self.n_act,
            self.n_bias,
            self.n_train,
            self.e_weight,
            self.e_train,
            self.m_act,
            self.m_bias,
        ]
        for w in widgets:
            w.blockSignals(True)
        try:
            if len(ns) == 1 and not es:
                self._fill_neuron(g.neurons[ns[0]], structure)
            elif len(es) == 1 and not ns:
                self._fill_edge(g.edges[es[0]])
            elif ns or es:
                self._fill_multi()
            else:
                self._fill_network()
        finally:
            for w in widgets:
                w.blockSignals(False)

    def _set_text(self, w: QLineEdit, text: str) -> None:
        if not self._pushing and w.text() != text:  # never rewrite the field being typed in
            w.setText(text)

    def _fill_network(self) -> None:
        g = self.graph
        self._set_text(self.net_name, g.name)
        if self.net_desc.toPlainText() != g.description:
            self.net_desc.setPlainText(g.description)
        self.net_stats.setText(
            f"{len(g.neurons)} neurons, {len(g.edges)} edges. "
            "Select a neuron or an edge to edit it; double-click the canvas to add a neuron."
        )
        self.setCurrentWidget(self.network_page)

    def _fill_neuron(self, n, structure: bool = True) -> None:
        self.neuron_page.heading.setText(f"<b>Neuron {n.id}</b> ({n.role})")
        self._set_text(self.n_label, n.label or "")
        self.n_label.setPlaceholderText(n.id)
        self.n_role.setCurrentText(n.role)
        self.n_act.setEnabled(n.has_activation)
        self.n_act.setCurrentText(n.activation or "")
        self.n_bias.setEnabled(n.has_activation)
        self.n_bias.shown = exact(n.bias) if n.has_activation else ""
        self._set_text(self.n_bias, self.n_bias.shown)
        self.n_train.setEnabled(n.has_activation)
        self.n_train.setChecked(n.trainable)
        if structure or self._warned_for != n.id:
            why = graph_warnings(self.graph).get(n.id)
            self.n_warning.setText(f"⚠ {why}" if why else "")
            self._warned_for = n.id
        self.setCurrentWidget(self.neuron_page)

    def _fill_edge(self, e) -> None:
        g = self.graph
        s, t = g.neurons[e.source].display_label, g.neurons[e.target].display_label
        self.edge_page.heading.setText(f"<b>Edge {e.id}</b>: {s} → {t}")
        self.e_weight.shown = exact(e.weight)
        self._set_text(self.e_weight, self.e_weight.shown)
        self.e_train.setChecked(e.trainable)
        self.setCurrentWidget(self.edge_page)

    def _fill_multi(self) -> None:
        g = self.graph
        acts = {g.neurons[i].activation for i in self.neuron_ids if g.neurons[i].has_activation}
        biases = {g.neurons[i].bias for i in self.neuron_ids if g.neurons[i].has_activation}
        self.multi_page.heading.setText(
            f"<b>{len(self.neuron_ids)} neurons, {len(self.edge_ids)} edges selected</b>"
        )
        self.m_act.setCurrentText((acts.pop() or "") if len(acts) == 1 else "(mixed)")
        self.m_bias.shown = exact(biases.pop()) if len(biases) == 1 else ""
        self._set_text(self.m_bias, self.m_bias.shown)
        self.m_bias.setPlaceholderText("(mixed)")
        self.setCurrentWidget(self.multi_page)

    # ---------------------------------------------------------------- edits -> commands
    def _push(self, cmd) -> None:
        self._pushing = True
        try:
            self.undo_stack.push(cmd)
        finally:
            self._pushing = False

    def _set_neurons(self, key: str, value, ids: list[str] | None = None) -> None:
        ids = ids if ids is not None else self.neuron_ids
        if key in ("activation", "bias", "trainable"):
            ids = [i for i in ids if self.graph.neurons[i].has_activation]
        if key == "activation" and value == "softmax":  # a file the app could not open again
            hidden = [i for i in ids if self.graph.neurons[i].role != "output"]
            if hidden:
                ids = [i for i in ids if i not in hidden]
                self._refuse(
                    "softmax is allowed on output neurons only: "
                    f"{', '.join(hidden)} keep their activation"
                )
        if not ids or all(getattr(self.graph.neurons[i], key) == value for i in ids):
            return
        what = ids[0] if len(ids) == 1 else f"{len(ids)} neurons"
        self._push(
            SetNeuronCommand(
                self.graph, ids, {key: value}, f"Set {key} of {what}", session=self._session
            )
        )

    def _bias_edited(self, text: str) -> None:
        v = parse_number(text)
        if v is not None:
            self._set_neurons("bias", v)

    def _multi_activation(self, index: int) -> None:
        if index > 0:
            self._set_neurons("activation", self.m_act.currentText())
            self.new_session()

    def _set_role(self, role: str) -> None:
        if len(self.neuron_ids) != 1:
            return
        nid = self.neuron_ids[0]
        n = self.graph.neurons[nid]
        if role == n.role:
            return
        if role in ("input", "bias") and self.graph.incoming(nid):
            self._refuse(f"{n.display_label} has incoming edges; an {role} cannot")
            return
        if role == "output" and self.graph.outgoing(nid):
            self._refuse(f"{n.display_label} has outgoing edges; an output cannot")
            return
        values: dict[str, object] = {"role": role}
        if role in ("input", "bias"):
            values.update(activation=None, bias=0.0)
        elif n.activation is None or (role != "output" and n.activation == "softmax"):
            values["activation"] = "sigmoid"  # softmax only on outputs: the file must open again
        self._push(SetNeuronCommand(self.graph, [nid], values, f"Make {nid} {role}"))

    def _refuse(self, text: str) -> None:
        self.refresh()
        if self._status is not None:
            self._status(text)

    def _weight_edited(self, text: str) -> None:
        v = None if not text.strip() else parse_number(text)
        if v is None and text.strip():
            return
        self._set_edges(weight=v)

    def _set_edges(self, **values) -> None:
        ids = self.edge_ids
        if not ids:
            return
        what = ids[0] if len(ids) == 1 else f"{len(ids)} edges"
        key = next(iter(values))
        self._push(
            SetEdgeCommand(self.graph, ids, values, f"Set {key} of {what}", session=self._session)
        )

    def _set_network(self, **values) -> None:
        if all(getattr(self.graph, k) == v for k, v in values.items()):
            return
        key = next(iter(values))
        self._push(SetNetworkCommand(self.graph, values, f"Set network {key}", self._session))

    # ---------------------------------------------------------------- model -> fields
    def _on_change(self, ch: Change) -> None:
        if ch.kind == ChangeKind.WEIGHTS_CHANGED:
            self.refresh(structure=False)
            return
        self._warned_for = None  # anything else may change the warnings: recompute them
        if ch.kind in (ChangeKind.RESET, ChangeKind.NETWORK_CHANGED) or ch.id in (
            *self.neuron_ids,
            *self.edge_ids,
        ):
            self.refresh()
        elif ch.ids and not set(ch.ids).isdisjoint(self.edge_ids):  # a batch of edges
            self.refresh()
        elif ch.kind in STRUCTURE_KINDS and not (self.neuron_ids or self.edge_ids):
            self.refresh()  # network page shows counts


__all__ = ["Inspector", "Qt"]
