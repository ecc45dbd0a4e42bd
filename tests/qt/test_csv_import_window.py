"""Import CSV in the real window (issue 9, item 12): a decimal-comma file is accepted as the data
table accepts "0,5", and a short or long row is named by its line and field counts, the same
words as the command line (tests/test_csv_files.py). Clicks and keys as a person gives them;
only the file dialog is replaced by the file the person would pick."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PySide6.QtCore import Qt

from bpstudio.model.session import dataset
from bpstudio.qt.training import dialogs as tdialogs


@pytest.fixture
def data_panel(make_window, qtbot, monkeypatch):
    window = make_window()
    tools = window.training_tools
    tools.docks["data"].show()
    tools.docks["data"].raise_()
    panel = tools.data_panel
    qtbot.waitExposed(panel)
    picked: list[str] = []
    monkeypatch.setattr(tdialogs, "ask_csv_path", lambda *a: picked.pop(0) if picked else "")
    return window, panel, picked


def _choose_csv_source(panel, qtbot):
    """Keyboard on the data source box: End picks its last entry, 'CSV file' (opens the
    file dialog)."""
    panel.source.setFocus()
    qtbot.keyClick(panel.source, Qt.Key.Key_End)
    assert panel.source.currentText() == "CSV file"


def test_decimal_comma_csv_is_imported(data_panel, qtbot, tmp_path):
    window, panel, picked = data_panel
    path = tmp_path / "comma.csv"
    path.write_text("x1;x2;y\n0,5;1,25;1\n-0,75;2;0\n0;0,125;1\n", encoding="utf-8")
    picked.append(str(path))
    _choose_csv_source(panel, qtbot)
    assert panel.error.text() == ""
    assert panel.csv_path.text().startswith("comma.csv: 3 rows, columns x1, x2, y")
    qtbot.mouseClick(panel.csv_apply, Qt.MouseButton.LeftButton)
    assert panel.error.text() == ""
    g = window.graph
    assert g.data["inputs"] == ["x1", "x2"] and g.data["targets"] == ["y"]
    ds = dataset(g) if g.base_dir else None
    if ds is None:  # an untitled window: the path was stored as the one picked
        assert os.path.isabs(g.data["csv"])
        ds = dataset(g)
    assert np.array_equal(ds.X, [[0.5, 1.25], [-0.75, 2.0], [0.0, 0.125]])
    assert ds.Y.ravel().tolist() == [1.0, 0.0, 1.0]
    window.undo_stack.undo()  # one undoable step, as every data change
    assert "csv" not in g.data


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x1,x2,y\n1,2,0\n3,4,1\n5,6\n", "bad.csv row 4 has 2 fields, the header 3"),
        ("x1,x2,y\n1,2,0\n\n3,4,1,7\n", "bad.csv row 4 has 4 fields, the header 3"),
    ],
)
def test_short_and_long_rows_are_named_in_the_panel(text, message, data_panel, qtbot, tmp_path):
    window, panel, picked = data_panel
    before = dict(window.graph.data)
    good = tmp_path / "good.csv"
    good.write_text("x1,x2,y\n1,2,0\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(text, encoding="utf-8")
    picked += [str(good), str(bad)]
    _choose_csv_source(panel, qtbot)  # the good file first: the CSV page is showing
    qtbot.mouseClick(panel.csv_button, Qt.MouseButton.LeftButton)  # Import CSV… again
    assert panel.error.text() == message
    assert window.graph.data == before  # nothing changed


def test_a_named_pipe_or_device_is_refused_without_blocking(data_panel, qtbot, tmp_path):
    window, panel, picked = data_panel
    picked.append("/dev/zero")
    _choose_csv_source(panel, qtbot)
    assert "'/dev/zero' is a device, not a regular file" in panel.error.text()
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.csv")
        picked.append(str(tmp_path / "pipe.csv"))
        qtbot.mouseClick(panel.csv_button, Qt.MouseButton.LeftButton)
        assert "is a named pipe (FIFO), not a regular file" in panel.error.text()


def _csv_lecture(folder):
    """A network in folder/ whose data is folder/data/points.csv, by a relative path."""
    import json

    (folder / "data").mkdir(parents=True)
    (folder / "data" / "points.csv").write_text("a;b;y\n0,5;1;1\n-1;0,25;0\n", encoding="utf-8")
    doc = {
        "format": "bpstudio-network", "version": 1, "name": "csv lecture",
        "neurons": [{"id": "a", "role": "input", "x": 0, "y": 0},
                    {"id": "b", "role": "input", "x": 0, "y": 120},
                    {"id": "o", "role": "output", "activation": "sigmoid", "x": 220, "y": 60}],
        "edges": [{"id": "w1", "source": "a", "target": "o", "weight": 0.1},
                  {"id": "w2", "source": "b", "target": "o", "weight": 0.2}],
        "training": {"loss": "binary_cross_entropy", "optimizer": "sgd", "learning_rate": 0.5},
        "data": {"csv": "data/points.csv", "inputs": ["a", "b"], "targets": ["y"]},
    }  # fmt: skip
    path = folder / "net.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _move_a_neuron(window, mouse):
    """Click the output neuron, nudge it with the arrow key: the document is modified."""
    from PySide6.QtTest import QTest

    mouse(window.view).click(220, 60)
    assert window.scene.selected_ids()[0] == ["o"]
    QTest.keyClick(window.view, Qt.Key.Key_Right)
    assert window.document.modified


def test_save_as_elsewhere_and_crash_recovery_keep_finding_the_csv(make_window, mouse, tmp_path,
                                                                    monkeypatch):  # fmt: skip
    from bpstudio.qt import dialogs

    src = _csv_lecture(tmp_path / "lecture")
    window = make_window(path=src)
    assert dataset(window.graph).X.tolist() == [[0.5, 1.0], [-1.0, 0.25]]
    _move_a_neuron(window, mouse)
    assert window.document.autosave()  # what the autosave timer does
    window.document.slot.release()  # the session dies: its slot is no longer locked

    # the next start: the recovered network still finds its data
    monkeypatch.setattr(dialogs, "ask_recovery", lambda *a: "open")
    restored = make_window()
    restored.offer_recovery()
    assert restored.graph.name == "csv lecture"
    assert dataset(restored.graph).X.tolist() == [[0.5, 1.0], [-1.0, 0.25]]

    # Save As into another folder (File → Save As…, the dialog answered), then open that file
    (tmp_path / "elsewhere" / "deeper").mkdir(parents=True)
    target = tmp_path / "elsewhere" / "deeper" / "copy.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(target))
    window.save_as()
    again = make_window(path=target)
    assert again.graph.data["csv"] == "../../lecture/data/points.csv"
    assert dataset(again.graph).Y.ravel().tolist() == [1.0, 0.0]
    assert dataset(window.graph).X.shape == (2, 2)  # the window that saved still finds it too
