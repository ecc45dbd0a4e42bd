"""One settings object: a file without training keys trains, shows and exports the same
defaults in the CLI, the app's engine, the report and the PyTorch export, and saving it writes
back only the keys it had (docs/network-format.md, Training settings)."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from bpstudio.cli import main
from bpstudio.core import optimizers
from bpstudio.core.settings import DEFAULTS, TrainingSettings
from bpstudio.model import explain as ex
from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.export_torch import torch_source
from bpstudio.model.graph import DEFAULT_TRAINING, Graph
from bpstudio.model.report import render_report
from bpstudio.model.session import dataset, make_trainer
from bpstudio.model.trace import run_pass


def bare_doc(training: dict | None = None) -> dict:
    """x → o (sigmoid), one sample; ``training`` as given (default: no keys at all)."""
    return {
        "format": "bpstudio-network",
        "version": 1,
        "name": "bare",
        "neurons": [
            {"id": "x", "role": "input"},
            {"id": "o", "role": "output", "activation": "sigmoid", "bias": 0.1},
        ],
        "edges": [{"id": "w", "source": "x", "target": "o", "weight": 0.4}],
        "training": {} if training is None else training,
        "data": {"samples": [{"x": [1.0], "y": [1.0]}]},
    }


def _shown(v) -> str | None:
    """How the docs' table writes a default (None: in words, per optimizer or "off")."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "true" if v else "false"
    return f"`{v}`" if isinstance(v, str) else f"{v:g}"


def test_the_defaults_are_documented_and_are_the_new_networks():
    doc = Path(__file__).resolve().parent.parent / "docs" / "network-format.md"
    text = doc.read_text(encoding="utf-8")
    for field in dataclasses.fields(TrainingSettings):
        v = getattr(DEFAULTS, field.name)
        shown = _shown(v)
        assert f"| `{field.name}` |" in text, field.name
        if shown is not None:
            assert f"| `{field.name}` | {shown} |" in text, field.name
    for name, entry in optimizers.OPTIMIZERS.items():
        for key, v in entry.defaults.items():
            cell = text.split(f"| `{key}` |")[1].split("|")[0]
            assert v in [float(x) for x in re.findall(r"\d[\d.e-]*", cell)], (name, key)
    g = Graph()
    assert g.training == DEFAULT_TRAINING  # what a new network's file says ...
    assert g.settings == DEFAULTS  # ... is the defaults, and nothing a missing key changes
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULTS.learning_rate = 1.0  # type: ignore[misc]  # frozen: the point of the test


def test_a_file_without_settings_trains_its_default_epochs_in_the_cli(tmp_path):
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare_doc()))
    history = tmp_path / "h.csv"
    assert main(["train", str(path), "--quiet", "--history", str(history)]) == 0
    rows = history.read_text().strip().splitlines()[1:]
    assert len(rows) == DEFAULTS.epochs == 1000  # the app's count, no longer the CLI's 100


def test_every_use_site_reads_the_same_learning_rate(tmp_path, capsys):
    graph = fileformat.from_document(bare_doc())
    c = compile_graph(graph)
    ds = dataset(graph)
    r = run_pass(c, ds, [0], graph.training)
    lr = DEFAULTS.learning_rate
    assert lr == 0.5
    grad = r.edge_grad("w")
    assert r.updated_params[c.edge_param[0]] == pytest.approx(0.4 - lr * grad, rel=1e-15)
    assert ex.edge_explanation(c, r, "w", 0, graph.training).update.learning_rate == lr
    assert ex.edge_explanation(c, r, "w", 0).update.learning_rate == lr  # the pass's own
    _, trainer = make_trainer(graph, c)
    assert trainer.lr == lr and trainer.optimizer.lr == lr
    md = render_report(graph, c, ds, sample=0, fmt="md", decimals=4)
    assert "η = 0.5" in md
    src = torch_source(graph, c)
    assert f"torch.optim.SGD(model.parameters(), lr={lr!r})" in src
    assert f"for epoch in range({DEFAULTS.epochs}):" in src
    path = tmp_path / "bare.json"
    path.write_text(json.dumps(bare_doc()))
    assert main(["trace", str(path), "--format", "json"]) == 0
    edge = json.loads(capsys.readouterr().out)["edges"]["w"]
    assert edge["updated"] == pytest.approx(0.4 - lr * edge["grad"], rel=1e-15)


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_optimizer_defaults_come_from_the_optimizer(name):
    s = TrainingSettings.from_dict({"optimizer": name})
    assert s.hyperparameters() == optimizers.OPTIMIZERS[name].defaults
    given = TrainingSettings.from_dict({"optimizer": name, "beta2": 0.5, "momentum": 0.25})
    for key, v in given.hyperparameters().items():
        assert v == {"beta2": 0.5, "momentum": 0.25}.get(
            key, optimizers.OPTIMIZERS[name].defaults[key]
        )
    graph = fileformat.from_document(bare_doc({"optimizer": name}))
    c = compile_graph(graph)
    hint = optimizers.OPTIMIZERS[name].torch.format(learning_rate=0.5, **s.hyperparameters())
    assert f"optimizer = {hint}" in torch_source(graph, c)
    if name == "rmsprop":
        assert s.hyperparameters()["beta2"] == 0.9  # not adam's 0.999


def test_settings_of_a_file_fill_in_missing_keys_only():
    s = TrainingSettings.from_dict({"epochs": 7, "batch_size": None, "stop_loss": None})
    assert s == dataclasses.replace(DEFAULTS, epochs=7)
    assert TrainingSettings.from_dict({"batch_size": 2}).batch_size == 2


@pytest.mark.parametrize("training", [{}, {"learning_rate": 0.1}, DEFAULT_TRAINING])
def test_saving_writes_back_exactly_the_files_keys(tmp_path, training):
    graph = fileformat.from_document(bare_doc(dict(training)))
    path = tmp_path / "out.json"
    assert graph.settings.learning_rate == training.get("learning_rate", 0.5)  # in use ...
    make_trainer(graph)
    fileformat.save(graph, path)
    assert json.loads(path.read_text())["training"] == training  # ... not written
