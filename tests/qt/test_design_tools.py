"""Issue 15: Add Layer… with inputs, File → New → Fully Connected Network…, keyboard design."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QPushButton

from bpstudio.model import compile as model_compile
from bpstudio.model import file_validation, fileformat, quickstart, templates
from bpstudio.qt import dialogs

# the real dialog function (the conftest replaces it with "fail on any dialog" per test); its
# modal loop, QDialog.exec, is what the tests below answer
REAL_ASK_QUICK_START = dialogs.ask_quick_start
assert REAL_ASK_QUICK_START.__qualname__ == "ask_quick_start"


def snapshot(w) -> str:
    return fileformat.dumps(w.graph)


def test_add_layer_of_inputs_feeds_what_the_inputs_feed(make_window, monkeypatch):
    w = make_window()  # 2-2-1: x1, x2 → h1, h2 → o1
    before = snapshot(w)
    monkeypatch.setattr(dialogs, "ask_layer", lambda *a: (1, "sigmoid", "input"))
    w.scene.clearSelection()
    w.action_by_name["add_layer"].trigger()  # Network > Add Layer…, role input
    x3 = w.graph.neurons["x3"]
    assert (x3.role, x3.activation, x3.x) == ("input", None, 0.0)
    assert x3.y > max(w.graph.neurons[i].y for i in ("x1", "x2"))  # below the inputs
    assert [(e.source, e.target) for e in w.graph.edges.values() if e.source == "x3"] == [
        ("x3", "h1"), ("x3", "h2")]  # fmt: skip
    assert w.undo_stack.count() == 1
    after = snapshot(w)
    w.action_by_name["undo"].trigger()
    assert snapshot(w) == before
    w.action_by_name["redo"].trigger()
    assert snapshot(w) == after
    # and an output layer still works as before (no softmax refusal for inputs either)
    monkeypatch.setattr(dialogs, "ask_layer", lambda *a: (2, "softmax", "input"))
    w.action_by_name["add_layer"].trigger()
    assert [n.role for n in w.graph.neurons.values()].count("input") == 5


def test_add_layer_of_inputs_on_a_network_without_inputs(make_window, monkeypatch):
    w = make_window(graph=templates.blank())
    monkeypatch.setattr(dialogs, "ask_layer", lambda *a: (3, "tanh", "hidden"))
    w.action_by_name["add_layer"].trigger()
    monkeypatch.setattr(dialogs, "ask_layer", lambda *a: (2, "sigmoid", "input"))
    w.scene.clearSelection()
    w.action_by_name["add_layer"].trigger()
    ins = [n for n in w.graph.neurons.values() if n.role == "input"]
    hx = w.graph.neurons["h1"].x
    assert len(ins) == 2 and all(n.x == hx - 220 for n in ins)
    assert len(w.graph.edges) == 6


@pytest.mark.parametrize(
    "text, sizes",
    [("2-4-1", [2, 4, 1]), ("2-8-8-1", [2, 8, 8, 1]), (" 3 5 2 ", [3, 5, 2]),
     ("3x5x2", [3, 5, 2]), ("2–4–1", [2, 4, 1]), ("4,3", [4, 3])],
)  # fmt: skip
def test_size_texts(text, sizes):
    assert quickstart.parse_sizes(text) == sizes


@pytest.mark.parametrize(
    "text, message",
    [("", "type the layer sizes"), ("2", "at least two sizes"),
     ("2-a-1", "layer 2 ('a') is not a whole number"), ("2-0-1", "layer 2 has 0 neurons"),
     ("2-1.5-1", "layer 2 ('1.5') is not a whole number"), ("2-300-1", "at most 256"),
     ("200-200-200", "80,000 edges: at most 20,000")],
)  # fmt: skip
def test_bad_size_texts_say_what_is_wrong(text, message):
    with pytest.raises(quickstart.SizeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        quickstart.parse_sizes(text)


@pytest.mark.parametrize("text", ["2-4-1", "2-8-8-1", "3-5-2", "2-3", "9-2-1"])
def test_quick_start_networks_compile_train_and_save(text, tmp_path):
    sizes = quickstart.parse_sizes(text)
    g = quickstart.build(sizes)
    assert [len([n for n in g.neurons.values() if n.role == r]) for r in ("input", "output")] == [
        sizes[0], sizes[-1]]  # fmt: skip
    assert len(g.edges) == sum(a * b for a, b in zip(sizes, sizes[1:], strict=False))
    compiled = model_compile.compile_graph(g)  # data and settings fit the shape
    assert compiled is not None
    assert not file_validation.validate_data(g, None)
    path = tmp_path / "q.json"
    fileformat.save(g, path)
    again = fileformat.load(path)
    assert fileformat.dumps(again) == fileformat.dumps(g)


def test_file_new_fully_connected_builds_the_typed_network(make_window, monkeypatch):
    w = make_window()
    seen = {}

    def fake_exec(dlg: QDialog) -> int:
        field = dlg.findChild(QLineEdit, "quick_sizes")
        field.selectAll()
        QTest.keyClicks(field, "3-5-2")
        seen["note"] = dlg.findChild(QLabel, "quick_note").text()
        return QDialog.DialogCode.Accepted.value

    monkeypatch.setattr(dialogs, "ask_quick_start", REAL_ASK_QUICK_START)
    monkeypatch.setattr(QDialog, "exec", fake_exec)
    w.undo_stack.setClean()
    w.action_by_name["quick_start"].trigger()  # File > New > Fully Connected Network…
    assert "3 inputs, hidden 5 (sigmoid), 2 outputs (softmax); 25 edges" in seen["note"]
    g = w.graph
    assert g.name == "Network 3-5-2" and len(g.neurons) == 10 and len(g.edges) == 25
    assert g.training["loss"] == "cross_entropy" and len(g.data["samples"]) == 8


def test_a_bad_size_text_is_refused_with_its_reason(make_window, monkeypatch):
    w = make_window()
    before = snapshot(w)
    seen = {}

    def fake_exec(dlg: QDialog) -> int:
        field = dlg.findChild(QLineEdit, "quick_sizes")
        field.selectAll()
        QTest.keyClicks(field, "2-x-1")
        seen["note"] = dlg.findChild(QLabel, "quick_note").text()
        ok = [b for b in dlg.findChildren(QPushButton) if b.text() in ("OK", "&OK")]
        seen["ok_enabled"] = ok[0].isEnabled()
        return QDialog.DialogCode.Accepted.value  # Enter pressed anyway: nothing is built

    monkeypatch.setattr(dialogs, "ask_quick_start", REAL_ASK_QUICK_START)
    monkeypatch.setattr(QDialog, "exec", fake_exec)
    w.action_by_name["quick_start"].trigger()
    assert seen["note"] == "layer 2 ('x') is not a whole number: use sizes like 2-4-1"
    assert seen["ok_enabled"] is False
    assert snapshot(w) == before


def test_n_adds_a_connected_neuron_in_the_next_column_and_tab_cycles(make_window, qtbot):
    w = make_window()
    w.activateWindow()  # shortcuts need the active window (the user clicks into it)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.view.setFocus()
    w.scene.select_ids(["h2"])
    before = snapshot(w)
    QTest.keyClick(w.view, Qt.Key.Key_N)  # into the output column: a second output
    o2 = w.graph.neurons["o2"]
    assert (o2.role, o2.x) == ("output", 440.0)
    assert [(e.source, e.target) for e in w.graph.edges.values() if e.target == "o2"] == [
        ("h2", "o2")]  # fmt: skip
    assert w.scene.selected_ids()[0] == ["o2"] and w.undo_stack.count() == 1
    QTest.keyClick(w.view, Qt.Key.Key_N)  # after an output: refused, with the reason
    assert "output neuron has no next column" in w._hint.text()
    w.action_by_name["undo"].trigger()
    assert snapshot(w) == before
    w.scene.select_ids(["o1"])
    QTest.keyClick(w.view, Qt.Key.Key_Tab)  # o1 is last: Tab wraps to x1
    assert w.scene.selected_ids()[0] == ["x1"]
    QTest.keyClick(w.view, Qt.Key.Key_Tab)
    assert w.scene.selected_ids()[0] == ["x2"]
    QTest.keyClick(w.view, Qt.Key.Key_Backtab)
    assert w.scene.selected_ids()[0] == ["x1"]
    # a new column: N on an input of a network whose next column is empty
    w2 = make_window(graph=templates.blank())
    w2.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w2)
    w2.view.setFocus()
    from bpstudio.model.graph import Neuron

    w2.graph.add_neuron(Neuron("x1", "input", x=0, y=0))
    w2.scene.select_ids(["x1"])
    QTest.keyClick(w2.view, Qt.Key.Key_N)
    QTest.keyClick(w2.view, Qt.Key.Key_N)
    assert [(n.id, n.role, n.x) for n in w2.graph.neurons.values()] == [
        ("x1", "input", 0), ("h1", "hidden", 220.0), ("h2", "hidden", 440.0)]  # fmt: skip


def test_the_lecture_layout_hides_the_layer_handles(make_window, qtbot):
    w = make_window()
    qtbot.waitUntil(lambda: len(w.layer_handles.handles) == 3)
    pres = w.pass_tools.presentation
    pres.action.trigger()  # F5
    qtbot.waitUntil(lambda: pres.active and not w.layer_handles.handles)
    pres.leave_action.trigger()  # Esc
    qtbot.waitUntil(lambda: len(w.layer_handles.handles) == 3)
    w.action_by_name["layer_handles"].trigger()  # View > Show Layer Handles off
    assert not w.layer_handles.handles
