"""The Qt-free half of exercise mode (model/exercise.py): blanks, entries, verdicts, CSV.

Checked on the 2-2-1 lecture example against the reference trace (computed independently of
bpstudio, tests/fixtures/reference).
"""

from __future__ import annotations

import json

import pytest
from helpers import FIXTURES, REFERENCE

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.exercise import (
    Exercise,
    hidden_keys,
    key_words,
    parse_entry,
    verdict_words,
    verdicts_csv,
)
from bpstudio.model.grading.answers import Answer, load_answers, parse_answers
from bpstudio.model.grading.grader import expected_values, grade

SLIPS = FIXTURES / "answers" / "handwritten_221_slips.json"
EXACT = json.loads((REFERENCE / "handwritten_221.trace.json").read_text())


@pytest.fixture
def graph():
    return fileformat.load(REFERENCE / "handwritten_221.json")


def layers(graph) -> dict[str, int]:
    return compile_graph(graph).layer_of


def test_each_choice_hides_its_values_in_computation_order(graph):
    expected = expected_values(graph, 0)
    order = [k for k, _v in expected]
    backward = hidden_keys(graph, layers(graph), expected, "backward")
    assert {k[0] for k in backward} == {"dL_dz", "grad"}
    assert len(backward) == 3 + 6  # ∂L/∂z of h1, h2, o1; ∂L/∂w of w1..w6
    assert backward == sorted(backward, key=order.index)
    assert backward[0] == ("dL_dz", "o1", None)  # backward starts at the output
    assert hidden_keys(graph, layers(graph), expected, "layer", 2) == [
        ("dL_dz", "o1", None),
        ("grad", "w5", None),
        ("grad", "w6", None),
    ]
    updates = hidden_keys(graph, layers(graph), expected, "updates")
    assert {k for k in updates if k[0] == "updated"} == {
        ("updated", f"w{i}", None) for i in range(1, 7)
    }
    assert {k[1] for k in updates if k[0] == "updated_bias"} == {"h1", "h2", "o1"}
    everything = hidden_keys(graph, layers(graph), expected, "everything")
    assert ("loss", None, None) in everything and ("z", "h1", None) in everything
    assert everything.index(("loss", None, None)) < everything.index(("dL_dz", "o1", None))
    with pytest.raises(ValueError, match="unknown exercise choice"):
        hidden_keys(graph, layers(graph), expected, "weights")


def test_exact_values_are_the_reference_trace(graph):
    ex = Exercise.hiding(graph, layers(graph), 0, "everything")
    assert ex.exact[("dL_dz", "o1", None)] == pytest.approx(
        EXACT["neurons"]["o1"]["dL_dz"], rel=1e-9
    )
    assert ex.exact[("grad", "w5", None)] == pytest.approx(EXACT["edges"]["w5"]["grad"], rel=1e-9)
    assert ex.exact[("updated", "w6", None)] == pytest.approx(
        EXACT["edges"]["w6"]["updated"], rel=1e-9
    )
    assert ex.exact[("loss", None, None)] == pytest.approx(EXACT["loss"], rel=1e-9)


def test_entries_grade_with_the_earlier_ones(graph):
    ex = Exercise.hiding(graph, layers(graph), 0, "backward")
    o1, w5 = ("dL_dz", "o1", None), ("grad", "w5", None)
    g = ex.commit(o1, "-0.1385")  # y − ŷ for ŷ − y
    assert g.verdict == "wrong" and g.mistake == "sign"
    assert verdict_words(g) == "✗ sign slip"
    g = ex.commit(w5, "-0.0822")  # right from the slipped ∂L/∂z
    assert g.verdict == "follows" and g.from_ == o1
    assert verdict_words(g) == "→ follows from your ∂L/∂z of o1"
    assert ex.first_wrong is not None and ex.first_wrong.answer.key() == o1
    assert "first: ∂L/∂z of o1, sign slip" in ex.summary()
    g = ex.commit(o1, "0.1385")
    assert g.verdict == "right" and verdict_words(g) == "✓ right"
    assert ex.graded(w5).verdict == "wrong"  # now a slip of its own
    before = dict(ex.entries)
    with pytest.raises(ValueError, match="not a number"):
        ex.commit(w5, "0.1.2")
    with pytest.raises(ValueError, match="not a blank"):
        ex.commit(("z", "h1", None), "0.3775")  # given on the canvas, not a blank
    assert ex.entries == before
    ex.clear(w5)
    assert w5 not in ex.entries and ex.graded(w5) is None
    assert ex.reveal(w5) == pytest.approx(EXACT["edges"]["w5"]["grad"], rel=1e-9)
    assert w5 in ex.revealed


@pytest.mark.parametrize("text", ["0.50", "5e-3", "−0.1", "-.25", "+3"])
def test_numbers_a_student_types(text):
    assert parse_entry(text) == float(text.replace("−", "-"))


@pytest.mark.parametrize("text", ["", "1_0", "inf", "nan", "0x1", "0.1.2", "1e999999", "-"])
def test_what_is_not_a_number(text):
    with pytest.raises(ValueError):
        parse_entry(text)


def test_key_words():
    assert key_words(("dL_dz", "h1", None)) == "∂L/∂z of h1"
    assert key_words(("loss", None, None)) == "loss"
    assert key_words(("path", "w1", ("h1", "o1"))) == "path product of w1 via h1, o1"


def test_the_checked_file_and_its_csv_export_grade_the_same(graph):
    sheet = load_answers(SLIPS, graph)
    ex = Exercise.checking(graph, sheet.answers, 0)
    assert not ex.editable
    assert ("dL_da", "h1", None) not in ex.keys  # no badge for it: in the list only
    assert len(ex.graded_list()) == len(sheet.answers)
    assert ex.first_wrong.answer.key() == ("dL_dz", "o1", None)
    # a path row too: its via must survive the CSV
    path = next((k, v) for k, v in expected_values(graph, 0, paths=True) if k[0] == "path")
    answers = [*sheet.answers, Answer("path", path[0][1], f"{path[1]:.6f}", via=path[0][2], row=99)]
    report = grade(graph, answers, 0)
    text = verdicts_csv(report)
    again = parse_answers(text, "verdicts.csv", graph)
    assert [(a.key(), a.value) for a in again.answers] == [
        (g.answer.key(), g.answer.value) for g in report.graded
    ]
    regraded = grade(graph, again.answers, 0)
    assert [g.verdict for g in regraded.graded] == [g.verdict for g in report.graded]
    assert [g.mistake for g in regraded.graded] == [g.mistake for g in report.graded]


def test_every_mistake_of_the_catalogue_has_plain_words():
    from bpstudio.model.exercise import MISTAKE_WORDS
    from bpstudio.model.grading.mistakes import BY_CODE

    assert set(BY_CODE) | {"unexplained"} == set(MISTAKE_WORDS)


def test_inputs_and_bias_units_are_never_blanks():
    g = fileformat.load(REFERENCE / "ecs171_321.json")  # with a constant-1 bias unit
    assert any(n.role == "bias" for n in g.neurons.values())
    expected = expected_values(g, 0)
    keys = hidden_keys(g, layers(g), expected, "everything")
    roles = {g.neurons[k[1]].role for k in keys if k[0] in ("z", "a")}
    assert roles <= {"hidden", "output"}
    assert any(k[0] == "grad" and g.edges[k[1]].source in g.neurons for k in keys)


@pytest.mark.parametrize(
    "name", ["handwritten_221", "ecs171_321", "softmax_3class", "skip_connection"]
)
def test_exact_values_typed_to_4_decimals_are_all_right(name):
    from bpstudio.paths import example_files

    path = next(p for p in example_files() if p.stem == name)
    g = fileformat.load(path)
    for hide in ("backward", "updates", "everything"):
        ex = Exercise.hiding(g, layers(g), 0, hide)
        assert ex.keys
        for key in ex.keys:
            v = ex.exact[key]
            # an update's step can be smaller than the 4th decimal: write it to 4 significant
            text = f"{v:.10f}" if key[0].startswith("updated") else f"{v:.4f}"
            ex.commit(key, text)
        verdicts = {ex.graded(k).verdict for k in ex.keys}
        assert verdicts == {"right"}, (name, hide, ex.summary())
