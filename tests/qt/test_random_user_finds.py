"""Bugs the random user found (tests/qt/random_user.py), each replayed in a few real events.

The seed that found each one is named in its test's docstring.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from bpstudio.model import fileformat
from bpstudio.model.compile import structure_errors
from bpstudio.paths import example_files


def example(name: str):
    return next(p for p in example_files() if p.stem == name)


def open_window(make_window, qtbot, name: str):
    """The example in a shown, active window, the whole network in view (F)."""
    w = make_window(path=example(name))
    w.activateWindow()  # shortcuts (Ctrl+Space, F6) need the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is w)
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key_F)
    return w


def undo_all(window) -> None:
    while window.undo_stack.canUndo():
        window.action_by_name["undo"].trigger()


def play(window, qtbot, epochs: int = 5) -> None:
    """Ctrl+Space on the canvas, then let the timer train a few epochs."""
    c = window.training_tools.controller
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key_Space, Qt.ControlModifier)
    assert c.running
    qtbot.waitUntil(lambda: c.epoch >= epochs, timeout=5000)


def test_an_edit_while_training_keeps_the_training_undoable(make_window, qtbot):
    """Seed 258177 (handwritten_221): Play, then double-click the canvas (a new neuron)
    paused training but dropped the trained stretch from the undo history: undo all left
    the trained weights in the network instead of the ones the file holds."""
    w = open_window(make_window, qtbot, "xor_241")
    opened = fileformat.dumps(w.graph)
    play(w, qtbot)
    empty = w.view.mapFromScene(w.scene.network_rect().bottomLeft()) + QPoint(-40, 60)
    QTest.mouseDClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier, empty)
    assert not w.training_tools.controller.running
    texts = [w.undo_stack.text(i) for i in range(w.undo_stack.count())]
    assert texts[0].startswith("Train ") and texts[1].startswith("Add hidden neuron")
    undo_all(w)
    assert fileformat.dumps(w.graph) == opened


def test_a_bias_typed_while_training_undoes_back_to_the_file(make_window, qtbot):
    """Seed 986238 (ecs171_321): a bias typed into the inspector while training ran was
    recorded over the trained value; undo all then left that trained value behind."""
    w = open_window(make_window, qtbot, "xor_241")
    opened = fileformat.dumps(w.graph)
    item = w.scene.neuron_item("h1")
    QTest.mouseClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier,
                     w.view.mapFromScene(item.pos()))  # fmt: skip
    assert w.inspector.currentWidget() is w.inspector.neuron_page
    play(w, qtbot)
    type_bias(w, "h1", "-1")
    assert w.graph.neurons["h1"].bias == -1.0
    assert not w.training_tools.controller.running  # paused before the edit landed
    undo_all(w)
    assert fileformat.dumps(w.graph) == opened


def type_bias(window, nid: str, text: str) -> None:
    """Click the neuron, type into the inspector's Bias field, Enter."""
    item = window.scene.neuron_item(nid)
    QTest.mouseClick(window.view.viewport(), Qt.LeftButton, Qt.NoModifier,
                     window.view.mapFromScene(item.pos()))  # fmt: skip
    field = window.inspector.n_bias
    QTest.mouseClick(field, Qt.LeftButton)
    QTest.keyClick(field, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(field, text)
    QTest.keyClick(field, Qt.Key_Return)


def test_ctrl_z_while_training_pauses_and_takes_the_training_back(make_window, qtbot):
    """Ctrl+Z mid-run undid the edit under the running stretch; the stretch pushed on
    pause then held the undone edit's values, so undo all could not reach the file."""
    w = open_window(make_window, qtbot, "xor_241")
    opened = fileformat.dumps(w.graph)
    type_bias(w, "h1", "-1")
    play(w, qtbot)
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key_Z, Qt.ControlModifier)
    assert not w.training_tools.controller.running
    assert w.graph.neurons["h1"].bias == -1.0  # the training was the step taken back
    assert w.undo_stack.redoText().startswith("Train ")
    qtbot.keyClick(w.view, Qt.Key_Z, Qt.ControlModifier)
    assert fileformat.dumps(w.graph) == opened


def matrix_after_f6(make_window, qtbot):
    """handwritten 2-2-1, Matrices in front, Shift+F6: the tables show the forward pass."""
    w = open_window(make_window, qtbot, "handwritten_221")
    tools = w.pass_tools
    tools.controller.set_speed(0)
    tools.matrix_dock.show()
    tools.matrix_dock.raise_()
    w.view.setFocus()
    qtbot.keyClick(w.view, Qt.Key_F6, Qt.ShiftModifier)
    qtbot.waitUntil(lambda: bool(tools.matrix.tables))
    return w, tools, tools.matrix.tables[0]


def click_cell(table, row: int, column: int) -> None:
    rect = table.visualRect(table.model().index(row, column))
    QTest.mouseClick(table.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())


def test_a_click_on_a_stale_matrix_cell_after_an_edit(make_window, qtbot, monkeypatch):
    """Seed 986238 (ecs171_321): after an edit the stepper drops its pass while the
    Matrices tables still show it; a click on a z/a cell raised AttributeError, a click on a
    weight cell of a deleted edge crashed the app (segfault)."""
    from bpstudio.qt.passes.matrix_view import MatrixView

    w, tools, table = matrix_after_f6(make_window, qtbot)
    # the tables' throttled catch-up comes after both clicks (at most once a minute here), as
    # it does when the clicks are quick: the clicks land on the stale tables
    monkeypatch.setattr(MatrixView, "LIVE_HZ", 1 / 60)
    # delete the input x1: the data no longer fits, so the stepper has no pass to show
    x1 = w.scene.neuron_item("x1")
    QTest.mouseClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier,
                     w.view.mapFromScene(x1.pos()))  # fmt: skip
    qtbot.keyClick(w.view, Qt.Key_Delete)
    assert "x1" not in w.graph.neurons and tools.stepper.compute() is None
    assert tools.matrix.tables and tools.matrix.tables[0] is table  # not rebuilt yet
    click_cell(table, 0, table.columnCount() - 1)  # "a" of row 0: h1
    qtbot.waitUntil(lambda: w.scene.selected_ids() == (["h1"], []))
    click_cell(table, 0, 0)  # w1, deleted with x1: nothing to select
    qtbot.wait(20)
    assert w.scene.selected_ids() == (["h1"], [])


def test_a_click_on_a_stale_matrix_cell_selects_after_the_rebuild(make_window, qtbot):
    """A weight cell clicked while the tables are stale (a neuron was added) rebuilt the
    tables inside the clicked table's mouse handler: a segfault. The edge is selected."""
    w, tools, table = matrix_after_f6(make_window, qtbot)
    empty = w.view.mapFromScene(w.scene.network_rect().bottomLeft()) + QPoint(-40, 60)
    QTest.mouseDClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier, empty)  # new neuron
    assert len(w.graph.neurons) == 6 and tools.matrix.tables[0] is table  # stale
    row, col = table.cell_of["w2"]
    click_cell(table, row, col)
    qtbot.waitUntil(lambda: w.scene.selected_ids() == ([], ["w2"]))
    assert tools.explain.selection == ("edge", "w2")


def test_softmax_is_refused_on_a_hidden_neuron(make_window, qtbot):
    """Seed 258177 (handwritten_221): the activation box offered softmax for a hidden
    neuron; the network then saved to a file that never opened again ("softmax is allowed
    on output neurons only"). The same came from making a softmax output hidden."""
    w = open_window(make_window, qtbot, "handwritten_221")
    ins = w.inspector
    item = w.scene.neuron_item("h1")
    QTest.mouseClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier,
                     w.view.mapFromScene(item.pos()))  # fmt: skip
    before = w.graph.neurons["h1"].activation
    ins.n_act.setFocus()
    qtbot.keyClick(ins.n_act, Qt.Key_End)  # the last entry: softmax
    assert w.graph.neurons["h1"].activation == before
    assert ins.n_act.currentText() == before
    assert "softmax is allowed on output neurons only" in w._hint.text()
    # an output with softmax made hidden becomes sigmoid
    o = w.scene.neuron_item("o1")
    QTest.mouseClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier,
                     w.view.mapFromScene(o.pos()))  # fmt: skip
    ins.n_act.setFocus()
    qtbot.keyClick(ins.n_act, Qt.Key_End)
    assert w.graph.neurons["o1"].activation == "softmax"
    assert not w.graph.outgoing("o1")
    ins.n_role.setFocus()
    qtbot.keyClick(ins.n_role, Qt.Key_Up)  # output -> hidden
    assert w.graph.neurons["o1"].role == "hidden"
    assert w.graph.neurons["o1"].activation == "sigmoid"
    assert structure_errors(w.graph) == []  # what loading a saved file checks


def test_undoing_an_update_on_missing_weights_makes_them_missing_again(make_window, qtbot):
    """Seed 782498 (xor_241, whose weights the file leaves to training.init): F9 then
    Ctrl+Z put the initial weights into the network instead of leaving them missing, so
    undo all no longer gave the file back (and Save would write weights it never had)."""
    w = open_window(make_window, qtbot, "xor_241")
    w.pass_tools.controller.set_speed(0)
    opened = fileformat.dumps(w.graph)
    assert all(e.weight is None for e in w.graph.edges.values())
    qtbot.keyClick(w.view, Qt.Key_F9)
    assert w.undo_stack.undoText().startswith("Update weights")
    assert all(e.weight is not None for e in w.graph.edges.values())
    qtbot.keyClick(w.view, Qt.Key_Z, Qt.ControlModifier)
    assert fileformat.dumps(w.graph) == opened
    qtbot.keyClick(w.view, Qt.Key_F9)  # and the pass's Reset (Shift+F9) takes it back too
    qtbot.keyClick(w.view, Qt.Key_F9, Qt.ShiftModifier)
    assert fileformat.dumps(w.graph) == opened


def test_a_million_generated_samples_are_not_turned_into_a_table(make_window, qtbot):
    """Soak (seed 106934, episode 3): "1e9999" typed into the generator's Samples n (the
    spin box keeps 19999), then Edit as table: every later edit refilled a 20,000-row table
    and put two copies of the data on the undo stack; the soak froze at 3 GB. A table that
    large is refused with the reason, and nothing changes."""
    w = open_window(make_window, qtbot, "spirals_tanh")
    dp = w.training_tools.data_panel
    w.training_tools.docks["data"].raise_()
    assert dp.kind() == "generator"
    field = dp.gen_n.lineEdit()
    QTest.mouseClick(field, Qt.LeftButton)
    QTest.keyClick(field, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(field, "1000000")
    QTest.keyClick(field, Qt.Key_Return)
    assert w.graph.data["generator"]["n"] == 1_000_000
    before = fileformat.dumps(w.graph)
    QTest.mouseClick(dp.to_table_button, Qt.LeftButton)
    assert fileformat.dumps(w.graph) == before and dp.kind() == "generator"
    assert "too many to edit as a table" in dp.error.text()
    assert dp.source.currentData() == "generator" and dp.table.rowCount() <= 500
    field = dp.gen_n.lineEdit()  # a lecture-sized data set still becomes a table
    QTest.mouseClick(field, Qt.LeftButton)
    QTest.keyClick(field, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(field, "40")
    QTest.keyClick(field, Qt.Key_Return)
    QTest.mouseClick(dp.to_table_button, Qt.LeftButton)
    assert dp.kind() == "samples" and len(w.graph.data["samples"]) == 40


def test_recent_files_of_a_test_stay_in_its_tmp_path(make_window, qtbot, tmp_path):
    """The soak's File > Open Recent offered files of other checkouts' test runs: the
    fixture isolated IniFormat only, and QSettings("bpstudio", …) is always NativeFormat, so
    every test read and wrote the user's real ~/.config/bpstudio."""
    from bpstudio.qt.document import settings

    w = open_window(make_window, qtbot, "handwritten_221")
    # the fixture's settings folder lies beside tmp_path (tmp_path_factory), never in ~
    assert settings().fileName().startswith(str(tmp_path.parent))
    assert not settings().fileName().startswith(str(Path.home()))
    assert w.document.recent_files() == [str(example("handwritten_221").resolve())]


def test_an_edit_under_a_pulse_drops_the_preview_of_the_old_pass(make_window, qtbot, monkeypatch):
    """Soak (seed 777, episode 29): Shift+F6, then an edit (Ctrl+Z of a placed neuron) while
    the first pulse ran: the overlay finished setting up the next step from the pass the edit
    had dropped and raised KeyError for the removed neuron."""
    from bpstudio.qt.passes import overlay, overlay_pulse

    # the next step is set up in slices; on a large network that takes several turns of the
    # event loop, here a slice does one step so the edit lands in the middle of it (the pulse
    # reads its own name of the constant: patching only overlay's let a fast machine set up
    # the whole step in one 5 ms slice, and the job was never seen running)
    monkeypatch.setattr(overlay, "PREVIEW_SLICE_MS", 0.001)
    monkeypatch.setattr(overlay_pulse, "PREVIEW_SLICE_MS", 0.001)
    w = open_window(make_window, qtbot, "spirals_tanh")
    tools = w.pass_tools
    tools.controller.set_speed(40)
    nid = next(n for n, x in w.graph.neurons.items() if x.role == "hidden")
    QTest.mouseClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier,
                     w.view.mapFromScene(w.scene.neuron_item(nid).pos()))  # fmt: skip
    qtbot.wait(20)
    w.view.setFocus()
    # the Delete lands while the preview is being set up: from inside its first slice (the
    # whole job can run between two polls of a waitUntil on a fast machine)
    overlay = tools.overlay
    real_work, edited = overlay._preview_work, []

    def work_after_an_edit() -> None:
        if not edited and overlay._preview_job is not None:
            edited.append(True)
            qtbot.keyClick(w.view, Qt.Key_Delete)  # the selected hidden neuron, mid-pulse
        real_work()

    monkeypatch.setattr(overlay, "_preview_work", work_after_an_edit)
    qtbot.keyClick(w.view, Qt.Key_F6, Qt.ShiftModifier)
    qtbot.waitUntil(lambda: bool(edited), timeout=5000)
    assert nid not in w.graph.neurons
    qtbot.waitUntil(lambda: not tools.overlay.animating and tools.overlay._preview_job is None)
    qtbot.keyClick(w.view, Qt.Key_F6, Qt.ShiftModifier)  # the pass from the edited network
    qtbot.waitUntil(lambda: tools.stepper.state.phase == "loss", timeout=10000)


def test_minus_zero_noise_generates_data(make_window, qtbot, tmp_path):
    """Soak (seed 777, episode 16): "-0" typed into the generator's Noise is -0.0, which
    numpy's normal() refuses ("scale < 0", its sign bit): every refresh of the data raised
    from inside the undo stack, and `bpstudio train` on such a file was an internal error."""
    import subprocess
    import sys

    w = open_window(make_window, qtbot, "spirals_tanh")
    dp = w.training_tools.data_panel
    w.training_tools.docks["data"].raise_()
    field = dp.gen_noise.lineEdit()
    QTest.mouseClick(field, Qt.LeftButton)
    QTest.keyClick(field, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(field, "-0")
    QTest.keyClick(field, Qt.Key_Return)
    assert w.graph.data["generator"]["noise"] == 0.0  # -0.0 as typed
    assert dp.error.text() == "" and dp.table.rowCount() > 0
    target = tmp_path / "minus_zero.json"
    fileformat.save(w.graph, target)
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace('"noise": 0.0', '"noise": -0.0'), encoding="utf-8")
    assert '"noise": -0.0' in target.read_text(encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "bpstudio", "train", str(target), "--epochs", "1",
                          "--quiet"], capture_output=True, text=True, timeout=120)  # fmt: skip
    assert out.returncode == 0, out.stderr


def test_opening_another_file_after_discard_drops_the_old_autosave(make_window, qtbot, monkeypatch):
    """Soak (seed 106934, episode 43): edits, the 30 s autosave, then Open Recent with
    "Discard": the discarded network's autosave stayed, so a crash later offered to restore
    work the lecturer had thrown away."""
    from bpstudio.qt import dialogs

    w = open_window(make_window, qtbot, "handwritten_221")
    empty = w.view.mapFromScene(w.scene.network_rect().bottomLeft()) + QPoint(-40, 60)
    QTest.mouseDClick(w.view.viewport(), Qt.LeftButton, Qt.NoModifier, empty)
    assert w.document.modified
    w.document.autosave_timer.timeout.emit()  # 30 s later
    autosaved = w.document.slot.network_file
    assert autosaved.exists()
    monkeypatch.setattr(dialogs, "ask_save_changes", lambda *a: "discard")
    opener = next(a for a in w.example_menu.actions() if a.text() == "xor 241")
    opener.trigger()  # File > Open Example > xor 241
    assert w.document.example == "xor_241"
    assert not autosaved.exists() and not w.document.slot.network_file.exists()


def test_export_image_of_a_spread_out_network_stays_openable(make_window, qtbot, tmp_path,
                                                             monkeypatch):  # fmt: skip
    """Soak (seed 106934, episode 58): after many drags a neuron sat thousands of pixels
    away; File > Export Image… then drew a 30,000 x 18,000 PNG (2 GB, 30 s, the window
    frozen) that Qt itself refuses to open ("exceeds the allocation limit of 256 MB")."""
    from PySide6.QtGui import QImage

    from bpstudio.qt import dialogs
    from bpstudio.qt.render import MAX_PNG_SIDE

    doc = fileformat.to_document(fileformat.load(example("handwritten_221")))
    doc["neurons"][0].update(x=15000.0, y=9000.0)
    far = tmp_path / "far.json"
    far.write_text(json.dumps(doc), encoding="utf-8")
    target = tmp_path / "far.png"
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a: str(target))
    w = make_window(path=far)
    w.action_by_name["export image"].trigger()  # File > Export Image…
    image = QImage(str(target))
    assert not image.isNull()
    assert max(image.width(), image.height()) <= MAX_PNG_SIDE
    assert image.width() > image.height() > 2000  # the whole canvas, scaled down


def test_reset_pass_after_a_move_takes_back_the_update_as_an_undo_entry(make_window, qtbot, mouse):
    """Soak, seed 20261203: F8, then a neuron dragged (a move keeps the applied pass), then
    Shift+F9 (Reset pass) took the update back by writing the graph beside the undo stack,
    so redo all gave back weights the document no longer held."""
    w = open_window(make_window, qtbot, "handwritten_221")
    opened = fileformat.dumps(w.graph)
    qtbot.keyClick(w.view, Qt.Key_F8)
    qtbot.waitUntil(lambda: w.undo_stack.count() == 1, timeout=10_000)  # the walk lands it
    assert fileformat.dumps(w.graph) != opened
    n = next(iter(w.graph.neurons.values()))
    start = (n.x, n.y)
    mouse(w.view).drag(start, (n.x + 40, n.y + 30))
    assert (n.x, n.y) != start
    qtbot.keyClick(w.view, Qt.Key_F9, Qt.ShiftModifier)
    moved_back = fileformat.dumps(w.graph)
    # the weights are the file's again, the neuron stays where it was dragged
    assert json.loads(moved_back)["edges"] == json.loads(opened)["edges"]
    assert json.loads(moved_back)["neurons"] != json.loads(opened)["neurons"]
    texts = [w.undo_stack.text(i) for i in range(w.undo_stack.count())]
    assert texts[-1] == "Take back the update", texts
    undo_all(w)
    assert fileformat.dumps(w.graph) == opened
    while w.undo_stack.canRedo():
        w.action_by_name["redo"].trigger()
    assert fileformat.dumps(w.graph) == moved_back
