"""`bpstudio trace` on the lecture worked examples equals the independently computed references.

The reference files are copies of /work/shared/reference (tests/fixtures/reference), so the
suite is self-contained. Comparison: every key, the same key sets, relative 1e-9.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from helpers import REFERENCE, RefNet, assert_close_tree, central_difference

from bpstudio import cli

NETS = ["handwritten_221", "ecs171_321"]


def _reference(name: str) -> dict:
    return json.loads((REFERENCE / f"{name}.trace.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", NETS)
def test_trace_in_process_equals_reference(name, capsys):
    code = cli.main(["trace", str(REFERENCE / f"{name}.json")])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert_close_tree(json.loads(out), _reference(name), rel=1e-9)


@pytest.mark.parametrize("name", NETS)
@pytest.mark.parametrize("extra", [[], ["--sample", "0", "--format", "json"]])
def test_trace_subprocess_equals_reference(name, extra):
    proc = subprocess.run(
        [sys.executable, "-m", "bpstudio", "trace", str(REFERENCE / f"{name}.json"), *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert_close_tree(json.loads(proc.stdout), _reference(name), rel=1e-9)


@pytest.mark.parametrize("name", NETS)
def test_trace_all_of_one_sample_matches_reference_values(name, capsys):
    """--all on a one-sample file: the batch mean of one sample is that sample's value."""
    assert cli.main(["trace", str(REFERENCE / f"{name}.json"), "--all"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ref = _reference(name)
    assert math.isclose(doc["loss"], ref["loss"], rel_tol=1e-9)
    for eid, v in ref["edges"].items():
        for key in ("grad", "updated", "weight"):
            assert math.isclose(doc["edges"][eid][key], v[key], rel_tol=1e-9), (eid, key)


@pytest.mark.parametrize("name", NETS)
def test_reference_fixture_agrees_with_finite_differences(name):
    """The fixtures themselves: their gradients are ∂L/∂w of an independent implementation."""
    doc = json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))
    ref = _reference(name)
    net = RefNet(doc)
    X = np.array([s["x"] for s in doc["data"]["samples"]])
    Y = np.array([s["y"] for s in doc["data"]["samples"]])
    assert math.isclose(net.loss(X, Y), ref["loss"], rel_tol=1e-12)
    lr = doc["training"]["learning_rate"]
    for e in doc["edges"]:
        fd = central_difference(lambda w, e=e: net.loss(X, Y, weights={e["id"]: w}), e["weight"])
        assert math.isclose(ref["edges"][e["id"]]["grad"], fd, rel_tol=1e-6, abs_tol=1e-10)
        # gradient descent: the updated weight moves against the gradient
        want = e["weight"] - lr * ref["edges"][e["id"]]["grad"]
        assert math.isclose(ref["edges"][e["id"]]["updated"], want, rel_tol=1e-12)


def test_handwritten_hand_derived_values(capsys):
    """The chain rule by hand for w5 and w6 (sigmoid output, ½ squared error)."""
    assert cli.main(["trace", str(REFERENCE / "handwritten_221.json")]) == 0
    doc = json.loads(capsys.readouterr().out)
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    h1 = sig(0.15 * 0.05 + 0.20 * 0.10 + 0.35)
    h2 = sig(0.25 * 0.05 + 0.30 * 0.10 + 0.35)
    o = sig(0.40 * h1 + 0.45 * h2 + 0.60)
    delta = (o - 0.01) * o * (1 - o)
    assert math.isclose(doc["loss"], 0.5 * (o - 0.01) ** 2, rel_tol=1e-12)
    assert math.isclose(doc["edges"]["w5"]["grad"], delta * h1, rel_tol=1e-12)
    assert math.isclose(doc["edges"]["w6"]["grad"], delta * h2, rel_tol=1e-12)
    assert round(doc["edges"]["w5"]["grad"], 6) == 0.082167  # the notes' value, rounded
    # the notes' sign slip would give 0.45 + 0.0001·0.0827; descent goes the other way
    assert doc["edges"]["w6"]["updated"] < 0.45
    assert math.isclose(doc["edges"]["w6"]["updated"], 0.45 - 1e-4 * delta * h2, rel_tol=1e-12)


def test_ecs171_descends_not_ascends(capsys):
    assert cli.main(["trace", str(REFERENCE / "ecs171_321.json")]) == 0
    doc = json.loads(capsys.readouterr().out)
    w_az = doc["edges"]["wAZ"]["updated"]
    assert round(w_az, 6) == 0.899353  # the notes' w + η·Δw climbs to 0.90067
    assert doc["neurons"]["N0"] == {"a": 1.0}


@pytest.mark.parametrize("name", NETS)
def test_trace_text_format_lists_every_neuron_and_edge(name, capsys):
    assert cli.main(["trace", str(REFERENCE / f"{name}.json"), "--format", "text"]) == 0
    out = capsys.readouterr().out
    ref = _reference(name)
    for key in [*ref["neurons"], *ref["edges"]]:
        assert key in out
    assert f"{ref['loss']:.10g}" in out
