"""Update (F8): edges ease from the old weight to the new one under old → new / Δw, then settle.

The reference numbers come from the engine (:func:`bpstudio.model.trace.run_pass` on a fresh
copy of the file), not from the overlay's own stepper.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset
from bpstudio.model.stepper import IDLE, UPDATED
from bpstudio.model.trace import run_pass
from bpstudio.qt.passes.strokes import weight_width

REF = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
LEARNING_RATE = 5.0  # the file's 1e-4 moves no stroke visibly; this one does


@pytest.fixture
def net_file(tmp_path):
    """handwritten_221 with a learning rate whose step shows on the canvas."""
    doc = json.loads((REF / "handwritten_221.json").read_text())
    doc["training"]["learning_rate"] = LEARNING_RATE
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc))
    return path


def _engine(path):
    """(old weights, new weights) by edge id, straight from the engine."""
    g = fileformat.load(path)
    c = compile_graph(g)
    r = run_pass(c, dataset(g), [0], g.training)
    old = {eid: float(r.trace.params[c.edge_param[i]]) for i, eid in enumerate(c.edge_ids)}
    new = {eid: r.updated_weight(eid) for eid in c.edge_ids}
    return old, new


@pytest.fixture
def window(make_window, net_file):
    w = make_window(path=net_file)
    w.pass_tools.controller.set_speed(0)
    w.net_file = net_file
    return w


def _start_update(window, speed=20):
    """Backward pass at once, then an animated update; returns (tools, old, new).

    The easing runs on the test's clock: paused at once and moved on with :func:`_ease_to`,
    its frames 16 ms apart (a steady 60 fps), so no step depends on how fast the machine is
    (a stalled machine landed it early, and a 1.5 s hold could pass between two looks)."""
    tools = window.pass_tools
    c = tools.controller
    c.backward_all()
    assert tools.stepper.backward_done
    settle = tools.overlay.settle
    ticks = iter(range(10**9))
    settle.clock = lambda: next(ticks) * 0.016
    c.set_speed(speed)
    c.update()
    if settle.phase == "easing":
        settle.anim.pause()
    old, new = _engine(window.net_file)
    return tools, old, new


def _ease_to(settle, t: float) -> None:
    """The easing's clock at ``t`` of its duration (1: its end, then the hold)."""
    settle.anim.setCurrentTime(round(settle.anim.duration() * t))


def test_speed_0_shows_the_final_state_at_once(window):
    tools = window.pass_tools
    old, new = _engine(window.net_file)
    tools.controller.full_step()
    assert tools.stepper.state.phase == UPDATED
    assert not tools.overlay.settle.running  # no animation at all
    for eid in new:
        b = tools.overlay.edge_badge(eid)
        assert b is not None
        assert b.values["old"] == pytest.approx(old[eid], rel=1e-12)
        assert b.values["new"] == pytest.approx(new[eid], rel=1e-12)
        assert window.graph.edges[eid].weight == pytest.approx(new[eid], rel=1e-12)
        pen = tools.overlay.strokes[eid].pen()
        want = weight_width(new[eid], tools.overlay.theme, max(abs(v) for v in new.values()))
        assert pen.widthF() == pytest.approx(want)


def test_strokes_ease_from_old_to_new_then_the_labels_settle(window, qtbot):
    tools, old, new = _start_update(window)
    ov = tools.overlay
    settle = ov.settle
    assert settle.phase == "easing"
    # the weights are applied at once; the labels say old → new during the animation
    for eid in new:
        assert window.graph.edges[eid].weight == pytest.approx(new[eid], rel=1e-12)
        assert ov.edge_badge(eid).values["new"] == pytest.approx(new[eid], rel=1e-12)
    wmax = max(abs(v) for v in new.values())
    moving = []
    for eid, (w0, w1) in settle.widths.items():
        assert w0 == pytest.approx(weight_width(old[eid], ov.theme, wmax))
        assert w1 == pytest.approx(weight_width(new[eid], ov.theme, wmax))
        if abs(w1 - w0) > 1e-3:
            moving.append(eid)
    assert moving, "some stroke must change width"
    _ease_to(settle, 0.5)
    assert 0.25 < settle.progress < 0.75
    for eid in moving:
        w0, w1 = settle.widths[eid]
        width = ov.strokes[eid].pen().widthF()
        assert min(w0, w1) < width < max(w0, w1)
    settle.hold_ms = 100
    _ease_to(settle, 0.75)
    _ease_to(settle, 1.0)
    assert settle.phase == "holding"
    qtbot.waitUntil(lambda: not settle.running, timeout=4000)  # the hold's own timer
    assert ov.update_settled
    assert settle.frames >= 3
    for eid in new:
        assert ov.edge_badge(eid) is None  # the editor's own weight labels remain
        assert window.graph.edges[eid].weight == pytest.approx(new[eid], rel=1e-12)
        assert ov.strokes[eid].pen().widthF() == pytest.approx(settle.widths[eid][1])
    assert tools.stepper.state.phase == UPDATED


def test_forward_during_the_animation_finishes_it_cleanly(window, qtbot):
    tools, old, new = _start_update(window)
    ov = tools.overlay
    _ease_to(ov.settle, 0.3)
    assert ov.settle.phase == "easing"
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_F6)
    assert not ov.settle.running and ov.update_settled
    for eid in new:
        assert ov.strokes[eid].pen().widthF() == pytest.approx(ov.settle.widths[eid][1])
        assert ov.edge_badge(eid) is None
    # the next pass runs on the new weights
    tools.controller.set_speed(0)
    tools.controller.next_step()
    assert tools.stepper.state.phase != UPDATED
    assert tools.stepper.result.trace.params.tolist() != list(old.values())


def test_full_step_during_the_hold_starts_the_next_pass(window, qtbot):
    tools, _old, new = _start_update(window)
    ov = tools.overlay
    _ease_to(ov.settle, 1.0)
    assert ov.settle.phase == "holding" and ov.edge_badge("w5") is not None
    tools.controller.set_speed(0)
    tools.controller.full_step()  # a second optimizer step, from the new weights
    assert tools.stepper.state.phase == UPDATED and not ov.settle.running
    b = ov.edge_badge("w5")
    assert b.values["old"] == pytest.approx(new["w5"], rel=1e-12)
    assert window.undo_stack.count() == 2


def test_undo_during_the_animation_restores_the_old_weights(window, qtbot):
    tools, old, _new = _start_update(window)
    ov = tools.overlay
    _ease_to(ov.settle, 0.3)
    assert ov.settle.phase == "easing"
    window.undo_stack.undo()
    for eid in old:
        assert window.graph.edges[eid].weight == old[eid]
    qtbot.waitUntil(lambda: not ov.settle.running, timeout=2000)
    qtbot.wait(50)
    assert tools.stepper.state.phase == IDLE
    assert all(ov.edge_badge(eid) is None for eid in old)
    assert not any(s.isVisible() for s in ov.strokes.values())


def test_reset_during_the_animation_takes_the_update_back(window, qtbot):
    tools, old, _new = _start_update(window)
    ov = tools.overlay
    tools.controller.reset()
    assert not ov.settle.running
    assert window.undo_stack.index() == 0
    for eid in old:
        assert window.graph.edges[eid].weight == old[eid]
    assert not any(s.isVisible() for s in ov.strokes.values())
