"""The lecture layout (F5) as a lecturer uses it, and the pass controls in the Pass menu."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDockWidget, QToolBar
from test_label_layout import collisions  # noqa: E402 (tests/qt on the path)

from bpstudio.paths import example_files
from bpstudio.qt.passes.badge import ValueBadge
from bpstudio.qt.passes.presentation import MIN_SCREEN_PX


def example(name: str):
    return next(p for p in example_files() if p.stem == name)


def lecture_window(make_window, qtbot, monkeypatch, name: str, size=(1280, 720)):
    """The example on a projector of this size: full screen fills it (offscreen has no
    window manager to do that, and its one screen is 800x800)."""
    w = make_window(path=example(name))
    w.resize(*size)
    monkeypatch.setattr(w, "showFullScreen", lambda: w.resize(*size))
    w.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.pass_tools.controller.set_speed(0)  # steps land at once
    w.view.setFocus()
    return w


def enter(w, qtbot) -> None:
    """F5 (the window stays at its size offscreen: full screen is the window manager's)."""
    qtbot.keyClick(w.view, Qt.Key.Key_F5)
    p = w.pass_tools.presentation
    assert p.active
    qtbot.wait(30)  # the resize after hiding the menus lands, the layout fits again


def visible_docks(w) -> list[str]:
    return [d.windowTitle() for d in w.findChildren(QDockWidget) if d.isVisible()]


def test_f5_shows_the_canvas_alone_and_esc_brings_everything_back(make_window, qtbot, monkeypatch):
    w = lecture_window(make_window, qtbot, monkeypatch, "handwritten_221")
    docks_before = visible_docks(w)
    zoom_before = w.view.zoom()
    enter(w, qtbot)
    assert not w.menuBar().isVisible() and not w.statusBar().isVisible()
    assert not any(b.isVisible() for b in w.findChildren(QToolBar))
    assert visible_docks(w) == []
    bar = w.pass_tools.presentation.bar
    assert bar.isVisible()
    vp = w.view.viewport().geometry()
    assert vp.contains(bar.geometry())  # on screen, inside the canvas
    # the bar's Forward button does what F6 does
    QTest.mouseClick(bar.buttons["Forward F6"], Qt.MouseButton.LeftButton)
    assert w.pass_tools.stepper.state.phase != "idle"
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    assert not w.pass_tools.presentation.active
    assert w.menuBar().isVisible() and w.statusBar().isVisible()
    assert sorted(visible_docks(w)) == sorted(docks_before)
    assert not bar.isVisible()
    assert w.view.zoom() == pytest.approx(zoom_before)
    # outside the layout Esc is the canvas's again (back to the Select tool)
    w.view.set_tool("connect")
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    assert w.view.tool is w.view.tools["select"]


def _numbers_on_screen_px(w) -> list[float]:
    scale = w.view.transform().m11()
    sizes = [
        item.font_px * scale
        for item in w.scene.items()
        if isinstance(item, ValueBadge) and item.isVisible() and item.lines
    ]
    weight = w.pass_tools.presentation.weight_label_screen_px()
    if w.scene.show_weights and weight is not None:
        sizes.append(weight)
    return sizes


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["720p", "1080p"])
@pytest.mark.parametrize("name", [p.stem for p in example_files()])
def test_every_number_is_at_least_24_px_on_screen_and_none_collide(
    make_window, qtbot, monkeypatch, name, size
):
    w = lecture_window(make_window, qtbot, monkeypatch, name, size)
    enter(w, qtbot)
    scales = []
    for key in (Qt.Key.Key_F6, Qt.Key.Key_F7, Qt.Key.Key_F8):  # forward, backward, update
        qtbot.keyClick(w.view, key, Qt.KeyboardModifier.ShiftModifier if key != Qt.Key.Key_F8
                       else Qt.KeyboardModifier.NoModifier)  # fmt: skip
        qtbot.wait(30)
        sizes = _numbers_on_screen_px(w)
        assert sizes, "no number on the canvas"
        assert min(sizes) >= MIN_SCREEN_PX, (name, key, min(sizes))
        loss = w.pass_tools.overlay.visible_loss_badge()
        if loss is not None:  # the loss badge is on screen, not past the edge
            on_screen = w.view.mapFromScene(loss.sceneBoundingRect()).boundingRect()
            assert w.view.viewport().rect().contains(on_screen), (name, key, on_screen)
        # no number past the screen's edge or under the bar: the placement keeps them inside
        p = w.pass_tools.presentation
        room = w.view.viewport().rect().adjusted(0, 0, 0, -p._reserved_bottom())
        for item in w.scene.items():
            if isinstance(item, ValueBadge) and item.isVisible() and item.lines:
                box = w.view.mapFromScene(item.sceneBoundingRect()).boundingRect()
                assert room.adjusted(-2, -2, 2, 2).contains(box), (name, key, item.lines, box)
        scales.append(w.view.transform().m11())
        assert collisions(w.scene) == [], (name, size, key)  # no label on a label or a neuron
    # the network keeps its size from step to step (the scale comes from the network alone)
    assert max(scales) == pytest.approx(min(scales)), (name, scales)
    # and the network with its numbers is on screen, above the bar
    net = w.view.mapFromScene(w.scene.network_rect()).boundingRect()
    assert w.view.viewport().rect().contains(net)


def test_the_lecturer_picks_one_plot(make_window, qtbot, monkeypatch):
    w = lecture_window(make_window, qtbot, monkeypatch, "xor_241")
    enter(w, qtbot)
    p = w.pass_tools.presentation
    p.keep_menu.aboutToShow.emit()  # View > Lecture Plot opens
    entries = {a.text(): a for a in p.keep_menu.actions()}
    assert list(entries) == ["No Plot", "Loss", "Gradient norms", "Decision boundary",
                             "Activations", "Loss landscape"]  # fmt: skip
    entries["Loss"].trigger()
    assert visible_docks(w) == ["Loss"]
    p.keep_menu.aboutToShow.emit()
    {a.text(): a for a in p.keep_menu.actions()}["Gradient norms"].trigger()
    assert visible_docks(w) == ["Gradient norms"]  # at most one
    p.keep_menu.aboutToShow.emit()
    {a.text(): a for a in p.keep_menu.actions()}["Loss landscape"].trigger()
    assert visible_docks(w) == ["Loss landscape"]
    lp = w.training_tools.landscape_plot
    qtbot.waitUntil(lambda: lp.surface is not None)  # drawn when it comes on screen
    p.keep_menu.aboutToShow.emit()
    {a.text(): a for a in p.keep_menu.actions()}["Gradient norms"].trigger()
    net = w.view.mapFromScene(w.scene.network_rect()).boundingRect()
    assert w.view.viewport().rect().contains(net)  # fitted again beside the plot
    qtbot.keyClick(w.view, Qt.Key.Key_F5)  # F5 leaves too
    assert not p.active and "Loss" in visible_docks(w)


def test_pass_menu_sets_sample_mode_speed_and_decimals(make_window, qtbot, monkeypatch):
    w = lecture_window(make_window, qtbot, monkeypatch, "xor_241")  # four samples
    menu = w.menus["Pass"]
    c = w.pass_tools.controls
    menu.aboutToShow.emit()
    by_text = {a.text().replace("&", ""): a for a in menu.actions()}
    by_text["Whole Batch"].trigger()
    assert c.mode.currentIndex() == 1 and w.pass_tools.stepper.samples is None
    by_text["One Sample"].trigger()
    assert c.mode.currentIndex() == 0 and w.pass_tools.stepper.samples == [0]
    qtbot.keyClick(w.view, Qt.Key.Key_BracketRight)  # ]: the next sample
    assert c.sample.value() == 1 and w.pass_tools.stepper.samples == [1]
    qtbot.keyClick(w.view, Qt.Key.Key_BracketLeft)
    assert c.sample.value() == 0
    speed = next(a for a in menu.actions() if a.menu() and "Speed" in a.text()).menu()
    slow = next(a for a in speed.actions() if a.text().startswith("Slow"))
    slow.trigger()
    assert w.pass_tools.controller.speed == 100 and slow.isChecked()
    decimals = next(a for a in menu.actions() if a.menu() and "Decimals" in a.text()).menu()
    three = next(a for a in decimals.actions() if a.text() == "3 decimals")
    three.trigger()
    assert w.pass_tools.overlay.decimals == 3 and c.decimals.value() == 3
    c.decimals.setValue(7)  # set on the toolbar: no preset is checked
    assert not any(a.isChecked() for a in decimals.actions())


def test_a_dense_network_never_shrinks_away_under_its_numbers(make_window, qtbot, monkeypatch):
    """Numbers are sized in screen pixels: fitting a dense network with all its badges shrank
    the scale, which grew the badges, which shrank it again (a random-user run spent minutes
    in that loop). The bare network keeps at least a quarter of its own fit."""
    from bpstudio.qt.passes.presentation import MIN_FIT_SHARE

    w = lecture_window(make_window, qtbot, monkeypatch, "vanishing_sigmoid")  # 51 neurons
    enter(w, qtbot)
    qtbot.keyClick(w.view, Qt.Key.Key_F7, Qt.KeyboardModifier.ShiftModifier)  # all the badges
    qtbot.wait(30)
    p = w.pass_tools.presentation
    for _ in range(3):  # fitting again (each step, each resize) does not drift
        p.fit()
    vp = w.view.viewport().rect()
    net = w.scene.network_rect()
    bare_fit = min(vp.width() / net.width(), (vp.height() - p._reserved_bottom()) / net.height())
    assert w.view.transform().m11() >= MIN_FIT_SHARE * bare_fit * 0.999
    assert p.screen_px() >= MIN_SCREEN_PX
    assert w.pass_tools.overlay.font_px * w.view.transform().m11() < 40  # not runaway numbers


def test_a_tall_network_is_spread_sideways_on_screen_only(make_window, qtbot, monkeypatch):
    """ECS171's 3-2-1 with its bias unit is taller than a 16:9 screen's shape: the lecture
    layout draws it wider (its edges then carry their numbers), the document untouched; a
    neuron dragged meanwhile lands where it was dropped, and Esc draws the file's layout."""
    w = lecture_window(make_window, qtbot, monkeypatch, "ecs171_321")
    doc = {nid: (n.x, n.y) for nid, n in w.graph.neurons.items()}
    enter(w, qtbot)
    scene = w.scene
    assert scene.view_stretch > 1.2
    assert {nid: (n.x, n.y) for nid, n in w.graph.neurons.items()} == doc
    xs = {nid: scene.neuron_item(nid).pos().x() for nid in doc}
    span = max(xs.values()) - min(xs.values())
    assert span == pytest.approx(scene.view_stretch * (max(x for x, _ in doc.values())
                                                       - min(x for x, _ in doc.values())))  # fmt: skip
    assert not w.isWindowModified()
    # drag the output 60 screen px to the right with the mouse
    out = next(nid for nid, n in w.graph.neurons.items() if n.role == "output")
    item = scene.neuron_item(out)
    start = w.view.mapFromScene(item.pos())
    end = start + QPoint(60, 0)
    vp = w.view.viewport()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for k in range(1, 7):
        QTest.mouseMove(vp, start + QPoint(10 * k, 0))
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, end)
    qtbot.wait(30)
    n = w.graph.neurons[out]
    moved = 60 / w.view.transform().m11() / scene.view_stretch  # in the document's units
    assert n.x == pytest.approx(doc[out][0] + moved, abs=0.6) and n.y == doc[out][1]
    drawn = w.view.mapFromScene(scene.neuron_item(out).pos())
    assert abs(drawn.x() - end.x()) <= 2 and abs(drawn.y() - end.y()) <= 2  # where it was let go
    qtbot.keyClick(w.view, Qt.Key.Key_Escape)
    assert scene.view_stretch == 1.0
    for nid in doc:  # drawn at the document's positions again (the dragged one's new one)
        want = (w.graph.neurons[nid].x, w.graph.neurons[nid].y)
        assert (scene.neuron_item(nid).pos().x(), scene.neuron_item(nid).pos().y()) == want


def test_layer_handles_sit_over_their_columns_as_drawn_when_spread(make_window, qtbot, monkeypatch):
    """The lecture layout spreads ECS171 sideways on screen (scene.set_view_stretch); a
    layer handle built meanwhile (the layout hides them, a later toggle or rebuild shows
    them) stands over its column where it is drawn, not at the document's x."""
    w = lecture_window(make_window, qtbot, monkeypatch, "ecs171_321")
    enter(w, qtbot)
    scene = w.scene
    assert scene.view_stretch > 1.0
    w.layer_handles.set_visible(True)
    assert w.layer_handles.handles
    for h in w.layer_handles.handles:
        xs = [scene.neuron_item(i).pos().x() for i in h.ids]
        assert h.pos().x() == pytest.approx(sum(xs) / len(xs)), h.text
