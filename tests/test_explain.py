"""explain.py: path sums equal the engine's gradients, neuron sums add up, the display rule."""

from __future__ import annotations

import math
import random
from pathlib import Path

import numpy as np
import pytest

from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset
from bpstudio.model.tex import tex_escape, tex_id
from bpstudio.model.trace import run_pass
from bpstudio.paths import example_files, examples_dir

REF = Path(__file__).resolve().parent / "fixtures" / "reference"  # copies of the shared references
ELEMENTWISE = ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "identity"]


def random_doc(seed: int, softmax: bool | None = None, n_samples: int = 2) -> dict:
    """A random DAG network: skip and sparse edges, maybe a bias unit, mixed activations."""
    rng = random.Random(seed)
    n_in = rng.randint(1, 3)
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(1, 3))]
    n_out = rng.randint(1, 3)
    if softmax is None:
        softmax = rng.random() < 0.4
    if softmax:
        n_out = max(n_out, 2)
    neurons = [{"id": f"x{i}", "role": "input"} for i in range(n_in)]
    if rng.random() < 0.5:
        neurons.append({"id": "one", "role": "bias"})
    pool = [n["id"] for n in neurons]
    edges = []

    def connect(target: str, sources: list[str]) -> None:
        chosen = rng.sample(sources, rng.randint(1, len(sources)))
        for s in chosen:
            edges.append(
                {
                    "id": f"e{len(edges)}",
                    "source": s,
                    "target": target,
                    "weight": rng.uniform(-1.5, 1.5),
                }
            )

    for l, k in enumerate(sizes):
        new = []
        for j in range(k):
            nid = f"h{l}_{j}"
            neurons.append(
                {
                    "id": nid,
                    "role": "hidden",
                    "activation": rng.choice(ELEMENTWISE),
                    "bias": rng.uniform(-0.5, 0.5),
                }
            )
            connect(nid, pool)
            new.append(nid)
        pool = pool + new
    for j in range(n_out):
        nid = f"o{j}"
        act = "softmax" if softmax else rng.choice(["sigmoid", "identity", "tanh", "softplus"])
        neurons.append(
            {"id": nid, "role": "output", "activation": act, "bias": rng.uniform(-0.5, 0.5)}
        )
        connect(nid, pool)
    if softmax:
        loss = rng.choice(["cross_entropy", "half_squared_error", "mse"])
    else:
        loss = rng.choice(["half_squared_error", "squared_error", "mse"])
    samples = []
    for _ in range(n_samples):
        x = [rng.uniform(-1, 1) for _ in range(n_in)]
        if loss == "cross_entropy":
            y = [0.0] * n_out
            y[rng.randrange(n_out)] = 1.0
        else:
            y = [rng.uniform(0, 1) for _ in range(n_out)]
        samples.append({"x": x, "y": y})
    return {
        "format": "bpstudio-network",
        "version": 1,
        "name": f"random {seed}",
        "neurons": neurons,
        "edges": edges,
        "training": {"loss": loss, "optimizer": "sgd", "learning_rate": 0.1, "seed": 0},
        "data": {"samples": samples},
    }


def _pass(doc_or_path, sample=0):
    if isinstance(doc_or_path, dict):
        graph = fileformat.from_document(doc_or_path)
    else:
        graph = fileformat.load(doc_or_path)
    c = compile_graph(graph)
    ds = dataset(graph)
    return graph, c, run_pass(c, ds, [sample], graph.training)


def _close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-13)


# --------------------------------------------------------------------------- reference
def test_handwritten_paths():
    _, c, r = _pass(REF / "handwritten_221.json")
    w5 = ex.weight_paths(c, r, "w5")
    assert w5.n_paths == 1 and not w5.capped and len(w5) == 1
    p = w5[0]
    assert [ex.fmt(f.value) for f in p.factors] == ["0.7414", "0.1868", "0.5933"]
    assert [f.kind for f in p.factors] == ["loss", "act", "source"]
    assert ex.fmt(p.product) == "0.0822"
    w1 = ex.weight_paths(c, r, "w1")
    assert w1.n_paths == 1
    assert [f.name for f in w1[0].factors] == ["∂L/∂ŷ", "σ′(z_o1)", "w5", "σ′(z_h1)", "x1"]
    assert w1[0].neurons == ("h1", "o1") and w1[0].edges == ("w5",)
    assert ex.fmt(w1[0].product) == "0.0006684"
    assert _close(w1.total, r.edge_grad("w1"))
    assert _close(w1.total, 0.000668396021144)


def test_handwritten_neuron_and_edge():
    _, c, r = _pass(REF / "handwritten_221.json")
    o1 = ex.neuron_explanation(c, r, "o1")
    assert ex.fmt(o1.loss_derivative) == "0.7414" and ex.fmt(o1.fprime) == "0.1868"
    assert ex.fmt(o1.dL_dz) == "0.1385"
    assert [t.edge for t in o1.terms] == ["w5", "w6"]
    h1 = ex.neuron_explanation(c, r, "h1")
    assert [t.edge for t in h1.dL_da_terms] == ["w5"]
    assert h1.activation_formula == "1/(1+e^(−z))"
    x1 = ex.neuron_explanation(c, r, "x1")
    assert x1.z is None and x1.a == 0.05 and x1.role == "input"
    e = ex.edge_explanation(c, r, "w5", training={"learning_rate": 0.0001})
    assert (e.source, e.target) == ("h1", "o1")
    assert _close(e.update.new, r.updated_weight("w5"))
    le = ex.loss_explanation(c, r)
    assert ex.fmt(le.value) == "0.2748" and le.outputs == ["o1"]


def test_ecs171_update_descends():
    graph, c, r = _pass(REF / "ecs171_321.json")
    e = ex.edge_explanation(c, r, "wAZ", training=graph.training)
    assert e.update.new < e.update.old
    assert round(e.update.new, 6) == 0.899353
    assert ex.fmt(ex.weight_paths(c, r, "w0Z").total) == "0.0082"


# --------------------------------------------------------------------------- random graphs
@pytest.mark.parametrize("seed", range(40))
def test_path_sums_equal_engine_gradients(seed):
    doc = random_doc(seed)
    graph, c, r = _pass(doc)
    several = 0
    for eid in c.edge_ids:
        ps = ex.weight_paths(c, r, eid, cap=10_000)
        assert not ps.capped
        assert len(ps) == ps.n_paths
        several += ps.n_paths > 1
        assert _close(ps.total, r.edge_grad(eid)), (eid, ps.total, r.edge_grad(eid))
        for p in ps:
            assert _close(p.product, math.prod(f.value for f in p.factors))
            assert p.factors[-1].kind == "source"
    for nid in c.bias_param:
        bs = ex.bias_paths(c, r, nid, cap=10_000)
        assert _close(bs.total, r.bias_grad(nid))


def test_random_graphs_have_several_paths_and_softmax_cross_terms():
    multi = soft = 0
    for seed in range(40):
        doc = random_doc(seed)
        _, c, r = _pass(doc)
        for eid in c.edge_ids:
            ps = ex.weight_paths(c, r, eid, cap=10_000)
            multi += ps.n_paths > 1
            soft += any(
                f.kind == "jac" and f.ref.split("/")[0] != f.ref.split("/")[1]
                for p in ps
                for f in p.factors
            )
    assert multi > 20 and soft > 20


@pytest.mark.parametrize("seed", range(15))
def test_neuron_sums(seed):
    _, c, r = _pass(random_doc(seed, n_samples=1))
    for nid in c.neuron_ids:
        e = ex.neuron_explanation(c, r, nid)
        if e.z is None:
            continue
        assert _close(math.fsum(t.product for t in e.terms) + e.bias, e.z)
        if e.role == "hidden" and e.reaches_loss:
            assert _close(math.fsum(t.product for t in e.dL_da_terms), e.dL_da)
        if e.activation == "softmax":
            assert _close(math.fsum(t.product for t in e.jacobian_terms), e.dL_dz)
        elif e.reaches_loss:
            assert _close(e.dL_da * e.fprime, e.dL_dz)


def test_batch_sample_columns():
    doc = random_doc(3, n_samples=3)
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    r = run_pass(c, dataset(graph), [0, 1, 2], graph.training)
    for eid in c.edge_ids:
        per = [ex.weight_paths(c, r, eid, k, cap=10_000).total for k in range(3)]
        assert _close(float(np.mean(per)), r.edge_grad(eid))
    with pytest.raises(IndexError):
        ex.weight_paths(c, r, c.edge_ids[0], 3)


def test_cap_and_exact_count():
    # a wide, deep ladder: 8^5 paths from the first layer
    neurons = [{"id": "x", "role": "input"}]
    edges = []
    prev = ["x"]
    for l in range(6):
        cur = [f"h{l}_{j}" for j in range(8)]
        for nid in cur:
            neurons.append({"id": nid, "role": "hidden", "activation": "tanh", "bias": 0.1})
            for s in prev:
                edges.append({"id": f"{s}-{nid}", "source": s, "target": nid, "weight": 0.3})
        prev = cur
    neurons.append({"id": "o", "role": "output", "activation": "identity"})
    for s in prev:
        edges.append({"id": f"{s}-o", "source": s, "target": "o", "weight": 0.2})
    doc = {
        "format": "bpstudio-network",
        "version": 1,
        "name": "ladder",
        "neurons": neurons,
        "edges": edges,
        "training": {"loss": "half_squared_error", "learning_rate": 0.1},
        "data": {"samples": [{"x": [0.5], "y": [1.0]}]},
    }
    _, c, r = _pass(doc)
    ps = ex.weight_paths(c, r, "x-h0_0")
    assert ps.n_paths == 8**5 and ps.capped and len(ps) == ex.PATH_CAP
    assert _close(ps.value, r.edge_grad("x-h0_0"))
    last = ex.weight_paths(c, r, "h5_0-o")
    assert last.n_paths == 1 and _close(last.total, r.edge_grad("h5_0-o"))


def test_dead_neuron_has_no_paths():
    doc = random_doc(1, softmax=False)
    doc["neurons"].append({"id": "dead", "role": "hidden", "activation": "tanh"})
    doc["edges"].append({"id": "to_dead", "source": "x0", "target": "dead", "weight": 1.0})
    _, c, r = _pass(doc)
    ps = ex.weight_paths(c, r, "to_dead")
    assert ps.n_paths == 0 and ps.total == 0 and r.edge_grad("to_dead") == 0
    assert not ex.neuron_explanation(c, r, "dead").reaches_loss


# --------------------------------------------------------------------------- display
@pytest.mark.parametrize(
    "x, text",
    [
        (0.741365, "0.7414"),
        (0.4, "0.4"),
        (0.39999999, "0.4000"),
        (0.000668396, "0.0006684"),
        (-0.000668396, "−0.0006684"),
        (0.00099996, "0.001000"),
        (1.23449e-9, "1.234e-09"),
        (1e-9, "1e-09"),
        (0.0, "0"),
        (12.0, "12"),
        (-2.56712, "−2.5671"),
    ],
)
def test_fmt(x, text):
    assert ex.fmt(x) == text


def test_fmt_decimals_and_update_places():
    assert ex.fmt(0.741365, 2) == "0.74"
    assert ex.fmt(0.0123456, 2) == "0.012"
    assert ex.update_places(0.4, 0.4 - 8.2167e-6, 3) == 8
    assert ex.fmt_places(0.4 - 8.2167e-6, 8) == "0.39999178"


def test_tex_escape_is_ascii():
    t = tex_escape("a_b #1 {x} 100% ~ σ x₁ — ok")
    assert t.isascii() and r"\_" in t and r"\#" in t and r"\%" in t
    assert tex_id("h_1") == r"\text{h\_1}"


def test_tex_escape_keeps_the_symbols_of_the_worked_examples():
    """ŷ and ′ came out as "?" in the LaTeX hand-outs."""
    t = tex_escape("∂L/∂ŷ = σ′(z) ∏ w ≈ 0.5 Wᵀ café")
    assert t.isascii() and "?" not in t
    assert r"$\partial\hat{y}$" in t and r"$\sigma '$" in t and r"$\prod$" in t
    assert r"$\approx$" in t and "cafe" in t


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_no_tex_report_of_an_example_loses_a_character(path):
    """Every character of the worked example is set: no "?" the source text did not have."""
    from bpstudio.model.report import render_report

    graph = fileformat.load(path)
    tex = render_report(graph, compile_graph(graph), dataset(graph), fmt="tex")
    md = render_report(graph, compile_graph(graph), dataset(graph), fmt="md")
    assert tex.isascii()
    assert tex.count("?") == md.count("?"), path.stem


def test_ecs171_example_matches_the_reference_trace():
    import json

    from bpstudio.model.trace import to_json

    graph = fileformat.load(examples_dir() / "ecs171_321.json")
    assert all(n.x is not None for n in graph.neurons.values())
    c = compile_graph(graph)
    doc = to_json(run_pass(c, dataset(graph), [0], graph.training))
    ref = json.loads((REF / "ecs171_321.trace.json").read_text())
    assert _close(doc["loss"], ref["loss"])
    for eid, v in ref["edges"].items():
        for key in ("weight", "grad", "updated"):
            assert _close(doc["edges"][eid][key], v[key]), (eid, key)
    assert round(doc["edges"]["wAZ"]["updated"], 6) == 0.899353
