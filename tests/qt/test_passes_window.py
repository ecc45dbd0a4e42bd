"""The pass tools inside the real main window: editor items, selection, F-keys, render."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.model.stepper import BACKWARD, FORWARD, LOSS

REF = Path(__file__).resolve().parent.parent / "fixtures" / "reference"


def _ref(name):
    return json.loads((REF / f"{name}.trace.json").read_text())


@pytest.fixture
def window(make_window):
    w = make_window(path=REF / "handwritten_221.json")
    w.pass_tools.controller.set_speed(0)
    return w


def test_the_window_has_the_pass_tools_once(window):
    tools = window.pass_tools
    names = [d.objectName() for d in window.findChildren(type(tools.explain_dock))]
    assert names.count("explain_dock") == 1 and names.count("matrix_dock") == 1
    assert "Pass" in window.menus


def test_function_keys_step_the_pass_and_the_editor_items_are_tinted(window, qtbot):
    tools = window.pass_tools
    ref = _ref("handwritten_221")
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_F6)
    assert tools.stepper.state.phase == FORWARD and tools.stepper.state.layer == 1
    b = tools.overlay.neuron_badge("h1", "forward")
    assert b.values["a"] == pytest.approx(ref["neurons"]["h1"]["a"], rel=1e-9)
    assert window.scene.neuron_item("h1")._fill_override is not None  # the editor's fill hook
    assert window.scene.neuron_item("o1")._fill_override is None  # not computed yet
    qtbot.keyClick(window.view, Qt.Key_F6)
    qtbot.keyClick(window.view, Qt.Key_F6)
    assert tools.stepper.state.phase == LOSS
    qtbot.keyClick(window.view, Qt.Key_F7)
    assert tools.stepper.state == tools.stepper.state.__class__(BACKWARD, 2)
    qtbot.keyClick(window.view, Qt.Key_F7, Qt.ShiftModifier)
    assert tools.stepper.backward_done
    for eid, r in ref["edges"].items():
        assert tools.overlay.edge_badge(eid).values["grad"] == pytest.approx(r["grad"], rel=1e-9)
    qtbot.keyClick(window.view, Qt.Key_F8)
    assert window.graph.edges["w5"].weight == pytest.approx(ref["edges"]["w5"]["updated"], rel=1e-9)
    assert window.undo_stack.undoText().startswith("Update weights")


def test_forward_after_an_update_starts_a_pass_from_the_new_weights(window, qtbot):
    tools = window.pass_tools
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_F9)  # full step: forward, backward, update
    assert window.undo_stack.undoText().startswith("Update weights")
    new_w1 = window.graph.edges["w1"].weight
    qtbot.keyClick(window.view, Qt.Key_F6)
    assert tools.stepper.state.phase == FORWARD and tools.stepper.state.layer == 1
    z = tools.overlay.neuron_badge("h1", "forward").values["z"]
    w2, b1 = window.graph.edges["w2"].weight, window.graph.neurons["h1"].bias
    assert z == pytest.approx(new_w1 * 0.05 + w2 * 0.1 + b1, rel=1e-12)
    assert new_w1 != pytest.approx(0.15, rel=1e-12, abs=0)  # the update really moved it


def test_editor_selection_drives_the_explain_panel_and_the_matrix(window):
    tools = window.pass_tools
    window.scene.select_ids(edges=["w5"])
    assert "0.7414 × 0.1868 × 0.5933 = 0.0822" in tools.explain.plain_text()
    assert tools.matrix.selected_edge() == "w5"
    window.scene.select_ids(neurons=["h2"])
    assert tools.explain.plain_text().startswith("h2")


def test_clicking_a_matrix_cell_selects_the_edge_on_the_canvas(window, qtbot):
    tools = window.pass_tools
    tools.matrix_dock.show()
    tools.matrix_dock.raise_()
    t = tools.matrix.table(1)
    row, col = t.cell_of["w3"]
    index = t.model().index(row, col)
    tools.matrix.scroll_area.ensureWidgetVisible(t)
    t.scrollTo(index)
    qtbot.waitUntil(lambda: not t.visibleRegion().isEmpty())
    QTest.mouseClick(t.viewport(), Qt.LeftButton, Qt.NoModifier, t.visualRect(index).center())
    assert window.scene.edge_item("w3").isSelected()
    assert window.scene.selected_ids() == ([], ["w3"])
    assert tools.explain.selection == ("edge", "w3")


def test_live_tips_follow_training_writes(window):
    tools = window.pass_tools
    owner = tools.adapter.id_of(window.scene.neuron_item("h1"))
    assert owner == ("neuron", "h1")
    before = tools.tips.text_for(owner)
    window.graph.set_parameters({"w1": 0.9}, {})  # what the training panel emits per tick
    after = tools.tips.text_for(owner)
    assert before != after and "z = 0.415" in after  # 0.9*0.05 + 0.2*0.1 + 0.35


def test_pulses_play_over_a_frozen_picture_and_a_wheel_lands_them(window, qtbot, monkeypatch):
    """The pulse lasts 30 minutes (the speed's time scale injected): the frames painted over
    the frozen picture are waited for as a condition, never raced against a 0.9 s pulse."""
    from bpstudio.qt.passes import controller as pass_controller

    monkeypatch.setattr(pass_controller, "MS_PER_SPEED", 30_000)  # speed 60: 1,800 s per layer
    tools = window.pass_tools
    tools.controller.set_speed(60)
    tools.controller.forward_step()
    ov = tools.overlay
    assert ov.animating and ov.frozen.isVisible()
    qtbot.waitUntil(lambda: len(ov.frozen.paint_ms) >= 2, timeout=3000)
    ev = QWheelEvent(
        QPointF(50, 50), QPointF(window.view.mapToGlobal(QPoint(50, 50))), QPoint(0, 0),
        QPoint(0, 120), Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False,
    )  # fmt: skip
    QApplication.sendEvent(window.view.viewport(), ev)
    assert not ov.animating and not ov.frozen.isVisible()
    assert tools.stepper.state.phase == FORWARD  # landed: the layer is revealed, not lost


def test_a_pulse_over_the_frozen_picture_leaves_the_garbage_collector_alone(window, qtbot):
    """issue 10: the frozen picture called the process-wide gc.freeze() for the walk, moving
    every object of the app out of the collector's reach behind the app's back."""
    import gc

    tools = window.pass_tools
    tools.controller.set_speed(60)
    frozen_before = gc.get_freeze_count()
    tools.controller.forward_step()
    ov = tools.overlay
    assert ov.animating and ov.frozen.isVisible()
    qtbot.waitUntil(lambda: len(ov.frozen.paint_ms) >= 2, timeout=3000)
    assert gc.get_freeze_count() == frozen_before
    qtbot.waitUntil(lambda: not ov.animating, timeout=5000)
    assert gc.get_freeze_count() == frozen_before


def test_render_uses_the_overlay_code(tmp_path):
    from bpstudio.qt.render import OVERLAYS, render_to_file

    assert {"forward", "backward"} <= set(OVERLAYS)
    g = fileformat.load(REF / "ecs171_321.json")
    for kind in ("none", "backward"):
        render_to_file(g, tmp_path / f"{kind}.png", overlay=kind, sample=0)
    plain, back = QImage(str(tmp_path / "none.png")), QImage(str(tmp_path / "backward.png"))
    assert not back.isNull() and back.size() != plain.size() or back != plain


def test_render_overlay_items_hold_the_reference_values(qapp):
    from bpstudio.model.layout import fill_missing_positions
    from bpstudio.qt.canvas.scene import NetworkScene
    from bpstudio.qt.render import OVERLAYS

    g = fileformat.load(REF / "ecs171_321.json")
    fill_missing_positions(g)
    scene = NetworkScene(g)
    OVERLAYS["backward"](scene, g, 0)
    ov = scene._pass_overlay
    ref = _ref("ecs171_321")
    assert ov.edge_badge("wAZ").values["grad"] == pytest.approx(
        ref["edges"]["wAZ"]["grad"], rel=1e-9
    )
    text = ov.neuron_badge("NA", "backward").texts["dL_dz"]
    assert float(text.replace("−", "-")) == float(
        ex.fmt(ref["neurons"]["NA"]["dL_dz"]).replace("−", "-")
    )


def test_the_loss_badge_is_brought_on_screen_after_a_pass(window, qtbot):
    tools = window.pass_tools
    window.view.centerOn(-400, 0)  # the outputs and the loss are off to the right
    tools.controller.forward_all()
    badge = tools.overlay.visible_loss_badge()
    assert badge is not None

    def on_screen():
        shown = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
        return shown.contains(badge.sceneBoundingRect())

    qtbot.waitUntil(on_screen, timeout=2000)
    shown = window.view.mapToScene(window.view.viewport().rect()).boundingRect()
    assert shown.contains(window.scene.network_rect())  # and the inputs did not go off
