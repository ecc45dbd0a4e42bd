"""The loss plot's validation curve across runs with and without a split (issue 9, item 8).

A run with a validation split, then a run without one (another file), then a split typed into
the data panel and one more epoch raised ``AttributeError: autoRangeEnabled`` from
``val_curve.setData``: the curve was taken out of the plot and put back holding data, which
pyqtgraph cannot do for a clip-to-view curve. The sequence below is the random user's, by
hand, through the File menu, the data panel's spin box and Ctrl+E.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpstudio.qt import dialogs

CTRL = Qt.KeyboardModifier.ControlModifier


def _open_example(window, name):
    (act,) = [a for a in window.example_menu.actions() if a.text() == name]
    act.trigger()


def _type_split(window, qtbot, text):
    tools = window.training_tools
    tools.docks["data"].raise_()  # the Data tab, as a user clicks it
    spin = tools.data_panel.val_split
    spin.setFocus()
    qtbot.keyClick(spin, Qt.Key_A, CTRL)
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def _train_epoch(window, qtbot):
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_E, CTRL)  # Train → Step one epoch


def _legend_names(plot):
    return [label.text for _sample, label in plot.legend.items]


def _validation_drawn(plot) -> bool:
    return plot.val_curve in plot.item.listDataItems() and plot.val_curve.isVisible()


def _assert_validation_drawn(window):
    plot = window.training_tools.loss_plot
    h = window.training_tools.session.run.history
    assert _validation_drawn(plot)
    assert plot.val_curve.getViewBox() is plot.item.getViewBox()
    x, y = plot.val_curve.getOriginalDataset()
    assert np.array_equal(x, h.epochs)
    assert np.array_equal(y, h.val_loss, equal_nan=True)
    assert np.isfinite(y[-1])
    assert _legend_names(plot).count("validation") == 1


def test_a_split_typed_after_a_run_without_one(make_window, qtbot, monkeypatch):
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")  # trained: modified
    window = make_window()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # the shortcuts need it
    tools = window.training_tools
    plot = tools.loss_plot
    with qtbot.captureExceptions() as exceptions:
        _open_example(window, "gaussians softmax")  # validation_split 0.2 in the file
        _train_epoch(window, qtbot)
        _train_epoch(window, qtbot)
        _assert_validation_drawn(window)

        _open_example(window, "xor 241")  # no split: a new run, no validation curve
        _train_epoch(window, qtbot)
        assert tools.session.epoch == 1
        assert not _validation_drawn(plot)
        assert "validation" not in _legend_names(plot)

        _type_split(window, qtbot, "0.2")
        assert window.graph.training["validation_split"] == 0.2
        _train_epoch(window, qtbot)
        assert tools.session.epoch == 2  # the same run, now with a validation loss
        _assert_validation_drawn(window)

        _type_split(window, qtbot, "0")  # and off again, then a fresh run (another file)
        _open_example(window, "spirals tanh")
        _train_epoch(window, qtbot)
        assert not _validation_drawn(plot)
        assert "validation" not in _legend_names(plot)
        _type_split(window, qtbot, "0.3")
        _train_epoch(window, qtbot)
        _assert_validation_drawn(window)
    assert exceptions == []
