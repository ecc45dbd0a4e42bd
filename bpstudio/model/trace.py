"""One forward pass, loss, backward pass and optimizer step, keyed by neuron and edge id.

This is what ``bpstudio trace`` prints, what the overlays display and what reports quote.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core import optimizers
from ..core.data import Dataset
from ..core.network import Trace
from .compile import Compiled


@dataclass(eq=False)  # compared by identity: one pass is one object (its arrays have no ==)
class PassResult:
    compiled: Compiled
    trace: Trace
    samples: list[int]
    updated_params: np.ndarray  # after one optimizer step on this batch
    X: np.ndarray
    Y: np.ndarray

    def value(self, kind: str, neuron_id: str, sample: int | None = None):
        """kind in a, z, dL_da, dL_dz; sample index into the batch (None: all, as a list)."""
        row = self.compiled.row_of[neuron_id]
        arr = getattr(self.trace, kind)[row]
        return float(arr[sample]) if sample is not None else arr.tolist()

    def edge_grad(self, edge_id: str) -> float:
        i = self.compiled.edge_index[edge_id]
        return float(self.trace.grads[self.compiled.edge_param[i]])

    def bias_grad(self, neuron_id: str) -> float:
        return float(self.trace.grads[self.compiled.bias_param[neuron_id]])

    def updated_weight(self, edge_id: str) -> float:
        i = self.compiled.edge_index[edge_id]
        return float(self.updated_params[self.compiled.edge_param[i]])

    def updated_bias(self, neuron_id: str) -> float:
        return float(self.updated_params[self.compiled.bias_param[neuron_id]])

    def parameters(self, updated: bool = False) -> tuple[dict[str, float], dict[str, float]]:
        """(weights by edge id, biases by neuron id) before or after the update, gathered with
        numpy in one go (a per-edge lookup loop costs seconds on 20,000 edges)."""
        c = self.compiled
        params = self.updated_params if updated else self.trace.params
        weights = dict(zip(c.edge_ids, params[c.edge_param].tolist(), strict=True))
        ids = list(c.bias_param)
        slots = np.fromiter(c.bias_param.values(), dtype=np.intp, count=len(ids))
        biases = dict(zip(ids, params[slots].tolist(), strict=True))
        return weights, biases


def run_pass(compiled: Compiled, data: Dataset, samples: list[int], training: dict) -> PassResult:
    net = compiled.net
    X, Y = data.X[samples], data.Y[samples]
    trace = net.trace(X, Y)
    opt = optimizers.make(
        training.get("optimizer", "sgd"), net.params.size, training, mask=net.update_mask
    )
    updated = net.params.copy()
    opt.step(updated, trace.grads)
    return PassResult(compiled, trace, samples, updated, X, Y)


def to_json(result: PassResult, as_lists: bool | None = None) -> dict:
    """The ``bpstudio trace --format json`` document (spec cli.md)."""
    c, t = result.compiled, result.trace
    # `trace --all` reports per-sample lists even when the data has a single sample (spec)
    single = len(result.samples) == 1 if as_lists is None else not as_lists
    pick = (lambda arr: float(arr[0])) if single else (lambda arr: arr.tolist())
    neurons = {}
    for nid in c.neuron_ids:
        row = c.row_of[nid]
        if nid in c.input_ids or nid in c.bias_unit_ids:
            neurons[nid] = {"a": pick(t.a[row])}
        else:
            neurons[nid] = {
                "z": pick(t.z[row]),
                "a": pick(t.a[row]),
                "dL_da": pick(t.dL_da[row]),
                "dL_dz": pick(t.dL_dz[row]),
                "dL_db": float(t.grads[c.bias_param[nid]]),
            }
    edges = {}
    for i, eid in enumerate(c.edge_ids):
        p = c.edge_param[i]
        edges[eid] = {
            "weight": float(t.params[p]),
            "grad": float(t.grads[p]),
            "updated": float(result.updated_params[p]),
        }
    return {
        "loss": float(t.loss),
        "samples": list(result.samples),
        "neurons": neurons,
        "edges": edges,
    }
