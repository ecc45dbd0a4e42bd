"""Floating-point noise reads 0; small values that are not noise keep their digits.

The skip-connection example's h1 has z = 0.6·0.5 + (−0.4)·1 + 0.1, exactly 0, which float64
computes as −2.776e-17; its a = tanh(z) and the gradients of h1's out-edges (δ·a) are noise
with it. Exact rational arithmetic on the file's numbers is the judge of what is 0.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from helpers import network_doc
from test_explain import random_doc  # noqa: E402

from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.noise import without_noise
from bpstudio.model.numfmt import fmt
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass, to_json
from bpstudio.paths import example_files


def _pass(graph, sample=0):
    c = compile_graph(graph)
    return c, run_pass(c, dataset(graph), [sample], graph.training)


def _skip_example():
    return fileformat.load(next(p for p in example_files() if p.stem == "skip_connection"))


def test_the_skip_examples_cancelling_z_reads_zero_and_so_do_the_values_made_of_it():
    g = _skip_example()
    c, r = _pass(g)
    row = c.row_of["h1"]
    assert r.trace.z[row, 0] != 0.0 and abs(r.trace.z[row, 0]) < 1e-15  # float64's result
    # exact arithmetic on the file's decimal numbers: z_h1 = Σ w·x + b is 0
    x = [Fraction(repr(float(v))) for v in r.X[0]]
    h1 = [e for e in g.edges.values() if e.target == "h1"]
    exact = sum(Fraction(repr(e.weight)) * x[c.input_ids.index(e.source)] for e in h1)
    assert exact + Fraction(repr(g.neurons["h1"].bias)) == 0
    assert r.value("z", "h1", 0) == 0.0 and r.value("a", "h1", 0) == 0.0
    assert fmt(r.value("z", "h1", 0)) == "0"
    for e in g.edges.values():  # ∂L/∂w = δ·a of h1's out-edges: noise times δ, so 0
        if e.source == "h1":
            assert r.trace.grads[c.edge_param[c.edge_index[e.id]]] != 0.0
            assert r.edge_grad(e.id) == 0.0
    # what the student reads in Explain is the same 0
    assert ex.neuron_explanation(c, r, "h1").z == 0.0
    # the trace the CLI writes stays the engine's exact float64
    assert to_json(r)["neurons"]["h1"]["z"] == float(r.trace.z[row, 0])


def test_a_tiny_value_that_is_not_noise_keeps_its_digits():
    """x = 1e-20 makes every value of the pass tiny, none of them by cancellation (a
    vanishing signal, not rounding noise): all keep their digits."""
    doc = {
        "format": "bpstudio-network",
        "version": 1,
        "neurons": [
            {"id": "x", "role": "input"},
            {"id": "h", "role": "hidden", "activation": "tanh", "bias": 0.0},
            {"id": "o", "role": "output", "activation": "identity", "bias": 0.0},
        ],
        "edges": [
            {"id": "w1", "source": "x", "target": "h", "weight": 0.5},
            {"id": "w2", "source": "h", "target": "o", "weight": 0.25},
        ],
        "training": {"loss": "half_squared_error"},
        "data": {"samples": [{"x": [1e-20], "y": [0.0]}]},
    }
    c, r = _pass(fileformat.from_document(doc))
    assert without_noise(c, r.trace) is r.trace  # nothing is noise
    assert r.value("z", "h", 0) == pytest.approx(5e-21)
    assert r.edge_grad("w2") == pytest.approx(0.25 * 5e-21 * 5e-21)
    assert fmt(r.value("z", "h", 0)) == "5e-21"


@pytest.mark.parametrize("seed", range(40))
def test_random_networks_lose_nothing_but_noise(seed):
    """On random networks the shown trace differs from the exact one only where a value is
    within its own rounding bound of 0, and by no more than that."""
    graph = fileformat.from_document(random_doc(seed))
    c, r = _pass(graph)
    shown, t = r.shown, r.trace
    for name in ("z", "a", "dL_da", "dL_dz"):
        a, b = getattr(shown, name), getattr(t, name)
        changed = a != b
        assert np.all(a[changed] == 0.0) or name == "a"
        assert np.all(np.abs(b[changed]) < 1e-12), (name, b[changed])
    changed = shown.grads != t.grads
    assert np.all(np.abs(t.grads[changed]) < 1e-12)


def test_noise_free_passes_are_not_copied():
    c, r = _pass(fileformat.load(next(p for p in example_files() if p.stem == "ecs171_321")))
    assert without_noise(c, r.trace) is r.trace


def test_a_penalty_term_stays_when_the_data_term_is_noise():
    """With L2 on, ∂L/∂w of h1's out-edges is λ₂·w plus a data term made of noise: the shown
    gradient is λ₂·w exactly (the noise goes, the penalty stays)."""
    g = _skip_example()
    g.training["l2"] = 0.01
    c, r = _pass(g)
    for e in g.edges.values():
        if e.source == "h1":
            assert r.edge_grad(e.id) == pytest.approx(0.01 * e.weight, rel=1e-12)


def _one_hidden(w_in: list[float], bias: float, samples: list[list[float]]) -> dict:
    """x1…xn → h (tanh, ``bias``) → o (identity), the inputs' weights ``w_in``; y = 0."""
    n = len(w_in)
    neurons = [{"id": f"x{k}", "role": "input"} for k in range(1, n + 1)]
    neurons += [
        {"id": "h", "role": "hidden", "activation": "tanh", "bias": bias},
        {"id": "o", "role": "output", "activation": "identity", "bias": 0.0},
    ]
    edges = [{"id": f"w{k}", "source": f"x{k}", "target": "h", "weight": w}
             for k, w in enumerate(w_in, start=1)]  # fmt: skip
    edges.append({"id": "wo", "source": "h", "target": "o", "weight": 0.5})
    return network_doc(neurons, edges, samples=[{"x": x, "y": [0.0]} for x in samples])


def test_terms_too_large_to_add_up_do_not_make_a_large_z_noise():
    """The rounding bound of z = 1e308·1 − 1e308·1 + 1e300·1 is about n·ε·2e308 (~1e293):
    z = 1e300 is far above it, a value. Summing the terms' sizes first overflowed to inf
    (a RuntimeWarning, random-user soak action 41,066) and read every z as noise."""
    g = fileformat.from_document(_one_hidden([1e308, -1e308, 1e300], 0.0, [[1.0, 1.0, 1.0]]))
    c, r = _pass(g)
    with np.errstate(over="raise", invalid="raise"):  # no overflow on the way
        shown = without_noise(c, r.trace)
    row = c.row_of["h"]
    assert shown.z[row, 0] == r.trace.z[row, 0] == pytest.approx(1e300, rel=1e-6)
    assert r.value("z", "h", 0) == pytest.approx(1e300, rel=1e-6)


def test_a_noise_z_beside_a_huge_z_of_another_sample_reads_zero_without_overflow():
    """One row, two samples: z = 0.6·0.5 − 0.4·1 + 0.1 (noise, −2.8e-17) and z = 0.6·1e308
    + 0.1 (6e307). Testing a = f(noise) against 4·|z| overflowed on the second (a
    RuntimeWarning in the exercise's expected values, random-user soak action 75,529)."""
    g = fileformat.from_document(_one_hidden([0.6, -0.4], 0.1, [[0.5, 1.0], [1e308, 0.0]]))
    c = compile_graph(g)
    r = run_pass(c, dataset(g), [0, 1], g.training)
    row = c.row_of["h"]
    assert r.trace.z[row, 0] != 0.0 and abs(r.trace.z[row, 0]) < 1e-16  # float64's noise
    assert r.trace.z[row, 1] == pytest.approx(6e307)
    with np.errstate(over="raise", invalid="raise"):
        shown = without_noise(c, r.trace)
    assert shown.z[row, 0] == 0.0 and shown.a[row, 0] == 0.0  # tanh(0)
    assert shown.z[row, 1] == r.trace.z[row, 1] and shown.a[row, 1] == 1.0
