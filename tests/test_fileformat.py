"""Network file format v1: load/save round trips, unknown keys, defaults, version handling."""

from __future__ import annotations

import copy
import json

import pytest
from helpers import REFERENCE, network_doc, write_doc

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph

SPEC_EXAMPLE = {
    "format": "bpstudio-network",
    "version": 1,
    "name": "2-2-1 sigmoid, one sample",
    "description": "free text, optional",
    "neurons": [
        {"id": "x1", "role": "input", "label": "x₁", "x": 0, "y": 0},
        {"id": "x2", "role": "input", "label": "x₂", "x": 0, "y": 120},
        {"id": "h1", "role": "hidden", "activation": "sigmoid", "bias": 0.35, "x": 220, "y": 0},
        {"id": "h2", "role": "hidden", "activation": "sigmoid", "bias": 0.35, "x": 220, "y": 120},
        {"id": "o1", "role": "output", "activation": "sigmoid", "bias": 0.60, "x": 440, "y": 60},
    ],
    "edges": [
        {"id": "w1", "source": "x1", "target": "h1", "weight": 0.15},
        {"id": "w2", "source": "x2", "target": "h1", "weight": 0.20},
        {"id": "w3", "source": "x1", "target": "h2", "weight": 0.25},
        {"id": "w4", "source": "x2", "target": "h2", "weight": 0.30},
        {"id": "w5", "source": "h1", "target": "o1", "weight": 0.40},
        {"id": "w6", "source": "h2", "target": "o1", "weight": 0.45},
    ],
    "training": {
        "loss": "half_squared_error",
        "optimizer": "sgd",
        "learning_rate": 0.5,
        "batch_size": 1,
        "epochs": 1000,
        "seed": 0,
    },
    "data": {"samples": [{"x": [0.05, 0.10], "y": [0.01]}]},
}


def _with_unknowns(doc):
    doc = copy.deepcopy(doc)
    doc["future_top"] = {"nested": [1, 2, {"deep": "yes"}]}
    doc["another"] = "top-level string"
    doc["neurons"][2]["glow"] = True
    doc["neurons"][4]["plugin"] = {"k": [0.5]}
    doc["edges"][3]["curve"] = 0.25
    doc["edges"][5]["meta"] = {"author": "lecturer"}
    doc["training"]["scheduler"] = "cosine"
    doc["data"]["note"] = "one worked example"
    return doc


def test_spec_example_loads():
    g = fileformat.loads(json.dumps(SPEC_EXAMPLE))
    assert list(g.neurons) == ["x1", "x2", "h1", "h2", "o1"]
    assert g.neurons["x1"].label == "x₁" and g.neurons["o1"].x == 440
    assert g.edges["w5"].weight == 0.40
    assert [n.id for n in g.inputs()] == ["x1", "x2"]


def test_round_trip_keeps_everything_including_unknown_keys(tmp_path):
    doc = _with_unknowns(SPEC_EXAMPLE)
    src = write_doc(tmp_path / "in.json", doc)
    g = fileformat.load(src)
    out = tmp_path / "out.json"
    fileformat.save(g, out)
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved == doc  # every key (known and unknown), same values, same order of ids
    # saving the reloaded graph gives the same bytes (stable output)
    out2 = tmp_path / "out2.json"
    fileformat.save(fileformat.load(out), out2)
    assert out2.read_bytes() == out.read_bytes()


def test_saved_file_is_utf8_json_without_nan(tmp_path):
    g = fileformat.loads(json.dumps(SPEC_EXAMPLE))
    out = tmp_path / "o.json"
    fileformat.save(g, out)
    raw = out.read_bytes()
    text = raw.decode("utf-8")
    assert "x₁" in text  # not \\u escaped
    json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} written"))


def test_defaults():
    doc = network_doc(
        [
            {"id": "x", "role": "input"},
            {"id": "o", "role": "output", "activation": "linear"},
        ],
        [{"id": "w", "source": "x", "target": "o"}],
    )
    g = fileformat.loads(json.dumps(doc))
    o = g.neurons["o"]
    assert o.bias == 0.0 and o.trainable is True and o.display_label == "o"
    assert o.activation == "identity"  # the alias is understood
    assert g.edges["w"].weight is None and g.edges["w"].trainable is True
    # a missing weight is drawn from the seed at compile time, deterministically
    w1 = compile_graph(g).weights()["w"]
    w2 = compile_graph(fileformat.loads(json.dumps(doc))).weights()["w"]
    assert w1 == w2 and w1 != 0.0


def test_missing_weight_is_not_written_as_null(tmp_path):
    doc = network_doc(
        [{"id": "x", "role": "input"}, {"id": "o", "role": "output", "activation": "sigmoid"}],
        [{"id": "w", "source": "x", "target": "o"}],
    )
    out = tmp_path / "o.json"
    fileformat.save(fileformat.loads(json.dumps(doc)), out)
    edge = json.loads(out.read_text())["edges"][0]
    assert "weight" not in edge


def test_init_schemes_are_seeded(tmp_path):
    base = network_doc(
        [{"id": "x", "role": "input"}]
        + [{"id": f"h{i}", "role": "hidden", "activation": "tanh"} for i in range(4)]
        + [{"id": "o", "role": "output", "activation": "sigmoid"}],
        [{"id": f"a{i}", "source": "x", "target": f"h{i}"} for i in range(4)]
        + [{"id": f"b{i}", "source": f"h{i}", "target": "o"} for i in range(4)],
    )
    for scheme in ["uniform", "xavier_uniform", "he_normal", "zeros"]:
        doc = copy.deepcopy(base)
        doc["training"].update(init=scheme, seed=7)
        w = compile_graph(fileformat.loads(json.dumps(doc))).weights()
        again = compile_graph(fileformat.loads(json.dumps(doc))).weights()
        assert w == again
        if scheme == "zeros":
            assert set(w.values()) == {0.0}
        else:
            assert len(set(w.values())) == 8
            doc["training"]["seed"] = 8
            assert compile_graph(fileformat.loads(json.dumps(doc))).weights() != w
        if scheme == "uniform":
            assert all(-0.5 <= v <= 0.5 for v in w.values())


def test_higher_version_is_refused_with_a_clear_message():
    doc = dict(SPEC_EXAMPLE, version=2)
    with pytest.raises(fileformat.NetworkFileError) as info:
        fileformat.loads(json.dumps(doc))
    assert len(info.value.errors) == 1
    assert "version 2" in info.value.errors[0] and "update" in info.value.errors[0]


def test_all_errors_are_reported_at_once():
    doc = copy.deepcopy(SPEC_EXAMPLE)
    doc["edges"][0]["target"] = "h9"
    doc["neurons"][2]["activation"] = "swish"
    doc["training"]["learning_rate"] = 0
    with pytest.raises(fileformat.NetworkFileError) as info:
        fileformat.loads(json.dumps(doc))
    text = "\n".join(info.value.errors)
    assert "'h9'" in text and "'swish'" in text and "learning_rate" in text


def test_reference_files_round_trip(tmp_path):
    for name in ("handwritten_221", "ecs171_321"):
        g = fileformat.load(REFERENCE / f"{name}.json")
        out = tmp_path / f"{name}.json"
        fileformat.save(g, out)
        again = json.loads(out.read_text())
        orig = json.loads((REFERENCE / f"{name}.json").read_text())
        assert [n["id"] for n in again["neurons"]] == [n["id"] for n in orig["neurons"]]
        assert {e["id"]: e["weight"] for e in again["edges"]} == {
            e["id"]: e["weight"] for e in orig["edges"]
        }
        assert again["training"] == orig["training"] and again["data"] == orig["data"]


def test_csv_path_is_relative_to_the_file(tmp_path, monkeypatch):
    sub = tmp_path / "lecture"
    sub.mkdir()
    (sub / "table.csv").write_text("a,b,y\n0,1,1\n1,1,0\n", encoding="utf-8")
    doc = network_doc(
        [
            {"id": "x1", "role": "input"},
            {"id": "x2", "role": "input"},
            {"id": "o", "role": "output", "activation": "sigmoid"},
        ],
        [
            {"id": "w1", "source": "x1", "target": "o", "weight": 0.1},
            {"id": "w2", "source": "x2", "target": "o", "weight": 0.2},
        ],
    )
    doc["data"] = {"csv": "table.csv", "inputs": ["a", "b"], "targets": ["y"]}
    path = write_doc(sub / "net.json", doc)
    monkeypatch.chdir(tmp_path)  # not the file's folder
    from bpstudio.model.session import dataset

    ds = dataset(fileformat.load(path))
    assert ds.X.tolist() == [[0.0, 1.0], [1.0, 1.0]] and ds.Y.tolist() == [[1.0], [0.0]]
