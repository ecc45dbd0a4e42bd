"""The exported torch module computes the file's function, checked without torch.

tests/test_export_torch.py and test_export_torch_loss.py run the exported source on real
PyTorch and skip where it is not installed (it is no dependency of bpstudio, so CI has
none). Here the same generated source runs on tests/numpy_torch.py, torch's functions with
their documented meaning on numpy: its forward pass and its loss (from z, in log space) must
be the engine's, on random networks, on every bundled file and at saturated z, in every
run. What needs autograd (the SGD step, ∂L/∂z through the module) stays with the torch tests.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from numpy_torch import Tensor, install
from test_export_torch_loss import _cases, _close, _doc, _module, _trace

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.export_torch import torch_source
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass
from bpstudio.paths import examples_dir

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_explain import random_doc  # noqa: E402

REF = Path(__file__).resolve().parent / "fixtures" / "reference"
EXAMPLES = examples_dir()


@pytest.fixture
def torch(monkeypatch):
    return install(monkeypatch)


def _exported(graph, tmp_path: Path, name: str, edit=None):
    """The engine's pass over the file's data, and the exported module built (the source
    changed by ``edit`` first: the test that this check can fail)."""
    c = compile_graph(graph)
    src = torch_source(graph, c)
    if edit is not None:
        src = edit(src)
    mod = _module(src, tmp_path, name)
    ds = dataset(graph)
    r = run_pass(c, ds, list(range(len(ds))), graph.training)
    return c, ds, r, mod, mod.build()


def _check(graph, torch, tmp_path: Path, name: str, edit=None) -> None:
    c, ds, r, mod, model = _exported(graph, tmp_path, name, edit)
    assert mod.torch.Tensor is Tensor  # the generated source ran on the stand-in
    x = torch.tensor(ds.X, dtype=torch.float64)
    y = torch.tensor(ds.Y, dtype=torch.float64)
    want = np.array([r.trace.a[c.row_of[o]] for o in c.output_ids]).T
    got = model(x).detach().numpy()
    assert got.shape == want.shape
    err = float(np.abs(got - want).max())
    assert err <= 1e-9, err
    loss, traced = float(model.loss(x, y).detach()), float(r.trace.loss)
    assert math.isclose(loss, traced, rel_tol=1e-9, abs_tol=1e-12), (loss, traced)


@pytest.mark.parametrize("seed", range(30))
def test_random_graphs_compute_the_engine_s_outputs_and_loss(seed, torch, tmp_path):
    graph = fileformat.from_document(random_doc(seed, n_samples=4))
    _check(graph, torch, tmp_path, f"net{seed}")


@pytest.mark.parametrize(
    "path",
    [REF / "handwritten_221.json", REF / "ecs171_321.json", *sorted(EXAMPLES.glob("*.json"))],
    ids=lambda p: p.name,
)
def test_files_compute_the_engine_s_outputs_and_loss(path, torch, tmp_path):
    _check(fileformat.load(path), torch, tmp_path, path.stem)


@pytest.mark.parametrize(("activation", "zs", "ys", "loss"), list(_cases()))
def test_the_exported_loss_equals_trace_at_saturation(activation, zs, ys, loss, torch, tmp_path,
                                                        capsys):  # fmt: skip
    doc = _doc(activation, zs, ys, loss)
    traced = _trace(doc, tmp_path, capsys)
    assert traced is not None
    graph = fileformat.from_document(doc)
    model = _module(torch_source(graph, compile_graph(graph)), tmp_path, "exported").build()
    x = torch.tensor([[1.0]], dtype=torch.float64)
    assert model.output_z(x).numpy().ravel().tolist() == zs
    got = float(model.loss(x, torch.tensor([ys], dtype=torch.float64)))
    assert _close(got, traced["loss"]), (got, traced["loss"])


def test_a_wrong_export_is_caught(torch, tmp_path):
    """Not vacuous: the exported module with tanh where sigmoid belongs, or the loss taken
    from ŷ clipped as it once was, fails the check."""
    graph = fileformat.load(REF / "handwritten_221.json")
    _check(graph, torch, tmp_path, "right")
    for name, edit in (
        ("tanh", lambda s: s.replace("return torch.sigmoid(z)", "return torch.tanh(z)")),
        ("half", lambda s: s.replace("return 0.5 * r * r", "return r * r")),
    ):
        with pytest.raises(AssertionError):
            _check(graph, torch, tmp_path, name, edit)
