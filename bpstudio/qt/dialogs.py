"""Every modal dialog of the app goes through these functions.

Tests monkeypatch them (``monkeypatch.setattr(dialogs, "ask_save_changes", ...)``), so no
test can ever block on a modal box; callers must therefore call them as ``dialogs.name(...)``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSpinBox,
    QWidget,
)

from ..core import activations

FILE_FILTER = "bpstudio networks (*.json);;All files (*)"


def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """'save', 'discard' or 'cancel'."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Unsaved changes")
    box.setText(f"Save the changes to “{name}”?")
    box.setInformativeText("Your changes will be lost if you don't save them.")
    box.setStandardButtons(
        QMessageBox.StandardButton.Save
        | QMessageBox.StandardButton.Discard
        | QMessageBox.StandardButton.Cancel
    )
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    answer = box.exec()
    return {
        QMessageBox.StandardButton.Save: "save",
        QMessageBox.StandardButton.Discard: "discard",
    }.get(QMessageBox.StandardButton(answer), "cancel")


def show_errors(parent: QWidget | None, title: str, text: str, errors: list[str]) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle(title)
    box.setText(text)
    box.setInformativeText("\n".join(errors[:12]) + ("\n…" if len(errors) > 12 else ""))
    box.setDetailedText("\n".join(errors))
    box.exec()


def ask_open_path(parent: QWidget | None, directory: str = "") -> str | None:
    path, _ = QFileDialog.getOpenFileName(parent, "Open network", directory, FILE_FILTER)
    return path or None


def ask_save_path(parent: QWidget | None, suggestion: str = "") -> str | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Save network as", suggestion, FILE_FILTER)
    if path and not path.lower().endswith(".json"):
        path += ".json"
    return path or None


def ask_export_path(
    parent: QWidget | None, title: str, suggestion: str, filters: str
) -> str | None:
    """A save dialog for an export; the chosen filter's extension is added when none is typed."""
    path, chosen = QFileDialog.getSaveFileName(parent, title, suggestion, filters)
    if path and "." not in Path(path).name and "(*." in chosen:
        path += chosen.split("(*", 1)[1].split(")", 1)[0].split()[0]
    return path or None


def ask_recovery(parent: QWidget | None, description: str, in_new_window: bool) -> str:
    """After a crash: 'open' (in a new window, or in this one), 'keep' (for later) or 'discard'.

    Closing the box keeps the autosave: nothing is lost by a stray Escape.
    """
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("Recover unsaved work?")
    box.setText("bpstudio did not close normally. An autosave holds unsaved changes:")
    box.setInformativeText(description)
    open_button = box.addButton(
        "Open in a New Window" if in_new_window else "Restore",
        QMessageBox.ButtonRole.AcceptRole,
    )
    keep = box.addButton("Keep for Later", QMessageBox.ButtonRole.RejectRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(open_button)
    box.setEscapeButton(keep)
    box.exec()
    clicked = box.clickedButton()
    return "open" if clicked is open_button else "discard" if clicked is discard else "keep"


def ask_answers_network(
    parent: QWidget | None, answers: str, named: Path, found: bool, open_name: str
) -> str:
    """An answers file names another network than the open one (its ``network`` key, spec
    grading.md): 'open' that network and check there, check against 'this' one anyway, or
    'cancel' (also a closed box)."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle("Answers for another network")
    box.setText(f"“{answers}” is for the network “{named.name}”, not for the open “{open_name}”.")
    box.setInformativeText(
        f"It names {named}."
        if found
        else f"It names {named}, which is not there. Checked against the open network, the "
        "values may fit its ids and still be about another network."
    )
    open_button = (
        box.addButton(f"Open {named.name} and Check", QMessageBox.ButtonRole.AcceptRole)
        if found
        else None
    )
    this = box.addButton(f"Check Against {open_name}", QMessageBox.ButtonRole.ActionRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(open_button or cancel)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    if open_button is not None and clicked is open_button:
        return "open"
    return "this" if clicked is this else "cancel"


def ask_layer(parent: QWidget | None, default_activation: str = "sigmoid"):
    """Add layer… dialog: (count, activation, role) or None."""
    dlg = QDialog(parent)
    dlg.setWindowTitle("Add layer")
    form = QFormLayout(dlg)
    count = QSpinBox()
    count.setRange(1, 256)
    count.setValue(3)
    act = QComboBox()
    act.addItems(activations.listed())
    act.setCurrentText(default_activation)
    role = QComboBox()
    role.addItems(["hidden", "output", "input"])
    form.addRow("Neurons", count)
    form.addRow("Activation", act)
    form.addRow("Role", role)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dlg.accept)
    buttons.rejected.connect(dlg.reject)
    form.addRow(buttons)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return None
    return count.value(), act.currentText(), role.currentText()


def ask_quick_start(parent: QWidget | None, check, sizes: str = "2-4-1"):
    """File → New → Fully Connected Network…: (size text, hidden activation) or None.

    ``check(text, activation) -> (ok, message)`` runs as the user types: the message (what
    will be built, or what is wrong with the text) shows under the field, and OK is enabled
    only for a text that builds."""
    dlg = QDialog(parent)
    dlg.setWindowTitle("New network")
    form = QFormLayout(dlg)
    field = QLineEdit(sizes)
    field.setObjectName("quick_sizes")
    field.setPlaceholderText("2-4-1, 2-8-8-1, 3-5-2 …")
    act = QComboBox()
    act.setObjectName("quick_activation")
    act.addItems([a for a in activations.listed() if a != "softmax"])
    note = QLabel()
    note.setObjectName("quick_note")
    note.setWordWrap(True)
    note.setMinimumWidth(320)
    form.addRow("Layer sizes", field)
    form.addRow("Hidden activation", act)
    form.addRow(note)
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)

    def update() -> None:
        ok, message = check(field.text(), act.currentText())
        note.setText(message)
        note.setStyleSheet("" if ok else "color: #b00020")
        ok_button.setEnabled(ok)

    field.textChanged.connect(update)
    act.currentTextChanged.connect(update)
    update()
    buttons.accepted.connect(dlg.accept)
    buttons.rejected.connect(dlg.reject)
    form.addRow(buttons)
    if dlg.exec() != QDialog.DialogCode.Accepted or not ok_button.isEnabled():
        return None
    return field.text(), act.currentText()


def about(parent: QWidget | None, text: str) -> None:
    QMessageBox.about(parent, "About Backprop Studio", text)
