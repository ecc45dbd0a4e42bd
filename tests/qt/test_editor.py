"""The editor driven like a lecturer would: mouse and keyboard on the real widgets."""

from __future__ import annotations

from gestures import choose
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model import fileformat, templates
from bpstudio.qt import dialogs

POS = {"x1": (0, -55), "x2": (0, 55), "h1": (220, -55), "h2": (220, 55), "o1": (440, 0)}
EDGES = [("x1", "h1", 0.15), ("x2", "h1", 0.20), ("x1", "h2", 0.25), ("x2", "h2", 0.30),
         ("h1", "o1", 0.40), ("h2", "o1", 0.45)]  # fmt: skip
BIASES = {"h1": 0.35, "h2": 0.35, "o1": 0.60}


def click_tool(qtbot, window, name):
    button = window.toolbar.widgetForAction(window.action_by_name["tool_" + name])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.view.tool.name == name


def structure(graph):
    """What 'the same network' means: roles, activations, biases, edges with weights."""
    neurons = {
        n.id: (n.role, n.activation, round(n.bias, 12), n.x, n.y) for n in graph.neurons.values()
    }
    edges = {(e.source, e.target, e.weight) for e in graph.edges.values()}
    return neurons, edges


def build_221(qtbot, window, mouse):
    m = mouse(window.view)
    for role, ids in [("place_input", ["x1", "x2"]), ("place_hidden", ["h1", "h2"]),
                      ("place_output", ["o1"])]:  # fmt: skip
        click_tool(qtbot, window, role)
        for nid in ids:
            m.click(*POS[nid])
    assert list(window.graph.neurons) == ["x1", "x2", "h1", "h2", "o1"]
    click_tool(qtbot, window, "connect")
    for s, t, _ in EDGES:
        m.drag(POS[s], POS[t])
    assert len(window.graph.edges) == 6
    QTest.keyClick(window.view, Qt.Key.Key_Escape)  # back to the select tool
    assert window.view.tool.name == "select"
    # weights and biases typed into the inspector after clicking the item on the canvas
    for s, t, w in EDGES:
        (x1, y1), (x2, y2) = POS[s], POS[t]
        m.click(x1 + (x2 - x1) * 0.35, y1 + (y2 - y1) * 0.35)
        assert window.inspector.currentWidget() is window.inspector.edge_page
        field = window.inspector.e_weight
        field.selectAll()
        qtbot.keyClicks(field, str(w))
    for nid, b in BIASES.items():
        m.click(*POS[nid])
        assert window.scene.selected_ids() == ([nid], [])
        field = window.inspector.n_bias
        field.selectAll()
        qtbot.keyClicks(field, str(b))
        field.editingFinished.emit()


def test_build_221_by_gestures_save_reopen_undo_redo(qtbot, make_window, mouse, tmp_path,
                                                     monkeypatch):  # fmt: skip
    window = make_window(templates.blank())
    assert not window.graph.neurons and not window.document.modified
    build_221(qtbot, window, mouse)
    built = structure(window.graph)
    ref = templates.lecture_221()
    assert {(e.source, e.target, e.weight) for e in ref.edges.values()} == built[1]
    assert {k: v[:3] for k, v in built[0].items()} == {
        n.id: (n.role, n.activation, n.bias) for n in ref.neurons.values()
    }
    assert window.document.modified and "*" in window.windowTitle()

    target = tmp_path / "mine.json"
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(target))
    window.action_by_name["save"].trigger()
    assert target.exists() and not window.document.modified
    assert "*" not in window.windowTitle()
    reopened = make_window(path=target)
    assert structure(reopened.graph) == built
    assert structure(fileformat.load(target)) == built

    # undo every step back to an empty canvas, then redo to the end
    stack = window.undo_stack
    steps = stack.count()
    assert steps == 5 + 6 + 6 + 3  # neurons, edges, weights (typing merged), biases
    while stack.canUndo():
        QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        if stack.index() == steps:  # shortcut not delivered (no active window): use the action
            window.action_by_name["undo"].trigger()
        steps = stack.index()
    assert not window.graph.neurons and not window.graph.edges
    assert not window.scene.neuron_items() and not window.scene.edge_items()
    while stack.canRedo():
        window.action_by_name["redo"].trigger()
    assert structure(window.graph) == built
    assert len(window.scene.edge_items()) == 6
    assert not window.document.modified  # back at the saved state: clean again


def test_invalid_connections_are_refused_with_reason(qtbot, make_window, mouse):
    window = make_window(templates.lecture_221())
    m = mouse(window.view)
    click_tool(qtbot, window, "connect")
    before = len(window.graph.edges)
    cases = [(("o1", "h1"), "output"), (("h1", "x1"), "input"), (("x1", "h1"), "already")]
    for (s, t), word in cases:
        m.drag(POS[s], POS[t])
        assert word in window.view.last_refusal
        assert word in window._hint.text()
    assert len(window.graph.edges) == before
    m.drag(POS["h1"], POS["h2"])  # a legal hidden -> hidden edge
    assert len(window.graph.edges) == before + 1
    m.drag(POS["h2"], POS["h1"])  # would close a cycle
    assert "cycle" in window.view.last_refusal
    assert len(window.graph.edges) == before + 1


def items_at(window, x: float, y: float) -> list:
    """What the view draws at scene point (x, y), as the window is now."""
    v = window.view
    return v.items(v.mapFromScene(QPointF(x, y)))


def rubber_band(window, m, a: tuple[float, float], b: tuple[float, float]) -> None:
    """A rubber band over the rectangle a-b, pressed at a corner where nothing is drawn
    (a layer handle sits above each column): looked up in the window as it is now."""
    (x0, y0), (x1, y1) = a, b
    corners = [((x0, y0), (x1, y1)), ((x1, y1), (x0, y0)),
               ((x0, y1), (x1, y0)), ((x1, y0), (x0, y1))]  # fmt: skip
    start, end = next((p, q) for p, q in corners if not items_at(window, *p))
    m.drag(start, end)


def test_select_drag_is_one_step_and_nudge_and_delete(qtbot, make_window, mouse):
    window = make_window(templates.lecture_221())
    m = mouse(window.view)
    rubber_band(window, m, (180, -110), (260, 110))  # around the two hidden neurons
    assert window.scene.selected_ids()[0] == ["h1", "h2"]
    m.drag((220, -55), (260, -95), steps=8)  # drag from h1's centre moves both
    assert (window.graph.neurons["h1"].x, window.graph.neurons["h1"].y) == (260, -95)
    assert (window.graph.neurons["h2"].x, window.graph.neurons["h2"].y) == (260, 15)
    assert window.undo_stack.count() == 1
    assert window.scene.neuron_item("h1").pos().x() == 260
    QTest.keyClick(window.view, Qt.Key.Key_Right)
    QTest.keyClick(window.view, Qt.Key.Key_Right)
    assert window.graph.neurons["h1"].x == 280 and window.undo_stack.count() == 2  # merged
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert window.graph.neurons["h1"].x == 220
    # Ctrl adds to the selection; Delete removes the neurons with their edges in one step
    m.click(*POS["h1"])
    m.click(*POS["o1"], Qt.KeyboardModifier.ControlModifier)
    assert window.scene.selected_ids()[0] == ["h1", "o1"]
    window.action_by_name["delete"].trigger()
    assert set(window.graph.neurons) == {"x1", "x2", "h2"}
    assert {(e.source, e.target) for e in window.graph.edges.values()} == {("x1", "h2"),
                                                                            ("x2", "h2")}  # fmt: skip
    assert window.undo_stack.undoText() == "Delete 2 neurons"
    window.undo_stack.undo()
    assert structure(window.graph) == structure(templates.lecture_221())
    assert len(window.scene.edge_items()) == 6


def test_rim_drag_in_select_tool_connects(qtbot, make_window, mouse):
    window = make_window(templates.lecture_221())
    m = mouse(window.view)
    m.drag((220, -55 + 20), (220, 55))  # from h1's rim to h2
    assert window.graph.edge_between("h1", "h2") is not None
    assert window.graph.neurons["h1"].y == -55  # not moved


def test_double_click_adds_neuron_and_warning_badge(qtbot, make_window, mouse):
    window = make_window(templates.lecture_221())
    mouse(window.view).double_click(220, 250)
    new = [n for n in window.graph.neurons if n not in POS]
    assert len(new) == 1 and window.graph.neurons[new[0]].role == "hidden"
    window.scene.flush()
    warning = window.scene.neuron_item(new[0]).warning
    assert "no path from an input" in warning and "no path to an output" in warning
    assert window.scene.neuron_item("h1").warning is None


def test_copy_paste_duplicate_select_all(qtbot, make_window, mouse):
    window = make_window(templates.lecture_221())
    window.scene.select_ids(["x1", "h1"])
    window.action_by_name["copy"].trigger()
    window.action_by_name["paste"].trigger()
    assert len(window.graph.neurons) == 7
    assert len(window.graph.edges) == 7  # the x1 -> h1 edge came along, nothing else
    pasted, _ = window.scene.selected_ids()
    assert len(pasted) == 2 and not set(pasted) & set(POS)
    window.action_by_name["duplicate"].trigger()
    assert len(window.graph.neurons) == 9 and len(window.graph.edges) == 8
    window.action_by_name["select_all"].trigger()
    assert len(window.scene.selected_ids()[0]) == 9
    window.action_by_name["cut"].trigger()
    assert not window.graph.neurons
    window.undo_stack.undo()
    assert len(window.graph.neurons) == 9


def test_add_layer_connect_fully_and_layout(qtbot, make_window, monkeypatch):
    window = make_window(templates.blank())
    monkeypatch.setattr(dialogs, "ask_layer", lambda *a: (2, "tanh", "hidden"))
    for role, ids in [("input", ["a", "b", "c"])]:
        from bpstudio.model.graph import Neuron

        for k, i in enumerate(ids):
            window.graph.add_neuron(Neuron(i, role, x=0, y=k * 100))
    window.action_by_name["add_layer"].trigger()
    hidden = [n.id for n in window.graph.neurons.values() if n.role == "hidden"]
    assert len(hidden) == 2 and len(window.graph.edges) == 6
    assert all(window.graph.neurons[h].activation == "tanh" for h in hidden)
    monkeypatch.setattr(dialogs, "ask_layer", lambda *a: (1, "sigmoid", "output"))
    window.scene.clearSelection()
    window.action_by_name["add_layer"].trigger()
    assert len(window.graph.edges) == 8
    out = [n.id for n in window.graph.neurons.values() if n.role == "output"]
    # connect selected -> selected: inputs straight to the output (skip connections)
    window.scene.select_ids(["a", "b", "c", *out])
    window.action_by_name["connect_fully"].trigger()
    assert len(window.graph.edges) == 11
    window.graph.set_neuron("a", x=500, y=500)
    window.action_by_name["layout"].trigger()
    xs = {n.id: n.x for n in window.graph.neurons.values()}
    assert xs["a"] == xs["b"] == xs["c"] == 0 and xs[out[0]] == 440
    window.action_by_name["layout"].trigger()  # stable: a second layout changes nothing
    assert window.undo_stack.undoText() == "Auto-layout"
    assert {n.id: n.x for n in window.graph.neurons.values()} == xs


def test_inspector_typing_merges_into_one_step(qtbot, make_window, mouse):
    window = make_window(templates.lecture_221())
    mouse(window.view).click(*POS["h1"])
    field = window.inspector.n_label
    field.selectAll()
    qtbot.keyClicks(field, "hidden one")
    assert window.graph.neurons["h1"].label == "hidden one"
    assert window.undo_stack.count() == 1
    assert window.action_by_name["undo"].text() == "&Undo Set label of h1"
    choose(window.inspector.n_act, "relu")
    assert window.graph.neurons["h1"].activation == "relu" and window.undo_stack.count() == 2
    window.undo_stack.undo()
    window.undo_stack.undo()
    assert window.graph.neurons["h1"].label == "h₁"
    assert window.inspector.n_label.text() == "h₁"  # model -> field refresh
    # several selected: set the bias of all
    window.scene.select_ids(["h1", "h2", "o1"])
    assert window.inspector.currentWidget() is window.inspector.multi_page
    qtbot.keyClicks(window.inspector.m_bias, "0.5")
    assert {window.graph.neurons[i].bias for i in ("h1", "h2", "o1")} == {0.5}
    # the network page edits name/description
    window.scene.clearSelection()
    window.inspector.net_name.selectAll()
    qtbot.keyClicks(window.inspector.net_name, "My net")
    assert window.graph.name == "My net"


def test_bad_file_keeps_current_document(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(templates.lecture_221())
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "bpstudio-network", "version": 1, "neurons": [{"id": "a"}]}')
    shown = []
    monkeypatch.setattr(
        dialogs, "show_errors", lambda parent, t, text, errors: shown.append(errors)
    )
    before = structure(window.graph)
    assert window.open_file(bad) is False
    assert shown and any("role" in e for e in shown[0])
    assert structure(window.graph) == before and window.document.path is None
    assert len(window.scene.neuron_items()) == 5


def test_unsaved_changes_prompt(qtbot, make_window, mouse, tmp_path, monkeypatch):
    window = make_window(templates.lecture_221())
    mouse(window.view).drag(POS["o1"], (480, 0))
    assert window.document.modified
    asked = []
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda p, n: asked.append(n) or "cancel")
    assert window.close() is False and window.isVisible() and asked
    target = tmp_path / "saved.json"
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda p, n: "save")
    monkeypatch.setattr(dialogs, "ask_save_path", lambda *a: str(target))
    assert window.close() is True
    assert fileformat.load(target).neurons["o1"].x == 480


def test_unsaved_prompt_on_open_and_discard(qtbot, make_window, tmp_path, monkeypatch):
    window = make_window(templates.lecture_221())
    window.graph.name = "x"
    window.undo_stack.resetClean()
    path = tmp_path / "xor.json"
    fileformat.save(templates.xor_241(), path)
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda p, n: "cancel")
    assert window.open_file(path) is False and len(window.graph.neurons) == 5
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda p, n: "discard")
    assert window.open_file(path) is True and len(window.graph.neurons) == 7
    assert str(path.resolve()) in window.document.recent_files()
    assert window.windowTitle().startswith("xor.json")


def _damaged(text: str, how: str) -> str:
    import json

    doc = json.loads(text)
    if how == "no-id":  # KeyError 'id' in the old paste_command
        del doc["neurons"][0]["id"]
    elif how == "bias-text":  # ValueError from float("heavy")
        doc["neurons"][1]["bias"] = "heavy"
    elif how == "weight-list":
        doc["edges"][0]["weight"] = [1, 2]
    elif how == "cycle":  # h1 -> x1 added: into an input neuron
        doc["edges"].append({"id": "back", "source": doc["neurons"][1]["id"], "target": "x1"})
    elif how == "neurons-not-a-list":
        doc["neurons"] = {"x1": 1}
    return json.dumps(doc)


def test_paste_of_a_damaged_selection_is_refused_with_a_message(qtbot, make_window, mouse):
    """Ctrl+C on two neurons, the clipboard text damaged (another program, a hand edit), Ctrl+V:
    a status message says what is wrong, the network and the undo stack are unchanged; a good
    selection still pastes afterwards."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    window = make_window(templates.lecture_221())
    QGuiApplication.clipboard().setText("")
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)  # shortcuts need it
    m = mouse(window.view)
    m.click(*POS["x1"])
    m.click(*POS["h1"], Qt.KeyboardModifier.ControlModifier)
    assert sorted(window.scene.selected_ids()[0]) == ["h1", "x1"]
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    good = QGuiApplication.clipboard().text()
    assert '"bpstudio-selection"' in good
    before = fileformat.dumps(window.graph)
    expected = {
        "no-id": "neurons[0].id must be a non-empty string",
        "bias-text": "neurons[1] (id 'h1').bias must be a finite number, not a string",
        "weight-list": "edges[0] (id 'w1').weight must be a finite number",
        "cycle": "edge into input neuron 'x1'",
        "neurons-not-a-list": "neurons must be a list",
    }
    for how, why in expected.items():
        QGuiApplication.clipboard().setText(_damaged(good, how))
        qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        hint = window._hint.text()
        assert hint.startswith("Nothing pasted: the clipboard's selection is damaged: "), hint
        assert why in hint, (how, hint)
        assert fileformat.dumps(window.graph) == before
        assert window.undo_stack.count() == 0
    QGuiApplication.clipboard().setText("just some text")
    qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window._hint.text() == "Nothing pasted: the clipboard holds no copied neurons"
    QGuiApplication.clipboard().setText(good)
    qtbot.keyClick(window.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert len(window.graph.neurons) == 7 and len(window.graph.edges) == 7
    assert window.undo_stack.count() == 1


def _gesture_items(scene):
    """Items a gesture adds (the rubber band, the connect line): not neurons, edges, badges."""
    from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsRectItem

    return [i for i in scene.items() if type(i) in (QGraphicsRectItem, QGraphicsLineItem)]


def test_a_file_opened_mid_drag_cancels_the_drag(qtbot, make_window, mouse, monkeypatch, tmp_path):
    """Mouse held down in a rubber band, a connect drag from a rim, a move drag, the connect
    tool's drag; Ctrl+N or Ctrl+O opens another network before the release. The scene rebuild
    deleted the band / line under the gesture: the next move raised RuntimeError (Internal C++
    object already deleted) or KeyError, or the release moved or connected neurons of the new
    file. Now the open cancels the gesture: nothing left on the canvas, the new network as
    opened, nothing on the undo stack, and the next gesture works."""
    from PySide6.QtWidgets import QApplication

    from bpstudio.qt import theme

    target = tmp_path / "other.json"
    fileformat.save(templates.lecture_221(), target)
    monkeypatch.setattr(dialogs, "ask_open_path", lambda *a: str(target))
    window = make_window(templates.lecture_221())
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    view, vp = window.view, window.view.viewport()
    m = mouse(view)
    L, C = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier
    rim = (POS["h1"][0] + theme.NEURON_RADIUS - 2, POS["h1"][1])
    gestures = [  # (tool, press at, moves, opening key)
        ("select", (300, 200), [(350, 260), (420, 300)], Qt.Key.Key_N),  # rubber band
        ("select", rim, [(330, -20), (440, 0)], Qt.Key.Key_O),  # connect from the rim
        ("select", POS["h2"], [(240, 80), (260, 120)], Qt.Key.Key_N),  # move h2
        ("connect", POS["x1"], [(100, -30), (220, 55)], Qt.Key.Key_O),  # connect tool
    ]
    for k, (tool, start, moves, key) in enumerate(gestures):
        window.open_file(target)  # each gesture starts on the 2-2-1 network
        if view.tool.name != tool:
            click_tool(qtbot, window, tool)
        QTest.mousePress(vp, L, Qt.KeyboardModifier.NoModifier, m.at(*start))
        QTest.mouseMove(vp, m.at(*moves[0]))
        if k == 2:  # the move drag previews h2 at the mouse
            assert view.tool.dragging and window.scene.neuron_item("h2").pos().y() > 60
        else:  # the band or the dashed line is on the canvas
            assert len(_gesture_items(window.scene)) == 1
        qtbot.keyClick(view, key, C)  # File → New / File → Open… while the button is down
        opened = fileformat.dumps(window.graph)
        assert window.undo_stack.count() == 0
        assert not _gesture_items(window.scene)
        QTest.mouseMove(vp, m.at(*moves[1]))
        QTest.mouseRelease(vp, L, Qt.KeyboardModifier.NoModifier, m.at(*moves[1]))
        assert not _gesture_items(window.scene), tool
        assert fileformat.dumps(window.graph) == opened  # nothing moved, connected or selected
        assert window.undo_stack.count() == 0
        assert window.scene.selected_ids() == ([], [])
    # the canvas still takes gestures: a rubber band selects, a connect drag connects
    window.open_file(target)
    click_tool(qtbot, window, "select")
    rubber_band(window, m, (-40, -100), (260, 100))
    assert sorted(window.scene.selected_ids()[0]) == ["h1", "h2", "x1", "x2"]
    window.graph.remove_edge(next(e.id for e in window.graph.edges.values()
                                  if (e.source, e.target) == ("h1", "o1")))  # fmt: skip
    m.drag(rim, POS["o1"])
    assert any((e.source, e.target) == ("h1", "o1") for e in window.graph.edges.values())


def test_esc_mid_drag_puts_the_neuron_back_where_it_was_drawn(qtbot, make_window):
    """On a network drawn wider than its positions (the lecture layout spreads a tall one
    sideways: NetworkScene.set_view_stretch), Esc mid-drag put the neuron at its document
    position, not where it was drawn."""
    w = make_window(templates.lecture_221())
    w.scene.set_view_stretch(1.5)
    item = w.scene.neuron_item("o1")
    start = QPointF(item.pos())
    assert start.x() != w.graph.neurons["o1"].x  # drawn away from its document position
    vp = w.view.viewport()
    w.view.setFocus()
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     w.view.mapFromScene(start))  # fmt: skip
    for k in range(1, 6):
        QTest.mouseMove(vp, w.view.mapFromScene(start + QPointF(10 * k, 6 * k)))
    assert item.pos() != start  # the drag is previewed
    QTest.keyClick(w.view, Qt.Key.Key_Escape)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       w.view.mapFromScene(start + QPointF(50, 30)))  # fmt: skip
    assert item.pos() == start and w.undo_stack.count() == 0


def test_connecting_two_large_columns_by_keyboard_is_one_undo_step(qtbot, make_window):
    """Ctrl+A, Ctrl+Shift+C on 80 inputs and 80 hidden neurons: 6,400 edges target by target,
    the lowest free ids, one undo step that gives the file back (it froze the window for
    half a minute on a soak's large selection: benchmarks/bench_user_path.py times it)."""
    from bpstudio.model.graph import Edge, Graph, Neuron

    g = Graph()
    for k in range(80):
        g.neurons[f"x{k}"] = Neuron(f"x{k}", "input", x=0.0, y=40.0 * k)
        g.neurons[f"h{k}"] = Neuron(f"h{k}", "hidden", activation="tanh", x=300.0, y=40.0 * k)
    g.edges["w2"] = Edge("w2", "x0", "h0", weight=0.5)  # kept; w1 is free
    window = make_window(g)
    before = fileformat.dumps(window.graph)
    window.activateWindow()  # shortcuts need the active window (the user clicks into it)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    window.view.setFocus()
    QTest.keyClick(window.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    cs = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    QTest.keyClick(window.view, Qt.Key.Key_C, cs)
    edges = list(window.graph.edges.values())
    assert len(edges) == 6400
    pairs = [(f"x{s}", f"h{t}") for t in range(80) for s in range(80) if (s, t) != (0, 0)]
    assert [(e.source, e.target) for e in edges[1:]] == pairs
    assert [e.id for e in edges[1:3]] == ["w1", "w3"]
    assert window.undo_stack.undoText() == "Connect fully (6399 edges)"
    assert window.scene.bulk  # the canvas draws them as one picture (over BULK_EDGES)
    assert window.scene.edge_item("w2") is None
    QTest.keyClick(window.view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert fileformat.dumps(window.graph) == before
    # back to one item per edge, as the file opens: the kept edge is selectable again
    assert not window.scene.bulk and window.scene.edge_item("w2") is not None
    QTest.keyClick(window.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert len(window.graph.edges) == 6400 and window.scene.bulk
