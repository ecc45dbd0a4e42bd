"""The grader on the two reference lecture examples and on slips worked out by hand.

The numbers in these tests are computed here from the lecture's formulas (or read from the
reference traces of shared/reference, computed independently of bpstudio), never by the
grader's own rules.
"""

from __future__ import annotations

import json
import math

import pytest
from grading_nets import answer
from helpers import FIXTURES, REFERENCE

from bpstudio.model import fileformat
from bpstudio.model.grading.answers import Answer, load_answers, parse_answers
from bpstudio.model.grading.grader import Grader, expected_values, grade
from bpstudio.paths import examples_dir

GRADING = FIXTURES / "grading"
EXAMPLES = examples_dir()


def sig(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _graph(name: str):
    return fileformat.load(REFERENCE / name)


def _reference_answers(name: str, decimals: int | None) -> list[Answer]:
    """Every value of a reference trace (shared/reference), rounded or in full."""
    doc = json.loads((REFERENCE / name.replace(".json", ".trace.json")).read_text())

    def text(v: float) -> str:
        return repr(v) if decimals is None else f"{v:.{decimals}f}"

    out = [Answer("loss", None, text(doc["loss"]))]
    for nid, v in doc["neurons"].items():
        for q, x in v.items():
            out.append(Answer(q, nid, text(x)))
    for eid, v in doc["edges"].items():
        out.append(Answer("grad", eid, text(v["grad"])))
        out.append(Answer("updated", eid, text(v["updated"])))
    return out


def _by_key(report):
    return {g.key: g for g in report.graded}


@pytest.mark.parametrize("name", ["handwritten_221.json", "ecs171_321.json"])
@pytest.mark.parametrize("decimals", [None, 4, 6])
def test_reference_values_grade_all_right(name, decimals):
    answers = _reference_answers(name, decimals)
    report = grade(_graph(name), answers)
    assert report.counts() == {"right": len(answers), "follows": 0, "wrong": 0}
    assert report.first_wrong is None


# --------------------------------------------------------------------------- the notes' slips
def test_handwritten_notes_slips_are_found():
    """seeds/003: gradients right to the digits written; New W5 = 0.399927 matches no known
    slip; New w6 = 0.4499 is the right 0.44999173 cut off, not rounded (README)."""
    graph = _graph("handwritten_221.json")
    sheet = load_answers(GRADING / "handwritten_221_notes.csv", graph)
    report = grade(graph, sheet.answers)
    g = _by_key(report)
    wrong = {k for k, v in g.items() if v.verdict != "right"}
    assert wrong == {("updated", "w5", None), ("updated", "w6", None)}
    w5, w6 = g[("updated", "w5", None)], g[("updated", "w6", None)]
    assert (w5.verdict, w5.mistake, w5.also) == ("wrong", "unexplained", ())
    assert w5.exact == pytest.approx(0.39999178, abs=5e-9)
    assert (w6.verdict, w6.mistake) == ("wrong", "unexplained")
    assert "cut off" in w6.explanation and "cut off" not in w5.explanation
    assert report.first_wrong is w5


def test_ecs171_notes_climb_the_gradient():
    """seeds/001: w_new = w + η·Δw: 0.9 + 0.1 × 0.0067 = 0.90067 (the right step gives
    0.899353); Δw of w_0Z written 0.008 (right to the digits) then 0.5 + 0.1 × 0.008."""
    sheet = load_answers(GRADING / "ecs171_321_notes.json")
    assert sheet.network == "../reference/ecs171_321.json" and sheet.sample == 0
    graph = fileformat.load(GRADING / sheet.network)
    g = _by_key(grade(graph, sheet.answers))
    waz = g[("updated", "wAZ", None)]
    assert (waz.verdict, waz.mistake) == ("wrong", "ascent")
    assert waz.exact == pytest.approx(0.899353, abs=5e-7)
    assert waz.yours == pytest.approx(0.9 - 0.1 * 0.0067)  # from the notes' own Δw
    assert "climbed the gradient" in waz.explanation
    assert g[("updated", "wBZ", None)].mistake == "ascent"
    w0z = g[("updated", "w0Z", None)]
    assert (w0z.mistake, w0z.yours) == ("ascent", pytest.approx(0.5 - 0.1 * 0.008))
    assert g[("grad", "w0Z", None)].verdict == "right"  # 0.008 is 0.0082 to three decimals
    # the slides' Δw of w_AZ, 0.0067, is ∂L/∂z_Z × a_B (0.0082 × 0.8176), not × a_A: no
    # catalogue slip gives it
    assert g[("grad", "wAZ", None)].mistake == "unexplained"


def test_ecs171_w0z_updated_from_the_wrong_weight_is_unexplained():
    """One slide updates w_0Z from 0.9 (w_BZ's value): 0.9 + 0.1 × 0.0069 = 0.90069."""
    graph = _graph("ecs171_321.json")
    text = "quantity,id,value\ngrad,w0Z,0.0082\nupdated,w0Z,0.90069\n"
    g = _by_key(grade(graph, parse_answers(text, "slide.csv", graph).answers))
    assert g[("grad", "w0Z", None)].verdict == "right"
    assert g[("updated", "w0Z", None)].mistake == "unexplained"


# --------------------------------------------------------------------------- single slips
H = {  # the handwritten example's exact values (reference trace)
    "x1": 0.05, "x2": 0.10, "a_h1": sig(0.3775), "a_h2": sig(0.3925),
}  # fmt: skip
H["z_o1"] = 0.40 * H["a_h1"] + 0.45 * H["a_h2"] + 0.60
H["yhat"] = sig(H["z_o1"])
H["dL_da"] = H["yhat"] - 0.01
H["dL_dz"] = H["dL_da"] * H["yhat"] * (1 - H["yhat"])


def _one(graph, rows: str, key):
    sheet = parse_answers("quantity,id,value\n" + rows, "t.csv", graph)
    return _by_key(grade(graph, sheet.answers))[key]


@pytest.mark.parametrize(
    ("rows", "key", "code"),
    [
        # y − ŷ for ŷ − y
        (f"dL_da,o1,{-H['dL_da']:.4f}\n", ("dL_da", "o1", None), "sign"),
        # the ½ of the loss dropped: (ŷ − y)²
        (f"loss,,{H['dL_da'] ** 2:.4f}\n", ("loss", None, None), "half_factor"),
        # ∂L/∂z written as ∂L/∂a
        (f"dL_dz,o1,{H['dL_da']:.4f}\n", ("dL_dz", "o1", None), "missing_activation_derivative"),
        # σ′ at a: σ(a)(1 − σ(a))
        (
            f"da_dz,h1,{sig(H['a_h1']) * (1 - sig(H['a_h1'])):.4f}\n",
            ("da_dz", "h1", None),
            "derivative_of_activation_value",
        ),
        # z without b1
        (f"z,h1,{0.05 * 0.15 + 0.1 * 0.2:.4f}\n", ("z", "h1", None), "missing_bias"),
        # the weights read down the columns: w1·x1 + w3·x2
        (f"z,h1,{0.05 * 0.15 + 0.1 * 0.25 + 0.35:.4f}\n", ("z", "h1", None), "wrong_weight"),
        # z_out from the hidden z
        (
            f"z,o1,{0.40 * 0.3775 + 0.45 * 0.3925 + 0.60:.4f}\n",
            ("z", "o1", None),
            "used_z_not_a",
        ),
        # w − ∂L/∂w
        (
            f"updated,w5,{0.40 - H['dL_dz'] * H['a_h1']:.4f}\n",
            ("updated", "w5", None),
            "no_learning_rate",
        ),
        # w + η·∂L/∂w, written to every digit the step needs
        (
            f"updated,w5,{0.40 + 0.0001 * H['dL_dz'] * H['a_h1']:.9f}\n",
            ("updated", "w5", None),
            "ascent",
        ),
    ],
)
def test_a_slip_is_named(rows, key, code):
    g = _one(_graph("handwritten_221.json"), rows, key)
    assert g.verdict == "wrong"
    assert g.mistake == code, g.explanation


def test_an_updated_weight_in_the_backward_pass_is_named():
    """1-1-1 identity network with a large step: ∂L/∂a_h = w_new·∂L/∂z_o."""
    doc = {
        "format": "bpstudio-network", "version": 1, "name": "t",
        "neurons": [{"id": "x", "role": "input"},
                    {"id": "h", "role": "hidden", "activation": "identity", "bias": 0.0},
                    {"id": "o", "role": "output", "activation": "identity", "bias": 0.0}],
        "edges": [{"id": "u", "source": "x", "target": "h", "weight": 0.5},
                  {"id": "v", "source": "h", "target": "o", "weight": 2.0}],
        "training": {"loss": "half_squared_error", "learning_rate": 0.5},
        "data": {"samples": [{"x": [1.0], "y": [0.0]}]},
    }  # fmt: skip
    graph = fileformat.from_document(doc)
    # ŷ = 1, ∂L/∂z_o = 1, ∂L/∂w_v = a_h = 0.5, v_new = 2 − 0.5·0.5 = 1.75
    g = _one(graph, "dL_da,h,1.75\n", ("dL_da", "h", None))
    assert g.mistake == "updated_weights_in_backward"
    assert _one(graph, "dL_da,h,2.0\n", ("dL_da", "h", None)).verdict == "right"


def test_a_sign_slip_in_an_unwritten_value_is_found_in_a_later_one():
    """Only ∂L/∂w1 written, with y − ŷ in the unwritten ∂L/∂ŷ: the sign slip is named there."""
    graph = _graph("handwritten_221.json")
    dz_h1 = H["dL_dz"] * 0.40 * H["a_h1"] * (1 - H["a_h1"])
    g = _one(graph, f"grad,w1,{-dz_h1 * 0.05:.6f}\n", ("grad", "w1", None))
    assert g.verdict == "wrong" and g.mistake == "sign"
    assert g.yours == pytest.approx(dz_h1 * 0.05)


def test_error_carried_forward_follows():
    """A wrong ∂L/∂ŷ (the ½ kept: 0.3707), then ∂L/∂z and ∂L/∂w5 worked on correctly from it."""
    graph = _graph("handwritten_221.json")
    half = H["dL_da"] / 2
    dz = half * H["yhat"] * (1 - H["yhat"])
    rows = f"dL_da,o1,{half:.4f}\ndL_dz,o1,{dz:.4f}\ngrad,w5,{dz * H['a_h1']:.4f}\n"
    report = grade(graph, parse_answers("quantity,id,value\n" + rows, "t.csv", graph).answers)
    g = _by_key(report)
    first = g[("dL_da", "o1", None)]
    assert (first.verdict, first.mistake) == ("wrong", "half_factor")
    dz_g, w5 = g[("dL_dz", "o1", None)], g[("grad", "w5", None)]
    assert (dz_g.verdict, dz_g.from_) == ("follows", ("dL_da", "o1", None))
    assert (w5.verdict, w5.from_) == ("follows", ("dL_dz", "o1", None))
    assert report.first_wrong is first
    assert report.summary_line() == (
        "3 values: 0 right, 2 follow from an earlier slip, 1 wrong "
        "(first: dL_da of o1, half_factor)"
    )


def test_rounded_inputs_are_right_not_follows():
    """ŷ written to two decimals and ∂L/∂ŷ from it: off the exact value, within yours, and
    every value it uses is right: right (the student rounded, nothing more)."""
    graph = _graph("handwritten_221.json")
    g = _one(graph, "a,o1,0.75\ndL_da,o1,0.7400\n", ("dL_da", "o1", None))
    assert g.verdict == "right"


# --------------------------------------------------------------------------- softmax
def _softmax_net():
    return fileformat.load(EXAMPLES / "softmax_3class.json")


def _softmax_values():
    """The softmax example's sample 0 by hand: tanh hidden layer, softmax, cross-entropy."""
    doc = json.loads((EXAMPLES / "softmax_3class.json").read_text())
    w = {e["id"]: e["weight"] for e in doc["edges"]}
    ends = {e["id"]: (e["source"], e["target"]) for e in doc["edges"]}
    b = {n["id"]: n.get("bias", 0.0) for n in doc["neurons"]}
    x = dict(zip(["x1", "x2"], doc["data"]["samples"][0]["x"], strict=True))
    y = dict(zip(["o1", "o2", "o3"], doc["data"]["samples"][0]["y"], strict=True))
    a = dict(x)
    for h in ("h1", "h2", "h3"):
        a[h] = math.tanh(b[h] + sum(w[e] * a[s] for e, (s, t) in ends.items() if t == h))
    z = {o: b[o] + sum(w[e] * a[s] for e, (s, t) in ends.items() if t == o) for o in y}
    total = sum(math.exp(v) for v in z.values())
    yhat = {o: math.exp(z[o]) / total for o in y}
    return w, ends, a, y, yhat


def test_softmax_cross_terms_left_out_are_named():
    """∂L/∂w1 (x1 -> h1) written with only the diagonal of the softmax Jacobian, nothing in
    between written: named softmax_diagonal_only, with dropped_path also reproducing it."""
    w, ends, a, y, yhat = _softmax_values()
    dL_dyhat = {o: -y[o] / yhat[o] for o in y}
    diag = {o: dL_dyhat[o] * yhat[o] * (1 - yhat[o]) for o in y}
    full = {o: yhat[o] * sum(y.values()) - y[o] for o in y}  # CE through softmax: ŷ·Σy − y

    def grad_w1(dz):
        dL_da_h1 = sum(w[e] * dz[t] for e, (s, t) in ends.items() if s == "h1")
        return dL_da_h1 * (1 - a["h1"] ** 2) * a["x1"]

    graph = _softmax_net()
    right = _one(graph, f"grad,w1,{grad_w1(full):.4f}\n", ("grad", "w1", None))
    assert right.verdict == "right"
    g = _one(graph, f"grad,w1,{grad_w1(diag):.4f}\n", ("grad", "w1", None))
    assert g.verdict == "wrong"
    assert g.mistake == "softmax_diagonal_only"
    assert "dropped_path" in g.also
    assert "not written" in g.explanation


def test_softmax_jacobian_entries_and_paths():
    w, ends, a, y, yhat = _softmax_values()
    graph = _softmax_net()
    rows = (
        f"dyhat_dz,o1,{yhat['o1'] * (1 - yhat['o1']):.5f},\n"
        f"dyhat_dz,o2,{-yhat['o2'] * yhat['o1']:.5f},o1\n"
    )
    text = "quantity,id,value,by\n" + rows.replace(",\n", ",o1\n", 1)
    report = grade(graph, parse_answers(text, "t.csv", graph).answers)
    assert report.counts()["right"] == 2
    # the path of w7 (h1 -> o1) through o1 into o2: a_h1 · ∂ŷ2/∂z1 · ∂L/∂ŷ2 (= 0: y2 = 0)
    # and into o1 itself: a_h1 · ŷ1(1 − ŷ1) · (−y1/ŷ1)
    p11 = a["h1"] * yhat["o1"] * (1 - yhat["o1"]) * (-y["o1"] / yhat["o1"])
    text = f"quantity,id,via,value\npath,w7,,{p11:.5f}\npath,w7,o2,0.00000\n"
    report = grade(graph, parse_answers(text, "t.csv", graph).answers)
    assert report.counts()["right"] == 2


def test_path_through_the_network():
    """∂L/∂w1's one path in the 2-2-1 example: x1 · σ′(z_h1) · w5 · σ′(z_o1) · ∂L/∂ŷ."""
    graph = _graph("handwritten_221.json")
    p = 0.05 * H["a_h1"] * (1 - H["a_h1"]) * 0.40 * H["yhat"] * (1 - H["yhat"]) * H["dL_da"]
    text = f'{{"values": [{{"quantity": "path", "id": "w1", "via": ["o1"], "value": "{p:.7f}"}}]}}'
    g = grade(graph, parse_answers(text, "t.json", graph).answers).graded[0]
    assert g.verdict == "right" and g.exact == pytest.approx(p, rel=1e-12)


# --------------------------------------------------------------------------- batch, API
def test_batch_mean_with_all():
    """sample all: every value is the batch mean (the gradients and the loss are)."""
    doc = json.loads((REFERENCE / "handwritten_221.json").read_text())
    doc["data"]["samples"].append({"x": [0.3, -0.2], "y": [0.9]})
    graph = fileformat.from_document(doc)
    values = dict(expected_values(graph, None))
    one = [dict(expected_values(graph, k)) for k in (0, 1)]
    assert values[("z", "h1", None)] == pytest.approx(
        (one[0][("z", "h1", None)] + one[1][("z", "h1", None)]) / 2
    )
    assert values[("loss", None, None)] == pytest.approx(
        (one[0][("loss", None, None)] + one[1][("loss", None, None)]) / 2
    )
    answers = [answer(k, f"{v:.5f}") for k, v in values.items()]
    assert grade(graph, answers, None).counts()["right"] == len(answers)


def test_json_shape():
    graph = _graph("handwritten_221.json")
    half = H["dL_da"] / 2
    text = f"quantity,id,value\ndL_da,o1,{half:.4f}\ndL_dz,o1,0.0693\ngrad,w5,0.0822\n"
    doc = grade(graph, parse_answers(text, "t.csv", graph).answers).to_json()
    assert set(doc) == {"summary", "values"}
    assert doc["summary"] == {
        "right": 1, "follows": 1, "wrong": 1,
        "first_wrong": {"quantity": "dL_da", "id": "o1"},
    }  # fmt: skip
    v = doc["values"][0]
    assert set(v) == {"quantity", "id", "given", "exact", "yours", "verdict", "mistake",
                      "also", "explanation", "from"}  # fmt: skip
    assert (v["given"], v["verdict"], v["mistake"], v["from"]) == (
        f"{half:.4f}", "wrong", "half_factor", None,
    )  # fmt: skip
    assert doc["values"][1]["from"] == {"quantity": "dL_da", "id": "o1"}
    json.dumps(doc, allow_nan=False)


def test_grader_reused_for_each_entry():
    """The app's use: one Grader, each entry graded as it is typed."""
    graph = _graph("handwritten_221.json")
    grader = Grader(graph, 0)
    assert grader.grade([Answer("z", "h1", "0.3775")]).graded[0].verdict == "right"
    assert grader.grade([Answer("z", "h1", "0.0275")]).graded[0].mistake == "missing_bias"


def test_grading_answers_that_do_not_fit_raises_answers_error():
    from bpstudio.model.grading.answers import AnswersError

    grader = Grader(_graph("handwritten_221.json"), 0)
    with pytest.raises(AnswersError, match="row 2: unknown id 'h9'"):
        grader.grade([Answer("z", "h1", "0.3775", row=1), Answer("z", "h9", "0.1", row=2)])
    with pytest.raises(AnswersError, match="given twice"):
        grader.grade([Answer("z", "h1", "0.3775", row=1), Answer("z", "h1", "0.3", row=2)])


def test_a_registered_activation_is_graded(swish):
    """swish (tests/registry_swish.py) is written nowhere in the grader: its registry entry
    gives the rules (a = z·σ(z), f′) and the mistake of f′ evaluated at a."""
    doc = json.loads((REFERENCE / "handwritten_221.json").read_text())
    for n in doc["neurons"]:
        if n["id"] == "h1":
            n["activation"] = "swish"
    graph = fileformat.from_document(doc)
    grader = Grader(graph, 0)
    answers = [answer(k, f"{v:.6f}") for k, v in grader.expected_values(paths=True)]
    assert grader.grade(answers).counts()["right"] == len(answers)
    z = 0.3775
    a = z * sig(z)
    at_a = sig(a) + a * sig(a) * (1 - sig(a))  # swish′ evaluated at a
    g = _one(graph, f"da_dz,h1,{at_a:.4f}\n", ("da_dz", "h1", None))
    assert g.mistake == "derivative_of_activation_value"


def test_a_tiny_written_value_is_graded_not_crashed():
    """ "5e-31" for ∂L/∂w: cutting the exact value to the 31st decimal needs more digits than
    decimal's default precision (InvalidOperation crashed grade(); the app caught it)."""
    from bpstudio.model import fileformat
    from bpstudio.model.grading.answers import Answer
    from bpstudio.model.grading.grader import grade
    from bpstudio.paths import example_files

    graph = fileformat.load(next(p for p in example_files() if p.stem == "handwritten_221"))
    report = grade(
        graph, [Answer("dL_dz", "o1", "0.0822", row=1), Answer("grad", "w5", "5e-31", row=2)]
    )
    verdicts = {g.answer.id: g.verdict for g in report.graded}
    assert verdicts == {"o1": "wrong", "w5": "wrong"}
