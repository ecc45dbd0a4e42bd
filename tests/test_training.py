"""Training: XOR with every optimizer, determinism, what --out keeps, history, divergence,
masks and frozen parameters, and the trainer's steps against trace gradients.
"""

from __future__ import annotations

import copy
import csv
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from helpers import RefNet, network_doc, write_doc, xor_doc

from bpstudio import cli
from bpstudio.core import optimizers
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset, make_trainer
from bpstudio.model.trace import run_pass, to_json

OPTIMIZERS = ["sgd", "momentum", "rmsprop", "adam"]
XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def _run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _predict(path) -> np.ndarray:
    """ŷ of a saved network, computed by the independent reference implementation."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    _, a = RefNet(doc).forward(XOR_X)
    return a["o"]


def _with_unknown_keys(doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    doc["lecture"] = {"week": 3, "slides": ["xor", "backprop"]}
    doc["description"] = "XOR from missing weights"
    doc["neurons"][0]["colour"] = "#ff0000"
    doc["neurons"][2]["note"] = {"why": "hidden unit", "n": 1}
    doc["neurons"][-1]["label"] = "ŷ"
    doc["edges"][1]["style"] = "dashed"
    doc["training"]["comment"] = "kept too"
    doc["data"]["source"] = "truth table"
    return doc


# --------------------------------------------------------------------------- XOR
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_xor_learned_from_missing_weights(optimizer, tmp_path, capsys):
    src = write_doc(tmp_path / "xor.json", xor_doc(optimizer))
    out = tmp_path / "trained.json"
    code, _, err = _run(["train", src, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    p = _predict(out)
    assert np.array_equal(p > 0.5, XOR_Y.astype(bool)), p
    assert np.all(np.abs(p - XOR_Y) < 0.2), p
    trained = json.loads(out.read_text(encoding="utf-8"))
    assert all(math.isfinite(e["weight"]) for e in trained["edges"])


def test_xor_minibatch_shuffled(tmp_path, capsys):
    src = write_doc(tmp_path / "xor.json", xor_doc("adam", batch_size=2, shuffle=True, epochs=800))
    out = tmp_path / "trained.json"
    code, _, err = _run(["train", src, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    assert np.array_equal(_predict(out) > 0.5, XOR_Y.astype(bool))


def test_same_seed_gives_bit_identical_output(tmp_path, capsys):
    doc = xor_doc("adam", batch_size=3, shuffle=True, epochs=200)
    src = write_doc(tmp_path / "xor.json", doc)
    outs = [tmp_path / f"out{i}.json" for i in range(3)]
    for o in outs[:2]:
        assert _run(["train", src, "--out", o, "--quiet"], capsys)[0] == 0
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "train", str(src), "--out", str(outs[2]), "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert outs[0].read_bytes() == outs[1].read_bytes() == outs[2].read_bytes()
    # a different seed gives different initial weights, hence a different file
    other = write_doc(tmp_path / "xor2.json", {**doc, "training": {**doc["training"], "seed": 9}})
    assert _run(["train", other, "--out", tmp_path / "o.json", "--quiet"], capsys)[0] == 0
    assert (tmp_path / "o.json").read_bytes() != outs[0].read_bytes()


def test_out_keeps_ids_labels_positions_and_unknown_keys(tmp_path, capsys):
    doc = _with_unknown_keys(xor_doc("adam", epochs=50))
    src = write_doc(tmp_path / "xor.json", doc)
    before = src.read_bytes()
    out = tmp_path / "trained.json"
    code, _, err = _run(["train", src, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    assert src.read_bytes() == before  # the input is not touched
    got = json.loads(out.read_text(encoding="utf-8"))
    assert got["lecture"] == doc["lecture"]
    assert got["description"] == doc["description"]
    assert got["name"] == doc["name"]
    assert got["training"] == doc["training"]
    assert got["data"] == doc["data"]
    assert [n["id"] for n in got["neurons"]] == [n["id"] for n in doc["neurons"]]
    for old, new in zip(doc["neurons"], got["neurons"], strict=True):
        for key, value in old.items():
            assert new[key] == value, (old["id"], key)
    assert [e["id"] for e in got["edges"]] == [e["id"] for e in doc["edges"]]
    for old, new in zip(doc["edges"], got["edges"], strict=True):
        for key, value in old.items():
            assert new[key] == value, (old["id"], key)
        assert math.isfinite(new["weight"])
    # hidden/output biases were trained (they are written back)
    assert any(n.get("bias", 0.0) != 0.0 for n in got["neurons"] if n["role"] != "input")
    # the result loads again
    fileformat.load(out)


# --------------------------------------------------------------------------- history
def _history(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_history_csv_without_validation(tmp_path, capsys):
    doc = xor_doc("sgd", epochs=7)
    src = write_doc(tmp_path / "xor.json", doc)
    hist = tmp_path / "h.csv"
    code, _, err = _run(["train", src, "--history", hist, "--quiet"], capsys)
    assert code == 0, err
    rows = _history(hist)
    assert rows[0] == ["epoch", "train_loss", "val_loss", "grad_norm_1", "grad_norm_2"]
    assert [r[0] for r in rows[1:]] == [str(i) for i in range(1, 8)]
    assert all(r[2] == "" for r in rows[1:])
    assert all(len(r) == 5 for r in rows)

    # epoch 1 (full batch) is measured at the initial weights: the trace of all samples
    graph = fileformat.load(src)
    tr = to_json(run_pass(compile_graph(graph), dataset(graph), [0, 1, 2, 3], graph.training))
    assert math.isclose(float(rows[1][1]), tr["loss"], rel_tol=1e-12)
    g1 = math.sqrt(sum(tr["edges"][f"{c}{j}"]["grad"] ** 2 for c in "ab" for j in range(1, 5)))
    g2 = math.sqrt(sum(tr["edges"][f"c{j}"]["grad"] ** 2 for j in range(1, 5)))
    assert math.isclose(float(rows[1][3]), g1, rel_tol=1e-12)
    assert math.isclose(float(rows[1][4]), g2, rel_tol=1e-12)


def test_history_csv_with_validation_and_epochs_override(tmp_path, capsys):
    doc = network_doc(
        [
            {"id": "x", "role": "input"},
            {"id": "h", "role": "hidden", "activation": "tanh"},
            {"id": "o", "role": "output", "activation": "identity"},
        ],
        [
            {"id": "w1", "source": "x", "target": "h"},
            {"id": "w2", "source": "h", "target": "o"},
            {"id": "s", "source": "x", "target": "o"},
        ],
        {"loss": "mse", "learning_rate": 0.05, "epochs": 1000, "validation_split": 0.25},
    )
    doc["data"] = {"generator": {"name": "sine", "n": 40, "noise": 0.05, "seed": 2}}
    src = write_doc(tmp_path / "sine.json", doc)
    hist = tmp_path / "h.csv"
    code, _, err = _run(["train", src, "--epochs", "12", "--history", hist, "--quiet"], capsys)
    assert code == 0, err
    rows = _history(hist)
    assert rows[0] == ["epoch", "train_loss", "val_loss", "grad_norm_1", "grad_norm_2"]
    assert len(rows) == 13
    vals = [float(r[2]) for r in rows[1:]]
    assert all(math.isfinite(v) and v > 0 for v in vals)
    assert vals[-1] < vals[0]  # it learns (val loss measured after each epoch's update)


def test_progress_bar_only_without_quiet(tmp_path, capsys):
    src = write_doc(tmp_path / "xor.json", xor_doc("sgd", epochs=3))
    code, out, err = _run(["train", src], capsys)
    assert code == 0
    assert "epoch 3/3" in err and "trained 3 epochs" in err
    code, out, err = _run(["train", src, "--quiet"], capsys)
    assert code == 0 and err == ""


# --------------------------------------------------------------------------- divergence
def _diverging_doc() -> dict:
    neurons = [
        {"id": "x", "role": "input"},
        {"id": "h1", "role": "hidden", "activation": "relu", "bias": 0.1},
        {"id": "h2", "role": "hidden", "activation": "relu", "bias": 0.1},
        {"id": "o", "role": "output", "activation": "identity"},
    ]
    edges = [
        {"id": "a", "source": "x", "target": "h1", "weight": 0.5},
        {"id": "b", "source": "x", "target": "h2", "weight": 0.7},
        {"id": "c", "source": "h1", "target": "o", "weight": 0.3},
        {"id": "d", "source": "h2", "target": "o", "weight": -0.2},
    ]
    training = {"loss": "squared_error", "optimizer": "sgd", "learning_rate": 1e6, "epochs": 500}
    samples = [{"x": [float(i)], "y": [3.0 * i + 1]} for i in range(1, 6)]
    return network_doc(neurons, edges, training, samples)


def _assert_diverged(code, err):
    assert code == 1
    assert err.startswith("error:") or "\nerror:" in err
    assert "diverged" in err
    assert "smaller" in err and "learning rate" in err
    assert "Traceback" not in err


def test_divergence_stops_with_exit_1_and_writes_nothing(tmp_path, capsys):
    src = write_doc(tmp_path / "div.json", _diverging_doc())
    out, hist = tmp_path / "out.json", tmp_path / "h.csv"
    code, _, err = _run(["train", src, "--out", out, "--history", hist, "--quiet"], capsys)
    _assert_diverged(code, err)
    assert not out.exists()
    text = hist.read_text(encoding="utf-8").lower() if hist.exists() else ""
    assert "nan" not in text and "inf" not in text


def test_divergence_leaves_an_existing_out_file_unchanged(tmp_path, capsys):
    src = write_doc(tmp_path / "div.json", _diverging_doc())
    out = tmp_path / "out.json"
    out.write_bytes(b"previous contents\n")
    code, _, err = _run(["train", src, "--out", out], capsys)
    _assert_diverged(code, err)
    assert out.read_bytes() == b"previous contents\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out")] == []


def test_divergence_as_subprocess(tmp_path):
    src = write_doc(tmp_path / "div.json", _diverging_doc())
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "train", str(src), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    _assert_diverged(proc.returncode, proc.stderr)
    assert not out.exists()


def test_divergence_restores_finite_weights():
    graph = fileformat.loads(json.dumps(_diverging_doc()))
    compiled, trainer = make_trainer(graph)
    history = list(trainer.epochs(500))
    assert history and history[-1].stopped == "diverged"
    assert all(s.stopped is None for s in history[:-1])
    assert np.all(np.isfinite(compiled.net.params))


# --------------------------------------------------------------------------- masks, frozen
def _sparse_doc(optimizer="adam") -> dict:
    """Skip and sparse edges; one frozen edge, one frozen bias."""
    neurons = [
        {"id": "x1", "role": "input"},
        {"id": "x2", "role": "input"},
        {"id": "x3", "role": "input"},
        {"id": "h1", "role": "hidden", "activation": "tanh", "bias": 0.1},
        {"id": "h2", "role": "hidden", "activation": "sigmoid", "bias": -0.2, "trainable": False},
        {"id": "h3", "role": "hidden", "activation": "elu", "bias": 0.05},
        {"id": "o1", "role": "output", "activation": "identity", "bias": 0.0},
        {"id": "o2", "role": "output", "activation": "sigmoid", "bias": 0.3},
    ]
    edges = [
        {"id": "e1", "source": "x1", "target": "h1", "weight": 0.4},
        {"id": "e2", "source": "x3", "target": "h2", "weight": -0.6},
        {"id": "e3", "source": "h1", "target": "h3", "weight": 0.5, "trainable": False},
        {"id": "e4", "source": "h2", "target": "h3", "weight": 0.3},
        {"id": "e5", "source": "h3", "target": "o1", "weight": 0.8},
        {"id": "e6", "source": "x2", "target": "o1", "weight": -0.3},
        {"id": "e7", "source": "h1", "target": "o2", "weight": 0.2},
        {"id": "e8", "source": "x1", "target": "o2", "weight": 0.1},
    ]
    training = {
        "loss": "mse",
        "optimizer": optimizer,
        "learning_rate": 0.05,
        "epochs": 300,
        "batch_size": 3,
    }
    rng = np.random.default_rng(5)
    samples = [
        {"x": rng.uniform(-1, 1, 3).tolist(), "y": [float(rng.uniform(-1, 1)), 0.7]}
        for _ in range(8)
    ]
    return network_doc(neurons, edges, training, samples)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_masked_absent_edges_stay_exactly_zero(optimizer):
    graph = fileformat.loads(json.dumps(_sparse_doc(optimizer)))
    compiled, trainer = make_trainer(graph)
    net = compiled.net
    masked = [(l, l.mask == 0) for l in net.layers if l.mask is not None]
    assert masked, "the sparse network must have masked layers"
    for _ in trainer.epochs(300):
        pass
    for layer, absent in masked:
        assert np.all(layer.W[absent] == 0.0)
    edge_params = set(compiled.edge_param.tolist())
    bias_params = set(compiled.bias_param.values())
    others = [i for i in range(net.params.size) if i not in edge_params | bias_params]
    assert others, "some parameters are structural zeros"
    assert np.all(net.params[others] == 0.0)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_frozen_edges_and_biases_do_not_move(optimizer, tmp_path, capsys):
    doc = _sparse_doc(optimizer)
    src = write_doc(tmp_path / "s.json", doc)
    out = tmp_path / "o.json"
    code, _, err = _run(["train", src, "--out", out, "--quiet"], capsys)
    assert code == 0, err
    got = json.loads(out.read_text(encoding="utf-8"))
    edges = {e["id"]: e for e in got["edges"]}
    neurons = {n["id"]: n for n in got["neurons"]}
    assert edges["e3"]["weight"] == 0.5 and edges["e3"]["trainable"] is False
    assert neurons["h2"]["bias"] == -0.2 and neurons["h2"]["trainable"] is False
    for e in doc["edges"]:
        if e["id"] != "e3":
            assert edges[e["id"]]["weight"] != e["weight"], e["id"]
    assert neurons["h1"]["bias"] != 0.1


# --------------------------------------------------------------------------- trainer vs trace
def test_minibatch_sgd_epoch_equals_sequential_trace_steps():
    """No shuffle, batch 2 over 5 samples: three sgd steps on batches [0,1], [2,3], [4]."""
    doc = _sparse_doc("sgd")
    doc["training"].update(batch_size=2, shuffle=False)
    doc["data"]["samples"] = doc["data"]["samples"][:5]
    graph = fileformat.loads(json.dumps(doc))
    compiled, trainer = make_trainer(graph)
    stats = trainer.run_epoch()

    expect = fileformat.loads(json.dumps(doc))
    losses = []
    for batch in ([0, 1], [2, 3], [4]):
        c = compile_graph(expect)
        res = run_pass(c, dataset(expect), batch, expect.training)
        losses.append(res.trace.loss * len(batch))
        expect.set_parameters(
            {e: res.updated_weight(e) for e in c.edge_ids},
            {n: res.updated_bias(n) for n in c.bias_param},
        )
    got_w, got_b = compiled.weights(), compiled.biases()
    for eid, e in expect.edges.items():
        assert math.isclose(got_w[eid], e.weight, rel_tol=1e-12, abs_tol=1e-15), eid
    for nid, b in got_b.items():
        assert math.isclose(b, expect.neurons[nid].bias, rel_tol=1e-12, abs_tol=1e-15), nid
    assert math.isclose(stats.train_loss, sum(losses) / 5, rel_tol=1e-12)


def _reference_optimizer(name, settings, grads_seq, w0):
    """The update rules of optimizers.py's docstring, written out directly."""
    lr = settings["learning_rate"]
    w = w0.copy()
    v = np.zeros_like(w)
    s = np.zeros_like(w)
    m = np.zeros_like(w)
    for t, g in enumerate(grads_seq, start=1):
        if name == "sgd":
            w = w - lr * g
        elif name == "momentum":
            v = settings.get("momentum", 0.9) * v + g
            w = w - lr * v
        elif name == "rmsprop":
            rho, eps = settings.get("beta2", 0.9), settings.get("eps", 1e-8)
            s = rho * s + (1 - rho) * g * g
            w = w - lr * g / (np.sqrt(s) + eps)
        elif name == "adam":
            b1, b2 = settings.get("beta1", 0.9), settings.get("beta2", 0.999)
            eps = settings.get("eps", 1e-8)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            w = w - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return w


@pytest.mark.parametrize("name", OPTIMIZERS)
@pytest.mark.parametrize("extra", [{}, {"momentum": 0.5, "beta1": 0.8, "beta2": 0.95, "eps": 1e-3}])
def test_optimizer_update_rules(name, extra):
    rng = np.random.default_rng(3)
    settings = {"learning_rate": 0.03, **extra}
    w0 = rng.normal(size=6)
    grads = [rng.normal(size=6) for _ in range(4)]
    mask = np.array([1, 1, 0, 1, 1, 0], float)
    opt = optimizers.make(name, 6, settings, mask=mask)
    w = w0.copy()
    for g in grads:
        opt.step(w, g)
    want = _reference_optimizer(name, settings, grads, w0)
    np.testing.assert_allclose(w[mask == 1], want[mask == 1], rtol=1e-12)
    assert np.array_equal(w[mask == 0], w0[mask == 0])
    # every optimizer descends: its first step moves against the gradient
    first = optimizers.make(name, 6, settings)
    w1 = w0.copy()
    first.step(w1, grads[0])
    assert np.all(np.sign(w1 - w0) == -np.sign(grads[0]))


def test_stop_loss_stops_early(tmp_path, capsys):
    src = write_doc(tmp_path / "x.json", xor_doc("adam", stop_loss=0.05, epochs=5000))
    hist = tmp_path / "h.csv"
    code, _, err = _run(["train", src, "--history", hist], capsys)
    assert code == 0, err
    rows = _history(hist)
    assert 2 < len(rows) < 5001
    assert float(rows[-1][1]) < 0.05 <= float(rows[-2][1])
    assert "stop_loss" in err


def test_zero_epochs_writes_the_initialised_network(tmp_path, capsys):
    src = write_doc(tmp_path / "x.json", xor_doc("sgd"))
    out, hist = tmp_path / "o.json", tmp_path / "h.csv"
    code, _, err = _run(["train", src, "--epochs", "0", "--out", out, "--history", hist], capsys)
    assert code == 0, err
    assert _history(hist) == [["epoch", "train_loss", "val_loss", "grad_norm_1", "grad_norm_2"]]
    saved = json.loads(out.read_text(encoding="utf-8"))
    drawn = compile_graph(fileformat.load(src)).weights()
    assert {e["id"]: e["weight"] for e in saved["edges"]} == drawn


def test_batch_size_larger_than_the_data_is_full_batch(tmp_path, capsys):
    outs = []
    for i, extra in enumerate([{}, {"batch_size": 100}, {"batch_size": 4}]):
        src = write_doc(tmp_path / f"x{i}.json", xor_doc("momentum", epochs=30, **extra))
        outs.append(tmp_path / f"o{i}.json")
        assert _run(["train", src, "--out", outs[-1], "--quiet"], capsys)[0] == 0
    weights = [
        [e["weight"] for e in json.loads(o.read_text(encoding="utf-8"))["edges"]] for o in outs
    ]
    assert weights[0] == weights[1] == weights[2]
