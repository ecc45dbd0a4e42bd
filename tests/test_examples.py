"""Every shipped example opens, compiles, says what it teaches, and runs one finite pass."""

from __future__ import annotations

import math

import pytest

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import dataset
from bpstudio.model.trace import run_pass, to_json
from bpstudio.paths import example_files


def test_examples_are_shipped():
    assert len(example_files()) >= 4


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_loads_compiles_and_traces(path):
    graph = fileformat.load(path)
    assert graph.description.strip(), f"{path.name} should say what it teaches"
    assert all(n.x is not None and n.y is not None for n in graph.neurons.values()), (
        f"{path.name}: every neuron should have a canvas position"
    )
    compiled = compile_graph(graph)
    ds = dataset(graph)
    assert len(ds) > 0
    doc = to_json(run_pass(compiled, ds, [0], graph.training))
    assert math.isfinite(doc["loss"])
    for values in doc["edges"].values():
        assert all(math.isfinite(v) for v in values.values())


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.name)
def test_example_round_trips_through_save(path, tmp_path):
    graph = fileformat.load(path)
    out = tmp_path / path.name
    fileformat.save(graph, out)
    again = fileformat.load(out)
    assert fileformat.to_document(again) == fileformat.to_document(graph)
