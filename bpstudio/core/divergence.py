"""Where a diverging training step first left float64: the first quantity that is not finite.

When an epoch ends with a loss or weights that are infinite or NaN, the trainer restores the
last finite weights (core/trainer.py). Before it does, :func:`locate` looks at the step that
failed, with the buffers still holding its numbers, and names the first quantity, in the order
the step computes them, that is not finite:

1. the weights the step started from (the *previous* update made them infinite, or so large
   that their squares overflow: the trainer's test is ``params · params``);
2. forward: z, then a, of each neuron, layer by layer (rows in order);
3. the loss of an output (a sample's share of it);
4. backward: ∂L/∂z of each neuron, from the last row back;
5. ∂L/∂w and ∂L/∂b (parameters in the engine's order: W(1), W(2), …, then b(1), b(2), …);
6. the updated parameters (not finite, or their squares overflow).

Each finding carries the numbers that produced it: for a parameter, its gradient in that
step, its value before and after the step, and the learning rate; for a neuron, the incoming
weight with the largest share |w·a| of its z, that weight's gradient in the update that last
moved it, and the learning rate. The row and parameter indices are the engine's; the model
ring maps them to neuron and edge ids (model/training_session.py).

This runs once per divergence, never on the training hot path.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from .network import Network, Workspace

# what a finding is about: a neuron (row) or a parameter (param)
NEURON_QUANTITIES = ("z", "a", "loss", "∂L/∂z")


@dataclass(frozen=True)
class Divergence:
    epoch: int  # 1-based epoch of the step that failed
    batch: int  # 0-based batch of that epoch (0 for full-batch training)
    stage: str  # "weights" (the step's start), "forward", "loss", "backward", "gradient", "update"
    quantity: str  # one of NEURON_QUANTITIES, or a parameter's: ∂L/∂w, ∂L/∂b, weight, bias, weight², bias²
    value: float  # the quantity's value (inf, -inf, nan, or a finite value whose square is not)
    learning_rate: float
    row: int | None = None  # global neuron row (neuron quantities)
    sample: int | None = None  # column of the batch (neuron quantities)
    param: int | None = None  # index into params: the parameter itself, or a neuron's culprit
    gradient: float | None = None  # ∂L/∂(param) in the update that produced the value
    before: float | None = None  # the parameter before that update (None: not kept)
    after: float | None = None  # the parameter after it
    # the network's own weights failed, before any update of the run: not the learning rate
    untrained: bool = False

    @property
    def on_neuron(self) -> bool:
        return self.quantity in NEURON_QUANTITIES


_STAGES = ("weights", "forward", "loss", "backward", "gradient", "update")


def scan_order(d: Divergence, outputs: np.ndarray) -> tuple:
    """Where :func:`locate` meets the finding in its scan of one batch (smaller: sooner), so
    that of the findings in parts of a batch (the trainer's chunks, samples renumbered in
    the batch) the whole batch's is the least. ``outputs``: the network's output rows."""
    row, col = d.row or 0, d.sample or 0
    if d.stage == "forward":  # row by row, z before a, then the sample
        return (1, row, d.quantity != "z", col)
    if d.stage == "loss":  # output by output (in the network's order), then the sample
        return (2, int(np.flatnonzero(outputs == row)[0]), False, col)
    if d.stage == "backward":  # from the last row back
        return (3, -row, False, col)
    return (_STAGES.index(d.stage), 0, False, 0)


def _first_bad(v: np.ndarray) -> int | None:
    bad = ~np.isfinite(v)
    return int(np.argmax(bad)) if bad.any() else None


def _too_large(v: np.ndarray) -> int | None:
    """The first entry whose square overflows (|x| > ~1.34e154), else None."""
    with np.errstate(over="ignore", invalid="ignore"):
        big = ~np.isfinite(v * v)
    return int(np.argmax(big)) if big.any() else None


def _is_weight(net: Network, p: int) -> bool:
    return p < net.n_weights


def _layer_of_row(net: Network, row: int) -> int | None:
    for i, lay in enumerate(net.layers):
        if lay.start <= row < lay.stop:
            return i
    return None


def _culprit(net: Network, ws: Workspace, params: np.ndarray, row: int, col: int) -> int | None:
    """The parameter index of the incoming weight with the largest |w · a| into ``row`` at
    sample ``col`` (NaN counts as largest), or of its bias if that dominates."""
    i = _layer_of_row(net, row)
    if i is None:
        return None
    lay = net.layers[i]
    ncols = lay.start - lay.src_lo
    r = row - lay.start
    w0 = int(net.w_offsets[i])
    w = params[w0 + r * ncols : w0 + (r + 1) * ncols]
    a = ws.A[lay.src_lo : lay.start, col]
    with np.errstate(all="ignore"):
        share = np.abs(w * a)
    share = np.where(np.isnan(share), np.inf, share)
    b_index = int(net.b_offsets[i]) + r
    if not share.size or not abs(params[b_index]) <= share.max():  # NaN bias: the bias
        return b_index
    return w0 + r * ncols + int(np.argmax(share))


def locate(
    net: Network,
    ws: Workspace,
    Y: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    grads: np.ndarray,
    previous_grads: np.ndarray | None,
    learning_rate: float,
    epoch: int,
    batch: int,
    untrained: bool = False,
) -> Divergence:
    """The first non-finite quantity of a training step (see the module notes).

    ``ws`` holds the step's forward and backward at ``before``; ``grads`` its gradients,
    ``after`` the parameters its update produced (``before`` itself when no update was taken);
    ``previous_grads`` the gradients of the update that produced ``before`` (None if unknown).
    """
    # every finding of this step names the step (epoch, batch) and its learning rate
    found = partial(
        Divergence,
        epoch=epoch,
        batch=batch,
        learning_rate=float(learning_rate),
        untrained=untrained,
    )

    def param_finding(
        stage: str,
        p: int,
        value: float,
        g: np.ndarray | None,
        b: float | None,
        a: float | None,
        squared: bool = False,
    ) -> Divergence:
        name = "weight" if _is_weight(net, p) else "bias"
        return found(
            stage=stage,
            quantity=name + ("²" if squared else ""),
            value=value,
            param=p,
            gradient=None if g is None else float(g[p]),
            before=b,
            after=a,
        )

    # 1. the step started from weights the previous update broke
    p = _first_bad(before)
    if p is not None:
        return param_finding("weights", p, float(before[p]), previous_grads, None, float(before[p]))
    p = _too_large(before)
    if p is not None:
        return param_finding(
            "weights", p, float(before[p]), previous_grads, None, float(before[p]), squared=True
        )

    def neuron_finding(stage: str, quantity: str, row: int, col: int, value: float) -> Divergence:
        c = _culprit(net, ws, before, row, col)
        return found(
            stage=stage,
            quantity=quantity,
            value=value,
            row=row,
            sample=col,
            param=c,
            gradient=None if c is None or previous_grads is None else float(previous_grads[c]),
            before=None,
            after=None if c is None else float(before[c]),
        )

    # 2. forward: z then a, row by row (a row's z is computed before its a)
    n0 = net.n0
    for row in range(n0, net.n_neurons):
        for name, M in (("z", ws.Z), ("a", ws.A)):
            col = _first_bad(M[row])
            if col is not None:
                return neuron_finding("forward", name, row, col, float(M[row, col]))
    # 3. the loss, output by output
    terms, _, _ = net.head.evaluate_terms(net._out(ws.Z), Y, dyhat=False)
    bad = ~np.isfinite(terms)
    if bad.any():
        k, col = (int(v) for v in np.argwhere(bad)[0])
        return neuron_finding("loss", "loss", int(net.outputs[k]), col, float(terms[k, col]))
    # 4. backward: ∂L/∂z from the outputs back
    for row in range(net.n_neurons - 1, n0 - 1, -1):
        col = _first_bad(ws.D[row])
        if col is not None:
            return neuron_finding("backward", "∂L/∂z", row, col, float(ws.D[row, col]))
    # 5. gradients
    p = _first_bad(grads)
    if p is not None:
        name = "∂L/∂w" if _is_weight(net, p) else "∂L/∂b"
        return found(
            stage="gradient",
            quantity=name,
            value=float(grads[p]),
            param=p,
            gradient=float(grads[p]),
            before=float(before[p]),
            after=float(after[p]),
        )
    # 6. the update
    p = _first_bad(after)
    squared = False
    if p is None:
        p, squared = _too_large(after), True
    if p is None:  # nothing is out of range (the caller saw a non-finite loss or weights)
        p, squared = int(np.argmax(np.abs(after))), True
    return param_finding(
        "update", p, float(after[p]), grads, float(before[p]), float(after[p]), squared=squared
    )
