"""The exported torch module computes the loss as the engine does: from z, in log space.

``export --to torch`` used to write ``log(ŷ.clamp(1e-15, 1 - 1e-15))``: a sigmoid output at
z = −39.5 with cross-entropy cost 34.54 instead of 39.5 and its gradient vanished, exactly the
saturation bug the engine had (core/outputs.py). The source-text test runs everywhere; the
others need torch (``pip install torch==2.13.0``) and skip without it: every output activation
with every loss at saturated z (±40, ±700, ±1000), the exported module's loss and ∂L/∂z against
what ``bpstudio trace`` prints.
"""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest
from helpers import network_doc

from bpstudio.cli import main
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.export_torch import torch_source

ELEMENTWISE = ["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus"]
LOSSES = ["half_squared_error", "squared_error", "mse", "binary_cross_entropy", "cross_entropy"]
SATURATED = [40.0, -40.0, 700.0, -700.0, 1000.0, -1000.0, -39.5, 0.3, 0.0]


def _doc(activation: str, zs: list[float], ys: list[float], loss: str) -> dict:
    """One input (x = 1) feeding each output o_k with weight z_k and bias 0: z(o_k) = z_k."""
    neurons = [{"id": "x", "role": "input", "x": 0, "y": 0}]
    edges = []
    for k, z in enumerate(zs):
        neurons.append({"id": f"o{k}", "role": "output", "activation": activation,
                        "bias": 0.0, "x": 200, "y": 80 * k})  # fmt: skip
        edges.append({"id": f"w{k}", "source": "x", "target": f"o{k}", "weight": z})
    training = {"loss": loss, "optimizer": "sgd", "learning_rate": 0.1}
    return network_doc(neurons, edges, training, [{"x": [1.0], "y": ys}])


def _source(doc: dict) -> str:
    graph = fileformat.from_document(doc)
    return torch_source(graph, compile_graph(graph))


def test_the_source_computes_the_loss_from_z_without_clipping():
    for loss in LOSSES:
        for activation, zs, ys in (
            ("sigmoid", [-40.0], [1.0]),
            ("softmax", [40.0, -40.0], [0.0, 1.0]),
        ):
            src = _source(_doc(activation, zs, ys, loss))
            assert "clamp(EPS" not in src and "1e-15" not in src and "EPS" not in src
            assert "def loss_from_z(z, y):" in src and "def output_z(self, x):" in src
            assert "loss = model.loss(x, y)" in src  # the training loop of the docstring
            assert f"LOSS = {loss!r}" in src
            assert f"OUTPUT_ACTIVATIONS = {[activation] * len(zs)!r}" in src
            if loss in ("binary_cross_entropy", "cross_entropy"):
                assert "return -_softplus(-z), -_softplus(z)" in src  # log σ(z), log(1 − σ(z))
                assert "log_s = shifted - log_norm" in src  # log-softmax, exact at the top


def _trace(doc: dict, tmp_path: Path, capsys) -> dict | None:
    """What `bpstudio trace` prints, or None where it refuses the pass (exit 1: a log loss of
    an output outside its domain has no value, e.g. relu at z < 0 with cross-entropy)."""
    f = tmp_path / "net.json"
    f.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    code = main(["trace", str(f)])
    out = capsys.readouterr()
    if code == 1:
        return None
    assert code == 0, out.err
    return json.loads(out.out)


def _module(src: str, tmp_path: Path, name: str):
    path = tmp_path / f"{name}.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


def _in_domain(activation: str, z: float, y: float, loss: str) -> bool:
    """Has this output a finite loss (a log loss needs ŷ in the log's domain)?"""
    import numpy as np

    from bpstudio.core.outputs import OutputHead

    terms, _, _ = OutputHead([activation], loss).evaluate(np.array([[z]]), np.array([[y]]))
    return bool(np.isfinite(terms).all())


def _cases():
    """Elementwise outputs are independent: one network per activation, loss and target,
    one output per saturated z with a finite loss there; softmax groups one by one."""
    for loss in LOSSES:
        for activation in ELEMENTWISE:
            for y in [1.0, 0.0] if loss == "binary_cross_entropy" else [1.0, 0.25]:
                zs = [z for z in SATURATED if _in_domain(activation, z, y, loss)]
                if zs:
                    yield pytest.param(activation, zs, [y] * len(zs), loss,
                                       id=f"{activation}-{loss}-{y}")  # fmt: skip
        for zs in (
            [40.0, -40.0],
            [-700.0, 700.0],
            [1000.0, -1000.0, 0.0],
            [0.5, -0.25],
            [0.0, 0.0],
        ):
            for target in range(len(zs)):
                ys = [float(k == target) for k in range(len(zs))]
                yield pytest.param("softmax", zs, ys, loss, id=f"softmax-{loss}-{zs}-{target}")


@pytest.mark.parametrize(("activation", "zs", "ys", "loss"), list(_cases()))
def test_the_exported_loss_equals_trace_at_saturation(activation, zs, ys, loss, tmp_path,
                                                        capsys):  # fmt: skip
    torch = pytest.importorskip("torch")
    doc = _doc(activation, zs, ys, loss)
    traced = _trace(doc, tmp_path, capsys)
    assert traced is not None  # every case has a finite loss (_cases)
    graph = fileformat.from_document(doc)
    mod = _module(torch_source(graph, compile_graph(graph)), tmp_path, "exported")
    model = mod.build()
    x = torch.tensor([[1.0]], dtype=torch.float64)
    y = torch.tensor([ys], dtype=torch.float64)
    got = float(model.loss(x, y).detach())
    assert _close(got, traced["loss"]), (got, traced["loss"])
    # the gradient torch takes through it is the engine's ∂L/∂z of each output
    z = model.output_z(x).detach().requires_grad_(True)
    assert z.detach().numpy().ravel().tolist() == zs
    mod.loss_from_z(z, y).backward()
    for k, g in enumerate(z.grad.numpy().ravel().tolist()):
        want = traced["neurons"][f"o{k}"]["dL_dz"]
        assert _close(g, want), (k, g, want)
