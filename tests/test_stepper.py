"""The Qt-free pass stepper: states, what each reveals, update/reset, staleness."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bpstudio.model import fileformat
from bpstudio.model.graph import Edge
from bpstudio.model.numfmt import displayed, fmt, fmt_signed
from bpstudio.model.stepper import BACKWARD, FORWARD, IDLE, LOSS, UPDATED, PassStepper, StepState

REF = Path(__file__).resolve().parent / "fixtures" / "reference"  # copies of the shared references
NETS = ["handwritten_221", "ecs171_321"]


def _load(name):
    graph = fileformat.load(REF / f"{name}.json")
    ref = json.loads((REF / f"{name}.trace.json").read_text())
    return graph, ref


@pytest.mark.parametrize("name", NETS)
def test_forward_then_backward_visits_every_layer_in_order(name):
    graph, _ = _load(name)
    st = PassStepper(graph)
    seen = []
    st.subscribe(seen.append)
    L = st.n_layers
    assert L == 2
    while st.state.phase != LOSS:
        st.forward_step()
    while not st.backward_done:
        st.backward_step()
    assert seen == [
        StepState(FORWARD, 1),
        StepState(FORWARD, 2),
        StepState(LOSS),
        StepState(BACKWARD, 2),
        StepState(BACKWARD, 1),
    ]
    st.backward_step()  # past the first layer: nothing more to do
    assert st.state == StepState(BACKWARD, 1)


def test_revealed_layers_follow_the_state():
    graph, _ = _load("handwritten_221")
    st = PassStepper(graph)
    assert not st.forward_shown(0) and not st.loss_shown
    st.forward_step()
    assert st.forward_shown(0) and st.forward_shown(1) and not st.forward_shown(2)
    st.forward_all()
    assert st.forward_shown(2) and st.loss_shown and not st.backward_shown(2)
    st.backward_step()
    assert st.backward_shown(2) and not st.backward_shown(1)
    st.backward_step()
    assert st.backward_shown(1)


@pytest.mark.parametrize("name", NETS)
def test_the_revealed_pass_equals_the_reference(name):
    graph, ref = _load(name)
    st = PassStepper(graph)
    st.backward_all()
    r = st.result
    assert r.trace.loss == pytest.approx(ref["loss"], rel=1e-9)
    for nid, vals in ref["neurons"].items():
        for kind, v in vals.items():
            if kind == "dL_db":
                assert r.bias_grad(nid) == pytest.approx(v, rel=1e-9, abs=1e-15)
            else:
                assert r.value(kind, nid, 0) == pytest.approx(v, rel=1e-9, abs=1e-15)
    for eid, vals in ref["edges"].items():
        assert r.edge_grad(eid) == pytest.approx(vals["grad"], rel=1e-9)


@pytest.mark.parametrize("name", NETS)
def test_update_applies_the_reference_step_and_reset_takes_it_back(name):
    graph, ref = _load(name)
    before = {eid: e.weight for eid, e in graph.edges.items()}
    st = PassStepper(graph)
    st.update()
    assert st.state.phase == UPDATED
    for eid, vals in ref["edges"].items():
        assert graph.edges[eid].weight == pytest.approx(vals["updated"], rel=1e-9)
        old, new = st.old_new_weight(eid)
        assert old == pytest.approx(vals["weight"], rel=1e-9)
        assert new == pytest.approx(vals["updated"], rel=1e-9)
    st.update()  # a second press must not step twice
    for eid, vals in ref["edges"].items():
        assert graph.edges[eid].weight == pytest.approx(vals["updated"], rel=1e-9)
    st.reset()
    assert st.state == StepState()
    assert {eid: e.weight for eid, e in graph.edges.items()} == before


def test_full_step_twice_makes_two_passes():
    graph, ref = _load("handwritten_221")
    st = PassStepper(graph)
    st.full_step()
    w5_after_one = graph.edges["w5"].weight
    assert w5_after_one == pytest.approx(ref["edges"]["w5"]["updated"], rel=1e-9)
    st.full_step()
    assert graph.edges["w5"].weight < w5_after_one  # descending again from the new weights
    # the second pass was computed on the updated weights
    assert st.old_new_weight("w5")[0] == w5_after_one


def test_apply_and_revert_hooks_are_used():
    graph, _ = _load("handwritten_221")
    calls = []

    def apply(new_w, new_b, old_w, old_b, text):
        calls.append(("apply", text))
        graph.set_parameters(new_w, new_b)

    def revert():
        calls.append(("revert",))
        return False  # could not: the stepper restores the parameters itself

    st = PassStepper(graph, apply=apply, revert=revert)
    st.full_step()
    st.reset()
    assert [c[0] for c in calls] == ["apply", "revert"]
    assert graph.edges["w5"].weight == 0.4


def test_an_edit_makes_the_pass_stale():
    graph, _ = _load("handwritten_221")
    st = PassStepper(graph)
    st.forward_all()
    st.graph.set_neuron("h1", x=10.0)  # moving a neuron changes no number
    assert st.state.phase == LOSS
    graph.set_edge("w5", weight=1.0)
    assert st.state.phase == IDLE and st.result is None
    st.forward_all()
    assert st.result.trace.params[st.result.compiled.edge_param[4]] == 1.0


def test_an_external_weight_change_after_update_goes_idle_without_reverting():
    graph, _ = _load("handwritten_221")
    st = PassStepper(graph)
    st.full_step()
    graph.set_edge("w1", weight=0.5)  # e.g. the user undoes, or training runs
    assert st.state.phase == IDLE
    st.reset()
    assert graph.edges["w1"].weight == 0.5


def test_batch_mode_uses_every_sample():
    graph, _ = _load("handwritten_221")
    graph.data = {"samples": [{"x": [0.05, 0.10], "y": [0.01]}, {"x": [0.5, -0.2], "y": [0.9]}]}
    st = PassStepper(graph)
    st.set_batch()
    st.forward_all()
    assert st.result.samples == [0, 1]
    st.set_sample(1)
    assert st.state.phase == IDLE
    st.forward_all()
    assert st.result.samples == [1]


def test_a_broken_graph_reports_instead_of_raising():
    graph, _ = _load("handwritten_221")
    graph.add_edge(Edge("bad", "o1", "h1", 1.0))
    st = PassStepper(graph)
    assert st.forward_step() == StepState()
    assert st.error


def test_numfmt_keeps_small_gradients_readable():
    assert fmt(0.08216704056423077) == "0.0822"
    assert fmt(0.0006683960211443731) == "0.0006684"
    assert fmt(-3.1e-9) == "−3.1e-09"
    assert fmt(0.0) == "0" and fmt(0.4) == "0.4"
    assert displayed(0.0006683960211443731) == 0.0006684
    assert fmt(0.5932699921071872, 2) == "0.59"
    assert fmt_signed(-0.5, 2) == "−0.5" and fmt_signed(0.25, 2) == "+0.25"


def test_stepper_imports_no_qt():
    code = (
        "import sys; import bpstudio.model.stepper, bpstudio.model.numfmt;"
        "assert not any(m.startswith('PySide6') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_advance_walks_every_position_once():
    graph, _ = _load("ecs171_321")
    st = PassStepper(graph)
    positions = [st.position()]
    while st.position() < st.last_position:
        st.advance()
        positions.append(st.position())
    assert positions == list(range(2 * 2 + 3))
    assert st.state.phase == UPDATED
    st.start_over()
    assert st.state == StepState() and st.position() == 0


def test_a_pass_after_new_weights_equals_a_fresh_compile():
    """Training writes only weights and biases: the stepper reuses its compiled network with
    the new numbers, and gets exactly what compiling the graph afresh gives."""
    import numpy as np

    from bpstudio.model.compile import compile_graph
    from bpstudio.model.session import dataset
    from bpstudio.model.templates import dense_network
    from bpstudio.model.trace import run_pass

    g = dense_network([6, 5, 4, 3])
    g.training["optimizer"] = "sgd"
    st = PassStepper(g)
    first = st.compute()
    new_w = {eid: 0.01 * k - 0.3 for k, eid in enumerate(g.edges)}
    new_b = {nid: -0.02 * k for k, nid in enumerate(first.compiled.bias_param)}
    g.set_parameters(new_w, new_b)  # one weights_changed event, as a training frame
    second = st.compute()
    assert second is not first
    fresh = run_pass(compile_graph(g), dataset(g), [0], g.training)
    for name in ("a", "z", "dL_da", "dL_dz", "grads", "params"):
        assert np.array_equal(getattr(second.trace, name), getattr(fresh.trace, name)), name
    assert np.array_equal(second.updated_params, fresh.updated_params)
    assert second.trace.loss == fresh.trace.loss
    # the first pass keeps its own numbers
    assert first.parameters()[0]["w1"] != new_w["w1"]
    assert second.parameters()[0]["w1"] == new_w["w1"]
    # a structural change compiles afresh (the edge is gone from the next pass)
    g.remove_edge("w1")
    third = st.compute()
    assert third.compiled is not second.compiled and "w1" not in third.compiled.edge_ids


def test_layout_only_is_one_definition_for_the_stepper_and_the_training_session():
    """Moving, renaming or a file's unknown keys change no number: the stepper keeps its pass
    and the session its network; any other key is a real edit to both."""
    from bpstudio.model.graph import LAYOUT_KEYS, Change, ChangeKind
    from bpstudio.model.training_session import TrainingSession

    graph, _ = _load("handwritten_221")
    st = PassStepper(graph)
    st.forward_all()
    session = TrainingSession(graph)
    assert session.ensure()
    assert not session._need_compile
    for keys in [("x",), ("x", "y"), ("label",), ("extra",), tuple(sorted(LAYOUT_KEYS))]:
        assert Change(ChangeKind.NEURON_CHANGED, "h1", keys).layout_only
        st.graph.set_neuron("h1", **{k: getattr(st.graph.neurons["h1"], k) for k in keys})
        assert st.result is not None and st.state.phase != IDLE, keys
        assert not session._need_compile, keys
    st.graph.set_neuron("h1", x=1.0, bias=0.25)  # a layout key with a number
    assert not Change(ChangeKind.NEURON_CHANGED, "h1", ("x", "bias")).layout_only
    assert st.result is None and st.state.phase == IDLE
    assert session._need_compile
    session.close()


def test_a_change_kind_that_does_not_exist_fails_when_made():
    from bpstudio.model.graph import Change, ChangeKind

    assert Change("reset").kind is ChangeKind.RESET  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Change("weight_changed")  # type: ignore[arg-type]
