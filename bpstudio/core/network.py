# Longer than 400 lines: the engine's forward and backward passes share one preallocated buffer
# layout, kept in one place for speed and clarity.
"""The compiled network: forward pass, loss, backward pass, all in preallocated numpy buffers.

Layout (the lecture convention z = W·a + b, one column per sample):

* Every neuron has a global row index. Layer 0 (inputs in file order, then bias units) comes
  first, then layer 1, layer 2, ... Each layer's neurons are one contiguous block of rows.
* ``A``, ``Z``, ``G`` (= ∂L/∂a) and ``D`` (= ∂L/∂z) are (neurons × batch) arrays. A layer's
  sources are a contiguous row range ``[src_lo, start)`` ending where the layer begins, so
  ``W(l) @ A[src_lo:start]`` reads a view: no gather, no concatenation per step. Absent edges
  inside that range are structural zeros kept at zero by a mask (only on sparse layers).
* All weights and biases live in one flat vector (``params``); each layer's W and b are views
  into it. Gradients likewise (``grads``). An optimizer step, a snapshot or a mask is then one
  numpy call whatever the depth, which is what makes small networks fast.

Derivatives reported per sample are those of that sample's own loss; weight and bias gradients
are batch means (the batch loss is the mean of the sample losses).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import activations as act
from . import losses
from .outputs import OutputHead

# The lean σ + BCE and softmax + CE training losses lose relative precision only when the loss
# is tiny next to the terms it is the difference of (saturated, correct outputs); below this
# ratio the step is recomputed exactly (relative error then stays below ~1e-11).
_LEAN_GUARD = 1e-4


@dataclass
class LayerSpec:
    """One layer as the compiler hands it to the core (global row indices)."""

    start: int  # first global row of this layer's neurons
    stop: int  # one past the last
    src_lo: int  # first global row of the contiguous source range [src_lo, start)
    weights: np.ndarray  # (stop-start, start-src_lo)
    mask: np.ndarray | None  # same shape, 1.0 where an edge exists; None if dense
    bias: np.ndarray  # (stop-start,)
    activations: list[str]  # per neuron, canonical names
    weight_trainable: np.ndarray | None = None  # 1.0/0.0 per weight; None = all trainable
    bias_trainable: np.ndarray | None = None


@dataclass
class _Group:
    activation: act.Activation | None  # None for softmax (handled over the whole group)
    start: int  # global rows
    stop: int
    is_output: bool


@dataclass
class Layer:
    start: int
    stop: int
    src_lo: int
    W: np.ndarray  # view into Network.params
    b: np.ndarray  # view into Network.params, shape (size, 1)
    gW: np.ndarray  # view into Network.grads
    gb: np.ndarray  # view into Network.grads, shape (size, 1)
    mask: np.ndarray | None
    groups: list[_Group]
    grad_mode: str  # how backward writes ∂L/∂a of its sources: "assign", "add" or "none"
    grad_lo: int  # first source row whose ∂L/∂a is needed (inputs/bias units are not)

    @property
    def size(self) -> int:
        return self.stop - self.start


class Workspace:
    """Buffers for one batch size. A trainer keeps one per batch shape it uses."""

    def __init__(self, net: Network, batch: int):
        n = net.n_neurons
        self.batch = batch
        self.A = np.zeros((n, batch))
        self.Z = np.zeros((n, batch))
        self.G = np.zeros((n, batch))
        self.D = np.zeros((n, batch))
        self.tmp = np.zeros((n, batch))
        self.A[net.n_inputs : net.n_inputs + net.n_bias] = 1.0  # bias units output 1
        self.sample_loss = np.zeros(batch)
        self.loss = float("nan")
        # Per-layer tuples of views into the buffers above, built once by Network._plan():
        # the hot loops then make no slices and look up no attributes.
        self.fwd_plan: list | None = None
        self.bwd_plan: list | None = None
        self.out_views: tuple | None = None  # (Z, A, D, G) output rows, if contiguous
        self.out_derivs: list = []


class Network:
    def __init__(
        self,
        n_inputs: int,
        n_bias: int,
        layers: list[LayerSpec],
        outputs: list[int],
        loss: str,
    ):
        self.n_inputs = n_inputs
        self.n_bias = n_bias
        self.n0 = n_inputs + n_bias
        self.n_neurons = layers[-1].stop if layers else self.n0
        self.loss_name = loss
        self.loss = losses.LOSSES[loss]
        self.outputs = np.asarray(outputs, dtype=np.intp)
        self._out_slice = _as_slice(self.outputs)

        # flat parameter vector: [W1, W2, ..., WL, b1, ..., bL]
        w_sizes = [spec.weights.size for spec in layers]
        b_sizes = [spec.bias.size for spec in layers]
        self.n_weights = sum(w_sizes)
        self.params = np.zeros(self.n_weights + sum(b_sizes))
        self.grads = np.zeros_like(self.params)
        self.w_offsets = np.cumsum([0, *w_sizes])
        self.b_offsets = self.n_weights + np.cumsum([0, *b_sizes])

        # where the optimizer must not move a parameter: absent edges and frozen ones
        update_mask = np.ones_like(self.params)
        self.layers: list[Layer] = []
        for i, spec in enumerate(layers):
            ws = slice(self.w_offsets[i], self.w_offsets[i + 1])
            bs = slice(self.b_offsets[i], self.b_offsets[i + 1])
            shape = spec.weights.shape
            self.params[ws] = (
                spec.weights * spec.mask if spec.mask is not None else spec.weights
            ).ravel()
            self.params[bs] = spec.bias
            if spec.mask is not None:
                update_mask[ws] *= spec.mask.ravel()
            if spec.weight_trainable is not None:
                update_mask[ws] *= spec.weight_trainable.ravel()
            if spec.bias_trainable is not None:
                update_mask[bs] *= spec.bias_trainable
            mask = None if spec.mask is None or spec.mask.all() else spec.mask.astype(float)
            self.layers.append(
                Layer(
                    start=spec.start,
                    stop=spec.stop,
                    src_lo=spec.src_lo,
                    W=self.params[ws].reshape(shape),
                    b=self.params[bs].reshape(-1, 1),
                    gW=self.grads[ws].reshape(shape),
                    gb=self.grads[bs].reshape(-1, 1),
                    mask=mask,
                    groups=_groups(spec.start, spec.activations, set(outputs)),
                    grad_mode="none",
                    grad_lo=max(spec.src_lo, self.n0),
                )
            )
        self.update_mask = None if update_mask.all() else update_mask

        self.activation_of = np.empty(self.n_neurons, dtype=object)
        self.activation_of[: self.n0] = "input"
        for spec in layers:
            self.activation_of[spec.start : spec.stop] = spec.activations
        self.softmax_rows = np.array(
            [r for r in range(self.n_neurons) if self.activation_of[r] == act.SOFTMAX],
            dtype=np.intp,
        )
        self._softmax_slice = _as_slice(self.softmax_rows)
        out_acts = {self.activation_of[r] for r in self.outputs}
        # Closed forms: σ + BCE and softmax + CE give ∂L/∂z = ŷ − y (ŷ·Σy − y) directly; training
        # uses them (lean) unless saturation makes them inexact (then the head, below).
        self.fused = (loss == "binary_cross_entropy" and out_acts == {"sigmoid"}) or (
            loss == "cross_entropy" and out_acts == {act.SOFTMAX}
        )
        # Every output's loss, ∂L/∂ŷ and ∂L/∂z, exact at saturation (log space, from z)
        self.head = OutputHead([str(self.activation_of[r]) for r in self.outputs], loss)
        # training's lean closed form for this pair, if it has one (see training_loss)
        self._lean: str | None = None
        if self.fused:
            self._lean = "bce" if loss == "binary_cross_entropy" else "ce"
        elif self.head.scale is not None:
            self._lean = "squared"
        self._plan_backward()
        self._workspaces: dict[int, Workspace] = {}

    # ------------------------------------------------------------------ structure
    def _plan_backward(self) -> None:
        """Decide per layer whether its ∂L/∂a write can overwrite (first writer) or must add.

        Output rows count as written (the loss writes them first). A layer whose source range
        is partly written and partly fresh forces a zero fill of G before each backward pass.
        """
        written = np.zeros(self.n_neurons, dtype=bool)
        written[self.outputs] = True
        self.zero_grad_rows = False
        for layer in reversed(self.layers):
            lo, hi = layer.grad_lo, layer.start
            if hi <= lo:
                layer.grad_mode = "none"
                continue
            seg = written[lo:hi]
            if not seg.any():
                layer.grad_mode = "assign"
            else:
                layer.grad_mode = "add"
                if not seg.all():
                    self.zero_grad_rows = True
            written[lo:hi] = True

    def workspace(self, batch: int) -> Workspace:
        """Shared buffers for ``batch`` columns (cached: reuse is what keeps steps allocation-free)."""
        ws = self._workspaces.get(batch)
        if ws is None:
            ws = self._workspaces[batch] = Workspace(self, batch)
        return ws

    # ------------------------------------------------------------------ forward
    def load_inputs(self, ws: Workspace, X: np.ndarray) -> None:
        """Copy a (batch, inputs) array into the workspace's input rows."""
        ws.A[: self.n_inputs] = X.T

    def _plan(self, ws: Workspace) -> None:
        A, Z, G, D, tmp = ws.A, ws.Z, ws.G, ws.D, ws.tmp

        def derivative_step(g: _Group) -> tuple:
            """(f′, z, a, ∂L/∂z, scratch) of a group's rows: how backward applies f′, the
            same for a hidden group (in its layer's step) and an output (after the loss)."""
            assert g.activation is not None  # softmax groups have no elementwise f′
            rows = slice(g.start, g.stop)
            return (g.activation.derivative, Z[rows], A[rows], D[rows], G[rows])

        ws.fwd_plan = []
        ws.bwd_plan = []
        for layer in self.layers:
            s, e, lo = layer.start, layer.stop, layer.src_lo
            acts = [
                (g.activation.forward, Z[g.start : g.stop], A[g.start : g.stop])
                for g in layer.groups
                if g.activation is not None
            ]
            ws.fwd_plan.append((layer.W, A[lo:s], Z[s:e], layer.b, acts))
            derivs = [
                derivative_step(g)
                for g in layer.groups
                if g.activation is not None and not g.is_output  # outputs: D set by the loss
            ]
            gl = layer.grad_lo
            back = None
            if layer.grad_mode != "none":
                back = (layer.grad_mode == "assign", layer.W[:, gl - lo :].T, G[gl:s], tmp[gl:s])
            ws.bwd_plan.append((derivs, D[s:e], A[lo:s].T, layer.gW, layer.gb, layer.mask, back))
        ws.bwd_plan.reverse()
        # the lean training losses' views of the output rows (outputs.py computes the rest)
        sl = self._out_slice
        ws.out_views = None if sl is None else (Z[sl], A[sl], D[sl], G[sl])
        ws.out_derivs = [
            derivative_step(g)
            for layer in self.layers
            for g in layer.groups
            if g.is_output and g.activation is not None
        ]

    def forward(self, ws: Workspace) -> None:
        if ws.fwd_plan is None:
            self._plan(ws)
        assert ws.fwd_plan is not None  # for the type checker: _plan built it
        matmul = np.dot  # 2-D with a C-contiguous out: less dispatch overhead than np.matmul
        for W, src, z, b, acts in ws.fwd_plan:
            matmul(W, src, out=z)
            z += b
            for fn, zg, ag in acts:
                fn(zg, ag)
        if self.softmax_rows.size:
            A, Z = ws.A, ws.Z
            if self._softmax_slice is not None:
                act.softmax(Z[self._softmax_slice].T, out=A[self._softmax_slice].T)
            else:
                A[self.softmax_rows] = act.softmax(Z[self.softmax_rows].T).T

    def outputs_of(self, ws: Workspace) -> np.ndarray:
        """ŷ as an (outputs, batch) array (a view when the outputs are contiguous)."""
        if self._out_slice is not None:
            return ws.A[self._out_slice]
        return ws.A[self.outputs]

    # ------------------------------------------------------------------ loss
    def _out(self, M: np.ndarray) -> np.ndarray:
        """The output rows of a workspace array (a view when the outputs are contiguous)."""
        return M[self._out_slice] if self._out_slice is not None else M[self.outputs]

    def _set_out(self, M: np.ndarray, values: np.ndarray) -> None:
        if self._out_slice is not None:
            M[self._out_slice] = values
        else:
            M[self.outputs] = values

    def compute_loss(self, ws: Workspace, Y: np.ndarray) -> float:
        """Per-sample losses into ws.sample_loss, ∂L_i/∂ŷ_i into G's and ∂L_i/∂z_i into D's
        output rows (exact at saturation, see outputs.py); returns the mean. ``Y`` is
        (outputs, batch)."""
        sample_loss, dL_da, dL_dz = self.head.evaluate(self._out(ws.Z), Y)
        assert dL_da is not None  # evaluate's dyhat=True
        ws.sample_loss[:] = sample_loss
        self._set_out(ws.G, dL_da)
        self._set_out(ws.D, dL_dz)
        ws.loss = float(sample_loss.mean())
        return ws.loss

    def training_loss(self, ws: Workspace, Y: np.ndarray) -> float:
        """The batch mean loss, leaving each sample's ∂L/∂z in D's output rows (what backward
        needs, no per-sample bookkeeping).

        σ + BCE, softmax + CE and the squared losses take lean closed forms from ŷ (ŷ − y,
        ŷ·Σy − y, 2c(ŷ − y)·f′): their ∂L/∂z is exact to one rounding of ŷ, an absolute error
        far below what an update can resolve. Their loss is exact too unless it is tiny next
        to the terms it is computed from (saturated, right outputs); then, and for the log
        losses of other activations, the step goes through the exact head (outputs.py).
        """
        if ws.fwd_plan is None:
            self._plan(ws)
        lean = self._lean
        if lean is not None:
            views = ws.out_views
            z = views[0] if views is not None else ws.Z[self.outputs]
            if lean == "bce":
                # Σ softplus(z) − y·z: exact unless it cancels (saturated and right); then
                # Σ (max(z, 0) − y·z) + Σ log1p(e^−|z|), whose terms do not cancel
                total_sp = np.logaddexp(0.0, z).sum()
                yz = np.vdot(Y, z)
                total = float(total_sp - yz)
                if not total > _LEAN_GUARD * (total_sp + abs(yz)):
                    exact = (np.maximum(z, 0.0) - Y * z).sum() + np.log1p(np.exp(-np.abs(z))).sum()
                    total = float(exact)
                if views is not None:
                    np.subtract(views[1], Y, out=views[2])
                else:
                    ws.D[self.outputs] = ws.A[self.outputs] - Y
                return total / ws.batch
            elif lean == "ce":
                total = float(-(Y * act.log_softmax(z.T).T).sum())
                if total > _LEAN_GUARD * float(np.abs(Y).sum()):
                    yhat = views[1] if views is not None else ws.A[self.outputs]
                    self._set_out(ws.D, yhat * Y.sum(axis=0) - Y)
                    return total / ws.batch
            elif self._lean_squared(ws, Y):
                return ws.loss
        sample_loss, _, dL_dz = self.head.evaluate(self._out(ws.Z), Y, dyhat=False)
        self._set_out(ws.D, dL_dz)
        return float(sample_loss.sum()) / ws.batch

    def _lean_squared(self, ws: Workspace, Y: np.ndarray) -> bool:
        """c·Σ(ŷ − y)² and ∂L/∂z = 2c(ŷ − y)·f′ (softmax: its Jacobian) from ŷ; False (nothing
        written that counts) when the residuals are too small next to ŷ and y to be exact."""
        c = self.head.scale
        assert c is not None  # only the squared losses take this path (self._lean)
        views = ws.out_views
        if views is not None:
            r = views[3]
            np.subtract(views[1], Y, out=r)
        else:
            r = ws.A[self.outputs] - Y
        sq = float(np.vdot(r, r))
        # r's rounding error is ~1e-16·|ŷ|: keep it below 1e-12 of the loss (Cauchy-Schwarz)
        yhat = views[1] if views is not None else ws.A[self.outputs]
        if sq < 2e-7 * (float(np.vdot(Y, Y)) + float(np.vdot(yhat, yhat))):
            return False
        r *= 2.0 * c
        if views is None:
            ws.G[self.outputs] = r
        for deriv, zg, ag, dg, gg in ws.out_derivs:
            deriv(zg, ag, dg)
            dg *= gg
        if self.softmax_rows.size:
            rows = self._softmax_slice if self._softmax_slice is not None else self.softmax_rows
            ws.D[rows] = act.softmax_backward(ws.A[rows].T, ws.G[rows].T).T
        ws.loss = c * sq / ws.batch
        return True

    # ------------------------------------------------------------------ backward
    def backward(self, ws: Workspace, Y: np.ndarray, per_sample: bool = True) -> None:
        """Fill grads (batch means) and D = ∂L/∂z, G = ∂L/∂a, from the outputs' ∂L/∂z that
        compute_loss / training_loss left in D.

        per_sample=True: D and G hold each sample's own derivatives (what trace shows).
        per_sample=False (training): they are pre-divided by the batch size, which saves the
        rescaling of every gradient matrix.
        """
        G, D = ws.G, ws.D
        inv_batch = 1.0 / ws.batch
        if ws.bwd_plan is None:
            self._plan(ws)
        assert ws.bwd_plan is not None  # for the type checker: _plan built it
        if not per_sample:
            if ws.out_views is not None:
                d_out = ws.out_views[2]
                d_out *= inv_batch
            else:
                D[self.outputs] *= inv_batch
        if self.zero_grad_rows:
            out_vals = G[self.outputs].copy()
            G[self.n0 :] = 0.0
            G[self.outputs] = out_vals
        matmul, add_reduce = np.dot, np.add.reduce  # np.dot: see forward()
        for derivs, d, srcT, gW, gb, mask, back in ws.bwd_plan:
            for deriv, zg, ag, dg, Gg in derivs:
                deriv(zg, ag, dg)
                dg *= Gg
            matmul(d, srcT, out=gW)
            add_reduce(d, axis=1, keepdims=True, out=gb)
            if per_sample:
                gW *= inv_batch
                gb *= inv_batch
            if mask is not None:
                gW *= mask
            if back is not None:
                assign, Wt, Gdst, tdst = back
                if assign:
                    matmul(Wt, d, out=Gdst)
                else:
                    matmul(Wt, d, out=tdst)
                    Gdst += tdst

    def step_gradients(self, ws: Workspace, X: np.ndarray | None, Y: np.ndarray) -> float:
        """Forward, loss and backward on one batch, every per-sample value kept (for trace)."""
        if X is not None:
            self.load_inputs(ws, X)
        self.forward(ws)
        loss = self.compute_loss(ws, Y)
        self.backward(ws, Y)
        return loss

    def train_step(self, ws: Workspace, Y: np.ndarray) -> float:
        """Forward, loss and backward for training: the same grads, less bookkeeping."""
        self.forward(ws)
        loss = self.training_loss(ws, Y)
        self.backward(ws, Y, per_sample=False)
        return loss

    # ------------------------------------------------------------------ convenience
    def predict(self, X: np.ndarray) -> np.ndarray:
        """ŷ for a (batch, inputs) array, as (batch, outputs). Allocates; not for the hot path."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        ws = Workspace(self, X.shape[0])
        self.load_inputs(ws, X)
        with np.errstate(all="ignore"):
            self.forward(ws)
        return self.outputs_of(ws).T.copy()

    def evaluate(self, X: np.ndarray, Y: np.ndarray) -> float:
        """Mean loss on (batch, inputs)/(batch, outputs) arrays, without touching gradients."""
        ws = Workspace(self, X.shape[0])
        self.load_inputs(ws, X)
        with np.errstate(all="ignore"):
            self.forward(ws)
            return self.compute_loss(ws, np.ascontiguousarray(Y.T))

    def trace(self, X: np.ndarray, Y: np.ndarray) -> Trace:
        """Every intermediate value of one pass over a batch (per sample), plus batch gradients."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        Y = np.atleast_2d(np.asarray(Y, dtype=float))
        ws = Workspace(self, X.shape[0])
        with np.errstate(all="ignore"):
            self.step_gradients(ws, X, np.ascontiguousarray(Y.T))
        G = ws.G.copy()
        return Trace(
            a=ws.A.copy(),
            z=ws.Z.copy(),
            dL_da=G,
            dL_dz=ws.D.copy(),
            sample_loss=ws.sample_loss.copy(),
            loss=ws.loss,
            grads=self.grads.copy(),
            params=self.params.copy(),
        )

    def grad_norms(self) -> np.ndarray:
        """L2 norm of ∂L/∂W(l) for each layer, from the current grads."""
        return np.array([np.sqrt(np.dot(l.gW.ravel(), l.gW.ravel())) for l in self.layers])


@dataclass
class Trace:
    a: np.ndarray  # (neurons, batch)
    z: np.ndarray
    dL_da: np.ndarray
    dL_dz: np.ndarray
    sample_loss: np.ndarray
    loss: float
    grads: np.ndarray  # flat, batch means, same layout as Network.params
    params: np.ndarray
    extra: dict = field(default_factory=dict)
    # with regularisation (model/trace.run_pass adds it): ``grads`` is the gradient of
    # loss + penalty, ``data_grads`` that of the loss alone; None: no penalty, the same
    penalty: float = 0.0
    data_grads: np.ndarray | None = None

    @property
    def loss_grads(self) -> np.ndarray:
        """∂L_data/∂θ: the data loss's gradient, without the penalty's."""
        return self.grads if self.data_grads is None else self.data_grads


def _as_slice(rows: np.ndarray) -> slice | None:
    """rows as a slice if they are consecutive and increasing (then indexing is a view)."""
    if rows.size == 0:
        return None
    if np.array_equal(rows, np.arange(rows[0], rows[0] + rows.size)):
        return slice(int(rows[0]), int(rows[0]) + rows.size)
    return None


def _groups(start: int, names: list[str], output_rows: set[int]) -> list[_Group]:
    """Runs of equal (activation, is-output) inside a layer; the compiler sorts so there are few."""
    groups: list[_Group] = []
    for i, name in enumerate(names):
        row = start + i
        is_out = row in output_rows
        if groups and groups[-1].stop == row and _same(groups[-1], name, is_out):
            groups[-1].stop = row + 1
        else:
            fn = None if name == act.SOFTMAX else act.ELEMENTWISE[name]
            groups.append(_Group(fn, row, row + 1, is_out))
    return groups


def _same(group: _Group, name: str, is_out: bool) -> bool:
    if group.is_output != is_out:
        return False
    if group.activation is None:
        return name == act.SOFTMAX
    return group.activation.name == name
