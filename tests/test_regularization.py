"""L1/L2 regularisation: the penalty and its gradient, checked against finite differences and
against the penalty summed from the file's own edges (no engine masks involved)."""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from bpstudio.core.network import Workspace
from bpstudio.core.regularization import Penalty
from bpstudio.core.settings import TrainingSettings
from bpstudio.core.trainer import Trainer
from bpstudio.model import file_validation, fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset
from bpstudio.model.trace import json_text, run_pass, to_json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_explain import random_doc  # noqa: E402


def regularised_doc(seed: int, l1: float, l2: float, n_samples: int = 3) -> dict:
    """A random network with some frozen weights and the penalty set in its file."""
    doc = random_doc(seed, n_samples=n_samples)
    rng = random.Random(seed + 1000)
    for e in doc["edges"]:
        if rng.random() < 0.2:
            e["trainable"] = False
    doc["training"].update({k: v for k, v in (("l1", l1), ("l2", l2)) if v})
    return doc


def file_penalty(doc: dict) -> float:
    """λ₂/2·Σw² + λ₁·Σ|w| over the file's trainable edges, from the document itself."""
    l1, l2 = doc["training"].get("l1", 0.0), doc["training"].get("l2", 0.0)
    ws = [e["weight"] for e in doc["edges"] if e.get("trainable", True)]
    return 0.5 * l2 * math.fsum(w * w for w in ws) + l1 * math.fsum(abs(w) for w in ws)


def objective(net, penalty: Penalty, X, Y) -> float:
    """Mean data loss + penalty at the network's current parameters."""
    ws = Workspace(net, X.shape[0])
    net.load_inputs(ws, X)
    with np.errstate(all="ignore"):
        net.forward(ws)
        loss = net.compute_loss(ws, np.ascontiguousarray(Y.T))
    return loss + penalty.value(net.params)


LAMBDAS = [(0.0, 0.3), (0.2, 0.0), (0.05, 0.7)]


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(("l1", "l2"), LAMBDAS)
def test_gradients_and_penalty_match_finite_differences(seed, l1, l2):
    doc = regularised_doc(seed, l1, l2)
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    samples = list(range(len(ds)))
    r = run_pass(c, ds, samples, graph.training)
    t = r.trace
    assert math.isclose(t.penalty, file_penalty(doc), rel_tol=1e-12, abs_tol=1e-15)
    net = c.net
    pen = Penalty(net, l1, l2)
    h = 1e-6
    params = net.params
    for p in range(params.size):
        old = params[p]
        params[p] = old + h
        up = objective(net, pen, ds.X, ds.Y)
        params[p] = old - h
        down = objective(net, pen, ds.X, ds.Y)
        params[p] = old
        numeric = (up - down) / (2 * h)
        trainable = net.update_mask is None or net.update_mask[p]
        if not trainable:
            # a frozen weight has no penalty term: its gradient is the data loss's alone
            assert t.grads[p] == t.loss_grads[p]
            continue
        assert math.isclose(t.grads[p], numeric, rel_tol=1e-5, abs_tol=1e-7), (p, numeric)
    # biases are not penalised: their gradients are the data loss's
    n_w = net.n_weights
    np.testing.assert_array_equal(t.grads[n_w:], t.loss_grads[n_w:])


def test_trace_json_has_the_penalty_and_total_gradients():
    doc = regularised_doc(3, 0.1, 0.4)
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    r = run_pass(c, ds, [0], graph.training)
    d = to_json(r)
    assert json.loads(json_text(r)) == d  # the streamed text is the same document
    assert math.isclose(d["penalty"], file_penalty(doc), rel_tol=1e-12)
    trainable = {e["id"]: e.get("trainable", True) for e in doc["edges"]}
    for eid, e in d["edges"].items():
        w = e["weight"]
        i = c.edge_index[eid]
        data = float(r.trace.loss_grads[c.edge_param[i]])
        extra = 0.4 * w + 0.1 * np.sign(w) if trainable[eid] else 0.0
        assert math.isclose(e["grad"], data + extra, rel_tol=1e-12, abs_tol=1e-15)
        # one sgd step with the total gradient
        if trainable[eid]:
            assert math.isclose(e["updated"], w - 0.1 * e["grad"], rel_tol=1e-12, abs_tol=1e-15)


def test_unregularised_trace_json_is_unchanged():
    doc = random_doc(3, n_samples=2)
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    r = run_pass(c, dataset(graph), [0], graph.training)
    assert "penalty" not in to_json(r) and '"penalty"' not in json_text(r)
    assert r.trace.data_grads is None


def test_l1_subgradient_is_zero_at_zero_weight():
    doc = regularised_doc(5, 0.5, 0.0)
    for e in doc["edges"]:
        e["trainable"] = True
    doc["edges"][0]["weight"] = 0.0
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    r = run_pass(c, dataset(graph), [0], graph.training)
    p = c.edge_param[c.edge_index[doc["edges"][0]["id"]]]
    assert r.trace.grads[p] == r.trace.loss_grads[p]  # sign(0) = 0: nothing added
    net = c.net
    pen = Penalty(net, 0.5, 0.0)
    g = pen.gradient(net.params)
    assert g[p] == 0.0
    # elsewhere λ₁·sign(w), exactly
    others = [c.edge_param[c.edge_index[e["id"]]] for e in doc["edges"][1:]]
    np.testing.assert_array_equal(g[others], 0.5 * np.sign(net.params[others]))


def test_zero_lambdas_leave_training_unchanged():
    doc = random_doc(8, n_samples=4)
    runs = []
    for training in ({}, {"l1": 0.0, "l2": 0.0}):
        d = json.loads(json.dumps(doc))
        d["training"].update(training)
        graph = fileformat.from_document(d)
        c = compile_graph(graph)
        tr = Trainer(c.net, dataset(graph), graph.settings)
        stats = tr.run_epochs(20)
        assert all(s.penalty == 0.0 for s in stats)
        runs.append(c.net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])


@pytest.mark.parametrize("batch_size", [None, 2])
def test_trainer_steps_with_the_penalty_gradient(batch_size):
    """Each sgd step of the trainer is w ← w − η(∂L_data/∂w + λ₂w + λ₁ sign w), replayed here
    batch by batch from run_pass (a separate code path: the trace's per-sample bookkeeping)."""
    doc = regularised_doc(11, 0.03, 0.2, n_samples=4)
    doc["training"].update(shuffle=False, learning_rate=0.2)
    if batch_size:
        doc["training"]["batch_size"] = batch_size
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    settings = graph.settings
    replay = compile_graph(graph)
    tr = Trainer(c.net, ds, settings)
    n = len(ds)
    bs = batch_size or n
    for _ in range(5):
        penalties = []
        for lo in range(0, n, bs):
            r = run_pass(replay, ds, list(range(lo, min(lo + bs, n))), settings)
            penalties.append(r.trace.penalty)
            replay.net.params[:] = r.updated_params
        s = tr.run_epoch()
        np.testing.assert_allclose(c.net.params, replay.net.params, rtol=1e-12, atol=1e-14)
        assert math.isclose(s.penalty, sum(penalties) / len(penalties), rel_tol=1e-12)


def test_settings_read_l1_l2_and_the_file_checks_them():
    assert TrainingSettings().l1 == 0.0 and TrainingSettings().l2 == 0.0
    s = TrainingSettings.from_dict({"l1": 0.25, "l2": 1e-3})
    assert (s.l1, s.l2) == (0.25, 1e-3)
    assert TrainingSettings.from_dict({"l1": None}).l1 == 0.0
    errors = file_validation.validate_training({"l2": -1.0, "l1": "x"})
    assert any("training.l2 = -1.0 is out of range" in e for e in errors)
    assert any("training.l1 must be a finite number" in e for e in errors)


# ------------------------------------------------------------------ explain and the report
def _regularised_pass(seed=3, l1=0.1, l2=0.4):
    doc = regularised_doc(seed, l1, l2, n_samples=2)
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    return doc, graph, c, ds, run_pass(c, ds, [0], graph.training)


def test_explain_splits_each_gradient_into_data_and_penalty():
    from bpstudio.model import explain as ex

    doc, graph, c, ds, r = _regularised_pass()
    trainable = {e["id"]: e.get("trainable", True) for e in doc["edges"]}
    for e in doc["edges"]:
        ee = ex.edge_explanation(c, r, e["id"], 0, graph.training, with_paths=True)
        if not trainable[e["id"]]:
            assert ee.penalty is None
            continue
        pen = ee.penalty
        assert pen is not None and (pen.l1, pen.l2) == (0.1, 0.4)
        # the path sum is the data loss's gradient (one sample: the engine's data gradient)
        assert math.isclose(ee.paths.total, pen.data_grad, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(pen.data_grad + pen.value, pen.grad, rel_tol=1e-12, abs_tol=1e-15)
        assert pen.grad == ee.update.grad == r.edge_grad(e["id"])
        assert pen.name == "λ₂·w + λ₁·sign(w)"


def test_report_shows_the_penalty_and_each_regularised_gradient():
    from bpstudio.model import explain as ex
    from bpstudio.model.report import render_report

    doc, graph, c, ds, r = _regularised_pass()
    md = render_report(graph, c, ds)
    assert "Regularisation: the step descends `L = L_data + λ₂/2·Σw² + λ₁·Σ|w|`" in md
    assert f"the penalty is `{ex.fmt(file_penalty(doc), 4)}`" in md
    assert "biases are not penalised" in md
    for e in doc["edges"]:
        eid = e["id"]
        line = f"∂L/∂{eid} = ∂L_data/∂{eid} + λ₂·{eid} + λ₁·sign({eid}) = "
        if e.get("trainable", True):
            total = ex.fmt(r.edge_grad(eid), 4)
            assert any(ln.startswith(f"- `{line}") and ln.endswith(f"= {total}`")
                       for ln in md.splitlines()), eid  # fmt: skip
        else:
            assert line not in md
    tex = render_report(graph, c, ds, fmt="tex")
    assert r"\frac{\lambda_2}{2} \cdot \sum w^2 + \lambda_1 \cdot \sum \lvert w \rvert" in tex
    assert r"\operatorname{sign}" in tex


def test_unregularised_report_is_unchanged_by_the_feature():
    from bpstudio.model.report import render_report

    doc = random_doc(3, n_samples=2)
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    md = render_report(graph, c, dataset(graph))
    assert "Regularisation" not in md and "L_data" not in md


def test_cli_trace_and_train_report_the_penalty(tmp_path, capsys):
    import csv

    from bpstudio.cli import main

    doc = regularised_doc(4, 0.02, 0.3, n_samples=3)
    path = tmp_path / "reg.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert main(["trace", str(path), "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert math.isclose(out["penalty"], file_penalty(doc), rel_tol=1e-12)
    hist = tmp_path / "h.csv"
    assert main(["train", str(path), "--epochs", "5", "--history", str(hist)]) == 0
    assert ", penalty " in capsys.readouterr().err
    rows = list(csv.reader(hist.open(encoding="utf-8")))
    assert rows[0][-1] == "penalty" and len(rows) == 6
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    stats = Trainer(c.net, dataset(graph), graph.settings).run_epochs(5)
    assert [float(r[-1]) for r in rows[1:]] == [s.penalty for s in stats]
    assert stats[0].penalty == pytest.approx(file_penalty(doc), rel=1e-12)
