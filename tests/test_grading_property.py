"""Properties of the grader on random networks (skip edges, softmax, every loss, activation
and optimizer of the registries, one sample or the batch mean).

* The local rules reproduce the engine: each quantity's rule fed the engine's values gives
  the engine's value, and the chain-rule paths of a weight add up to ∂L/∂z_t · a_s.
* Answers built from the exact trace, rounded to 2-6 decimals, are all right.
* Each mistake of the catalogue injected into one value (every value written, the values
  after it worked on correctly from it) is named, the values computed from it are follows
  (or right, where the slip moves them less than the tolerance), and the first wrong value
  is the injected one.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from grading_nets import answer, graph_of, networks
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bpstudio.model.compile import compile_graph
from bpstudio.model.grading.grader import Grader, _Run, _Student
from bpstudio.model.grading.mistakes import CATALOGUE
from bpstudio.model.grading.rules import RULES
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass, to_json

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class _Exact:
    def __init__(self, net):
        self.net = net

    def get(self, key):
        return self.net.exact(key)


def _grader(doc, sample) -> Grader:
    return Grader(graph_of(doc), sample)


def _finite(grader: Grader) -> bool:
    return all(math.isfinite(v) for _, v in grader.expected_values())


@SETTINGS
@given(networks())
def test_rules_reproduce_the_engine(case):
    doc, sample = case
    g = _grader(doc, sample)
    assume(_finite(g))
    ex = _Exact(g.net)
    for key, value in g.expected_values(paths=True):
        if key[0] == "a" and not g.net.shape.has_z(str(key[1])):
            continue
        got = float(np.mean(RULES[key[0]](ex, key)))
        assert got == pytest.approx(value, rel=1e-9, abs=1e-12), key


@SETTINGS
@given(networks())
def test_every_rule_reads_only_earlier_values(case):
    """Computation order: a value comes after everything its rule reads."""
    doc, sample = case
    g = _grader(doc, sample)
    for key, _ in g.expected_values(paths=True):
        for dep in g.deps(key):
            assert g.pos(dep) < g.pos(key), (dep, key)


@SETTINGS
@given(networks())
def test_exact_values_are_the_trace(case):
    """expected_values agrees with `bpstudio trace --format json` (another code path)."""
    doc, sample = case
    graph = graph_of(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    samples = list(range(len(ds))) if sample is None else [sample]
    trace = to_json(run_pass(c, ds, samples, graph.training), as_lists=True)
    values = dict(Grader(graph, sample).expected_values())
    assert values[("loss", None, None)] == pytest.approx(trace["loss"], rel=1e-12)
    for nid, v in trace["neurons"].items():
        for q, x in v.items():
            want = x if q == "dL_db" else float(np.mean(x))
            assert values[(q, nid, None)] == pytest.approx(want, rel=1e-12, abs=1e-300)
    for eid, v in trace["edges"].items():
        assert values[("grad", eid, None)] == pytest.approx(v["grad"], rel=1e-12, abs=1e-300)
        assert values[("updated", eid, None)] == pytest.approx(v["updated"], rel=1e-12)


@SETTINGS
@given(networks())
def test_paths_add_up_to_the_gradient(case):
    doc, sample = case
    g = _grader(doc, sample)
    assume(_finite(g))
    net = g.net
    for eid, (src, tgt) in net.shape.ends.items():
        total = sum(
            (net.exact(("path", eid, via)) for via in net.shape.paths_of(eid)),
            start=np.zeros(net.batch),
        )
        want = net.result.trace.dL_dz[net.compiled.row_of[tgt]] * net.exact(("a", src, None))
        np.testing.assert_allclose(total, want, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(networks(), st.integers(2, 6), st.booleans())
def test_rounded_exact_answers_are_all_right(case, decimals, scientific):
    doc, sample = case
    g = _grader(doc, sample)
    assume(_finite(g))
    answers = []
    for i, (key, v) in enumerate(g.expected_values(paths=True)):
        text = f"{v:.{decimals}e}" if scientific else f"{v:.{decimals}f}"
        answers.append(answer(key, text, i + 1))
    report = g.grade(answers)
    assert report.counts() == {"right": len(answers), "follows": 0, "wrong": 0}
    assert report.first_wrong is None
    assert report.to_json()["summary"]["first_wrong"] is None


def _applicable(g: Grader, mistake, keys) -> list:
    """(index, key, value) of every candidate of ``mistake`` on the exact inputs that is a
    slip worth the name: finite and off the right value by more than the tolerance."""
    run = _Run(g, [], 0.005)
    out = []
    for i, key in enumerate(keys):
        if key[0] not in mistake.quantities:
            continue
        exact = float(np.mean(g.net.exact(key)))
        with np.errstate(all="ignore"):
            candidates = mistake.find(_Student(run), key)
        for value, _ in candidates:
            with np.errstate(all="ignore"):
                v = float(np.mean(value))
            ref = v - g.net.old(key) if key[0] in ("updated", "updated_bias") else v
            if math.isfinite(v) and abs(v) < 1e6 and abs(v - exact) > 0.02 * abs(ref) + 1e-9:
                out.append((i, key, value))
    return out


def _full(value) -> str:
    """Every digit (17 significant, also for 0: repr(0.0) = "0.0" would be one decimal)."""
    with np.errstate(all="ignore"):
        return f"{float(np.mean(value)):.16e}"


@pytest.mark.parametrize("mistake", CATALOGUE, ids=lambda m: m.code)
@SETTINGS
@given(data=st.data())
def test_an_injected_mistake_is_named_and_followed(mistake, data):
    softmax = True if mistake.code == "softmax_diagonal_only" else None
    min_hidden = 1 if mistake.code in ("used_z_not_a", "updated_weights_in_backward") else 0
    doc, sample = data.draw(networks(softmax=softmax, min_hidden=min_hidden))
    g = _grader(doc, sample)
    assume(_finite(g))
    keys = [k for k, _ in g.expected_values()]
    options = _applicable(g, mistake, keys)
    assume(options)
    i, site, value = data.draw(st.sampled_from(options))
    # the student: exact up to the slip, then correct working from their own values
    answers = [answer(k, _full(g.net.exact(k)), n + 1) for n, k in enumerate(keys[:i])]
    answers.append(answer(site, _full(value), i + 1))
    for n, k in enumerate(keys[i + 1 :], start=i + 2):
        run = _Run(g, answers, 0.005)
        with np.errstate(all="ignore"):
            v = float(np.mean(RULES[k[0]](_Student(run), k)))
        assume(math.isfinite(v) and abs(v) < 1e6)
        answers.append(answer(k, _full(v), n))
    report = g.grade(answers)
    by_key = {r.key: r for r in report.graded}
    hit = by_key[site]
    assert hit.verdict == "wrong"
    assert mistake.code in (hit.mistake, *hit.also), (hit.mistake, hit.also, hit.explanation)
    assert report.first_wrong is hit
    for r in report.graded:
        if r.key != site:
            assert r.verdict in ("right", "follows"), (r.key, r.verdict, r.explanation)
        if r.verdict == "follows":
            assert r.from_ is not None and by_key[r.from_].verdict != "right"


BACKWARD = [m for m in CATALOGUE if m.quantities & {"dL_da", "dL_dz", "da_dz"}]


@pytest.mark.parametrize("mistake", BACKWARD, ids=lambda m: m.code)
@SETTINGS
@given(data=st.data())
def test_a_mistake_in_an_unwritten_value_is_found_downstream(mistake, data):
    """Only a later gradient or update written, the slip made in a backward value before it
    that was not written: the slip is still named (tried in the unwritten values)."""
    softmax = True if mistake.code == "softmax_diagonal_only" else None
    doc, sample = data.draw(networks(softmax=softmax, min_hidden=1))
    g = _grader(doc, sample)
    assume(_finite(g))
    keys = [k for k, _ in g.expected_values() if k[0] in ("dL_da", "dL_dz", "da_dz")]
    options = _applicable(g, mistake, keys)
    assume(options)
    _, site, value = data.draw(st.sampled_from(options))
    run = _Run(g, [], 0.005)
    later = [
        k
        for k, _ in g.expected_values()
        if k[0] in ("grad", "dL_db", "updated", "updated_bias") and site in run.cone(k)
    ]
    assume(later)
    target = data.draw(st.sampled_from(later))
    with np.errstate(all="ignore"):
        v = float(np.mean(run.propagate({site: value}, target)))
    exact = float(np.mean(g.net.exact(target)))
    ref = v - g.net.old(target) if target[0] in ("updated", "updated_bias") else v
    assume(math.isfinite(v) and abs(v - exact) > 0.02 * abs(ref) + 1e-9)
    (hit,) = g.grade([answer(target, _full(v), 1)]).graded
    assert hit.verdict == "wrong"
    assert mistake.code in (hit.mistake, *hit.also), (site, hit.mistake, hit.explanation)
