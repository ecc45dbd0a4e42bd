"""Documents and files in the real window: what the app saves opens again, examples are
copies, dialogs start in the user's folders, data that does not fit opens with its fixes."""

from __future__ import annotations

import json
import os
import stat

import pytest
from gestures import choose
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio import cli
from bpstudio.model import fileformat, templates
from bpstudio.paths import example_files, examples_dir
from bpstudio.qt import dialogs, places
from bpstudio.qt.training import dialogs as tdialogs

CTRL = Qt.KeyboardModifier.ControlModifier


def example(name: str):
    return next(p for p in example_files() if p.name == name)


def click_tool(qtbot, window, name):
    button = window.toolbar.widgetForAction(window.action_by_name["tool_" + name])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.view.tool.name == name


def place(qtbot, window, mouse, role: str, x: float, y: float) -> None:
    """Pick the role's tool on the toolbar and click the canvas at (x, y)."""
    click_tool(qtbot, window, "place_" + role)
    window.view.centerOn(x, y)
    before = len(window.graph.neurons)
    mouse(window.view).click(x, y)
    assert len(window.graph.neurons) == before + 1
    QTest.keyClick(window.view, Qt.Key.Key_Escape)


def press(window, action: str, key: Qt.Key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    """A shortcut as the user presses it: the key reaches the action, or the test fails (it
    used to trigger the action itself when the key did nothing, which hid a broken key)."""
    fired = []

    def note(*_):
        fired.append(1)

    act = window.action_by_name[action]
    act.triggered.connect(note)
    window.activateWindow()
    for _ in range(500):  # the window the user clicked into (offscreen: at once, or soon)
        if QApplication.activeWindow() is window:
            break
        QTest.qWait(10)
    window.view.setFocus()
    QTest.keyClick(window.view, key, mods)
    act.triggered.disconnect(note)
    assert fired, f"{key} ({mods}) did not trigger the {action} action"


def press_save(window) -> None:
    press(window, "save", Qt.Key.Key_S, CTRL)


def check(path, capsys) -> tuple[int, str]:
    code = cli.main(["check", str(path)])
    out, err = capsys.readouterr()
    return code, out + err


def show_data_dock(window):
    dock = window.training_tools.docks["data"]
    dock.raise_()
    return window.training_tools.data_panel


@pytest.fixture
def documents(tmp_path, monkeypatch):
    """The user's documents folder, in tmp (the real one is never touched by a test)."""
    docs = tmp_path / "Documents"
    docs.mkdir()
    monkeypatch.setattr(places, "documents_dir", lambda: docs)
    return docs


# --------------------------------------------------------------------------- item 2
def test_placed_input_saves_reopens_and_the_fix_checks_clean(
    qtbot, make_window, mouse, tmp_path, monkeypatch, capsys, documents
):
    window = make_window(path=example("handwritten_221.json"))
    place(qtbot, window, mouse, "input", 0, 170)
    assert len(window.graph.inputs()) == 3
    target = tmp_path / "three_inputs.json"
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: asked.append(s) or str(target))
    press_save(window)
    assert asked and target.exists() and not window.document.modified

    # reopen through the app's own open path (File → Open…)
    window.action_by_name["tool_select"].trigger()
    monkeypatch.setattr(dialogs, "ask_open_path", lambda p, start: str(target))
    window.action_by_name["open"].trigger()
    assert window.document.path == target.resolve()
    assert len(window.graph.inputs()) == 3
    dp = show_data_dock(window)
    assert not dp.fit_box.isHidden()
    assert "The data has 2 input columns but the network has 3 inputs" in dp.fit_label.text()
    assert dp.table.columnCount() == 3  # the data as it is: x₁, x₂, target
    assert not dp.table.item(0, 0).flags() & Qt.ItemFlag.ItemIsEditable

    # training and pass stepping say why they cannot run
    window.training_tools.actions["step"].trigger()
    msg = window.training_tools.training_panel.message.text()
    assert "does not fit" in msg and "2 input columns" in msg and "3 inputs" in msg
    window.pass_tools.controller.actions["forward"].trigger()
    assert "cannot run a pass: the data does not fit" in window._hint.text()

    # the command line still refuses it, with today's message
    code, text = check(target, capsys)
    assert code == 2
    assert "data.samples[0].x has 2 values but the network has 3 inputs" in text

    # the fix, one undo step, then the file checks clean
    steps = window.undo_stack.count()
    qtbot.mouseClick(dp.fix_buttons["Add 1 input column filled with 0"], Qt.MouseButton.LeftButton)
    assert window.graph.data["samples"] == [{"x": [0.05, 0.1, 0.0], "y": [0.01]}]
    assert window.undo_stack.count() == steps + 1 and dp.fit_box.isHidden()
    assert dp.table.item(0, 2).flags() & Qt.ItemFlag.ItemIsEditable
    press_save(window)
    code, text = check(target, capsys)
    assert code == 0 and text.startswith("ok: 6 neurons, 6 edges, 2 layers\n")
    assert "x₃: it has no path to an output" in text  # a warning, not an error: nothing drawn
    window.undo_stack.undo()
    assert not dp.fit_box.isHidden() and len(window.graph.data["samples"][0]["x"]) == 2


def test_deleted_input_drops_the_chosen_column(qtbot, make_window, mouse, tmp_path,
                                               monkeypatch, capsys):  # fmt: skip
    window = make_window(path=example("handwritten_221.json"))
    window.view.centerOn(0, 55)
    mouse(window.view).click(0, 55)  # x2
    assert window.scene.selected_ids()[0] == ["x2"]
    press(window, "delete", Qt.Key.Key_Delete)
    assert len(window.graph.inputs()) == 1
    target = tmp_path / "one_input.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: str(target))
    press_save(window)
    monkeypatch.setattr(dialogs, "ask_open_path", lambda p, start: str(target))
    window.action_by_name["open"].trigger()
    dp = show_data_dock(window)
    assert "The data has 2 input columns but the network has 1 input." in dp.fit_label.text()
    assert check(target, capsys)[0] == 2
    choice = dp.fix_choices["Drop input column"]
    assert [choice.itemText(i) for i in range(choice.count())] == ["column 2", "column 1"]
    choice.setCurrentIndex(0)  # x2's column
    qtbot.mouseClick(dp.fix_buttons["Drop input column"], Qt.MouseButton.LeftButton)
    assert window.graph.data["samples"] == [{"x": [0.05], "y": [0.01]}]
    press_save(window)
    assert check(target, capsys)[0] == 0


def test_added_output_saves_reopens_and_gets_a_target_column(
    qtbot, make_window, mouse, tmp_path, monkeypatch, capsys
):
    window = make_window(path=example("handwritten_221.json"))
    place(qtbot, window, mouse, "output", 440, 150)
    click_tool(qtbot, window, "connect")
    window.view.centerOn(330, 100)
    mouse(window.view).drag((220, 55), (440, 150))  # h2 -> the new output
    assert len(window.graph.edges) == 7
    target = tmp_path / "two_outputs.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: str(target))
    press_save(window)
    monkeypatch.setattr(dialogs, "ask_open_path", lambda p, start: str(target))
    window.action_by_name["open"].trigger()
    assert window.document.path == target.resolve() and len(window.graph.outputs()) == 2
    dp = show_data_dock(window)
    assert "The data has 1 target column but the network has 2 outputs." in dp.fit_label.text()
    code, text = check(target, capsys)
    assert code == 2 and "data.samples[0].y has 1 values but the network has 2 outputs" in text
    qtbot.mouseClick(dp.fix_buttons["Add 1 target column filled with 0"], Qt.MouseButton.LeftButton)
    assert window.graph.data["samples"][0]["y"] == [0.01, 0.0]
    press_save(window)
    assert check(target, capsys)[0] == 0


def test_generator_of_the_wrong_width_regenerates_or_becomes_a_table(
    qtbot, make_window, mouse, tmp_path, monkeypatch, capsys
):
    window = make_window(path=example("spirals_tanh.json"))
    place(qtbot, window, mouse, "input", 0, 200)
    target = tmp_path / "spirals3.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: str(target))
    press_save(window)
    monkeypatch.setattr(dialogs, "ask_open_path", lambda p, start: str(target))
    window.action_by_name["open"].trigger()
    assert window.document.path == target.resolve()
    dp = show_data_dock(window)
    assert "The 'spirals' generator makes 2 inputs but the network has 3." in dp.fit_label.text()
    assert dp.table.rowCount() == 300 and dp.table.columnCount() == 3
    code, text = check(target, capsys)
    assert code == 2 and "makes 2-D inputs but the network has 3 inputs" in text

    regenerate = "Regenerate as 'linear' data for 3 inputs and 1 output"
    qtbot.mouseClick(dp.fix_buttons[regenerate], Qt.MouseButton.LeftButton)
    gen = window.graph.data["generator"]
    assert gen["name"] == "linear" and gen["n"] == 300 and gen["seed"] == 1
    assert dp.fit_box.isHidden() and dp.table.columnCount() == 4
    press_save(window)
    assert check(target, capsys)[0] == 0

    window.undo_stack.undo()  # back to the spirals; keep those very points as a table instead
    assert window.graph.data["generator"]["name"] == "spirals"
    qtbot.mouseClick(dp.fix_buttons["Edit as a table (2 input columns, 1 target)"],
                     Qt.MouseButton.LeftButton)  # fmt: skip
    samples = window.graph.data["samples"]
    assert len(samples) == 300 and len(samples[0]["x"]) == 2
    qtbot.mouseClick(dp.fix_buttons["Add 1 input column filled with 0"], Qt.MouseButton.LeftButton)
    assert {len(s["x"]) for s in window.graph.data["samples"]} == {3}
    press_save(window)
    assert check(target, capsys)[0] == 0


def test_classifier_gets_more_classes_for_more_outputs(make_window, tmp_path, capsys):
    g = fileformat.load(example("gaussians_softmax.json"))
    g.data["generator"]["classes"] = 2  # written by an older session: 2 classes, 3 outputs
    path = tmp_path / "g.json"
    fileformat.save(g, path)
    window = make_window(path=path)
    dp = show_data_dock(window)
    assert "makes 2 classes but the network has 3 outputs" in dp.fit_label.text()
    dp.fix_buttons["Regenerate with 3 classes for 2 inputs and 3 outputs"].click()
    assert window.graph.data["generator"] == {**g.data["generator"], "classes": 3}
    window.save()
    assert check(path, capsys)[0] == 0


# --------------------------------------------------------------------------- item 3
def test_example_opens_as_a_copy_and_ctrl_s_never_touches_it(
    qtbot, make_window, mouse, monkeypatch, documents
):
    src = example("handwritten_221.json")
    before = src.read_bytes()
    window = make_window()
    name = src.stem.replace("_", " ")
    act = next(a for a in window.example_menu.actions() if a.text() == name)
    act.trigger()  # File → Open Example → handwritten 221
    assert window.document.path is None
    assert window.windowTitle().startswith("handwritten_221 (example) — ")
    mouse(window.view).drag((440, 0), (470, 20))  # an edit: move o1
    assert window.windowTitle().startswith("handwritten_221 (example)* — ")
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: asked.append(s) or None)
    press_save(window)  # Save asks where; cancelled
    assert asked == [str(documents / "handwritten_221.json")]
    assert src.read_bytes() == before and window.document.modified
    mine = documents / "lecture" / "mine.json"
    mine.parent.mkdir()
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: asked.append(s) or str(mine))
    press_save(window)
    assert src.read_bytes() == before
    moved = window.graph.neurons["o1"].x
    assert moved > 450 and window.document.path == mine.resolve()
    assert fileformat.load(mine).neurons["o1"].x == moved
    assert window.windowTitle().startswith("mine.json — ")
    # the next dialog starts where the user saved, not in the package
    starts = []
    monkeypatch.setattr(dialogs, "ask_open_path", lambda p, start: starts.append(start) or None)
    window.action_by_name["open"].trigger()
    assert starts == [str(mine.parent)]


def test_any_file_in_the_examples_folder_is_a_copy(make_window, monkeypatch, documents):
    path = examples_dir() / "xor_241.json"
    before = path.read_bytes()
    window = make_window()
    monkeypatch.setattr(dialogs, "ask_open_path", lambda p, start: str(path))
    window.action_by_name["open"].trigger()  # navigated into the package folder by hand
    assert window.document.path is None and window.document.example == "xor_241"
    assert places.start_dir() == documents  # the package folder is never remembered
    window.graph.name = "changed"
    window.undo_stack.resetClean()
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: None)
    assert window.save() is False
    assert path.read_bytes() == before


def test_every_dialog_starts_in_the_last_folder_or_documents(
    qtbot, make_window, tmp_path, monkeypatch, documents
):
    window = make_window(path=example("xor_241.json"))
    seen: dict[str, str] = {}

    def record(key, answer=None):
        def ask(parent, *args):
            seen[key] = args[0] if key != "export" else args[1]
            return answer

        return ask

    monkeypatch.setattr(dialogs, "ask_open_path", record("open"))
    monkeypatch.setattr(dialogs, "ask_save_path", record("save"))
    monkeypatch.setattr(dialogs, "ask_export_path", record("export"))
    monkeypatch.setattr(tdialogs, "ask_csv_path", record("csv"))
    monkeypatch.setattr(tdialogs, "ask_export_path", record("plot"))
    tt = window.training_tools

    def every_dialog():
        seen.clear()
        window.action_by_name["open"].trigger()
        window.action_by_name["save_as"].trigger()
        window.action_by_name["export worked example"].trigger()
        export_report = seen["export"]
        window.action_by_name["export image"].trigger()
        tt.data_panel.import_csv_dialog()
        tt.loss_plot.export_csv_dialog()
        return {**seen, "export": export_report, "image": seen["export"]}

    got = every_dialog()
    assert got == {
        "open": str(documents),
        "save": str(documents / "xor_241.json"),
        "export": str(documents / "xor_241_worked_example.md"),
        "image": str(documents / "xor_241.png"),
        "csv": str(documents),
        "plot": str(documents / f"{tt.loss_plot.title}.csv"),
    }
    # a CSV imported from a folder makes that folder the start of every dialog
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "d.csv").write_text("a,b,y\n0,1,1\n", encoding="utf-8")
    monkeypatch.setattr(tdialogs, "ask_csv_path", lambda p, start: str(folder / "d.csv"))
    tt.data_panel.import_csv_dialog()
    monkeypatch.setattr(tdialogs, "ask_csv_path", record("csv"))
    got = every_dialog()
    assert set(got.values()) == {str(folder), *(str(folder / n) for n in (
        "xor_241.json", "xor_241_worked_example.md", "xor_241.png", f"{tt.loss_plot.title}.csv"))}  # fmt: skip


# --------------------------------------------------------------------------- item 4 in the app
def test_ctrl_s_keeps_the_file_mode(make_window, mouse, tmp_path):
    path = tmp_path / "shared.json"
    fileformat.save(templates.lecture_221(), path)
    os.chmod(path, 0o644)
    window = make_window(path=path)
    mouse(window.view).drag((440, 0), (470, 20))
    press_save(window)
    assert fileformat.load(path).neurons["o1"].x == window.graph.neurons["o1"].x > 450
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


# --------------------------------------------------------------------------- item 5
def data_window(make_window, samples):
    g = templates.lecture_221()
    g.data = {"samples": samples}
    return make_window(g)


def type_text(qtbot, widget, text: str) -> None:
    """Key events for text; QTest only maps ASCII, so "−" (U+2212) goes as a key event with
    that text, as a keyboard layout or an input method delivers it."""
    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
            continue
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown,
                                                     Qt.KeyboardModifier.NoModifier, ch))  # fmt: skip


def type_into(qtbot, table, row: int, col: int, texts: list[str], last_key=Qt.Key.Key_Tab):
    """Double-click a cell, type each text, Tab between them, finish with last_key."""
    rect = table.visualRect(table.model().index(row, col))
    QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    for k, text in enumerate(texts):
        editor = table.focusWidget()
        assert editor is not table and editor is not None, "no cell editor open"
        editor.selectAll()
        QTest.keyClick(editor, Qt.Key.Key_Backspace)  # what the user typed replaces the cell
        type_text(qtbot, editor, text)
        key = Qt.Key.Key_Tab if k < len(texts) - 1 else last_key
        QTest.keyClick(editor, key)
    QApplication.processEvents()  # Qt commits on Return through a queued call


def test_typing_a_row_with_tab_lands_every_value_where_it_was_typed(qtbot, make_window):
    window = data_window(
        make_window, [{"x": [0.0, 0.0], "y": [0.0]}, {"x": [1.0, 1.0], "y": [1.0]}]
    )
    dp = show_data_dock(window)
    window.activateWindow()
    table = dp.table
    type_into(qtbot, table, 0, 0, ["0.05", "0.1", "0.01"], last_key=Qt.Key.Key_Return)
    assert window.graph.data["samples"][0] == {"x": [0.05, 0.1], "y": [0.01]}
    assert window.graph.data["samples"][1] == {"x": [1.0, 1.0], "y": [1.0]}
    assert [table.item(0, c).text() for c in range(3)] == ["0.05", "0.1", "0.01"]
    # Tab from the last cell of a row moves on to the next row's first cell
    type_into(qtbot, table, 1, 1, ["0.5", "0.25", "2"], last_key=Qt.Key.Key_Tab)
    assert window.graph.data["samples"][1] == {"x": [1.0, 0.5], "y": [0.25]}
    assert window.graph.data["samples"][0]["x"][0] == 2.0  # wrapped: row 1, column x₁
    # the cursor stays where the user moved it (the cell after the last Tab)
    assert (table.currentRow(), table.currentColumn()) == (0, 1)
    assert window.undo_stack.count() == 6  # one step per committed cell


@pytest.mark.parametrize(
    ("text", "value"), [("0,3", 0.3), ("\u22121", -1.0), (" 2.5 ", 2.5), ("1e-3", 0.001)]
)
def test_table_accepts_numbers_written_as_people_write_them(qtbot, make_window, text, value):
    window = data_window(make_window, [{"x": [0.0, 0.0], "y": [0.0]}])
    table = show_data_dock(window).table
    type_into(qtbot, table, 0, 1, [text], last_key=Qt.Key.Key_Return)
    assert window.graph.data["samples"][0]["x"] == [0.0, value]
    assert table.item(0, 1).text() == f"{value:.6g}"


@pytest.mark.parametrize(
    ("text", "why"),
    [("", "the cell is empty: type a number"), ("-", "'-' is not a finite number"),
     ("1e9999", "'1e9999' is too large (not a finite number)"), ("nan", "'nan' is not a finite number"),
     ("abc", "'abc' is not a finite number")],
)  # fmt: skip
def test_table_refuses_odd_text_naming_the_cell_and_keeps_the_value(qtbot, make_window, text, why):
    window = data_window(make_window, [{"x": [0.0, 0.0], "y": [0.75]}])
    dp = show_data_dock(window)
    steps = window.undo_stack.count()
    type_into(qtbot, dp.table, 0, 2, [text], last_key=Qt.Key.Key_Return)
    assert window.graph.data["samples"][0]["y"] == [0.75]
    assert window.undo_stack.count() == steps
    assert dp.error.text() == f"row 1, column 'target o₁': {why}; it keeps 0.75"
    assert dp.table.item(0, 2).text() == "0.75"


# --------------------------------------------------------------------------- load / save safety
def test_failed_open_leaves_the_open_document_untouched(make_window, mouse, tmp_path,
                                                         monkeypatch):  # fmt: skip
    path = tmp_path / "mine.json"
    fileformat.save(templates.lecture_221(), path)
    window = make_window(path=path)
    mouse(window.view).drag((440, 0), (470, 20))  # unsaved work
    steps, doc_before = window.undo_stack.count(), fileformat.dumps(window.graph)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "bpstudio-network", "version": 1,
                               "neurons": [{"id": "a", "role": "input"}],
                               "edges": [{"id": "e", "source": "a", "target": "zz"}]}))  # fmt: skip
    shown = []
    monkeypatch.setattr(dialogs, "ask_open_path", lambda p, start: str(bad))
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda p, n: "discard")
    monkeypatch.setattr(dialogs, "show_errors", lambda p, t, text, errors: shown.append(errors))
    window.action_by_name["open"].trigger()
    assert shown == [["edges[0] (id 'e').target 'zz' is not a neuron id"]]
    assert fileformat.dumps(window.graph) == doc_before
    assert window.document.path == path.resolve() and window.document.modified
    assert window.undo_stack.count() == steps and window.undo_stack.canUndo()
    assert window.windowTitle().startswith("mine.json* — ")
    window.undo_stack.undo()
    assert window.graph.neurons["o1"].x == 440


def test_a_failed_save_keeps_the_old_file_and_the_unsaved_state(make_window, mouse, tmp_path,
                                                                monkeypatch):  # fmt: skip
    path = tmp_path / "mine.json"
    fileformat.save(templates.lecture_221(), path)
    old = path.read_bytes()
    window = make_window(path=path)
    mouse(window.view).drag((440, 0), (470, 20))

    real_replace = os.replace

    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    shown = []
    monkeypatch.setattr(dialogs, "show_errors", lambda p, t, text, errors: shown.append(errors))
    press_save(window)
    assert shown and "No space left on device" in shown[0][0]
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["mine.json"]
    assert window.document.modified and window.windowTitle().startswith("mine.json* — ")
    monkeypatch.setattr(os, "replace", real_replace)
    press_save(window)
    assert fileformat.load(path).neurons["o1"].x == window.graph.neurons["o1"].x > 450


# --------------------------------------------------------------------------- item 9
def crashed_session(graph, path=None, minutes_ago: float = 0.0):
    """The files a session leaves behind when it dies: an autosave whose lock nobody holds."""
    import time

    from bpstudio.qt.recovery import Slot

    slot = Slot()
    slot.write(graph, path)
    meta = json.loads(slot.meta_file.read_text())
    meta["time"] = time.time() - 60 * minutes_ago
    slot.meta_file.write_text(json.dumps(meta))
    slot.release()
    return slot


def test_file_asked_for_stays_and_the_autosave_opens_beside_it(qtbot, tmp_path, monkeypatch):
    from bpstudio.qt import app, recovery

    path = tmp_path / "lecture.json"
    fileformat.save(templates.xor_241(), path)
    crashed_session(templates.perceptron(), tmp_path / "perceptron.json", minutes_ago=3.2)
    asked = []
    monkeypatch.setattr(dialogs, "ask_recovery", lambda p, d, new: asked.append((d, new)) or "open")
    window = app.create_window(path)
    qtbot.addWidget(window)
    opened = window.offer_recovery()
    assert asked == [(f"“Perceptron (2-1)” (perceptron.json in {tmp_path}, 3 neurons), "
                      "autosaved 3 minutes ago", True)]  # fmt: skip
    assert window.document.path == path.resolve() and window.graph.name == "XOR 2-4-1"
    assert not window.document.modified
    (other,) = opened
    qtbot.addWidget(other)
    assert other.isVisible() and other.graph.name == "Perceptron (2-1)"
    assert other.document.modified and other.document.path == tmp_path / "perceptron.json"
    assert other.windowTitle().startswith("perceptron.json (recovered)* — ")
    assert recovery.pending() == []  # the new window holds the slot: nothing offered twice
    other.document.autosave()  # and keeps autosaving into it, not into the first window's
    assert len(list(recovery.recovery_dir().glob("autosave-*.json"))) == 1
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda p, n: "discard")
    other.close()
    assert list(recovery.recovery_dir().glob("autosave-*.json")) == []
    window.close()


def test_recovery_keep_for_later_and_discard(qtbot, make_window, monkeypatch):
    from bpstudio.qt import recovery

    crashed_session(templates.perceptron(), minutes_ago=125)
    window = make_window(path=example("xor_241.json"))
    answers = iter(["keep", "discard"])
    asked = []

    def ask(parent, description, in_new_window):
        asked.append(description)
        return next(answers)

    monkeypatch.setattr(dialogs, "ask_recovery", ask)
    assert window.offer_recovery() == [] and window.document.example == "xor_241"
    assert asked == ["“Perceptron (2-1)” (never saved to a file, 3 neurons), autosaved 2 hours ago"]
    assert len(recovery.pending()) == 1  # kept: offered again at the next start
    for p in recovery.pending():
        p.keep()
    assert window.offer_recovery() == [] and len(asked) == 2
    assert recovery.pending() == [] and not any(recovery.recovery_dir().iterdir())


def test_without_a_file_the_autosave_is_restored_in_the_window(make_window, monkeypatch):
    crashed_session(templates.perceptron())
    window = make_window()
    asked = []
    monkeypatch.setattr(dialogs, "ask_recovery", lambda p, d, new: asked.append(new) or "open")
    assert window.offer_recovery() == []
    assert asked == [False] and window.graph.name == "Perceptron (2-1)"
    assert window.document.modified and window.document.recovered


def test_a_live_sessions_autosave_is_never_offered(make_window, monkeypatch):
    from bpstudio.qt import recovery

    other = make_window()
    other.graph.name = "busy"
    other.undo_stack.resetClean()
    assert other.document.autosave()
    assert recovery.pending() == []  # its lock is held: another window, still working
    window = make_window()
    assert window.offer_recovery() == []  # no dialog at all (ask_recovery would fail)
    assert other.document.slot.exists()


def test_a_damaged_autosave_is_reported_and_the_file_stays_open(make_window, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    slot = crashed_session(templates.perceptron())
    slot.network_file.write_text("{broken", encoding="utf-8")
    path = tmp_path / "lecture.json"
    fileformat.save(templates.xor_241(), path)
    window = make_window(path=path)
    shown = []
    monkeypatch.setattr(dialogs, "ask_recovery", lambda p, d, new: "open")
    monkeypatch.setattr(dialogs, "show_errors", lambda p, t, text, errors: shown.append(text))
    assert window.offer_recovery() == []
    assert shown == ["The recovery file is damaged:"]
    assert window.document.path == path.resolve() and window.graph.name == "XOR 2-4-1"
    assert not slot.exists()


def test_an_autosave_of_data_that_does_not_fit_restores(make_window, monkeypatch):
    g = templates.lecture_221()
    g.data = {"samples": [{"x": [1.0], "y": [0.0]}]}  # one column for two inputs
    crashed_session(g)
    window = make_window()
    monkeypatch.setattr(dialogs, "ask_recovery", lambda p, d, new: "open")
    window.offer_recovery()
    assert window.document.recovered and window.graph.data == g.data
    assert "1 input column" in window.training_tools.data_panel.fit_label.text()


def test_save_as_elsewhere_keeps_the_csv_found(qtbot, make_window, tmp_path, monkeypatch, capsys):
    course = tmp_path / "course"
    course.mkdir()
    (course / "xor.csv").write_text("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", encoding="utf-8")
    g = templates.xor_241()
    g.data = {"csv": "xor.csv", "inputs": ["a", "b"], "targets": ["y"]}
    fileformat.save(g, course / "net.json")
    window = make_window(path=course / "net.json")
    other = tmp_path / "elsewhere" / "deep"
    other.mkdir(parents=True)
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: str(other / "copy.json"))
    window.action_by_name["save_as"].trigger()
    assert window.graph.data["csv"] == "../../course/xor.csv"
    assert check(other / "copy.json", capsys)[0] == 0
    assert window.training_tools.data_panel.table.rowCount() == 4  # still found in the app
    assert check(course / "net.json", capsys)[0] == 0  # the original is untouched


def test_undo_past_a_save_as_keeps_the_csv_found(qtbot, make_window, tmp_path, monkeypatch,
                                                capsys):  # fmt: skip
    """Import another CSV (one undo step), Save As into another folder (the CSV path is
    rebased), Ctrl+Z: the earlier CSV comes back as a path from the new folder, not the old
    relative "xor.csv" that now pointed at elsewhere/xor.csv (missing). Ctrl+S then writes a
    file that opens with its data; Ctrl+Y brings the imported CSV back, found as well."""
    course = tmp_path / "course"
    course.mkdir()
    (course / "xor.csv").write_text("a,b,y\n0,0,0\n0,1,1\n1,0,1\n1,1,0\n", encoding="utf-8")
    (course / "and.csv").write_text("p,q,r\n0,0,0\n1,1,1\n", encoding="utf-8")
    g = templates.xor_241()
    g.data = {"csv": "xor.csv", "inputs": ["a", "b"], "targets": ["y"]}
    fileformat.save(g, course / "net.json")
    window = make_window(path=course / "net.json")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    panel = window.training_tools.data_panel
    window.training_tools.docks["data"].show()
    window.training_tools.docks["data"].raise_()
    qtbot.waitExposed(panel)
    monkeypatch.setattr(tdialogs, "ask_csv_path", lambda *a: str(course / "and.csv"))
    qtbot.mouseClick(panel.csv_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(panel.csv_apply, Qt.MouseButton.LeftButton)
    assert window.graph.data["csv"] == "and.csv" and panel.table.rowCount() == 2
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.setattr(dialogs, "ask_save_path", lambda p, s: str(other / "copy.json"))
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.document.path == other / "copy.json"
    assert window.graph.data["csv"] == "../course/and.csv"
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert window.graph.data == {"csv": "../course/xor.csv", "inputs": ["a", "b"],
                                 "targets": ["y"]}  # fmt: skip
    assert panel.table.rowCount() == 4 and panel.error.text() == ""
    qtbot.keyClick(window.view, Qt.Key.Key_S, CTRL)
    assert check(other / "copy.json", capsys)[0] == 0  # the saved file finds its data
    assert fileformat.load(other / "copy.json").data["csv"] == "../course/xor.csv"
    qtbot.keyClick(window.view, Qt.Key.Key_Y, CTRL)
    assert window.graph.data["csv"] == "../course/and.csv" and panel.table.rowCount() == 2
    qtbot.keyClick(window.view, Qt.Key.Key_Z, CTRL)
    assert not window.document.modified  # back at the state just saved


def test_softmax_never_lands_on_a_hidden_neuron(qtbot, make_window, mouse, tmp_path):
    """Each of these once saved a file the app then refused to open."""
    window = make_window(path=example("softmax_3class.json"))
    ins = window.inspector
    o1 = window.graph.neurons["o1"]
    window.view.centerOn(o1.x, o1.y)
    mouse(window.view).click(o1.x, o1.y)
    assert window.scene.selected_ids()[0] == ["o1"] and o1.activation == "softmax"
    choose(ins.n_role, "hidden")  # the role box, by keyboard
    assert window.graph.neurons["o1"].role == "hidden"
    assert window.graph.neurons["o1"].activation == "sigmoid"
    choose(ins.n_act, "softmax")
    assert window.graph.neurons["o1"].activation == "sigmoid"
    assert "softmax is allowed on output neurons only" in window._hint.text()
    path = tmp_path / "edited.json"
    window.document.save(path)
    assert window.open_file(path)  # opens again (its data now has a target too many)
    assert (
        "3 target columns but the network has 2 outputs" in show_data_dock(window).fit_label.text()
    )
