"""Turning a derived feature on or off on a drawn network: which input neuron it becomes,
where it is drawn, what it feeds, and the new ``data`` section. No Qt (the data panel wraps
the plan in one undo step).

A feature's neuron is an input placed after the data's own inputs: the network's inputs in
file order are the data's columns, then one per feature in ``data.features`` order
(core/features.py). A new feature's neuron goes below the last input and feeds every neuron
the data's own inputs feed (its weights are unset: drawn from ``training.init`` when the
network compiles).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from ..core import features
from . import datafit
from .graph import Edge, Graph, Neuron

INPUT_SPACING = 110.0  # below the last input when the inputs give no spacing of their own


@dataclass
class FeaturePlan:
    text: str  # the undo entry's name
    data: dict  # the new graph.data
    add: list[Neuron] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    remove: list[str] = field(default_factory=list)  # neuron ids


def raw_dims(graph: Graph) -> int:
    """The data's own input columns: the network's inputs less its features."""
    return len(graph.inputs()) - len(features.feature_names(graph.data))


def offered(graph: Graph) -> list[features.Feature]:
    """The features this network's data can feed (none unless its own inputs are 1-D or 2-D)."""
    return features.available(raw_dims(graph))


def feature_neuron(graph: Graph, name: str) -> Neuron | None:
    """The input neuron a listed feature feeds."""
    names = features.feature_names(graph.data)
    if name not in names:
        return None
    inputs = graph.inputs()
    i = raw_dims(graph) + names.index(name)
    return inputs[i] if 0 <= i < len(inputs) else None


def own_width(data: dict, n_raw: int, n_out: int) -> int | None:
    """How many input columns the data (without its features) has of its own; None if it
    cannot be told (broken data)."""
    plain = {k: v for k, v in data.items() if k != "features"}
    w = datafit.data_widths(plain, n_raw, n_out)
    return None if w is None else w[0]


def can_add(graph: Graph) -> bool:
    """Features can be added while the data's own columns are the network's own inputs: a
    feature on data of another width would make data no network can read."""
    n = raw_dims(graph)
    return n in (1, 2) and own_width(graph.data, n, len(graph.outputs())) == n


def kept_features(graph: Graph, new: dict) -> list[str]:
    """The graph's features that still apply to the data ``new`` describes (another
    generator or CSV file): all of them if its own width is the one they are for, else none."""
    names = features.feature_names(graph.data)
    if not names:
        return []
    width = own_width(new, raw_dims(graph), len(graph.outputs()))
    return [n for n in names if width is not None and features.FEATURES[n].dims == width]


def toggle(graph: Graph, name: str, on: bool) -> FeaturePlan | None:
    """What turning feature ``name`` on (off) does; None if it already is (or cannot be)."""
    f = features.FEATURES.get(name)
    names = features.feature_names(graph.data)
    if f is None or f.dims != raw_dims(graph) or (name in names) == on:
        return None
    if on and not can_add(graph):
        return None
    data = copy.deepcopy(graph.data)
    if not on:
        neuron = feature_neuron(graph, name)
        rest = [n for n in names if n != name]
        if rest:
            data["features"] = rest
        else:
            data.pop("features", None)
        return FeaturePlan(
            f"Stop feeding {f.label}", data, remove=[neuron.id] if neuron is not None else []
        )
    data["features"] = [*names, name]
    inputs = graph.inputs()
    nid = _fresh_id(graph, "f")
    x, y = _below(inputs)
    neuron = Neuron(nid, "input", label=f.label, x=x, y=y)
    own = {n.id for n in inputs[: raw_dims(graph)]}
    targets: list[str] = []
    for e in graph.edges.values():
        if e.source in own and e.target not in targets:
            targets.append(e.target)
    taken = set(graph.neurons) | set(graph.edges) | {nid}
    edges = []
    k = 1
    for t in targets:
        while f"w{k}" in taken:
            k += 1
        edges.append(Edge(f"w{k}", nid, t))
        taken.add(f"w{k}")
    return FeaturePlan(f"Feed {f.label}", data, add=[neuron], edges=edges)


def _fresh_id(graph: Graph, prefix: str) -> str:
    return graph.new_id(prefix)


def _below(inputs: list[Neuron]) -> tuple[float, float]:
    placed = [n for n in inputs if n.x is not None and n.y is not None]
    if not placed:
        return 0.0, 0.0
    last = max(placed, key=lambda n: n.y or 0.0)
    ys = sorted(n.y for n in placed if n.y is not None)
    gaps = [b - a for a, b in zip(ys, ys[1:], strict=False) if b - a > 1]
    step = min(gaps) if gaps else INPUT_SPACING
    return float(last.x or 0.0), float((last.y or 0.0) + step)
