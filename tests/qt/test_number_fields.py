"""No number typed into the training panel or the inspector changes silently (issue 9, item 11).

1000000 typed as the learning rate became 100 (the spin box's maximum), 1e-13 became 0 (its
decimals), a momentum of 1.5 became 0.999, "abc" as a weight did nothing: every field now
takes every value the file format accepts, and refuses anything else with a line under the
field naming the limit and the value kept. Typed through the keyboard into the real window.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication

from bpstudio.model import file_spec

CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def window(make_window, qtbot):
    w = make_window()
    w.training_tools.docks["training"].raise_()  # the Training tab, as a user clicks it
    return w


def _type(qtbot, field, text: str, enter: bool = True) -> None:
    """Select all, type text key by key (also non-ASCII, e.g. the minus sign −), Enter."""
    field.setFocus()
    qtbot.keyClick(field, Qt.Key_A, CTRL)
    target = field.lineEdit() if hasattr(field, "lineEdit") else field
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(target, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
    if enter:
        qtbot.keyClick(field, Qt.Key_Return)


def _panel(window):
    return window.training_tools.training_panel


def _note(window, key: str) -> str:
    note = _panel(window).notes[key]
    return note.text() if note.isVisible() else ""


def test_a_huge_learning_rate_is_accepted_with_a_warning(window, qtbot):
    panel = _panel(window)
    _type(qtbot, panel.lr, "1000000")
    assert window.graph.training["learning_rate"] == 1e6  # not 100
    assert panel.lr.text() == "1000000"
    assert "very large" in _note(window, "learning_rate")
    _type(qtbot, panel.lr, "0.05")
    assert window.graph.training["learning_rate"] == 0.05
    assert _note(window, "learning_rate") == ""
    _type(qtbot, panel.lr, "1e-13")  # below the old minimum and the old 12 decimals
    assert window.graph.training["learning_rate"] == 1e-13
    _type(qtbot, panel.lr, "0,3")  # a decimal comma
    assert window.graph.training["learning_rate"] == 0.3


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("-1", "-1 is out of range: the learning rate must be > 0"),
        ("−1", "−1 is out of range: the learning rate must be > 0"),  # the minus sign
        ("0", "learning_rate = 0.0 is out of range: must be > 0"),
        ("1e9999", "“1e9999” is not a finite number"),
        ("nan", "“nan” is not a finite number"),
        ("abc", "“abc” is not a number"),
        ("-", "“-” is not a number"),
    ],
)
def test_a_refused_learning_rate_says_why_and_what_stays(window, qtbot, text, says):
    panel = _panel(window)
    before = window.graph.training["learning_rate"]
    depth = window.undo_stack.count()
    _type(qtbot, panel.lr, text)
    assert window.graph.training["learning_rate"] == before
    assert window.undo_stack.count() == depth
    assert panel.lr.value() == before
    note = _note(window, "learning_rate")
    assert says in note and note.endswith(f"it stays {panel.lr.text()}.")


@pytest.mark.parametrize(
    ("key", "field", "text", "says"),
    [
        ("momentum", "momentum", "1.5", "the momentum must be in [0, 1)"),
        ("momentum", "momentum", "1", "momentum = 1.0 is out of range: must be in [0, 1)"),
        ("epochs", "epochs", "1e12", "the number of epochs must be a whole number from 0 to"),
        ("epochs", "epochs", "2.5", "2.5 is not a whole number"),
        ("epochs", "epochs", "-3", "-3 is out of range"),
        ("seed", "seed", "99999999999", "the seed must be a whole number from 0 to 2,147,483,647"),
        ("batch_size", "batch", "1e9999", "not a finite number"),
        ("stop_loss", "stop_loss", "-0.5", "the stop-at loss must be >= 0"),
        ("eps", "eps", "0", "eps = 0.0 is out of range: must be > 0"),
    ],
)
def test_every_numeric_training_field_refuses_visibly(window, qtbot, key, field, text, says):
    panel = _panel(window)
    panel.optimizer.setCurrentText("adam" if key == "eps" else "momentum")  # show the field
    spin = getattr(panel, field)
    before = window.graph.training.get(key)
    _type(qtbot, spin, text)
    assert window.graph.training.get(key) == before
    note = _note(window, key)
    assert says in note and "it stays" in note, note


def test_accepted_values_are_kept_exactly(window, qtbot):
    panel = _panel(window)
    panel.optimizer.setCurrentText("adam")
    for field, key, text, value in [
        ("momentum", None, "0.9999", None),  # (hidden for adam: skipped)
        ("beta2", "beta2", "0.99999", 0.99999),  # above the old maximum 0.9999
        ("eps", "eps", "1e-15", 1e-15),  # below the old minimum 1e-12
        ("stop_loss", "stop_loss", "2e6", 2e6),  # above the old maximum 1e6
        ("epochs", "epochs", "200000000", 200_000_000),  # above the old maximum 1e8
        ("batch", "batch_size", "2000000", 2_000_000),  # above the old maximum 1e6
        ("seed", "seed", "2147483647", 2_147_483_647),
        ("lr", "learning_rate", "0.123456789012345", 0.123456789012345),  # every digit
    ]:
        if key is None:
            continue
        _type(qtbot, getattr(panel, field), text)
        assert window.graph.training[key] == value, field
        assert _note(window, key) == ""
    # the displayed text reads back as the same value: Enter again changes nothing
    depth = window.undo_stack.count()
    panel.lr.setFocus()
    qtbot.keyClick(panel.lr, Qt.Key_Return)
    assert window.graph.training["learning_rate"] == 0.123456789012345
    assert window.undo_stack.count() == depth


def test_a_file_value_the_field_cannot_hold_is_kept_and_said(make_window, qtbot, tmp_path):
    doc = json.loads(
        json.dumps(
            {
                "format": file_spec.FORMAT,
                "version": 1,
                "name": "big seed",
                "neurons": [
                    {"id": "x1", "role": "input"},
                    {"id": "o1", "role": "output", "activation": "sigmoid", "bias": 0.0},
                ],
                "edges": [{"id": "w1", "source": "x1", "target": "o1", "weight": 0.5}],
                "training": {
                    "loss": "half_squared_error",
                    "optimizer": "sgd",
                    "learning_rate": 50.0,
                    "seed": 5_000_000_000,
                },  # fmt: skip
                "data": {"samples": [{"x": [1.0], "y": [0.0]}]},
            }
        )
    )
    path = tmp_path / "big_seed.json"
    path.write_text(json.dumps(doc))
    window = make_window(path=path)
    panel = _panel(window)
    assert window.graph.training["seed"] == 5_000_000_000
    assert "5000000000" in _note(window, "seed") and "kept" in _note(window, "seed")
    assert panel.lr.value() == 50.0 and "very large" in _note(window, "learning_rate")
    _type(qtbot, panel.epochs, "10")  # another field's edit leaves the seed alone
    assert window.graph.training["seed"] == 5_000_000_000


# ------------------------------------------------------------------------------ inspector
def _select_edge(window, mouse, eid):
    e = window.graph.edges[eid]
    a, b = window.scene.neuron_item(e.source).pos(), window.scene.neuron_item(e.target).pos()
    # past the middle: the first third of an edge leaving a hidden neuron runs under its tile
    mouse(window.view).click(a.x() + (b.x() - a.x()) * 0.6, a.y() + (b.y() - a.y()) * 0.6)
    assert window.scene.selected_ids() == ([], [eid])


def _inspector_note(field) -> str:
    return field.note.text() if field.note.isVisible() else ""


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("abc", "“abc” is not a number"),
        ("1e9999", "“1e9999” is not a finite number"),
        ("nan", "“nan” is not a finite number"),
        ("-", "“-” is not a number"),
    ],  # fmt: skip
)
def test_the_inspector_weight_says_what_it_did_not_take(window, qtbot, mouse, text, says):
    _select_edge(window, mouse, "w5")
    field = window.inspector.e_weight
    before = window.graph.edges["w5"].weight
    depth = window.undo_stack.count()
    _type(qtbot, field, text)  # "1e9999" applied 1e99 on the way: taken back on Enter
    assert window.graph.edges["w5"].weight == before
    assert window.undo_stack.count() == depth and not window.undo_stack.canRedo()
    assert field.text() == repr(before)  # back to the value in use
    assert _inspector_note(field) == f"{says}: the weight stays {before!r}."
    _type(qtbot, field, "−0.25")  # a typographic minus is a minus
    assert window.graph.edges["w5"].weight == -0.25
    assert _inspector_note(field) == ""


def test_the_inspector_bias_notes_while_typing(window, qtbot, mouse):
    p = window.scene.neuron_item("h1").pos()
    mouse(window.view).click(p.x(), p.y())
    field = window.inspector.n_bias
    before = window.graph.neurons["h1"].bias
    depth = window.undo_stack.count()
    _type(qtbot, field, "12x", enter=False)  # "1", "12" are applied as typed, "12x" is not
    assert window.graph.neurons["h1"].bias == 12.0
    assert _inspector_note(field) == "“12x” is not a number (not applied)"
    qtbot.keyClick(field, Qt.Key_Backspace)  # "12": a number again
    assert _inspector_note(field) == ""
    qtbot.keyClicks(field, "e5x")
    assert window.graph.neurons["h1"].bias == 12e5
    assert _inspector_note(field) == "“12e5x” is not a number (not applied)"
    qtbot.keyClick(field, Qt.Key_Return)  # ends as no number: the whole typing is taken back
    assert window.graph.neurons["h1"].bias == before
    assert field.text() == repr(before)
    assert _inspector_note(field) == f"“12e5x” is not a number: the bias stays {before!r}."
    assert window.undo_stack.count() == depth  # and leaves no step to undo or redo
    assert not window.undo_stack.canRedo()


def test_the_validation_split_refuses_095_visibly(make_window, qtbot):
    """0.95 typed into the data panel's split became 0.9 without a word: now refused with a
    note naming the range and the value kept; 0,3 (decimal comma) and the arrow keys work, and
    a value in range clears the note; the refusals change nothing."""
    window = make_window()
    tools = window.training_tools
    tools.docks["data"].raise_()  # the Data tab, as a user clicks it
    spin, note = tools.data_panel.val_split, tools.data_panel.val_split_note
    _type(qtbot, spin, "0.2")
    assert window.graph.training["validation_split"] == 0.2
    assert not note.isVisible()
    _type(qtbot, spin, "0.95")
    assert window.graph.training["validation_split"] == 0.2  # not 0.9
    assert note.isVisible()
    assert (
        note.text()
        == "0.95 is out of range: the validation split must be in [0, 0.9]; it stays 0.2."
    )
    assert spin.text() == "0.2"
    _type(qtbot, spin, "0,3")
    assert window.graph.training["validation_split"] == 0.3
    assert not note.isVisible()
    for _ in range(3):
        qtbot.keyClick(spin, Qt.Key_Up)
    assert window.graph.training["validation_split"] == 0.45  # not 0.45000000000000007
    _type(qtbot, spin, "-0.1")
    assert "-0.1 is out of range" in note.text() and note.isVisible()
    assert window.graph.training["validation_split"] == 0.45
    window.undo_stack.undo()  # the split edits merge into one step (as a slider's would)
    assert "validation_split" not in window.graph.training
