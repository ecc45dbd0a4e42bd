"""The window fits a 1024x640 projector with every dock shown, and the canvas comes first.

Issue 11: the window's minimum size was 718x809 (852+ once the training dock showed a
message), the canvas the smallest thing on screen, and the left dock grew mid-run.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget

from bpstudio.paths import example_files
from bpstudio.qt.window_layout import MAX_MINIMUM

LONG = (
    "Training stopped: the loss became NaN at epoch 1,234 (learning rate 10 is too large for "
    "this network; try 0.1). The weights of the last finite epoch are kept. " * 3
)


def show_every_dock(w) -> list[QDockWidget]:
    docks = w.findChildren(QDockWidget)
    for d in docks:
        d.show()
    return docks


def assert_fits(w) -> None:
    hint = w.minimumSizeHint()
    assert hint.width() <= MAX_MINIMUM.width(), f"minimum width {hint.width()}"
    assert hint.height() <= MAX_MINIMUM.height(), f"minimum height {hint.height()}"


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_every_example_fits_1024x640_with_every_dock_shown(make_window, qtbot, path):
    w = make_window(path=path)
    show_every_dock(w)
    qtbot.wait(10)
    assert_fits(w)
    w.resize(MAX_MINIMUM)  # the window really goes that small, the status bar still there
    qtbot.waitUntil(lambda: w.size() == MAX_MINIMUM)
    assert w.statusBar().isVisible() and w.statusBar().geometry().bottom() < w.height()


def test_messages_never_grow_the_window_or_the_left_column(make_window, qtbot):
    w = make_window(path=next(p for p in example_files() if p.stem == "xor_241"))
    show_every_dock(w)
    tools = w.training_tools
    # the opened file's redraw of the counter, once: landing after the long text below, it
    # rewrote "epoch 0 / 500" over it (a fast machine reached the check before it had run)
    qtbot.waitUntil(lambda: not tools.controller.refresh_pending)
    left = tools.docks["training"]
    width_before = left.width()
    tools.controller.message.emit(LONG, "error")  # what a diverged run says
    w.status(LONG)  # a long status line (a file name, an error)
    tools.training_panel.epoch_label.setText("epoch 1,234,567 / 10,000,000")
    tools.training_panel.rate_label.setText("123,456 epochs/s")
    qtbot.wait(20)
    assert_fits(w)
    assert left.width() == width_before
    # the counter shrinks to show its end rather than being cut ("epoch 534 / 3,0")
    assert tools.training_panel.epoch_label.elided_text().endswith("10,000,000")


def test_a_real_run_keeps_the_left_column_width(make_window, qtbot):
    """Play on XOR (500 epochs): the counter grows from "epoch 0 / 500" to "500 / 500"."""
    w = make_window(path=next(p for p in example_files() if p.stem == "xor_241"))
    left = w.training_tools.docks["training"]
    width_before = left.width()
    panel = w.training_tools.training_panel
    QTest.mouseClick(panel.play_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not w.training_tools.controller.running, timeout=30000)
    assert w.training_tools.controller.epoch == 500
    assert left.width() == width_before
    assert_fits(w)


def test_the_canvas_gets_half_the_window_at_1280x720(make_window, qtbot):
    w = make_window(path=next(p for p in example_files() if p.stem == "ecs171_321"))
    w.resize(1280, 720)
    w.reset_layout()  # View > Reset Layout: the default arrangement at this size
    qtbot.wait(50)
    vp = w.view.viewport()
    share = vp.width() * vp.height() / (w.width() * w.height())
    assert share >= 0.5, f"the canvas has {share:.0%} of the window"


def test_fit_puts_the_network_below_the_legend_and_keeps_fitting_on_resize(make_window, qtbot):
    w = make_window(path=next(p for p in example_files() if p.stem == "ecs171_321"))
    w.action_by_name["fit"].trigger()  # View > Fit to View

    def network_on_screen() -> QRect:
        return w.view.mapFromScene(w.scene.network_rect()).boundingRect()

    legend = w.view.legend.geometry()
    for size in ((1200, 800), (1024, 640), (1600, 900)):
        w.resize(*size)
        qtbot.waitUntil(lambda s=size: w.size().toTuple() == s)
        qtbot.wait(20)
        net = network_on_screen()
        assert w.view.viewport().rect().contains(net), (size, net)
        assert not net.intersects(legend), (size, net, legend)
    # a zoom of the user's own is kept through a resize
    w.action_by_name["zoom_in"].trigger()  # View > Zoom In
    zoom = w.view.zoom()
    w.resize(1200, 800)
    qtbot.waitUntil(lambda: w.size().toTuple() == (1200, 800))
    assert w.view.zoom() == zoom


def test_reset_layout_brings_back_closed_and_floated_docks(make_window, qtbot):
    w = make_window()
    t = w.training_tools.docks
    t["loss"].close()
    w.inspector_dock.setFloating(True)
    w.action_by_name["reset_layout"].trigger()  # View > Reset Layout
    qtbot.wait(20)
    assert t["loss"].isVisible() and not w.inspector_dock.isFloating()
    assert w.dockWidgetArea(w.inspector_dock) == Qt.DockWidgetArea.RightDockWidgetArea
    assert w.dockWidgetArea(t["training"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert set(w.tabifiedDockWidgets(t["loss"])) == {
        t["grads"],
        t["boundary"],
        t["activations"],
        t["landscape"],
    }


def test_the_app_opens_inside_a_1280x720_projector(qtbot):
    """`bpstudio` on a 1280x720 screen: the window (default 1280x800, and showing it can
    grow it as the docks first lay out) is shrunk to the screen, status bar included."""
    from bpstudio.qt.app import create_window, fit_to_screen

    screen = QRect(0, 0, 1280, 720)
    w = create_window(None)
    qtbot.addWidget(w)
    fit_to_screen(w, screen)
    w.show()
    qtbot.waitExposed(w)
    fit_to_screen(w, screen)
    QApplication.processEvents()
    assert w.width() <= 1280 and w.height() <= 720, w.size()
    assert w.statusBar().isVisible()
    bottom = w.statusBar().mapTo(w, w.statusBar().rect().bottomLeft()).y()
    assert bottom <= 720
    w.document.undo_stack.setClean()


def _drawn_around(w) -> list[tuple[str, QRect]]:
    """Each layer handle and neuron tile, as viewport rectangles."""
    v = w.view
    out = [(f"handle {h.text}", v.mapFromScene(h.sceneBoundingRect()).boundingRect())
           for h in w.layer_handles.handles]  # fmt: skip
    out += [(f"tile of {nid}", v.mapFromScene(t.sceneBoundingRect()).boundingRect())
            for nid, t in w.neuron_tiles.tiles.items()]  # fmt: skip
    return out


def _assert_in_view_below_the_legend(w) -> None:
    v = w.view
    vp = v.viewport().rect()
    legend = v.legend.geometry() if v.legend.isVisible() else QRect()
    drawn = _drawn_around(w)
    assert any(name.startswith("handle") for name, _ in drawn)
    for name, r in drawn:
        assert vp.contains(r), (name, r, vp)
        assert not r.intersects(legend), (name, r, legend)


def test_the_network_opens_fitted_with_its_handles_and_tiles(qtbot, monkeypatch):
    """`bpstudio` on a 1280x720 projector (its start-up sequence, app.run): once settled,
    every layer handle and neuron tile of the 2-2-1 start network is inside the canvas and
    off the legend (the "⠿ 2 inputs" handle was cut off at the left edge: the view fitted
    before the handles and tiles were drawn). Then Open Example → ECS171 (its "⠿ 4 neurons"
    handle sat on the legend's bottom edge) and → XOR."""
    from bpstudio.qt import dialogs
    from bpstudio.qt.app import create_window, fit_to_screen

    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")
    screen = QRect(0, 0, 1280, 720)
    w = create_window(None)
    qtbot.addWidget(w)
    fit_to_screen(w, screen)
    w.show()
    fit_to_screen(w, screen)
    w.view.fit_all()  # as app.run does, and once more when the first layout has landed
    qtbot.waitExposed(w)
    fit_to_screen(w, screen)
    w.view.fit_all()
    qtbot.waitUntil(lambda: len(w.neuron_tiles.tiles) == 3)  # h1, h2, o1
    QApplication.processEvents()
    _assert_in_view_below_the_legend(w)
    for name in ("ecs171 321", "xor 241"):
        (act,) = [a for a in w.example_menu.actions() if a.text() == name]
        act.trigger()
        qtbot.waitUntil(lambda: bool(w.layer_handles.handles))
        QApplication.processEvents()
        _assert_in_view_below_the_legend(w)
    w.document.undo_stack.setClean()
