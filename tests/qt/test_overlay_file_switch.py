"""Pass overlays across file switches (issue 9, item 1).

Opening another file rebuilt the scene with ``clear()``, which deleted the overlay's badges,
legend and strokes while the overlay still held them: the next pass raised "Internal C++
object (ValueBadge) already deleted" and drew nothing until a restart. Each test drives the
real window: the File menu's actions as a user triggers them, the pass keys on the canvas,
and checks that the numbers on the canvas are the new network's (against the reference
traces, or numpy for the dense network) and that no exception reached ``sys.excepthook``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import Qt

from bpstudio.model import fileformat
from bpstudio.model.stepper import LOSS, UPDATED
from bpstudio.model.templates import dense_network
from bpstudio.qt import dialogs
from bpstudio.qt.passes.badge import ValueBadge
from bpstudio.qt.passes.legend import LegendItem
from bpstudio.qt.passes.strokes import EdgeStroke

REF = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
SHIFT = Qt.KeyboardModifier.ShiftModifier


def _ref(name: str) -> dict:
    return json.loads((REF / f"{name}.trace.json").read_text())


def _menu_action(menu, text: str):
    for act in menu.actions():
        if act.text().replace("&", "") == text:
            return act
    raise AssertionError(f"no {text!r} in {[a.text() for a in menu.actions()]}")


def _open_example(window, name: str) -> None:
    _menu_action(window.example_menu, name).trigger()


def _new_from_template(window, title: str) -> None:
    new_menu = _menu_action(window.menus["File"], "New").menu()
    _menu_action(new_menu, title).trigger()


def _key(window, qtbot, key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    window.activateWindow()
    window.view.setFocus()
    qtbot.keyClick(window.view, key, mods)


def _settle(window, qtbot) -> None:
    """Wait until the walk (and any pulse) has landed and its numbers are drawn (big
    networks draw an instant step's overlay in slices: overlay.refreshing)."""
    c = window.pass_tools.controller
    ov = c.overlay
    qtbot.waitUntil(lambda: not c.walking and not ov.animating and not ov.refreshing, timeout=20000)


def _alive_in_scene(window, item) -> bool:
    return item is not None and item.scene() is window.scene and item.isVisible()


def _assert_forward_shown(window, ref: dict) -> None:
    """Every neuron's badge and the loss badge are on the scene with the reference values,
    and nothing of another network is shown."""
    ov = window.pass_tools.overlay
    assert window.pass_tools.stepper.state.phase == LOSS
    for nid, vals in ref["neurons"].items():
        b = ov.neuron_badge(nid, "forward")
        assert _alive_in_scene(window, b), nid
        if "z" in vals:
            assert b.values["z"] == pytest.approx(vals["z"], rel=1e-9)
            assert b.values["a"] == pytest.approx(vals["a"], rel=1e-9)
        elif nid in window.graph.neurons and window.graph.neurons[nid].role == "input":
            assert b.values["x"] == pytest.approx(vals["a"], rel=1e-9)
    assert ov.visible_loss_badge().values["loss"] == pytest.approx(ref["loss"], rel=1e-9)
    assert _alive_in_scene(window, ov.legend)
    _assert_only_this_network(window)


def _assert_backward_shown(window, ref: dict) -> None:
    ov = window.pass_tools.overlay
    assert window.pass_tools.stepper.backward_done
    for eid, vals in ref["edges"].items():
        b = ov.edge_badge(eid)
        assert _alive_in_scene(window, b), eid
        assert b.values["grad"] == pytest.approx(vals["grad"], rel=1e-9)
        assert _alive_in_scene(window, ov.strokes[eid])
    for nid, vals in ref["neurons"].items():
        if "dL_dz" in vals:
            b = ov.neuron_badge(nid, "forward")
            assert b.values["dL_dz"] == pytest.approx(vals["dL_dz"], rel=1e-9)
    _assert_only_this_network(window)


def _assert_only_this_network(window) -> None:
    """The badges and strokes on the scene all belong to the open network."""
    g = window.graph
    for item in window.scene.items():
        if isinstance(item, ValueBadge) and item.overlay_owner[0] in ("neuron", "edge"):
            kind, ident = item.overlay_owner
            assert ident in (g.neurons if kind == "neuron" else g.edges), item.overlay_owner
        if isinstance(item, EdgeStroke):
            assert item.edge_id in g.edges, item.edge_id
    legends = [it for it in window.scene.items() if isinstance(it, LegendItem)]
    assert len(legends) == 1
    ov = window.pass_tools.overlay
    assert all(shiboken6.isValid(it) for it in ov._all_items())  # nothing it holds is dead


@pytest.fixture
def window(make_window):
    w = make_window()
    w.pass_tools.controller.set_speed(0)
    return w


def test_the_issue_sequence_through_the_menus_and_keys(window, qtbot):
    """Open Example → ecs171 321 → Shift+F6 → Open Example → handwritten 221 → Shift+F6."""
    with qtbot.captureExceptions() as exceptions:
        _open_example(window, "ecs171 321")
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _settle(window, qtbot)
        _assert_forward_shown(window, _ref("ecs171_321"))
        _open_example(window, "handwritten 221")
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _settle(window, qtbot)
        _assert_forward_shown(window, _ref("handwritten_221"))
        assert "loss computed" in window._hint.text()
        # and back again, then the backward pass of the new network
        _open_example(window, "ecs171 321")
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        _settle(window, qtbot)
        _assert_backward_shown(window, _ref("ecs171_321"))
    assert exceptions == []


def test_file_new_then_a_pass(window, qtbot):
    with qtbot.captureExceptions() as exceptions:
        _open_example(window, "ecs171 321")
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        _settle(window, qtbot)
        _new_from_template(window, "2-2-1 lecture network")  # the handwritten network's numbers
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _settle(window, qtbot)
        _assert_forward_shown(window, _ref("handwritten_221"))
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        _assert_backward_shown(window, _ref("handwritten_221"))
        # File → New → Blank (Ctrl+N): nothing to run, said so, nothing of the old pass left
        _key(window, qtbot, Qt.Key_N, Qt.KeyboardModifier.ControlModifier)
        assert not window.graph.neurons
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        assert "cannot run a pass" in window._hint.text()
        ov = window.pass_tools.overlay
        assert not any(isinstance(it, (ValueBadge, EdgeStroke)) for it in window.scene.items())
        assert not ov.legend.isVisible()
    assert exceptions == []


def test_open_recent_then_a_pass(window, qtbot, tmp_path):
    with qtbot.captureExceptions() as exceptions:
        _open_example(window, "handwritten 221")
        _open_example(window, "ecs171 321")
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        _settle(window, qtbot)
        recent = window.recent_menu.actions()
        assert "handwritten_221" in recent[1].text()  # the one before the open file
        recent[1].trigger()
        assert set(window.graph.neurons) == set(_ref("handwritten_221")["neurons"])
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _settle(window, qtbot)
        _assert_forward_shown(window, _ref("handwritten_221"))
    assert exceptions == []


def test_switch_in_the_middle_of_a_pass(window, qtbot):
    """F6 twice (forward half-way), then another file, then the whole forward pass."""
    with qtbot.captureExceptions() as exceptions:
        _open_example(window, "ecs171 321")
        _key(window, qtbot, Qt.Key_F6)
        _key(window, qtbot, Qt.Key_F6)
        assert window.pass_tools.stepper.position() == 2
        _open_example(window, "handwritten 221")
        assert window.pass_tools.stepper.state.phase == "idle"
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _settle(window, qtbot)
        _assert_forward_shown(window, _ref("handwritten_221"))
    assert exceptions == []


def test_switch_while_a_pulse_is_running(window, qtbot):
    """An animated walk, interrupted by opening a file: it stops (nothing of the old network
    is revealed on the new one) and the next walk animates and draws the new network."""
    c = window.pass_tools.controller
    c.set_speed(40)
    with qtbot.captureExceptions() as exceptions:
        _open_example(window, "ecs171 321")
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        qtbot.waitUntil(lambda: c.overlay.animating, timeout=5000)
        _open_example(window, "handwritten 221")
        assert not c.walking and not c.overlay.animating
        assert window.pass_tools.stepper.state.phase == "idle"
        assert not (c.overlay.frozen and c.overlay.frozen.isVisible())
        qtbot.wait(50)  # the stale refresh runs: still nothing drawn
        assert window.pass_tools.stepper.state.phase == "idle"
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        qtbot.waitUntil(lambda: c.overlay.animating, timeout=5000)
        _settle(window, qtbot)
        _assert_forward_shown(window, _ref("handwritten_221"))
    assert exceptions == []


def test_switch_during_the_update_animation(window, qtbot, monkeypatch):
    c = window.pass_tools.controller
    ov = c.overlay
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")  # the update edited
    with qtbot.captureExceptions() as exceptions:
        _open_example(window, "ecs171 321")
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        c.set_speed(20)
        _key(window, qtbot, Qt.Key_F8)
        assert window.pass_tools.stepper.state.phase == UPDATED
        qtbot.waitUntil(lambda: ov.settle.running, timeout=5000)
        _open_example(window, "handwritten 221")
        assert not ov.settle.running
        c.set_speed(0)
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _assert_forward_shown(window, _ref("handwritten_221"))
        _key(window, qtbot, Qt.Key_F8)  # backward and update on the new network
        ref = _ref("handwritten_221")
        for eid, vals in ref["edges"].items():
            assert window.graph.edges[eid].weight == pytest.approx(vals["updated"], rel=1e-9)
            b = ov.edge_badge(eid)
            assert _alive_in_scene(window, b)
            assert b.values["new"] == pytest.approx(vals["updated"], rel=1e-9)
        _assert_only_this_network(window)
    assert exceptions == []


# ------------------------------------------------------------------- bulk mode (> 1000 edges)
def _dense_reference(g) -> tuple[dict, dict]:
    """(a by neuron id, ∂L/∂w by edge id) of ``dense_network`` in plain numpy: sigmoid
    layers, bias 0.1, half squared error, edges numbered source-major layer by layer."""
    layers: list[list[str]] = []
    for nid in g.neurons:  # ids n{layer}_{i}
        layer = int(nid[1 : nid.index("_")])
        if layer == len(layers):
            layers.append([])
        layers[layer].append(nid)
    x = np.array(g.data["samples"][0]["x"], dtype=float)
    y = np.array(g.data["samples"][0]["y"], dtype=float)
    weights, k = [], 0
    for src, tgt in zip(layers, layers[1:], strict=False):
        w = np.empty((len(src), len(tgt)))
        for i in range(len(src)):
            for j in range(len(tgt)):
                k += 1
                w[i, j] = g.edges[f"w{k}"].weight
        weights.append(w)
    acts = [x]
    for w in weights:
        acts.append(1.0 / (1.0 + np.exp(-(acts[-1] @ w + 0.1))))
    delta = (acts[-1] - y) * acts[-1] * (1.0 - acts[-1])
    grads = [None] * len(weights)
    for li in range(len(weights) - 1, -1, -1):
        grads[li] = np.outer(acts[li], delta)
        if li:
            delta = (weights[li] @ delta) * acts[li] * (1.0 - acts[li])
    a = {nid: float(acts[li][i]) for li, ids in enumerate(layers) for i, nid in enumerate(ids)}
    dw, k = {}, 0
    for gmat in grads:
        for v in gmat.reshape(-1):
            k += 1
            dw[f"w{k}"] = float(v)
    return a, dw


@pytest.fixture
def dense_file(tmp_path):
    g = dense_network((8, 16, 16, 16, 16, 8), "dense")  # 1,024 edges: bulk mode
    path = tmp_path / "dense.json"
    fileformat.save(g, path)
    return path


def _open_file(window, monkeypatch, path) -> None:
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(path))
    window.action_by_name["open"].trigger()  # File → Open…


def _assert_dense_backward_shown(window) -> None:
    ov = window.pass_tools.overlay
    a, dw = _dense_reference(window.graph)
    assert window.scene.bulk and window.pass_tools.stepper.backward_done
    for nid in ("n1_0", "n3_7", "n5_7"):
        # a badge with no room by its neuron (16 neurons a column) is hover-only: it is on the
        # scene with this network's numbers, the label placement hid it (its tip shows them)
        b = ov.neuron_badges.get((nid, "forward"))
        assert b is not None and b.scene() is window.scene
        assert b.isVisible() or ov._label_badges.get(("n", nid)) is b
        assert b.values["a"] == pytest.approx(a[nid], rel=1e-9)
    assert _alive_in_scene(window, ov.neuron_badge("n1_0", "forward"))  # the top one has room
    # bulk mode: one stroke layer draws every edge from arrays (no per-edge items)
    shown = ov.stroke_layer.values_by_edge()
    assert len(shown) == len(window.graph.edges) == len(dw)
    for eid, value in shown.items():
        assert value == pytest.approx(dw[eid], rel=1e-9, abs=1e-300)
    assert ov.stroke_layer.scene() is window.scene and ov.stroke_layer.isVisible()
    assert ov.stroke_layer.count == len(shown)
    _assert_only_this_network(window)


def test_bulk_network_then_an_example_and_back(window, qtbot, monkeypatch, dense_file):
    with qtbot.captureExceptions() as exceptions:
        _open_file(window, monkeypatch, dense_file)
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        _settle(window, qtbot)
        _assert_dense_backward_shown(window)
        _open_example(window, "handwritten 221")
        assert not window.scene.bulk
        assert not window.pass_tools.overlay.stroke_layer.isVisible()
        _key(window, qtbot, Qt.Key_F6, SHIFT)
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        _settle(window, qtbot)
        _assert_backward_shown(window, _ref("handwritten_221"))
        _open_file(window, monkeypatch, dense_file)
        window.pass_tools.controller.set_speed(40)  # animated, over the frozen picture
        _key(window, qtbot, Qt.Key_F7, SHIFT)
        _settle(window, qtbot)
        _assert_dense_backward_shown(window)
    assert exceptions == []
