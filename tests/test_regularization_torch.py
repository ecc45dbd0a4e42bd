"""L1/L2 training agrees with PyTorch: the exported module, its explicit penalty (or
weight_decay for L2), torch.optim, 100 steps on random networks, to 1e-9. Skipped without torch."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from bpstudio.core.trainer import Trainer
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.export_torch import torch_source
from bpstudio.model.session import dataset

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_export_torch import load_module  # noqa: E402
from test_regularization import regularised_doc  # noqa: E402

torch = pytest.importorskip("torch")

STEPS = 100
OPTIMIZERS = {
    "sgd": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=0.9),
    "rmsprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-8),
    "adam": lambda params, lr: torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8),
}


def engine_and_torch(seed, optimizer, l1, l2, tmp_path, frozen=True, batch_size=None):
    doc = regularised_doc(seed, l1, l2, n_samples=6)
    if not frozen:
        for e in doc["edges"]:
            e.pop("trainable", None)
    # adaptive steps near a minimum oscillate chaotically at larger rates: rounding-level
    # differences (1e-16) then grow ×4 per step whatever the implementation
    lr = 0.002 if optimizer in ("adam", "rmsprop") else 0.05
    doc["training"].update(optimizer=optimizer, learning_rate=lr, shuffle=False)
    if batch_size:
        doc["training"]["batch_size"] = batch_size
    graph = fileformat.from_document(doc)
    c = compile_graph(graph)
    ds = dataset(graph)
    model = load_module(torch_source(graph, c), tmp_path, f"reg{seed}{optimizer}").build()
    return graph, c, ds, model, lr


def torch_params(model) -> np.ndarray:
    ws = [(w * getattr(model, f"mask{i}")).detach().numpy().ravel() for i, w in
          enumerate(model.weights)]  # fmt: skip
    bs = [b.detach().numpy() for b in model.biases]
    return np.concatenate(ws + bs)


def assert_same_training(c, ds, graph, model, opt, batch: int, penalty_kw: dict) -> None:
    trainer = Trainer(c.net, ds, graph.settings)
    x, y = torch.tensor(ds.X), torch.tensor(ds.Y)
    n = len(ds)
    for _ in range(STEPS // -(-n // batch)):
        for lo in range(0, n, batch):
            opt.zero_grad()
            loss = model.loss(x[lo : lo + batch], y[lo : lo + batch]) + model.penalty(**penalty_kw)
            loss.backward()
            opt.step()
        stats = trainer.run_epoch()
        assert stats.stopped is None, stats.message
    got, want = torch_params(model), c.net.params
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize(("l1", "l2"), [(0.0, 0.1), (0.05, 0.0), (0.02, 0.2)])
@pytest.mark.parametrize("seed", range(4))
def test_explicit_penalty_training_matches_torch(seed, optimizer, l1, l2, tmp_path):
    graph, c, ds, model, lr = engine_and_torch(seed, optimizer, l1, l2, tmp_path)
    opt = OPTIMIZERS[optimizer](model.parameters(), lr)
    assert_same_training(c, ds, graph, model, opt, len(ds), {})
    # the penalty the engine reports is torch's
    engine = Trainer(c.net, ds, graph.settings).penalty.value(c.net.params)
    assert np.isclose(float(model.penalty().detach()), engine, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("seed", range(4))
def test_l2_as_weight_decay_matches_torch(seed, optimizer, tmp_path):
    """weight_decay on the weights' group (biases undecayed) with the explicit L1 term."""
    graph, c, ds, model, lr = engine_and_torch(seed, optimizer, 0.03, 0.15, tmp_path, frozen=False)
    groups = [{"params": list(model.weights), "weight_decay": 0.15},
              {"params": list(model.biases)}]  # fmt: skip
    opt = OPTIMIZERS[optimizer](groups, lr)
    assert_same_training(c, ds, graph, model, opt, len(ds), {"l2": 0.0})


@pytest.mark.parametrize("seed", range(3))
def test_minibatch_penalty_per_step_matches_torch(seed, tmp_path):
    graph, c, ds, model, lr = engine_and_torch(seed, "momentum", 0.04, 0.1, tmp_path,
                                               batch_size=4)  # fmt: skip
    opt = OPTIMIZERS["momentum"](model.parameters(), lr)
    assert_same_training(c, ds, graph, model, opt, 4, {})


def test_export_says_how_to_regularise(tmp_path):
    graph, c, ds, model, lr = engine_and_torch(1, "adam", 0.01, 0.2, tmp_path, frozen=False)
    src = torch_source(graph, c)
    assert "loss = model.loss(x, y) + model.penalty()" in src
    assert '"weight_decay": 0.2' in src and "L1 = 0.01" in src and "L2 = 0.2" in src
