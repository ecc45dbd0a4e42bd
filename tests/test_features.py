"""Derived input features (data.features): the columns they add, the file, the command line,
and the lesson TensorFlow Playground teaches: circles a bare perceptron cannot separate are
separated by one sigmoid unit fed x₁² and x₂²."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import network_doc, write_doc

from bpstudio import cli
from bpstudio.core import data as coredata
from bpstudio.core import features
from bpstudio.core.trainer import Trainer
from bpstudio.model import datafit, feature_inputs, fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset
from bpstudio.model.training_session import TrainingSession

CIRCLES = {"name": "circles", "n": 200, "noise": 0.05, "seed": 3}


def perceptron_doc(feature_names: list[str]) -> dict:
    """One sigmoid output fed x₁, x₂ and the features (no hidden layer)."""
    neurons = [
        {"id": "x1", "role": "input", "label": "x₁", "x": 0, "y": 0},
        {"id": "x2", "role": "input", "label": "x₂", "x": 0, "y": 110},
    ]
    for j, name in enumerate(feature_names):
        neurons.append({"id": f"f{j + 1}", "role": "input", "x": 0, "y": 220 + 110 * j,
                        "label": features.FEATURES[name].label})  # fmt: skip
    neurons.append({"id": "o", "role": "output", "activation": "sigmoid", "x": 220, "y": 55})
    edges = [{"id": f"w{i}", "source": n["id"], "target": "o"}
             for i, n in enumerate(neurons[:-1], start=1)]  # fmt: skip
    training = {"loss": "binary_cross_entropy", "optimizer": "adam", "learning_rate": 0.1,
                "seed": 2, "epochs": 800}  # fmt: skip
    doc = network_doc(neurons, edges, training)
    doc["data"] = {"generator": dict(CIRCLES)}
    if feature_names:
        doc["data"]["features"] = list(feature_names)
    return doc


def accuracy_after_training(doc: dict) -> float:
    g = _load(doc)
    compiled = compile_graph(g)
    ds = dataset(g)
    t = g.settings
    trainer = Trainer(compiled.net, ds, t)
    for _ in trainer.epochs(t.epochs):
        pass
    p = compiled.net.predict(ds.X)[:, 0]
    assert ds.labels is not None
    return float(np.mean((p >= 0.5).astype(int) == ds.labels))


def _load(doc: dict):
    return fileformat.loads(json.dumps(doc))


def test_features_add_their_columns_after_the_datas_own():
    spec = {"generator": dict(CIRCLES), "features": ["x1^2", "x1*x2", "sin(x2)"]}
    ds = coredata.dataset_from_spec(spec, 5, 1)
    raw = coredata.generate("circles", 200, 0.05, 3)
    assert ds.X.shape == (200, 5)
    np.testing.assert_array_equal(ds.X[:, :2], raw.X)
    x1, x2 = raw.X[:, 0], raw.X[:, 1]
    np.testing.assert_array_equal(ds.X[:, 2], x1 * x1)
    np.testing.assert_array_equal(ds.X[:, 3], x1 * x2)
    np.testing.assert_array_equal(ds.X[:, 4], np.sin(x2))
    np.testing.assert_array_equal(ds.labels, raw.labels)


def test_one_d_features():
    spec = {"generator": {"name": "sine", "n": 50, "seed": 1}, "features": ["x^3", "x^2", "sin(x)"]}
    ds = coredata.dataset_from_spec(spec, 4, 1)
    x = ds.X[:, 0]
    np.testing.assert_allclose(ds.X[:, 1:], np.c_[x**3, x**2, np.sin(x)], rtol=0, atol=0)


@pytest.mark.parametrize(
    ("value", "n_in", "says"),
    [
        (["x1^3"], 3, "'x1^3' is not a known feature"),
        (["x1^2", "x1^2"], 4, "listed twice"),
        (["x^2"], 3, "'x^2' needs 1-D data, but the data has 2 input columns"),
        ("x1^2", 3, "must be a list of feature names"),
    ],
)
def test_bad_features_are_refused_with_the_key_named(value, n_in, says):
    spec = {"generator": dict(CIRCLES), "features": value}
    with pytest.raises(coredata.DataError) as exc:
        coredata.dataset_from_spec(spec, n_in, 1)
    text = "\n".join(exc.value.errors)
    assert "data.features" in text and says in text


def test_the_bare_perceptron_cannot_fit_circles_but_x1_squared_x2_squared_can():
    bare = accuracy_after_training(perceptron_doc([]))
    with_squares = accuracy_after_training(perceptron_doc(["x1^2", "x2^2"]))
    assert bare < 0.75  # a straight line through two rings
    assert with_squares >= 0.95


def test_a_file_with_features_opens_again_and_old_files_are_unchanged(tmp_path):
    doc = perceptron_doc(["x1^2", "x2^2"])
    path = write_doc(tmp_path / "circles.json", doc)
    g = fileformat.load(path)
    assert g.data["features"] == ["x1^2", "x2^2"]
    out = tmp_path / "again.json"
    fileformat.save(g, out)
    g2 = fileformat.load(out)
    assert g2.data == g.data
    assert json.loads(out.read_text())["data"]["features"] == ["x1^2", "x2^2"]
    plain = write_doc(tmp_path / "plain.json", perceptron_doc([]))
    fileformat.save(fileformat.load(plain), tmp_path / "plain2.json")
    assert "features" not in json.loads((tmp_path / "plain2.json").read_text())["data"]


def test_a_feature_on_data_of_the_wrong_width_is_a_misfit_with_fixes():
    doc = perceptron_doc(["x1^2", "x2^2"])
    doc["neurons"] = [n for n in doc["neurons"] if n["id"] != "f2"]
    doc["edges"] = [e for e in doc["edges"] if e["source"] != "f2"]
    g = fileformat.loads(json.dumps(doc), allow_misfit=True)
    m = datafit.graph_misfit(g)
    assert m is not None and m.widths == (4, 1) and m.network == (3, 1)
    assert "2 of its own and 2 derived features" in " ".join(m.problems)
    fix = next(f for f in m.fixes if f.text == "Stop using the derived features")
    assert "features" not in fix.data()


def test_inputs_added_beside_features_on_a_linear_generator_save_and_open_as_a_misfit(tmp_path):
    """Found by the random-user soak: x1^2 ticked on 2-D data, the data set switched to the
    linear generator (as wide as the network), then 4 inputs dragged in and Save. The linear
    data became 6 columns wide, which x1^2 cannot use: the file was saved but did not open
    ("data.features[0] 'x1^2' needs 2-D data"). It is a misfit now: it opens, with fixes."""
    doc = perceptron_doc(["x1^2"])
    doc["data"] = {"generator": {"name": "linear", "n": 20, "seed": 1}, "features": ["x1^2"]}
    assert datafit.graph_misfit(fileformat.loads(json.dumps(doc))) is None  # 2 + 1 inputs: fits
    for j in range(4):  # the four inputs the palette added
        doc["neurons"].insert(0, {"id": f"x{j + 3}", "role": "input", "x": 0, "y": -110 * (j + 1)})
    path = write_doc(tmp_path / "grown.json", doc)
    g = fileformat.load(path, allow_misfit=True)  # as the app opens it
    m = datafit.graph_misfit(g)
    assert m is not None and m.widths == (3, 1) and m.network == (7, 1)
    fix = next(f for f in m.fixes if f.text == "Stop using the derived features")
    g.data = fix.data()
    assert datafit.graph_misfit(g) is None  # the linear data takes all 7 inputs again
    with pytest.raises(fileformat.NetworkFileError):
        fileformat.load(path)  # check, trace and train still refuse it


def test_features_on_a_network_without_data_beside_more_inputs_are_a_misfit_not_a_crash(tmp_path):
    """Found by the random-user soak (action 3,639): x1*x2 ticked on a network with no data
    source and more inputs than the feature's 2-D source needs. Every edit then raised
    StopIteration in the Data panel and in training (misfit() looked for a source first)."""
    doc = perceptron_doc(["x1*x2"])
    doc["data"] = {"features": ["x1*x2"]}
    for j in range(2):
        doc["neurons"].insert(0, {"id": f"x{j + 3}", "role": "input", "x": 0, "y": -110 * (j + 1)})
    g = fileformat.load(write_doc(tmp_path / "nodata.json", doc), allow_misfit=True)
    m = datafit.graph_misfit(g)
    assert m is not None and m.widths == (3, 1) and m.network == (5, 1)
    assert [f.text for f in m.fixes] == ["Stop using the derived features"]  # no rows to table
    with pytest.raises(coredata.DataError, match="3 input columns"):
        datafit.check_fit(g.data, len(g.inputs()), len(g.outputs()))  # training says so
    g.data = m.fixes[0].data()
    assert datafit.graph_misfit(g) is None


def test_check_trace_and_train_honour_features(tmp_path, capsys):
    path = write_doc(tmp_path / "c.json", perceptron_doc(["x1^2", "x2^2"]))
    assert cli.main(["check", str(path)]) == 0
    assert capsys.readouterr().out.startswith("ok: 5 neurons")
    assert cli.main(["trace", str(path), "--sample", "5", "--format", "json"]) == 0
    out = capsys.readouterr().out
    doc = json.loads(out)
    ds = coredata.dataset_from_spec({"generator": dict(CIRCLES), "features": ["x1^2", "x2^2"]},
                                    4, 1)  # fmt: skip
    x = ds.X[5]
    assert doc["neurons"]["f1"]["a"] == pytest.approx(x[0] ** 2, rel=1e-15)
    assert doc["neurons"]["f2"]["a"] == pytest.approx(x[1] ** 2, rel=1e-15)
    trained = tmp_path / "t.json"
    assert cli.main(["train", str(path), "--epochs", "800", "--out", str(trained), "--quiet"]) == 0
    capsys.readouterr()
    assert accuracy_of_file(trained) >= 0.95


def accuracy_of_file(path) -> float:
    g = fileformat.load(path)
    ds = dataset(g)
    p = compile_graph(g).net.predict(ds.X)[:, 0]
    return float(np.mean((p >= 0.5) == (ds.labels == 1)))


def test_the_session_draws_the_plane_of_the_datas_own_inputs():
    g = _load(perceptron_doc(["x1^2", "x2^2"]))
    s = TrainingSession(g)
    assert s.plane_dims() == 2
    xs, ys, P = s.predict_grid(7)
    i, j = 2, 5
    direct = s.compiled.net.predict(np.array([[xs[i], ys[j], xs[i] ** 2, ys[j] ** 2]]))
    assert P[i, j, 0] == pytest.approx(direct[0, 0], rel=1e-12)
    assert not math.isnan(P[i, j, 0])


def test_toggling_a_feature_plans_an_input_neuron_fed_like_the_others():
    g = _load(perceptron_doc([]))
    plan = feature_inputs.toggle(g, "x1^2", True)
    assert plan is not None and plan.data["features"] == ["x1^2"]
    (n,) = plan.add
    assert n.role == "input" and n.label == "x₁²" and (n.x, n.y) == (0, 220)
    assert [(e.source, e.target, e.weight) for e in plan.edges] == [(n.id, "o", None)]
    assert feature_inputs.toggle(g, "x^2", True) is None  # a 1-D feature on 2-D data
    for nn in plan.add:
        g.add_neuron(nn)
    g.add_edges(plan.edges)
    g.set_network(data=plan.data)
    assert feature_inputs.feature_neuron(g, "x1^2").id == n.id
    off = feature_inputs.toggle(g, "x1^2", False)
    assert off is not None and off.remove == [n.id] and "features" not in off.data


def test_no_feature_is_added_to_data_that_does_not_fit_and_another_width_drops_them():
    """Found by the random user (seed 782498): x² ticked on a 1-input network whose table had
    2 columns saved a file that did not open (a 1-D feature on 2-D data)."""
    doc = perceptron_doc([])
    doc["neurons"] = [n for n in doc["neurons"] if n["id"] != "x2"]
    doc["edges"] = [e for e in doc["edges"] if e["source"] != "x2"]
    doc["data"] = {"samples": [{"x": [0.0, 1.0], "y": [1.0]}]}  # 2 columns, 1 input
    g = fileformat.loads(json.dumps(doc), allow_misfit=True)
    assert feature_inputs.raw_dims(g) == 1 and not feature_inputs.can_add(g)
    assert feature_inputs.toggle(g, "x^2", True) is None
    # circles with x₁², then the sine generator (1-D): the 2-D features do not carry over
    g = _load(perceptron_doc(["x1^2", "x2^2"]))
    assert feature_inputs.kept_features(g, {"generator": {"name": "moons"}}) == ["x1^2", "x2^2"]
    assert feature_inputs.kept_features(g, {"generator": {"name": "sine"}}) == []


def test_a_csv_data_set_feeds_features_too(tmp_path):
    (tmp_path / "pts.csv").write_text("a,b,label\n0.5,-1,1\n2,0.25,0\n", encoding="utf-8")
    spec = {"csv": "pts.csv", "inputs": ["a", "b"], "targets": ["label"],
            "features": ["x1*x2", "sin(x1)"]}  # fmt: skip
    ds = coredata.dataset_from_spec(spec, 4, 1, base_dir=tmp_path)
    np.testing.assert_array_equal(ds.X, [[0.5, -1, -0.5, np.sin(0.5)], [2, 0.25, 0.5, np.sin(2)]])
    assert datafit.data_widths(spec, 4, 1) == (4, 1)
