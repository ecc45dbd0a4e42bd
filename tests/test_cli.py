"""The check/trace/train commands: output shapes, warnings, --all vs single samples, exit codes."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from helpers import REFERENCE, RefNet, network_doc, write_doc

from bpstudio import cli


def _run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _dead_end_doc() -> dict:
    """h2 has no path to the output; h3 has no incoming edge (layer 1, z = b)."""
    neurons = [
        {"id": "x1", "role": "input"},
        {"id": "x2", "role": "input"},
        {"id": "h1", "role": "hidden", "activation": "tanh", "bias": 0.1},
        {"id": "h2", "role": "hidden", "activation": "sigmoid", "bias": 0.2, "label": "dead end"},
        {"id": "h3", "role": "hidden", "activation": "softplus", "bias": -0.3},
        {"id": "o1", "role": "output", "activation": "identity", "bias": 0.05},
    ]
    edges = [
        {"id": "a", "source": "x1", "target": "h1", "weight": 0.5},
        {"id": "b", "source": "x2", "target": "h2", "weight": -0.4},
        {"id": "c", "source": "h1", "target": "h2", "weight": 0.9},
        {"id": "d", "source": "h1", "target": "o1", "weight": 0.7},
        {"id": "e", "source": "h3", "target": "o1", "weight": -0.6},
        {"id": "f", "source": "x2", "target": "o1", "weight": 0.3},
    ]
    samples = [
        {"x": [0.5, -1.0], "y": [0.2]},
        {"x": [-0.3, 0.8], "y": [-0.1]},
        {"x": [1.2, 0.1], "y": [0.9]},
    ]
    training = {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": 0.1}
    return network_doc(neurons, edges, training, samples)


def test_check_ok_line(capsys):
    code, out, err = _run(["check", REFERENCE / "ecs171_321.json"], capsys)
    assert code == 0
    assert out.strip() == "ok: 7 neurons, 11 edges, 2 layers"
    assert err == ""


def test_check_warns_about_a_neuron_with_no_path_to_an_output(tmp_path, capsys):
    path = write_doc(tmp_path / "dead.json", _dead_end_doc())
    code, out, err = _run(["check", path], capsys)
    assert code == 0
    assert out.strip() == "ok: 6 neurons, 6 edges, 2 layers"
    warnings = [l for l in err.splitlines() if l.strip()]
    assert all(l.startswith("warning:") for l in warnings)
    dead = [l for l in warnings if "dead end" in l]
    assert len(dead) == 1 and "no path to an output" in dead[0]
    # h3 has no incoming edge: no path from an input
    assert any("no path from an input" in l for l in warnings)
    assert not any("h1" in l or "o1" in l for l in warnings)


def test_check_has_no_warnings_for_a_connected_network(capsys):
    code, out, err = _run(["check", REFERENCE / "handwritten_221.json"], capsys)
    assert code == 0 and err == ""


def test_dead_end_neuron_reports_zero_derivatives(tmp_path, capsys):
    path = write_doc(tmp_path / "dead.json", _dead_end_doc())
    code, out, _ = _run(["trace", path, "--all"], capsys)
    assert code == 0
    doc = json.loads(out)
    h2 = doc["neurons"]["h2"]
    assert h2["dL_da"] == [0.0, 0.0, 0.0] and h2["dL_dz"] == [0.0, 0.0, 0.0]
    assert h2["dL_db"] == 0.0
    assert doc["edges"]["b"]["grad"] == 0.0 and doc["edges"]["c"]["grad"] == 0.0
    assert doc["edges"]["b"]["updated"] == doc["edges"]["b"]["weight"]
    # but its forward values are computed
    ref = RefNet(_dead_end_doc())
    z, a = ref.forward(np.array([s["x"] for s in _dead_end_doc()["data"]["samples"]]))
    np.testing.assert_allclose(h2["a"], a["h2"], rtol=1e-12)
    np.testing.assert_allclose(doc["neurons"]["h3"]["z"], [-0.3] * 3, rtol=1e-15)


def test_trace_all_equals_mean_of_single_sample_traces(tmp_path, capsys):
    path = write_doc(tmp_path / "dead.json", _dead_end_doc())
    code, out, _ = _run(["trace", path, "--all"], capsys)
    assert code == 0
    batch = json.loads(out)
    assert batch["samples"] == [0, 1, 2]
    singles = []
    for k in range(3):
        code, out, _ = _run(["trace", path, "--sample", k], capsys)
        assert code == 0
        singles.append(json.loads(out))
        assert singles[-1]["samples"] == [k]
    assert math.isclose(batch["loss"], np.mean([s["loss"] for s in singles]), rel_tol=1e-12)
    for nid, v in batch["neurons"].items():
        assert set(v) == set(singles[0]["neurons"][nid])
        for key, val in v.items():
            per = [s["neurons"][nid][key] for s in singles]
            if key == "dL_db":
                assert math.isclose(val, np.mean(per), rel_tol=1e-12, abs_tol=1e-17)
            else:
                assert isinstance(val, list)
                np.testing.assert_allclose(val, per, rtol=1e-12, atol=1e-17)
    for eid, v in batch["edges"].items():
        per = [s["edges"][eid]["grad"] for s in singles]
        assert math.isclose(v["grad"], np.mean(per), rel_tol=1e-12, abs_tol=1e-17)
        assert math.isclose(v["updated"], v["weight"] - 0.1 * v["grad"], rel_tol=1e-12)


def test_trace_default_sample_is_zero(tmp_path, capsys):
    path = write_doc(tmp_path / "dead.json", _dead_end_doc())
    _, default, _ = _run(["trace", path], capsys)
    _, zero, _ = _run(["trace", path, "--sample", "0"], capsys)
    assert json.loads(default) == json.loads(zero)


def test_trace_json_keys(tmp_path, capsys):
    path = write_doc(tmp_path / "dead.json", _dead_end_doc())
    code, out, _ = _run(["trace", path, "--sample", "1"], capsys)
    doc = json.loads(out)
    assert set(doc) == {"loss", "samples", "neurons", "edges"}
    assert list(doc["neurons"]) and set(doc["neurons"]) == {
        n["id"] for n in _dead_end_doc()["neurons"]
    }
    for nid in ("x1", "x2"):
        assert set(doc["neurons"][nid]) == {"a"}
    for v in doc["edges"].values():
        assert set(v) == {"weight", "grad", "updated"}


def test_bias_unit_reports_only_a_equal_one(capsys):
    code, out, _ = _run(["trace", REFERENCE / "ecs171_321.json", "--all"], capsys)
    assert code == 0
    assert json.loads(out)["neurons"]["N0"] in ({"a": 1.0}, {"a": [1.0]})


def test_trace_text_format(tmp_path, capsys):
    path = write_doc(tmp_path / "dead.json", _dead_end_doc())
    code, out, _ = _run(["trace", path, "--all", "--format", "text"], capsys)
    assert code == 0
    assert out.startswith("loss (half_squared_error, samples [0, 1, 2])")
    assert "h1->o1" in out.replace(" ", "") or "h1->o1" in out


def test_trace_of_non_finite_loss_is_exit_1(tmp_path, capsys):
    """Weights that overflow the forward pass: a run failure (1), not a crash or NaN output."""
    doc = network_doc(
        [
            {"id": "x", "role": "input"},
            {"id": "h", "role": "hidden", "activation": "identity"},
            {"id": "o", "role": "output", "activation": "identity"},
        ],
        [
            {"id": "a", "source": "x", "target": "h", "weight": 1e300},
            {"id": "b", "source": "h", "target": "o", "weight": 1e300},
        ],
        {"loss": "squared_error", "learning_rate": 0.1},
        [{"x": [1e10], "y": [0.0]}],
    )
    path = write_doc(tmp_path / "inf.json", doc)
    code, out, err = _run(["trace", path], capsys)
    assert code == 1
    assert err.startswith("error:") and "overflows at neuron h: z = inf" in err
    assert out == ""


def test_main_without_arguments_reads_sys_argv(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["bpstudio", "check", str(REFERENCE / "ecs171_321.json")])
    assert cli.main() == 0
    assert capsys.readouterr().out.startswith("ok:")


@pytest.mark.parametrize("command", ["check", "trace", "train"])
def test_help_exits_cleanly(command):
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", command, "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0
    assert "usage:" in proc.stdout and "Traceback" not in proc.stderr


def test_console_script_is_installed_and_checks():
    exe = __import__("shutil").which("bpstudio") or str(
        __import__("pathlib").Path(sys.executable).parent / "bpstudio"
    )
    proc = subprocess.run(
        [exe, "check", str(REFERENCE / "handwritten_221.json")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok: 5 neurons, 6 edges, 2 layers"


def test_trace_all_reports_lists_even_for_a_single_sample(capsys):
    from bpstudio.cli import main

    path = REFERENCE / "handwritten_221.json"
    assert main(["trace", str(path), "--all"]) == 0
    doc = json.loads(capsys.readouterr().out)
    h1 = doc["neurons"]["h1"]
    for key in ("z", "a", "dL_da", "dL_dz"):
        assert isinstance(h1[key], list) and len(h1[key]) == 1
    assert isinstance(h1["dL_db"], float)  # batch means stay scalars
    assert main(["trace", str(path)]) == 0
    assert isinstance(json.loads(capsys.readouterr().out)["neurons"]["h1"]["z"], float)
