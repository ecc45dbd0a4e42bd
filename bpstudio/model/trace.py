"""One forward pass, loss, backward pass and optimizer step, keyed by neuron and edge id.

This is what ``bpstudio trace`` prints, what the overlays display and what reports quote.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from json.encoder import encode_basestring_ascii as _key
from typing import Any

import numpy as np

from ..core import limits, optimizers
from ..core.data import Dataset
from ..core.network import Trace
from ..core.regularization import Penalty
from ..core.settings import DEFAULTS, TrainingSettings, settings_of
from .compile import Compiled
from .noise import without_noise


@dataclass(eq=False)  # compared by identity: one pass is one object (its arrays have no ==)
class PassResult:
    compiled: Compiled
    trace: Trace
    samples: list[int]
    updated_params: np.ndarray  # after one optimizer step on this batch
    X: np.ndarray
    Y: np.ndarray
    training: TrainingSettings = DEFAULTS  # the settings the update used

    @cached_property
    def shown(self) -> Trace:
        """The trace as a reader sees it: floating-point noise (a z that cancels to
        −2.8e-17) is exactly 0 (model/noise.py). Every display reads this; ``trace`` is the
        engine's exact one (``bpstudio trace``, training, the update)."""
        return without_noise(self.compiled, self.trace)

    def value(self, kind: str, neuron_id: str, sample: int | None = None):
        """kind in a, z, dL_da, dL_dz, as shown (:attr:`shown`); sample index into the batch
        (None: all, as a list)."""
        row = self.compiled.row_of[neuron_id]
        arr = getattr(self.shown, kind)[row]
        return float(arr[sample]) if sample is not None else arr.tolist()

    def edge_grad(self, edge_id: str) -> float:
        """∂L/∂w of the batch: the data loss's gradient plus the penalty's (regularised)."""
        i = self.compiled.edge_index[edge_id]
        return float(self.shown.grads[self.compiled.edge_param[i]])

    def edge_data_grad(self, edge_id: str) -> float:
        """∂L_data/∂w of the batch: the data loss's alone (= edge_grad unregularised)."""
        i = self.compiled.edge_index[edge_id]
        return float(self.trace.loss_grads[self.compiled.edge_param[i]])

    @property
    def regularised(self) -> bool:
        return self.trace.data_grads is not None

    def bias_grad(self, neuron_id: str) -> float:
        return float(self.shown.grads[self.compiled.bias_param[neuron_id]])

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


def run_pass(
    compiled: Compiled,
    data: Dataset,
    samples: list[int],
    training: TrainingSettings | Mapping[str, Any],
) -> PassResult:
    net = compiled.net
    limits.check_batch(net.n_neurons, len(samples), "a pass", "trace one sample at a time")
    X, Y = data.X[samples], data.Y[samples]
    trace = net.trace(X, Y)
    settings = settings_of(training)
    penalty = Penalty.of(net, settings)
    if penalty.active:  # ∂L/∂w shown and stepped with is that of loss + penalty
        trace.data_grads = trace.grads.copy()
        with np.errstate(all="ignore"):
            trace.penalty = penalty.add_to(trace.params, trace.grads)
    opt = optimizers.make(settings.optimizer, net.params.size, settings, mask=net.update_mask)
    updated = net.params.copy()
    with np.errstate(all="ignore"):  # an update that overflows is reported (model/overflow.py)
        opt.step(updated, trace.grads)
    return PassResult(compiled, trace, samples, updated, X, Y, settings)


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
    doc: dict[str, Any] = {"loss": float(t.loss)}
    if result.regularised:
        doc["penalty"] = float(t.penalty)
    doc.update(samples=list(result.samples), neurons=neurons, edges=edges)
    return doc


def json_text(result: PassResult, as_lists: bool | None = None) -> str:
    """:func:`to_json`'s document as JSON text (see :func:`json_chunks`)."""
    return "".join(json_chunks(result, as_lists))


def json_chunks(result: PassResult, as_lists: bool | None = None) -> Iterator[str]:
    """:func:`to_json`'s document as JSON text in pieces, one neuron or edge per line (the
    layout of cli.md), for ``bpstudio trace`` to write as they come.

    Written from the arrays rather than by ``json.dumps(to_json(...), indent=...)``, whose
    pure-Python indenting encoder took 9 s and gigabytes for a 1,000,000-neuron trace. Floats
    are printed with ``repr`` (the shortest text that reads back to the same float, as json
    prints them), ids with json's own string encoder. A non-finite value raises ValueError
    here, before the first piece, as ``json.dumps(allow_nan=False)`` would: NaN and Infinity
    are not JSON, and stdout gets valid JSON or nothing.
    """
    t = result.trace
    columns = [t.z, t.a, t.dL_da, t.dL_dz, t.grads, t.params, result.updated_params]
    if (
        not all(np.isfinite(x).all() for x in columns)
        or not np.isfinite(t.loss)
        or not np.isfinite(t.penalty)
    ):
        raise ValueError("a trace value is not finite")
    single = len(result.samples) == 1 if as_lists is None else not as_lists
    return _chunks(result, single)


_BLOCK = 8192  # neurons or edges per piece


def _chunks(result: PassResult, single: bool) -> Iterator[str]:
    c, t = result.compiled, result.trace
    ids, n = c.neuron_ids, len(c.neuron_ids)
    n0 = len(c.input_ids) + len(c.bias_unit_ids)  # rows of layer 0: inputs, bias units
    penalty = f'  "penalty": {float(t.penalty)!r},\n' if result.regularised else ""
    yield f'{{\n  "loss": {float(t.loss)!r},\n{penalty}  "samples": {json.dumps(list(result.samples))},\n'
    yield '  "neurons": {' + ("\n" if n else "")
    for lo in range(0, n, _BLOCK):
        rows = slice(lo, min(lo + _BLOCK, n))
        a, z, da, dz = (_texts(getattr(t, k)[rows], single) for k in ("a", "z", "dL_da", "dL_dz"))
        hidden = [c.bias_param[nid] for nid in ids[max(lo, n0) : rows.stop]]
        db = list(map(repr, t.grads[hidden].tolist()))
        lines = []
        for r in range(lo, rows.stop):
            k = r - lo
            if r < n0:
                lines.append(f'    {_key(ids[r])}: {{"a": {a[k]}}}')
            else:
                lines.append(
                    f'    {_key(ids[r])}: {{"z": {z[k]}, "a": {a[k]}, "dL_da": {da[k]}, '
                    f'"dL_dz": {dz[k]}, "dL_db": {db[r - max(lo, n0)]}}}'
                )
        yield ",\n".join(lines) + (",\n" if rows.stop < n else "\n")
    yield "  },\n"
    p, eids, m = c.edge_param, c.edge_ids, len(c.edge_ids)
    yield '  "edges": {' + ("\n" if m else "")
    for lo in range(0, m, _BLOCK):
        sel = p[lo : lo + _BLOCK]
        w, g, u = (
            list(map(repr, x[sel].tolist())) for x in (t.params, t.grads, result.updated_params)
        )
        lines = [
            f'    {_key(eid)}: {{"weight": {w[k]}, "grad": {g[k]}, "updated": {u[k]}}}'
            for k, eid in enumerate(eids[lo : lo + _BLOCK])
        ]
        yield ",\n".join(lines) + (",\n" if lo + _BLOCK < m else "\n")
    yield "  }\n}"


def _texts(values: np.ndarray, single: bool) -> list[str]:
    """Per row: the first sample's value, or the list of every sample's values, as JSON."""
    if single:
        return list(map(repr, values[:, 0].tolist()))
    return ["[" + ", ".join(map(repr, row)) + "]" for row in values.tolist()]
