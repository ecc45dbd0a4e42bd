"""Exercise mode and File → Check Answers on the real main window, driven by key presses.

The 2-2-1 lecture example (tests/fixtures/reference, exact values beside it): the backward
values become blanks, a student Tabs to one, types a sign slip and sees it red and named,
types the right value and sees it green; a value worked from the slip is amber and names it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from bpstudio.model.grading.answers import load_answers
from bpstudio.qt import dialogs
from bpstudio.qt.passes.blanks import FOLLOWS, RIGHT, WRONG

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
REF = FIXTURES / "reference"
SLIPS = FIXTURES / "answers" / "handwritten_221_slips.json"
EXACT = json.loads((REF / "handwritten_221.trace.json").read_text())


@pytest.fixture
def window(make_window):
    w = make_window(path=REF / "handwritten_221.json")
    w.pass_tools.controller.set_speed(0)
    w.activateWindow()
    w.view.setFocus()
    return w


def press(qtbot, w, key, mods=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(w.view, key, mods)


def type_value(qtbot, w, text: str) -> None:
    qtbot.keyClicks(w.view, text)
    press(qtbot, w, Qt.Key.Key_Return)


def start_backward_exercise(qtbot, w):
    press(
        qtbot,
        w,
        Qt.Key.Key_X,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    mode = w.pass_tools.exercise
    assert mode.active
    return mode


def badge_lines(w, nid: str) -> list[str]:
    return w.pass_tools.overlay.neuron_badge(nid, "forward").lines


def row_colour(w, nid: str, text: str):
    b = w.pass_tools.overlay.neuron_badge(nid, "forward")
    i = next(i for i, line in enumerate(b.lines) if text in line)
    return b._colours[i]


def test_tab_type_a_sign_slip_see_it_red_then_the_right_value_green(window, qtbot):
    w = window
    undo_count = w.undo_stack.count()
    mode = start_backward_exercise(qtbot, w)
    st = w.pass_tools.stepper
    assert st.backward_done and not st.updated  # the whole backward pass, no update applied
    # the blanks: ∂L/∂z and ∂L/∂w are hidden on the canvas (and from what the badges expose)
    assert "∂L/∂z = _____" in badge_lines(w, "o1")
    assert "dL_dz" not in w.pass_tools.overlay.neuron_badge("o1", "forward").values
    assert w.pass_tools.overlay.edge_badge("w5").lines == ["∂L/∂w = _____"]
    assert "z = 1.1059" in badge_lines(w, "o1")  # the forward values stay given
    assert not w.pass_tools.explain_dock.isVisible()  # it would show every hidden value

    press(qtbot, w, Qt.Key.Key_Tab)  # the first blank in computation order: ∂L/∂z of o1
    assert mode.key == ("dL_dz", "o1", None)
    assert "∂L/∂z = ▸ _____" in badge_lines(w, "o1")
    type_value(qtbot, w, "-0.1385")  # y − ŷ for ŷ − y
    g = mode.exercise.graded(("dL_dz", "o1", None))
    assert g.verdict == "wrong" and g.mistake == "sign"
    assert "∂L/∂z = ▸ -0.1385 ✗" in badge_lines(w, "o1")
    assert "sign slip" in badge_lines(w, "o1")  # the mistake in plain words, on the canvas
    assert row_colour(w, "o1", "-0.1385") == WRONG
    assert "sign" in mode.message

    # worked on correctly from the slip: amber, and it says from what
    press(qtbot, w, Qt.Key.Key_Tab)
    assert mode.key == ("grad", "w5", None)
    type_value(qtbot, w, "-0.0822")
    g5 = mode.exercise.graded(("grad", "w5", None))
    assert g5.verdict == "follows" and g5.from_ == ("dL_dz", "o1", None)
    edge = w.pass_tools.overlay.edge_badge("w5")
    assert edge.lines[0] == "∂L/∂w = ▸ -0.0822 →"
    assert "follows from your ∂L/∂z of o1" in edge.lines
    assert edge._colours[0] == FOLLOWS

    # back to the slip, type the right value: green; w5 is then wrong on its own
    press(qtbot, w, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    assert mode.key == ("dL_dz", "o1", None)
    type_value(qtbot, w, "0.1385")
    assert mode.exercise.graded(("dL_dz", "o1", None)).verdict == "right"
    assert "∂L/∂z = ▸ 0.1385 ✓" in badge_lines(w, "o1")
    assert row_colour(w, "o1", "0.1385") == RIGHT
    assert mode.exercise.graded(("grad", "w5", None)).verdict == "wrong"

    # the expected value on request
    press(qtbot, w, Qt.Key.Key_Tab)
    qtbot.keyClicks(w.view, "?")
    exact = EXACT["edges"]["w5"]["grad"]
    assert f"exact {exact:.4f}" in w.pass_tools.overlay.edge_badge("w5").lines

    # none of it was a document edit; leaving gives the normal badges back
    assert w.undo_stack.count() == undo_count and not w.document.modified
    w.pass_tools.exercise.actions["leave"].trigger()
    assert not mode.active
    b = w.pass_tools.overlay.neuron_badge("o1", "forward")
    assert b.values["dL_dz"] == pytest.approx(EXACT["neurons"]["o1"]["dL_dz"], rel=1e-12)
    assert not any("_____" in line for line in b.lines)
    assert w.pass_tools.explain_dock.isVisible()


def test_typing_is_not_a_shortcut_and_a_non_number_is_refused(window, qtbot):
    w = window
    n_neurons = len(w.graph.neurons)
    w.pass_tools.select_neuron("h1")  # Backspace / Delete would delete a selected neuron
    mode = start_backward_exercise(qtbot, w)
    press(qtbot, w, Qt.Key.Key_Tab)
    qtbot.keyClicks(w.view, "0.13")
    press(qtbot, w, Qt.Key.Key_Backspace)
    press(qtbot, w, Qt.Key.Key_Backspace)
    assert mode.draft == "0."
    qtbot.keyClicks(w.view, "1.2")  # "0.1.2"
    press(qtbot, w, Qt.Key.Key_Return)
    assert "not a number" in mode.message
    assert mode.exercise.entries == {}
    press(qtbot, w, Qt.Key.Key_Escape)  # the typing is dropped, the exercise stays
    assert mode.active and mode.draft is None
    press(qtbot, w, Qt.Key.Key_Delete)
    assert len(w.graph.neurons) == n_neurons


def test_a_step_of_the_pass_ends_the_exercise(window, qtbot):
    w = window
    mode = start_backward_exercise(qtbot, w)
    press(qtbot, w, Qt.Key.Key_F8)  # the update: another pass on screen
    assert not mode.active
    assert w.pass_tools.overlay.exercise is None


def test_one_layer_and_the_updates(window, qtbot):
    w = window
    mode = w.pass_tools.exercise
    assert mode.start("layer", 1)
    assert {k[0] for k in mode.exercise.keys} == {"dL_dz", "grad"}
    assert {k[1] for k in mode.exercise.keys} == {"h1", "h2", "w1", "w2", "w3", "w4"}
    assert "∂L/∂z = _____" not in badge_lines(w, "o1")  # layer 2 is given
    assert mode.start("updates")
    assert ("updated", "w5", None) in mode.exercise.keys
    assert "new w = _____" in w.pass_tools.overlay.edge_badge("w5").lines
    assert not w.graph.edges["w5"].weight != 0.4  # no update applied to the document
    press(qtbot, w, Qt.Key.Key_Tab)
    while mode.key != ("updated", "w5", None):
        press(qtbot, w, Qt.Key.Key_Tab)
    type_value(qtbot, w, "0.4000082")  # w + η·∂L/∂w
    g = mode.exercise.graded(("updated", "w5", None))
    assert g.verdict == "wrong" and g.mistake == "ascent"


def test_the_lecture_layout_keeps_the_blanks_large(window, qtbot):
    w = window
    mode = start_backward_exercise(qtbot, w)
    press(qtbot, w, Qt.Key.Key_Tab)
    qtbot.keyClicks(w.view, "0.1")
    press(qtbot, w, Qt.Key.Key_F5)
    p = w.pass_tools.presentation
    assert p.active
    qtbot.wait(30)
    assert mode.active and "∂L/∂z = ▸ 0.1_" in badge_lines(w, "o1")
    b = w.pass_tools.overlay.neuron_badge("o1", "forward")
    assert b.font_px * w.view.transform().m11() >= 24
    press(qtbot, w, Qt.Key.Key_Return)  # still typed into, in the lecture layout
    assert mode.exercise.graded(("dL_dz", "o1", None)) is not None
    press(qtbot, w, Qt.Key.Key_Escape)  # no typing pending: Esc leaves the lecture layout
    assert not p.active and mode.active


def check_answers(w, monkeypatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    action = w.pass_tools.exercise.actions["check"]
    assert action in w.menus["File"].actions()
    action.trigger()


def test_check_answers_shows_the_verdicts_and_the_list_exports_as_csv(
    window, qtbot, monkeypatch, tmp_path
):
    w = window
    check_answers(w, monkeypatch, SLIPS)
    mode = w.pass_tools.exercise
    assert mode.active and not mode.exercise.editable
    lst = mode.list
    assert mode.dock.isVisible()
    rows = [lst.row_texts(r) for r in range(lst.table.rowCount())]
    assert len(rows) == 10  # ∂L/∂a of h1 is in the list though the canvas has no badge for it
    by_key = {(r[0].removeprefix("▸ "), r[1]): r for r in rows}
    assert by_key[("dL_dz", "o1")][4].endswith("wrong") and "sign" in by_key[("dL_dz", "o1")][5]
    assert by_key[("grad", "w5")][4].endswith("follows")
    assert by_key[("grad", "w5")][5] == "from your ∂L/∂z of o1"
    assert by_key[("z", "h1")][4].endswith("right")
    assert by_key[("updated", "w5")][5] == "from your ∂L/∂w of w5"  # w − η·(its own ∂L/∂w)
    assert by_key[("updated", "w6")][4].endswith("wrong")
    assert by_key[("updated", "w6")][5].startswith("climbed the gradient")
    # the first wrong value: marked in the list and focused on the canvas
    assert lst.row_texts(lst.first_wrong_row)[:2] == ["▸ dL_dz", "o1"]
    assert mode.key == ("dL_dz", "o1", None)
    assert row_colour(w, "o1", "-0.1385") == WRONG
    assert row_colour(w, "h1", "0.3775") == RIGHT
    assert "first: ∂L/∂z of o1" in lst.summary.text()

    assert mode.actions["export"].isEnabled()  # Pass > Exercise > Export Verdicts… too
    out = tmp_path / "verdicts.csv"
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a, **k: str(out))
    qtbot.mouseClick(lst.export_button, Qt.MouseButton.LeftButton)
    assert out.exists()
    again = load_answers(out, w.graph)  # the export is an answers file again
    assert {a.key() for a in again.answers} == {a.key() for a in load_answers(SLIPS).answers}
    before = [lst.row_texts(r)[2:] for r in range(lst.table.rowCount())]
    check_answers(w, monkeypatch, out)  # and opens in the app with the same verdicts
    assert [lst.row_texts(r)[2:] for r in range(lst.table.rowCount())] == before


def _open_example(w, name: str) -> None:
    (act,) = [a for a in w.example_menu.actions() if a.text() == name]
    act.trigger()


def _asked(monkeypatch, answer: str) -> list[tuple]:
    asked: list[tuple] = []

    def ask(_parent, answers, named, found, open_name):
        asked.append((answers, named, found, open_name))
        return answer

    monkeypatch.setattr(dialogs, "ask_answers_network", ask)
    return asked


def test_answers_for_another_network_open_it_first(make_window, qtbot, monkeypatch):
    """The slips file names the handwritten 2-2-1 network; ECS171 is open. Cancel changes
    nothing; Open opens the named network and checks the answers there."""
    w = make_window()
    _open_example(w, "ecs171 321")
    mode = w.pass_tools.exercise
    asked = _asked(monkeypatch, "cancel")
    check_answers(w, monkeypatch, SLIPS)
    named = (REF / "handwritten_221.json").resolve()
    assert asked == [(SLIPS.name, named, True, "ecs171_321 (example)")]
    assert not mode.active and w.document.example == "ecs171_321"
    asked = _asked(monkeypatch, "open")
    check_answers(w, monkeypatch, SLIPS)
    assert len(asked) == 1  # once: the network then open is the one named
    assert w.document.path == named
    assert mode.active and mode.list.table.rowCount() == 10
    assert "first: ∂L/∂z of o1" in mode.list.summary.text()


def test_answers_naming_a_missing_network_are_checked_against_the_open_one_if_asked(
    window, qtbot, monkeypatch, tmp_path
):
    doc = json.loads(SLIPS.read_text(encoding="utf-8"))
    doc["network"] = "gone.json"
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(doc), encoding="utf-8")
    mode = window.pass_tools.exercise
    asked = _asked(monkeypatch, "cancel")
    check_answers(window, monkeypatch, answers)
    assert asked == [("answers.json", tmp_path / "gone.json", False, "handwritten_221.json")]
    assert not mode.active
    _asked(monkeypatch, "this")
    check_answers(window, monkeypatch, answers)
    assert mode.active and mode.list.table.rowCount() == 10


def test_answers_for_an_example_check_its_untitled_copy_at_once(make_window, monkeypatch, tmp_path):
    """A student's file names "handwritten_221.json" (not beside it); the lecturer opened
    the bundled example of that name (an untitled copy): the same network, no question."""
    w = make_window()
    _open_example(w, "handwritten 221")
    doc = json.loads(SLIPS.read_text(encoding="utf-8"))
    doc["network"] = "handwritten_221.json"
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(doc), encoding="utf-8")
    check_answers(w, monkeypatch, answers)  # conftest: any question would fail the test
    assert w.pass_tools.exercise.active


def test_a_bad_answers_file_names_the_row_and_changes_nothing(window, qtbot, monkeypatch):
    w = window
    mode = start_backward_exercise(qtbot, w)
    press(qtbot, w, Qt.Key.Key_Tab)
    type_value(qtbot, w, "0.1385")
    shown = []
    monkeypatch.setattr(
        dialogs, "show_errors", lambda _p, title, text, errors: shown.append(errors)
    )
    check_answers(w, monkeypatch, FIXTURES / "answers" / "bad_quantity.csv")
    assert len(shown) == 1 and any("row 5" in e and "zz" in e for e in shown[0])
    # the exercise on screen and its typed answer are still there
    assert mode.active and mode.exercise.editable
    assert mode.exercise.entries == {("dL_dz", "o1", None): "0.1385"}


def test_undo_takes_back_document_edits_not_typed_answers(window, qtbot):
    w = window
    w.pass_tools.select_neuron("h1")
    mode = start_backward_exercise(qtbot, w)
    press(qtbot, w, Qt.Key.Key_Tab)
    type_value(qtbot, w, "0.1385")
    x0 = w.graph.neurons["h1"].x
    count = w.undo_stack.count()
    press(qtbot, w, Qt.Key.Key_Right)  # the arrow keys still move the selected neuron
    assert w.graph.neurons["h1"].x != x0 and w.undo_stack.count() == count + 1
    assert mode.active  # moving a neuron changes no number of the pass
    press(qtbot, w, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert w.graph.neurons["h1"].x == x0  # the move was taken back, not the answer
    assert mode.active and mode.exercise.entries == {("dL_dz", "o1", None): "0.1385"}
    assert "∂L/∂z = ▸ 0.1385 ✓" in badge_lines(w, "o1")


def test_every_tab_stop_is_a_blank_drawn_on_the_canvas(make_window, qtbot):
    """Random user, seed 782498 (xor_241): Hide Everything made the inputs' x and the bias
    units' constant 1 blanks too; Tab stopped on them and nothing on the canvas showed it."""
    from bpstudio.paths import example_files

    w = make_window(path=next(p for p in example_files() if p.stem == "xor_241"))
    w.pass_tools.controller.set_speed(0)
    w.activateWindow()
    w.view.setFocus()
    mode = w.pass_tools.exercise
    mode.actions["everything"].trigger()
    assert mode.active
    ov = w.pass_tools.overlay
    seen = set()
    for _ in range(len(mode.exercise.keys)):
        press(qtbot, w, Qt.Key.Key_Tab)
        quantity, ident, _ = mode.key
        seen.add(mode.key)
        if quantity in ("grad", "updated"):
            b = ov.edge_badge(ident)
        elif quantity == "loss":
            b = ov.visible_loss_badge()
        else:
            b = ov.neuron_badge(ident, "forward")
        assert b is not None and any("▸" in line for line in b.lines), mode.key
    assert seen == set(mode.exercise.keys)
    assert not any(
        w.graph.neurons[k[1]].role in ("input", "bias") for k in seen if k[0] in ("z", "a")
    )


def test_a_tiny_number_typed_is_checked_or_refused_never_a_crash(window, qtbot):
    """Random user, seed 5 (handwritten_221): '5e-31' then Tab made the grader raise
    decimal.InvalidOperation inside the key handler, and the app crashed (segfault)."""
    w = window
    mode = start_backward_exercise(qtbot, w)
    press(qtbot, w, Qt.Key.Key_Tab)
    type_value(qtbot, w, "0.0822")
    press(qtbot, w, Qt.Key.Key_Tab)
    qtbot.keyClicks(w.view, "5e-31")
    press(qtbot, w, Qt.Key.Key_Tab)
    assert mode.active
    assert mode.exercise.entries[("dL_dz", "o1", None)] == "0.0822"
    g = mode.exercise.graded(("grad", "w5", None))
    assert (g is not None and g.verdict == "wrong") or "could not check" in mode.message


@pytest.mark.parametrize("suffix", [".md", ".tex"])
def test_the_exercise_sheet_is_what_report_exercise_writes(
    window, qtbot, monkeypatch, tmp_path, suffix
):
    from bpstudio.cli import main

    w = window
    mode = w.pass_tools.exercise
    assert mode.start("updates")
    out = tmp_path / f"app{suffix}"
    monkeypatch.setattr(dialogs, "ask_export_path", lambda *a, **k: str(out))
    mode.actions["sheet"].trigger()  # Pass > Exercise > Export Exercise Sheet…
    key = tmp_path / f"app-key{suffix}"
    assert out.exists() and key.exists() and (tmp_path / "app-network.png").exists()
    cli = tmp_path / f"cli{suffix}"
    args = ["report", str(REF / "handwritten_221.json"), "--exercise", "--hide", "updates"]
    assert main([*args, "--format", suffix[1:], "-o", str(cli)]) == 0
    # the same sheet and key (only the picture's file name differs)
    assert out.read_text().replace("app-network", "x") == cli.read_text().replace(
        "cli-network", "x"
    )
    assert key.read_text() == (tmp_path / f"cli-key{suffix}").read_text()
    new_w5 = f"{EXACT['edges']['w5']['updated']:.8f}"  # 0.39999178: the key's, not the sheet's
    assert new_w5 in key.read_text() and new_w5 not in out.read_text()
    assert ("______" if suffix == ".md" else "\\underline{\\hspace{4em}}") in out.read_text()
