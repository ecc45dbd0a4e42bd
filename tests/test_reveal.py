"""What each step of the pass reveals (model/reveal.py), without a QApplication.

The lecture worked examples (tests/fixtures/reference: exact values computed independently
of bpstudio) are stepped state by state with the Qt-free stepper; at every step the rows of
every neuron, output, edge and the loss are the reference values through the display rule,
nothing of a later step is there, and an exercise's blanks are blank (their numbers are not
in what the badges expose). The Explain and Matrices gates follow the same source.
"""

from __future__ import annotations

import json
import math

import pytest
from helpers import REFERENCE

from bpstudio.model import fileformat, reveal
from bpstudio.model.exercise import Exercise
from bpstudio.model.numfmt import fmt, fmt_places, fmt_signed, update_places
from bpstudio.model.reveal import Blank, PassView
from bpstudio.model.stepper import BACKWARD, FORWARD, IDLE, LOSS, UPDATED, PassStepper, StepState

NETS = ["handwritten_221", "ecs171_321"]


def _net(name: str):
    graph = fileformat.load(REFERENCE / f"{name}.json")
    ref = json.loads((REFERENCE / f"{name}.trace.json").read_text(encoding="utf-8"))
    return graph, ref


def _layers(graph) -> dict[str, int]:
    """Each neuron's layer from the file alone (longest path from an input): independent
    of the compiler."""
    layer: dict[str, int] = {}

    def of(nid: str) -> int:
        if nid not in layer:
            into = [e.source for e in graph.edges.values() if e.target == nid]
            layer[nid] = 0 if not into else 1 + max(of(s) for s in into)
        return layer[nid]

    for nid in graph.neurons:
        of(nid)
    return layer


def texts_of(exact: float, decimals: int = 4) -> set[str]:
    """What a value equal to ``exact`` within rel 1e-12 is written as: a sum in another order
    can differ in the last bit, and the display rule writes an exact 1.32 as "1.32" but
    1.3200000000000003 as "1.3200" (a shown zero is a rounded digit)."""
    near = [exact * f for f in (1 - 1e-12, 1.0, 1 + 1e-12)] + [float(f"{exact:.12g}")]
    return {fmt(v, decimals) for v in near}


def reads(lines, want: list[tuple[str, float]]) -> bool:
    """``lines`` are the rows ``prefix = value`` of ``want``, in order, and nothing else."""
    return len(lines) == len(want) and all(
        line in {f"{prefix} {t}".strip() for t in texts_of(v)}
        for line, (prefix, v) in zip(lines, want, strict=True)
    )


def _states(n_layers: int) -> list[StepState]:
    L = n_layers
    return [
        *(StepState(FORWARD, l) for l in range(1, L + 1)),
        StepState(LOSS),
        *(StepState(BACKWARD, l) for l in range(L, 0, -1)),
    ]


def _walk(graph):
    """(state, Revealed) at every step from forward 1 to backward 1, then the update."""
    st = PassStepper(graph)
    out = []
    while True:
        st.advance()
        assert st.result is not None, st.error
        out.append((st.state, st.result, reveal.reveal(PassView(st.result, st.state))))
        if st.state.phase == UPDATED:
            return out


@pytest.mark.parametrize("name", NETS)
def test_every_step_shows_the_reference_values_and_nothing_later(name):
    graph, ref = _net(name)
    layers = _layers(graph)
    n_layers = max(layers.values())
    outputs = [nid for nid, n in graph.neurons.items() if n.role == "output"]
    walk = _walk(graph)
    assert [s for s, _r, _v in walk] == [*_states(n_layers), StepState(UPDATED)]
    for state, _result, shown in walk[:-1]:
        forward = n_layers if state.phase != FORWARD else state.layer
        backward = state.layer if state.phase == BACKWARD else n_layers + 1
        # exactly the neurons of the layers reached, each with its reference values
        assert set(shown.neurons) == {n for n, l in layers.items() if l <= forward}, state
        for nid, badge in shown.neurons.items():
            exact = ref["neurons"][nid]
            role = graph.neurons[nid].role
            if role == "input":
                assert reads(badge.lines, [("x =", exact["a"])])
                continue
            if role == "bias":
                assert badge.lines == ("a = 1",) and badge.values == {"a": 1.0}
                continue
            want = [("z =", exact["z"]), ("a =", exact["a"])]
            if layers[nid] >= backward:
                want.append(("∂L/∂z =", exact["dL_dz"]))
                assert math.isclose(badge.values["dL_da"], exact["dL_da"], rel_tol=1e-9)
                assert badge.accent == "sign"
            else:  # ∂L/∂z of a layer the backward pass has not reached: not even behind it
                assert "dL_dz" not in badge.values and "dL_da" not in badge.values
            assert reads(badge.lines, want), (state, nid, badge.lines)
            for key in ("z", "a"):
                assert math.isclose(badge.values[key], exact[key], rel_tol=1e-9)
        # the loss from the loss step on, with ŷ and y beside each output
        if state.phase == FORWARD:
            assert shown.loss is None and not shown.outputs
        else:
            assert shown.loss is not None
            assert reads(shown.loss.lines, [("L =", ref["loss"])])
            assert set(shown.outputs) == set(outputs)
            y = graph.data["samples"][0]["y"]
            for k, oid in enumerate(outputs):
                want_o = [("ŷ =", ref["neurons"][oid]["a"]), ("y =", y[k])]
                assert reads(shown.outputs[oid].lines, want_o)
        # ∂L/∂w of the edges into the layers the backward pass reached, and no other
        into = {eid for eid, e in graph.edges.items() if layers[e.target] >= backward}
        assert set(shown.edges) == into, state
        for eid, badge in shown.edges.items():
            g = ref["edges"][eid]["grad"]
            assert reads(badge.lines, [("", g)]) and math.isclose(
                badge.values["grad"], g, rel_tol=1e-9
            )


@pytest.mark.parametrize("name", NETS)
def test_the_update_shows_old_to_new_from_the_reference(name):
    graph, ref = _net(name)
    lr = float(graph.training["learning_rate"])
    biases = {nid: float(n.bias or 0.0) for nid, n in graph.neurons.items()}  # before the step
    biases = {nid: float(n.bias or 0.0) for nid, n in graph.neurons.items()}  # before the step
    _state, result, shown = _walk(graph)[-1]
    assert shown.loss is None and not shown.outputs  # the pass's values are the old ones
    for eid, exact in ref["edges"].items():
        old, new = exact["weight"], exact["updated"]
        places = update_places(old, new)
        assert shown.edges[eid].lines == (
            f"{fmt(old)} → {fmt_places(new, places)}",
            f"Δw = {fmt_signed(new - old)}",
        )
        assert math.isclose(shown.edges[eid].values["new"], new, rel_tol=1e-9)
    for nid, n in graph.neurons.items():
        if n.role not in ("hidden", "output"):
            assert nid not in shown.neurons or graph.neurons[nid].role in ("input", "bias")
            continue
        old = biases[nid]
        new = old - lr * ref["neurons"][nid]["dL_db"]  # one plain SGD step, by hand
        badge = shown.neurons[nid]
        assert badge.lines == (f"b: {fmt(old)} → {fmt_places(new, update_places(old, new))}",)
        assert math.isclose(badge.values["new"], new, rel_tol=1e-9, abs_tol=1e-15)
    # the lecture layout: one line each, the step itself
    projector = reveal.reveal(PassView(result, StepState(UPDATED), projector=True))
    w5 = "w5" if "w5" in ref["edges"] else "wAZ"
    exact = ref["edges"][w5]
    assert projector.edges[w5].lines == (f"Δw = {fmt_signed(exact['updated'] - exact['weight'])}",)
    # after the update's animation the old → new labels are gone
    settled = reveal.reveal(PassView(result, StepState(UPDATED), settled=True))
    assert not settled.edges and all(
        graph.neurons[nid].role in ("input", "bias") for nid in settled.neurons
    )


@pytest.mark.parametrize("decimals", [2, 6])
def test_rows_follow_the_decimals(decimals):
    graph, ref = _net("handwritten_221")
    st = PassStepper(graph)
    st.backward_all()
    assert st.result is not None
    shown = reveal.reveal(PassView(st.result, st.state, decimals=decimals))
    assert shown.edges["w1"].texts["grad"] == fmt(ref["edges"]["w1"]["grad"], decimals)
    assert shown.neurons["h1"].texts["dL_dz"] == fmt(ref["neurons"]["h1"]["dL_dz"], decimals)
    assert shown.loss is not None and shown.loss.texts["loss"] == fmt(ref["loss"], decimals)


def test_idle_reveals_nothing():
    graph, _ref = _net("handwritten_221")
    st = PassStepper(graph)
    result = st.compute()
    assert result is not None
    shown = reveal.reveal(PassView(result, StepState(IDLE)))
    assert not shown.neurons and not shown.edges and not shown.outputs and shown.loss is None


class ExerciseBlanks:
    """The Blanks an exercise offers (what qt/passes/exercise.ExerciseMode gives the views),
    over the Qt-free model Exercise: every key a blank, none typed yet."""

    def __init__(self, exercise: Exercise, hides: bool = True):
        self.exercise = exercise
        self.version = 0
        self.hides_values = hides
        self.hidden_kinds = frozenset(k[0] for k in exercise.keys)

    def blank(self, quantity: str, ident: str | None) -> Blank | None:
        key = (quantity, ident, None)
        return Blank("_____") if key in self.exercise.keys else None


def _exercise(name: str, hide: str, layer: int | None = None):
    graph, ref = _net(name)
    st = PassStepper(graph)
    st.backward_all()
    assert st.result is not None
    ex = Exercise.hiding(graph, st.result.compiled.layer_of, 0, hide, layer)
    return graph, ref, st, ExerciseBlanks(ex)


def _numbers(badge) -> str:
    return " ".join([*badge.lines, *badge.texts.values()])


@pytest.mark.parametrize("name", NETS)
def test_backward_exercise_blanks_are_blank_and_give_nothing_away(name):
    graph, ref, st, blanks = _exercise(name, "backward")
    assert st.result is not None
    shown = reveal.reveal(PassView(st.result, st.state, blanks=blanks))
    for nid, badge in shown.neurons.items():
        if graph.neurons[nid].role not in ("hidden", "output"):
            continue
        exact = ref["neurons"][nid]
        assert "∂L/∂z = _____" in badge.lines and badge.hidden("dL_dz")
        assert "dL_dz" not in badge.values and "dL_da" not in badge.values
        assert fmt(exact["dL_dz"]) not in _numbers(badge)
        assert badge.accent == "none"  # the sign colour would tell the sign
        assert badge.lines[0] in {f"z = {t}" for t in texts_of(exact["z"])}  # still given
    for eid, badge in shown.edges.items():
        assert badge.lines == ("∂L/∂w = _____",) and "grad" not in badge.values
        assert fmt(ref["edges"][eid]["grad"]) not in _numbers(badge)
        assert badge.accent == "none"
    view = PassView(st.result, st.state, blanks=blanks)
    assert all(view.grad_hidden(eid) for eid in graph.edges)  # strokes: no sign, no width


def test_everything_exercise_hides_the_forward_values_the_loss_and_yhat():
    graph, ref, st, blanks = _exercise("handwritten_221", "everything")
    assert st.result is not None
    view = PassView(st.result, st.state, blanks=blanks)
    shown = reveal.reveal(view)
    o1 = shown.neurons["o1"]
    assert o1.lines[:2] == ("z = _____", "a = _____") and not {"z", "a"} & set(o1.values)
    assert "new b = _____" in o1.lines and "updated_bias" not in o1.values
    assert shown.outputs["o1"].lines == ("y = 0.01",)  # ŷ is a: not given away beside it
    assert shown.loss is not None and shown.loss.lines == ("L = _____",)
    assert "new w = _____" in shown.edges["w5"].lines
    assert view.a_hidden("h1") and list(reveal.a_scale_values(view)) == []
    assert shown.neurons["x1"].lines == ("x = 0.05",)  # the data is never a blank
    for nid, exact in ref["neurons"].items():
        if nid in ("x1", "x2"):
            continue
        for key in ("z", "a", "dL_dz"):
            assert fmt(exact[key]) not in _numbers(shown.neurons[nid]), (nid, key)


def test_one_layer_exercise_hides_that_layer_only():
    graph, ref, st, blanks = _exercise("handwritten_221", "layer", 1)
    assert st.result is not None
    shown = reveal.reveal(PassView(st.result, st.state, blanks=blanks))
    assert shown.neurons["h1"].hidden("dL_dz") and not shown.neurons["o1"].hidden("dL_dz")
    assert f"∂L/∂z = {fmt(ref['neurons']['o1']['dL_dz'])}" in shown.neurons["o1"].lines
    assert shown.edges["w1"].lines == ("∂L/∂w = _____",)
    assert shown.edges["w5"].lines == (fmt(ref["edges"]["w5"]["grad"]),)


def test_a_checked_answers_file_draws_blanks_but_hides_nothing_from_the_docks():
    graph, _ref, st, blanks = _exercise("handwritten_221", "backward")
    blanks.hides_values = False  # File → Check Answers: the file's values, graded
    assert not reveal.hides_values(blanks)
    gates = reveal.shown_in_explain(st.state, 1, blanks)
    assert gates.forward and gates.backward


@pytest.mark.parametrize(
    ("hide", "forward", "backward"),
    [("backward", True, False), ("updates", True, True), ("everything", False, False)],
)
def test_explain_and_matrices_withhold_what_the_exercise_hides(hide, forward, backward):
    _graph, _ref, st, blanks = _exercise("handwritten_221", hide)
    for layer in (1, 2):
        gates = reveal.shown_in_explain(st.state, layer, blanks)
        assert (gates.forward, gates.backward, gates.update) == (forward, backward, False)
        assert reveal.matrix_shown(st.state, "forward", layer, blanks) == forward
        assert reveal.matrix_shown(st.state, "backward", layer, blanks) == backward
        assert not reveal.matrix_shown(st.state, "update", layer, blanks)
    assert reveal.hides_values(blanks)


def test_explain_gates_follow_the_step_without_an_exercise():
    every = reveal.shown_in_explain(StepState(IDLE), 2, None)
    assert every.forward and every.backward and every.update  # exploring: everything
    f1 = reveal.shown_in_explain(StepState(FORWARD, 1), 2, None)
    assert not f1.forward and not f1.backward
    b2 = StepState(BACKWARD, 2)
    assert reveal.shown_in_explain(b2, 2, None).backward
    assert not reveal.shown_in_explain(b2, 1, None).backward
    assert reveal.shown_in_explain(StepState(UPDATED), 1, None).update
