"""The data panel's table is a view over a model that formats only the cells on screen
(qt/training/sample_table.py): it must still show the data as it is now after changes made
while it was hidden, and typed values must land in the cell typed."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from test_files import type_into

from bpstudio.core import data as coredata
from bpstudio.model.graph import Edge, Graph, Neuron
from bpstudio.qt.training.sample_table import SampleModel


def wide_graph(n_in: int = 40, n_samples: int = 30) -> Graph:
    g = Graph("wide")
    for i in range(n_in):
        g.add_neuron(Neuron(f"x{i}", "input", x=0.0, y=i * 40.0))
    g.add_neuron(Neuron("o", "output", activation="identity", x=300.0, y=0.0))
    for i in range(n_in):
        g.add_edge(Edge(f"w{i}", f"x{i}", "o", weight=0.01 * i))
    g.data = {"samples": [{"x": [r + c / 100 for c in range(n_in)], "y": [float(r)]}
                          for r in range(n_samples)]}  # fmt: skip
    return g


def on_screen(w) -> bool:
    """Visible and not tabbed away (a dock behind another tab keeps isVisible())."""
    return w.isVisible() and not w.visibleRegion().isEmpty()


def shown_texts(table, rows: range, cols: range) -> list[list[str]]:
    return [[table.item(r, c).text() for c in cols] for r in rows]


def test_regenerated_while_hidden_shows_the_new_data_and_edits_land_in_the_cell(qtbot, make_window):
    g = wide_graph(n_in=2, n_samples=4)
    g.data = {"generator": {"name": "xor", "n": 60, "noise": 0.1, "seed": 1, "classes": 2}}
    window = make_window(g)
    tools = window.training_tools
    dp = tools.data_panel
    tools.docks["data"].raise_()
    qtbot.waitUntil(lambda: on_screen(dp.table))
    first = shown_texts(dp.table, range(3), range(3))
    QTest.mouseClick(dp.regenerate_button, Qt.MouseButton.LeftButton)
    assert window.graph.data["generator"]["seed"] == 2
    ds = coredata.dataset_from_spec(window.graph.data, 2, 1)
    want = [[f"{v:.6g}" for v in [*ds.X[r], *ds.Y[r]]] for r in range(3)]
    assert shown_texts(dp.table, range(3), range(3)) == want != first
    tools.docks["training"].raise_()  # the Data tab behind Training, then Undo
    qtbot.waitUntil(lambda: on_screen(dp.table) is False)
    window.action_by_name["undo"].trigger()  # Edit > Undo
    assert window.graph.data["generator"]["seed"] == 1
    tools.docks["data"].raise_()
    qtbot.waitUntil(lambda: on_screen(dp.table))
    assert shown_texts(dp.table, range(3), range(3)) == first
    window.action_by_name["redo"].trigger()
    assert shown_texts(dp.table, range(3), range(3)) == want
    # painted, too: grab() asks the model for the cells on screen
    assert not dp.table.viewport().grab().isNull()

    # Edit as table, then type row 3 with Tab: every value lands where it was typed
    QTest.mouseClick(dp.to_table_button, Qt.MouseButton.LeftButton)
    assert "samples" in window.graph.data and dp.table.rowCount() == 60
    window.activateWindow()
    type_into(qtbot, dp.table, 2, 0, ["0.5", "-0.25", "1"], last_key=Qt.Key.Key_Return)
    s = window.graph.data["samples"]
    assert s[2] == {"x": [0.5, -0.25], "y": [1.0]}
    assert s[1]["x"] == [float(v) for v in ds.X[1]] and s[3]["x"] == [float(v) for v in ds.X[3]]
    assert shown_texts(dp.table, range(2, 3), range(3)) == [["0.5", "-0.25", "1"]]
    window.undo_stack.undo()
    assert dp.table.item(2, 2).text() == f"{ds.Y[2][0]:.6g}"


def test_a_wide_table_formats_only_what_is_on_screen(qtbot, make_window, monkeypatch):
    asked: set[tuple[int, int]] = set()
    real = SampleModel.text

    def text(self, row, column):
        asked.add((row, column))
        return real(self, row, column)

    monkeypatch.setattr(SampleModel, "text", text)
    window = make_window(wide_graph(n_in=150, n_samples=64))
    tools = window.training_tools
    dp = tools.data_panel
    assert dp.table.rowCount() == 64 and dp.table.columnCount() == 151
    assert not asked  # hidden (behind Training): nothing formatted at all
    tools.docks["data"].raise_()
    qtbot.waitUntil(lambda: on_screen(dp.table))
    dp.table.viewport().repaint()
    QApplication.processEvents()
    assert asked and len(asked) < 64 * 151 / 4  # the cells on screen, not the table
    # the cell shown at the far end is the right number
    dp.table.scrollToItem(dp.table.item(63, 149))
    assert dp.table.item(63, 149).text() == f"{63 + 149 / 100:.6g}"
    assert dp.table.horizontalHeaderItem(150).text().startswith("target")
