"""A divergence, told by id: which neuron or edge went first, at which epoch, and why.

:func:`bpstudio.core.divergence.locate` names the first non-finite quantity of the training
step that failed by engine row and parameter index; :func:`describe` turns that into what
the app shows: the item to mark on the canvas (a neuron, or an edge), a short message for
the training dock, and the lines of the Explain panel (the update written out with its
numbers). Every number goes through :mod:`.numfmt`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.divergence import Divergence
from .compile import Compiled
from .numfmt import fmt, general

STAGE_WORDS = {
    "weights": "the weights this step started from",
    "forward": "the forward pass",
    "loss": "the loss",
    "backward": "the backward pass",
    "gradient": "the gradients",
    "update": "the update",
}


@dataclass(frozen=True)
class DivergenceNote:
    epoch: int
    kind: str  # "neuron" | "edge": what the canvas marks
    item_id: str
    quantity: str  # "z", "a", "loss", "∂L/∂z", "∂L/∂w", "∂L/∂b", "weight", "bias", ...
    learning_rate: float
    gradient: float | None  # of the parameter whose update produced it
    culprit: str | None  # "edge e5" / "the bias of h2": the parameter that update moved
    message: str  # one paragraph for the training dock
    lines: tuple[str, ...]  # the Explain panel's lines
    raw: Divergence


def _param_owner(c: Compiled, p: int) -> tuple[str, str] | None:
    """("edge", edge id) or ("neuron", neuron id) of a parameter index; None for a slot no
    edge owns (an absent pair of a layer's matrix: masked, it is not a weight of the file)."""
    for eid, q in zip(c.edge_ids, c.edge_param.tolist(), strict=True):
        if q == p:
            return "edge", eid
    for nid, q in c.bias_param.items():
        if q == p:
            return "neuron", nid
    return None


def _slot_neuron(c: Compiled, p: int) -> str:
    """The neuron whose row of W(l) (or whose bias) holds parameter slot ``p``."""
    net = c.net
    for l, layer in enumerate(net.layers):
        w0, w1 = int(net.w_offsets[l]), int(net.w_offsets[l + 1])
        if w0 <= p < w1:
            return c.neuron_ids[layer.start + (p - w0) // layer.W.shape[1]]
        b0, b1 = int(net.b_offsets[l]), int(net.b_offsets[l + 1])
        if b0 <= p < b1:
            return c.neuron_ids[layer.start + (p - b0)]
    return c.neuron_ids[-1]


def _label(c: Compiled, graph, kind: str, ident: str) -> str:
    if kind == "neuron":
        n = graph.neurons.get(ident) if graph is not None else None
        return f"neuron {n.display_label if n is not None else ident}"
    e = graph.edges.get(ident) if graph is not None else None
    return f"edge {ident} ({e.source} → {e.target})" if e is not None else f"edge {ident}"


def describe(c: Compiled, d: Divergence, graph=None, decimals: int = 4) -> DivergenceNote:
    """What the app says about a divergence of the network ``c`` (``graph``: for labels)."""
    f = lambda v: fmt(v, decimals)  # noqa: E731 (a local shorthand)
    lr = d.learning_rate
    culprit_kind: str | None = None
    culprit_id: str | None = None
    owner = _param_owner(c, d.param) if d.param is not None else None
    if owner is not None:
        culprit_kind, culprit_id = owner
    if d.on_neuron:
        assert d.row is not None  # neuron quantities carry their row
        kind, ident = "neuron", c.neuron_ids[d.row]
    elif culprit_kind is not None and culprit_id is not None:
        kind, ident = culprit_kind, culprit_id
    else:  # a slot no edge owns (the random user found one): mark the neuron it feeds
        assert d.param is not None  # parameter quantities carry their slot
        kind, ident = "neuron", _slot_neuron(c, d.param)
    where = _label(c, graph, kind, ident)
    param_name = None
    if culprit_kind is not None and culprit_id is not None:
        is_weight = culprit_kind == "edge"
        param_name = (
            f"the weight of {_label(c, graph, 'edge', culprit_id)}"
            if is_weight
            else f"the bias of {_label(c, graph, 'neuron', culprit_id)}"
        )
    g_name = "∂L/∂w" if culprit_kind == "edge" else "∂L/∂b"
    sample = f", training sample {d.sample + 1}" if d.sample is not None and d.batch == 0 else ""
    batch = f" (batch {d.batch + 1})" if d.batch else ""
    lines: list[str] = [
        f"Training diverged at epoch {d.epoch}{batch}: learning rate {general(lr)}."
    ]
    squared = d.quantity.endswith("²")
    base = d.quantity.rstrip("²")
    if d.stage in ("weights", "update"):
        what = (
            f"{base} {f(d.value)} is too large for float64: its square overflows"
            if squared
            else f"{base} became {f(d.value)}"
        )
        head = f"the update made {param_name} {f(d.value)}" + (
            ", too large for float64" if squared else ""
        )
        lines.append(f"First out of range: {param_name}: {what}.")
        if d.gradient is not None:
            if d.before is not None:
                lines.append(
                    f"{base} ← {f(d.before)} − {general(lr)} × {g_name} "
                    f"{f(d.gradient)} = {f(d.value)}"
                )
            else:
                lines.append(
                    f"the update that set it: learning rate {general(lr)} × "
                    f"{g_name} {f(d.gradient)}"
                )
    elif d.stage == "gradient":
        head = f"{d.quantity} of {where} is {f(d.value)}"
        lines.append(
            f"First out of range: {d.quantity} of {where} = {f(d.value)} "
            f"(weight {f(d.before or 0.0)})."
        )
    else:
        q = "the loss at" if d.quantity == "loss" else f"{d.quantity} of"
        head = f"{q} {where} overflowed ({d.quantity} = {f(d.value)}{sample})"
        lines.append(
            f"First out of range, in {STAGE_WORDS[d.stage]}: {q} {where} = {f(d.value)}{sample}."
        )
        if param_name is not None and d.after is not None:
            lines.append(f"Its largest input term comes from {param_name} = {f(d.after)}.")
            if d.gradient is not None:
                lines.append(
                    f"The last update moved it by −{general(lr)} × {g_name} "
                    f"{f(d.gradient)} = {f(-lr * d.gradient)}."
                )
    smaller = general(lr / 10)
    lines.append(
        f"The weights were restored to the end of epoch {d.epoch - 1}. "
        f"Try a smaller learning rate (e.g. {smaller})."
    )
    grad = (
        f" ({g_name} {f(d.gradient)}, learning rate {general(lr)})"
        if d.gradient is not None
        else f" (learning rate {general(lr)})"
    )
    message = (
        f"Diverged at epoch {d.epoch}: {head}{grad}. Marked on the canvas; the "
        f"weights are back at epoch {d.epoch - 1}. Try a learning rate of {smaller}."
    )
    if d.untrained:  # the file's own weights (or inputs) overflow: no rate to blame
        message = (
            f"Cannot train: at the network's own weights, before any update, {head}. "
            "A weight, bias or input is too large for float64 (or a log loss left its "
            "domain). Marked on the canvas; the weights were left as they were."
        )
        lines[0] = "Training stopped at epoch 1, before any update."
        lines[-1] = "The weights were left as they were: no update caused this."
    culprit = None
    if culprit_kind is not None and culprit_id is not None:
        culprit = f"edge {culprit_id}" if culprit_kind == "edge" else f"the bias of {culprit_id}"
    return DivergenceNote(
        d.epoch, kind, ident, d.quantity, lr, d.gradient, culprit, message, tuple(lines), d
    )
