"""The data panel's noise and validation-split sliders and Regenerate, in the real window with
real mouse drags and key presses: one undo step per release (not per position passed), the
values in the file, the data the network trains on regenerated from them."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QStyle, QStyleOptionSlider

from bpstudio.core import data as coredata
from bpstudio.model import fileformat, templates

CIRCLES = {"name": "circles", "n": 200, "noise": 0.1, "seed": 1, "classes": 2}
LEFT = Qt.MouseButton.LeftButton
NO_MODS = Qt.KeyboardModifier.NoModifier


def circles_file(tmp_path):
    g = templates.xor_241()
    g.name = "circles"
    g.data = {"generator": dict(CIRCLES)}
    path = tmp_path / "circles.json"
    path.write_text(fileformat.dumps(g), encoding="utf-8")
    return path


def window(make_window, tmp_path):
    w = make_window(path=circles_file(tmp_path))
    w.training_tools.docks["data"].raise_()  # the Data tab, as a user clicks it
    return w, w.training_tools.data_panel


def handle_centre(slider) -> QPoint:
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    rect = slider.style().subControlRect(
        QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, slider
    )
    return rect.center()


def x_of(slider, pos: int) -> int:
    """The x at which the handle's centre stands at position ``pos``."""
    opt = QStyleOptionSlider()
    slider.initStyleOption(opt)
    style = slider.style()
    groove = style.subControlRect(
        QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderGroove, slider
    )
    handle = style.subControlRect(
        QStyle.ComplexControl.CC_Slider, opt, QStyle.SubControl.SC_SliderHandle, slider
    )
    span = groove.width() - handle.width()
    px = QStyle.sliderPositionFromValue(slider.minimum(), slider.maximum(), pos, span)
    return groove.x() + px + handle.width() // 2


def drag(slider, to_pos: int, qtbot, during=None) -> None:
    """Press on the handle, move in steps to position ``to_pos``, release (a real drag).
    ``during()`` runs while the button is still held."""
    start = handle_centre(slider)
    QTest.mousePress(slider, LEFT, NO_MODS, start)
    end_x = x_of(slider, to_pos)
    for k in range(1, 11):
        QTest.mouseMove(slider, QPoint(start.x() + (end_x - start.x()) * k // 10, start.y()))
    if during is not None:
        during()
    QTest.mouseRelease(slider, LEFT, NO_MODS, QPoint(end_x, start.y()))
    qtbot.wait(5)


def undo_texts(w) -> list[str]:
    stack = w.document.undo_stack
    return [stack.text(i) for i in range(stack.index())]


def test_noise_slider_drag_is_one_undo_step_and_regenerates_the_data(make_window, qtbot,
                                                                      tmp_path):  # fmt: skip
    w, dp = window(make_window, tmp_path)
    slider = dp.noise_slider
    assert slider.float_value() == 0.1 and not slider.isHidden()
    before = list(undo_texts(w))
    seen = {}

    def while_held():  # the document is untouched until the release; the field follows
        seen["noise"] = w.graph.data["generator"]["noise"]
        seen["field"] = dp.gen_noise.value()
        seen["undo"] = list(undo_texts(w))

    drag(slider, 40, qtbot, during=while_held)
    assert seen["noise"] == 0.1 and seen["undo"] == before
    assert math.isclose(seen["field"], slider.value_at(slider.sliderPosition()))
    noise = w.graph.data["generator"]["noise"]
    assert abs(noise - 0.4) <= 0.02 and noise == slider.float_value() == dp.gen_noise.value()
    assert undo_texts(w) == [*before, f"Set noise {noise:g}"]  # one step for the whole drag
    # the network trains on data generated with that noise
    session = w.training_tools.controller.session
    X, _, _ = session.data_points()
    want = coredata.generate("circles", 200, noise, seed=1)
    assert np.array_equal(np.sort(X, axis=0), np.sort(want.X, axis=0))
    # keys: each press is a step of its own
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert math.isclose(w.graph.data["generator"]["noise"], noise + 0.02, abs_tol=1e-12)
    assert len(undo_texts(w)) == len(before) + 3
    # a drag released where it started changes nothing
    drag(slider, slider.value(), qtbot)
    assert len(undo_texts(w)) == len(before) + 3
    # undo, as the menu does: back to the file's noise, the slider with it
    for _ in range(3):
        w.action_by_name["undo"].trigger()
    assert w.graph.data["generator"] == CIRCLES
    assert slider.float_value() == 0.1 and dp.gen_noise.value() == 0.1
    w.action_by_name["redo"].trigger()
    assert w.graph.data["generator"]["noise"] == noise


def test_validation_slider_and_regenerate_are_undoable_and_saved(make_window, qtbot, tmp_path):
    w, dp = window(make_window, tmp_path)
    before = list(undo_texts(w))
    drag(dp.split_slider, 30, qtbot)
    split = w.graph.training["validation_split"]
    assert abs(split - 0.3) <= 0.02 and dp.val_split.value() == split
    assert undo_texts(w) == [*before, "Set validation split"]
    drag(dp.split_slider, 20, qtbot)  # a second release: a second step (not merged)
    split = w.graph.training["validation_split"]
    assert undo_texts(w) == [*before, "Set validation split", "Set validation split"]
    session = w.training_tools.controller.session
    assert session.ensure()
    train, val = coredata.split(coredata.generate("circles", 200, 0.1, seed=1), split, 0)
    assert len(session.val_set) == len(val) > 0 and len(session.train_set) == len(train)
    # Regenerate: a new seed, new data of the same kind, one undo step
    old_X = session.data_points()[0].copy()
    qtbot.mouseClick(dp.regenerate_button, LEFT)
    assert w.graph.data["generator"] == {**CIRCLES, "seed": 2}
    assert dp.gen_seed.value() == 2 and undo_texts(w)[-1] == "Regenerate data"
    assert not np.array_equal(session.data_points()[0], old_X)
    # all three are in the saved file, and the file opens with them on the sliders
    w.action_by_name["save"].trigger()
    doc = fileformat.load(w.document.path)
    assert doc.training["validation_split"] == split
    assert doc.data["generator"] == {**CIRCLES, "seed": 2}
    w2 = make_window(path=w.document.path)
    dp2 = w2.training_tools.data_panel
    assert dp2.split_slider.float_value() == split and dp2.gen_seed.value() == 2
    # undo all three: the file's data and no split
    for _ in range(3):
        w.action_by_name["undo"].trigger()
    assert "validation_split" not in w.graph.training
    assert w.graph.data["generator"] == CIRCLES and dp.split_slider.value() == 0
    # dragged back to 0: the key leaves the file
    w.action_by_name["redo"].trigger()
    drag(dp.split_slider, 0, qtbot)
    assert "validation_split" not in w.graph.training


def test_noise_beyond_the_slider_is_kept_until_the_slider_moves(make_window, qtbot, tmp_path):
    w, dp = window(make_window, tmp_path)
    dp.gen_noise.setFocus()
    QTest.keyClick(dp.gen_noise, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(dp.gen_noise, "2.5")
    QTest.keyClick(dp.gen_noise, Qt.Key.Key_Return)
    assert w.graph.data["generator"]["noise"] == 2.5
    assert dp.noise_slider.value() == dp.noise_slider.maximum()  # at its end, value kept
    drag(dp.noise_slider, dp.noise_slider.maximum(), qtbot)  # released where it was
    assert w.graph.data["generator"]["noise"] == 2.5 and dp.gen_noise.value() == 2.5


def test_a_pass_over_a_batch_too_large_is_refused_with_a_message(make_window, qtbot, tmp_path):
    """Found by the random user (seed 258177): a million generated samples in batch mode, then
    F6 raised TooLarge out of the pass controller and the matrix view's refresh."""
    w, dp = window(make_window, tmp_path)
    dp.gen_n.setFocus()
    QTest.keyClick(dp.gen_n, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(dp.gen_n, "1000000")
    QTest.keyClick(dp.gen_n, Qt.Key.Key_Return)
    assert w.graph.data["generator"]["n"] == 1_000_000
    controls = w.pass_tools.controls
    controls.mode.setFocus()
    QTest.keyClick(controls.mode, Qt.Key.Key_Down)  # "batch"
    assert controls.mode.currentIndex() == 1
    w.pass_tools.matrix_dock.raise_()  # its refresh computes the pass too
    said: list[str] = []
    w.pass_tools.controller.status.connect(said.append)
    w.activateWindow()  # the pass keys are the window's shortcuts
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key.Key_F6)
    qtbot.wait(20)
    assert w.pass_tools.stepper.result is None
    assert "more than the limit of 5,000,000" in w.pass_tools.stepper.error
    assert said and said[-1].startswith("cannot run a pass: a pass of 1,000,000 samples")
