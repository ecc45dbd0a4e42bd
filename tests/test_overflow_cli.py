"""A pass that overflows float64 from finite inputs: every command that runs one says where.

The rule (docs/cli.md): exit 1 with one ``error: FILE: ...`` line naming the neuron or edge and
the quantity (z, a, loss, ∂L/∂z, ∂L/∂w, updated weight); stdout valid JSON or nothing (never
the Infinity/NaN tokens); no numpy warning and no traceback on stderr. Run as a user would: a
subprocess per command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import network_doc


def _net(weight, x, lr, activation="identity", loss=None, y=0.0) -> dict:
    """x -> h (identity) -> o: z_h = w1·x, z_o = w2·a_h; y = 0: ∂L/∂w2 = z_o·a_h (½ sq. error)."""
    neurons = [
        {"id": "x", "role": "input", "x": 0, "y": 0},
        {"id": "h", "role": "hidden", "activation": "identity", "bias": 0.0, "x": 150, "y": 0},
        {"id": "o", "role": "output", "activation": activation, "bias": 0.0, "x": 300, "y": 0},
    ]
    edges = [
        {"id": "w1", "source": "x", "target": "h", "weight": weight},
        {"id": "w2", "source": "h", "target": "o", "weight": 10.0},
    ]
    training = {"loss": loss or "half_squared_error", "optimizer": "sgd", "learning_rate": lr}
    return network_doc(neurons, edges, training, [{"x": [x], "y": [y]}])


CASES = {
    # a weight of 1e308: z_h = 1e308 is finite, z_o = 10 · 1e308 is not
    "weight": (_net(1e308, 1.0, 0.1), ["neuron o", "z = inf"]),
    # an input of 1e308 through ordinary weights: the same place
    "input": (_net(1.0, 1e308, 0.1), ["neuron o", "z = inf"]),
    # every value of the pass finite, but lr · ∂L/∂w overflows the updated weight
    "learning_rate": (_net(1.0, 10.0, 1e308), ["edge w1", "updated weight = -inf"]),
    # no overflow, but a log loss of an output that leaves its domain: log(0)
    "log_domain": (
        _net(-1.0, 1.0, 0.1, activation="relu", loss="binary_cross_entropy", y=1.0),
        ["the loss of output o is inf"],
    ),
}
COMMANDS = {
    "trace": ["trace", "{f}"],
    "trace_text": ["trace", "{f}", "--format", "text"],
    "trace_all": ["trace", "{f}", "--all"],
    "report": ["report", "{f}"],
    "report_tex": ["report", "{f}", "--format", "tex", "-o", "{out}.tex"],
    "train": ["train", "{f}", "--epochs", "3", "--out", "{out}.json", "--quiet"],
    "render_forward": ["render", "{f}", "-o", "{out}.png", "--overlay", "forward"],
    "render_backward": ["render", "{f}", "-o", "{out}.svg", "--overlay", "backward"],
}


def _run(args: list[str], tmp: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONWARNINGS="default")
    return subprocess.run(
        [sys.executable, "-m", "bpstudio", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp,
        timeout=120,
    )


def _strict_json(text: str):
    def refuse(token):
        raise AssertionError(f"stdout holds {token}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_an_overflowing_pass_is_exit_1_naming_where(case, command, tmp_path):
    doc, expected = CASES[case]
    f = tmp_path / f"{case}.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "out"
    args = [a.format(f=f, out=out) for a in COMMANDS[command]]
    proc = _run(args, tmp_path)
    assert proc.returncode == 1, (proc.returncode, proc.stdout[-300:], proc.stderr)
    assert proc.stdout.strip() == "" or _strict_json(proc.stdout) is not None
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    line = lines[0]
    assert line.startswith(f"error: {f}: "), line
    for part in expected:
        assert part in line, line
    assert "Warning" not in proc.stderr and "Traceback" not in proc.stderr
    assert "nan" not in line.lower().split(":")[0]
    # nothing half-written where the command would have written its file
    assert not list(tmp_path.glob("out*")), list(tmp_path.iterdir())


def test_trace_and_report_agree_on_the_exit_code(tmp_path):
    f = tmp_path / "w.json"
    f.write_text(json.dumps(CASES["weight"][0]), encoding="utf-8")
    codes = {c: _run([c, str(f)], tmp_path).returncode for c in ("trace", "report")}
    assert codes == {"trace": 1, "report": 1}


def test_train_names_the_update_that_overflowed(tmp_path):
    """Training diverges at once with lr 1e308: the message says which update, not only
    'diverged', and the trained file is not written."""
    f = tmp_path / "lr.json"
    f.write_text(json.dumps(CASES["learning_rate"][0]), encoding="utf-8")
    proc = _run(["train", str(f), "--epochs", "5", "--quiet"], tmp_path)
    assert proc.returncode == 1
    assert "training stopped at epoch 1" in proc.stderr
    assert "edge w1: updated weight = -inf" in proc.stderr
    assert "learning rate 1e+308 is too large" in proc.stderr


def test_export_does_not_evaluate_and_still_works(tmp_path):
    """export writes source only (it runs no pass), so the same file exports cleanly."""
    f = tmp_path / "w.json"
    f.write_text(json.dumps(CASES["weight"][0]), encoding="utf-8")
    proc = _run(["export", str(f), "--to", "torch", "-o", str(tmp_path / "m.py")], tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert "1e+308" in (tmp_path / "m.py").read_text() or "1e308" in (tmp_path / "m.py").read_text()


def test_a_finite_pass_still_prints_strict_json(tmp_path):
    f = tmp_path / "ok.json"
    f.write_text(json.dumps(_net(1.0, 1.0, 0.1)), encoding="utf-8")
    proc = _run(["trace", str(f)], tmp_path)
    assert proc.returncode == 0 and proc.stderr == ""
    doc = _strict_json(proc.stdout)
    assert doc["neurons"]["o"]["z"] == 10.0


def test_the_trainer_says_the_weights_overflow_before_any_update():
    """What the app's training panel shows: not 'the learning rate is too high' when the
    file's own weights already overflow the first pass."""
    from bpstudio.model import fileformat
    from bpstudio.model.session import make_trainer

    graph = fileformat.loads(json.dumps(CASES["weight"][0]))
    _, trainer = make_trainer(graph)
    stats = trainer.run_epoch()
    assert stats.stopped == "diverged"
    assert "not finite at the current weights, before any update" in stats.message
    assert "learning rate" not in stats.message
    graph = fileformat.loads(json.dumps(CASES["learning_rate"][0]))
    _, trainer = make_trainer(graph)
    assert "learning rate 1e+308 is too high" in trainer.run_epoch().message


BIG = 2.0**664  # ~9.7e199: squared it overflows float64


def _cancelling_paths() -> dict:
    """x → h0 → h1 → {h2a, h2b} → o, identity, ½ squared error, y = 1, x = 2⁻⁹⁹⁶ (~1e-300).

    Every value of the pass is finite (h1's ∂L/∂a = 2⁶⁶⁴ − 2⁶⁶⁴ = 0), but the two chain-rule
    paths of w0 multiply 2⁶⁶⁴ (w1, ~1e200) by ±2⁶⁶⁴ (woa, wob): their products are ±inf and the
    report's listing summed them with math.fsum(-inf + inf), a ValueError traceback.

    Powers of two, so every product is exact and o's z = 2³³² − 2³³² is exactly 0 on every
    machine: with 1e200 and 1e-100 a BLAS that fuses the multiply-add (FMA) left 2.6e83 of
    rounding in z, which turned δ of o from −1 to +2.6e83 and the product's sign with it."""

    def hidden(nid, x):
        return {"id": nid, "role": "hidden", "activation": "identity", "bias": 0.0, "x": x, "y": 0}

    neurons = [
        {"id": "x", "role": "input", "x": 0, "y": 0},
        hidden("h0", 100),
        hidden("h1", 200),
        hidden("h2a", 300),
        hidden("h2b", 300),
        {"id": "o", "role": "output", "activation": "identity", "bias": 0.0, "x": 400, "y": 0},
    ]
    edges = [
        {"id": i, "source": s, "target": t, "weight": w}
        for i, s, t, w in (
            ("w0", "x", "h0", 1.0),
            ("w1", "h0", "h1", BIG),
            ("wa", "h1", "h2a", 1.0),
            ("wb", "h1", "h2b", 1.0),
            ("woa", "h2a", "o", BIG),
            ("wob", "h2b", "o", -BIG),
        )
    ]
    training = {"loss": "half_squared_error", "optimizer": "sgd", "learning_rate": 0.1}
    return network_doc(neurons, edges, training, [{"x": [2.0**-996], "y": [1.0]}])


CANCELLING_PATHS = _cancelling_paths()


def test_report_refuses_path_products_that_overflow_a_finite_pass(tmp_path):
    f = tmp_path / "cancel.json"
    f.write_text(json.dumps(CANCELLING_PATHS), encoding="utf-8")
    trace = _run(["trace", str(f)], tmp_path)
    assert trace.returncode == 0, trace.stderr  # the pass itself is finite: trace prints it
    assert _strict_json(trace.stdout)["edges"]["w0"]["grad"] == 0.0
    for args in (["report", str(f)], ["report", str(f), "--format", "tex", "-o", "r.tex"]):
        proc = _run(args, tmp_path)
        assert proc.returncode == 1, (proc.stdout[-300:], proc.stderr)
        assert proc.stdout == "" and "Traceback" not in proc.stderr
        assert proc.stderr.strip().splitlines() == [
            f"error: {f}: the chain rule of ∂L/∂w of edge w0 overflows along the path "
            "x → h0 → h1 → h2a → o: its product is -inf (sample 0), although ∂L/∂w = 0 is "
            "finite; the weights on the path are too large for float64 products"
        ]
    assert not (tmp_path / "r.tex").exists()
