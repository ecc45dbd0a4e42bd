"""bpstudio export --to torch: the exported module computes exactly the file's function."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pytest

from bpstudio.cli import main
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.export_torch import torch_source
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass
from bpstudio.paths import examples_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_explain import random_doc  # noqa: E402

torch = pytest.importorskip("torch")

REF = Path(__file__).resolve().parent / "fixtures" / "reference"  # copies of the shared references
EXAMPLES = examples_dir()


def load_module(source: str, tmp_path: Path, name: str):
    path = tmp_path / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def check_graph(graph, tmp_path, name):
    c = compile_graph(graph)
    ds = dataset(graph)
    src = torch_source(graph, c)
    mod = load_module(src, tmp_path, name)
    model = mod.build()
    samples = list(range(len(ds)))
    r = run_pass(c, ds, samples, graph.training)
    want = np.array([r.trace.a[c.row_of[o]] for o in c.output_ids]).T
    got = model(torch.tensor(ds.X, dtype=torch.float64)).detach().numpy()
    assert got.shape == want.shape
    err = float(np.abs(got - want).max())
    assert err <= 1e-9, err
    return c, ds, r, mod, model, src


def _no_bpstudio_import(src: str) -> bool:
    return not any(
        line.strip().startswith(("import bpstudio", "from bpstudio")) for line in src.splitlines()
    )


@pytest.mark.parametrize("seed", range(30))
def test_random_graphs_match_trace(seed, tmp_path):
    graph = fileformat.from_document(random_doc(seed, n_samples=4))
    _, _, _, _, _, src = check_graph(graph, tmp_path, f"net{seed}")
    assert _no_bpstudio_import(src)


@pytest.mark.parametrize(
    "path",
    [REF / "handwritten_221.json", REF / "ecs171_321.json", *sorted(EXAMPLES.glob("*.json"))],
    ids=lambda p: p.name,
)
def test_files_match_trace_and_one_sgd_step(path, tmp_path):
    graph = fileformat.load(path)
    c, ds, r, mod, model, _ = check_graph(graph, tmp_path, path.stem)
    # the file's loss and one plain SGD step on the whole data reproduce the engine's update
    x = torch.tensor(ds.X, dtype=torch.float64)
    y = torch.tensor(ds.Y, dtype=torch.float64)
    loss = model.loss(x, y)
    assert math.isclose(float(loss.detach()), float(r.trace.loss), rel_tol=1e-9, abs_tol=1e-12)
    if graph.training.get("optimizer", "sgd") != "sgd":
        return
    opt = torch.optim.SGD(model.parameters(), lr=float(graph.training["learning_rate"]))
    opt.zero_grad()
    loss.backward()
    opt.step()
    net = c.net
    for i in range(len(net.layers)):
        ws = slice(net.w_offsets[i], net.w_offsets[i + 1])
        bs = slice(net.b_offsets[i], net.b_offsets[i + 1])
        W = (model.weights[i] * getattr(model, f"mask{i}")).detach().numpy().ravel()
        np.testing.assert_allclose(W, r.updated_params[ws], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(
            model.biases[i].detach().numpy(), r.updated_params[bs], rtol=1e-9, atol=1e-12
        )


def test_sparse_stays_sparse_and_frozen_stays_frozen(tmp_path):
    doc = random_doc(7, softmax=False, n_samples=3)
    doc["edges"][0]["trainable"] = False
    doc["neurons"][-1]["trainable"] = False
    graph = fileformat.from_document(doc)
    c, ds, r, mod, model, src = check_graph(graph, tmp_path, "sparse")
    assert "register_buffer" in src and "FROZEN = True" in src
    before = [w.detach().clone() for w in model.weights]
    b_before = [b.detach().clone() for b in model.biases]
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    for _ in range(5):
        opt.zero_grad()
        model.loss(torch.tensor(ds.X), torch.tensor(ds.Y)).backward()
        opt.step()
    for i, w in enumerate(model.weights):
        mask = getattr(model, f"mask{i}")
        assert torch.all(w[mask == 0] == 0)  # absent edges never grow
    layer, row, col = c.edge_cell(doc["edges"][0]["id"])
    assert model.weights[layer - 1][row, col] == before[layer - 1][row, col]
    last = len(model.biases) - 1
    out_row = c.row_of[doc["neurons"][-1]["id"]] - c.net.layers[last].start
    assert model.biases[last][out_row] == b_before[last][out_row]


def test_cli_export(tmp_path):
    out = tmp_path / "exported.py"
    assert main(["export", str(REF / "handwritten_221.json"), "--to", "torch", "-o", str(out)]) == 0
    src = out.read_text(encoding="utf-8")
    assert "def build()" in src and _no_bpstudio_import(src)
    assert "torch.optim.SGD(model.parameters(), lr=0.0001)" in src
    assert "half_squared_error" in src
    mod = load_module(src, tmp_path, "exported")
    y = mod.build()(torch.tensor([[0.05, 0.10]], dtype=torch.float64))
    assert abs(float(y.detach()[0, 0]) - 0.7513650695523157) < 1e-12
