"""Glue used by the CLI and the app: graph -> compiled network, data set, trainer."""

from __future__ import annotations

from ..core import data as coredata
from ..core.trainer import Trainer
from .compile import Compiled, compile_graph
from .datafit import check_fit
from .graph import Graph


def dataset(graph: Graph) -> coredata.Dataset:
    """The file's data, shaped for its inputs/outputs (DataError names the key).

    Data of the wrong width (only the app opens such a file) gets one plain sentence that
    says what does not fit, not one error per sample.
    """
    check_fit(graph.data, len(graph.inputs()), len(graph.outputs()))
    return coredata.dataset_from_spec(
        graph.data, len(graph.inputs()), len(graph.outputs()), base_dir=graph.base_dir
    )


def make_trainer(graph: Graph, compiled: Compiled | None = None) -> tuple[Compiled, Trainer]:
    compiled = compiled or compile_graph(graph)
    ds = dataset(graph)
    t = graph.settings
    train, val = coredata.split(ds, t.validation_split, t.seed)
    return compiled, Trainer(compiled.net, train, t, validation=val)
