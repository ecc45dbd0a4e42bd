"""The loss of many parameter vectors of one network at once (the loss landscape's grid).

:class:`~bpstudio.core.network.Network` runs one parameter vector over a batch of samples.
A landscape needs the loss at a few thousand parameter vectors over the same samples; one
forward pass per vector would spend its time in Python. Here every array gains a leading
axis of K parameter vectors: ``A`` is (K, neurons, batch), each layer's W is (K, out, in),
and one ``np.matmul`` per layer computes all K products. The layer structure (source ranges,
masks, activation groups, output rows) and the functions (the activation registry's forward
functions, the output head's exact loss from z) are the engine's own, so a grid value is the
loss :meth:`Network.evaluate` gives for those weights (to rounding). :func:`plane_losses`
does the same for points of a plane without making their parameter vectors (the grid's
fast path); :func:`losses` takes any vectors.
"""

from __future__ import annotations

import numpy as np

from . import activations as act
from .network import Network

# K·neurons·batch floats per chunk (~16 MB): a 100×100 grid over 500 samples still fits
CHUNK_FLOATS = 2_000_000


def losses(net: Network, P: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Mean loss over the samples (X: batch × inputs, Y: batch × outputs) for each row of P
    (K × params, the layout of ``net.params``); NaN/inf where the loss is not finite."""
    P = np.atleast_2d(np.asarray(P, dtype=float))
    X = np.atleast_2d(np.asarray(X, dtype=float))
    Y = np.atleast_2d(np.asarray(Y, dtype=float))
    if P.shape[1] != net.params.size:
        raise ValueError(
            f"parameter vectors have {P.shape[1]} entries, the network {net.params.size}"
        )
    batch = X.shape[0]
    per = max(1, CHUNK_FLOATS // max(1, net.n_neurons * batch))
    out = np.empty(P.shape[0])
    with np.errstate(all="ignore"):  # a landscape reaches weights that overflow: inf, not noise
        for lo in range(0, P.shape[0], per):
            out[lo : lo + per] = _chunk(net, P[lo : lo + per], X, Y)
    return out


def _chunk(net: Network, P: np.ndarray, X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    K, batch = P.shape[0], X.shape[0]
    A = np.zeros((K, net.n_neurons, batch))
    Z = np.zeros_like(A)
    A[:, : net.n_inputs] = X.T
    A[:, net.n_inputs : net.n0] = 1.0  # bias units output 1
    for i, layer in enumerate(net.layers):
        s, e, lo = layer.start, layer.stop, layer.src_lo
        W = P[:, net.w_offsets[i] : net.w_offsets[i + 1]].reshape(K, e - s, s - lo)
        if layer.mask is not None:
            W = W * layer.mask  # absent edges are structural zeros, whatever P holds there
        b = P[:, net.b_offsets[i] : net.b_offsets[i + 1]].reshape(K, e - s, 1)
        z = Z[:, s:e]
        np.matmul(W, A[:, lo:s], out=z)
        z += b
        for g in layer.groups:
            if g.activation is not None:
                g.activation.forward(Z[:, g.start : g.stop], A[:, g.start : g.stop])
    if net.softmax_rows.size:  # over the softmax group's rows, per (vector, sample)
        rows = net.softmax_rows
        A[:, rows] = act.softmax(Z[:, rows].transpose(0, 2, 1)).transpose(0, 2, 1)
    z_out = Z[:, net.outputs]  # (K, outputs, batch)
    n_out = z_out.shape[1]
    z_flat = z_out.transpose(1, 0, 2).reshape(n_out, K * batch)
    y_flat = np.tile(np.ascontiguousarray(Y.T), (1, K))
    sample_loss, _, _ = net.head.evaluate(z_flat, y_flat, dyhat=False)
    return sample_loss.reshape(K, batch).mean(axis=1)


def plane_losses(
    net: Network,
    origin: np.ndarray,
    d1: np.ndarray,
    d2: np.ndarray,
    alphas: np.ndarray,
    betas: np.ndarray,
    X: np.ndarray,
    Y: np.ndarray,
) -> np.ndarray:
    """The mean loss at θ = origin + αₖ·d1 + βₖ·d2 for each k (alphas, betas: K numbers).

    The same forward pass as :func:`losses` without making the K parameter vectors: a layer's
    W(α, β) = W₀ + α·D₁ + β·D₂, so the K products are three matrix products with every
    sample of every point side by side, A being (neurons, K·batch) — the engine's own layout
    with a K-times wider batch — which costs a fraction of K small products (and no memory
    for K copies of W) on a network of any size."""
    a = np.asarray(alphas, float).ravel()
    b = np.asarray(betas, float).ravel()
    X = np.atleast_2d(np.asarray(X, float))
    Y = np.atleast_2d(np.asarray(Y, float))
    for v in (origin, d1, d2):
        if np.shape(v) != net.params.shape:
            raise ValueError(
                f"a plane vector has {np.size(v)} entries, the network {net.params.size}"
            )
    batch = X.shape[0]
    per = max(1, CHUNK_FLOATS // max(1, net.n_neurons * batch))
    out = np.empty(a.size)
    layers = []  # (W₀, D₁, D₂, b₀, e₁, e₂) per layer, masked once
    for i, layer in enumerate(net.layers):
        shape = layer.W.shape
        ws = slice(int(net.w_offsets[i]), int(net.w_offsets[i + 1]))
        bs = slice(int(net.b_offsets[i]), int(net.b_offsets[i + 1]))
        mats = [np.asarray(v, float)[ws].reshape(shape) for v in (origin, d1, d2)]
        if layer.mask is not None:
            mats = [m * layer.mask for m in mats]
        layers.append((*mats, *(np.asarray(v, float)[bs, None] for v in (origin, d1, d2))))
    XT, YT = np.ascontiguousarray(X.T), np.ascontiguousarray(Y.T)
    with np.errstate(all="ignore"):
        for lo in range(0, a.size, per):
            ak, bk = a[lo : lo + per], b[lo : lo + per]
            out[lo : lo + ak.size] = _plane_chunk(net, layers, ak, bk, XT, YT)
    return out


def _plane_chunk(
    net: Network, layers: list, a: np.ndarray, b: np.ndarray, XT: np.ndarray, YT: np.ndarray
) -> np.ndarray:
    K, batch = a.size, XT.shape[1]
    cols = K * batch  # column k·batch + s: sample s at point k
    ac, bc = np.repeat(a, batch), np.repeat(b, batch)
    A = np.zeros((net.n_neurons, cols))
    Z = np.zeros_like(A)
    A[: net.n_inputs] = np.tile(XT, (1, K))
    A[net.n_inputs : net.n0] = 1.0  # bias units output 1
    for layer, (W0, D1, D2, b0, e1, e2) in zip(net.layers, layers, strict=True):
        s, e, lo = layer.start, layer.stop, layer.src_lo
        src = A[lo:s]
        z = Z[s:e]
        np.dot(W0, src, out=z)
        z += (D1 @ src) * ac
        z += (D2 @ src) * bc
        z += b0
        z += e1 * ac
        z += e2 * bc
        for g in layer.groups:
            if g.activation is not None:
                g.activation.forward(Z[g.start : g.stop], A[g.start : g.stop])
    if net.softmax_rows.size:
        rows = net.softmax_rows
        A[rows] = act.softmax(Z[rows].T).T
    sample_loss, _, _ = net.head.evaluate(Z[net.outputs], np.tile(YT, (1, K)), dyhat=False)
    return sample_loss.reshape(K, batch).mean(axis=1)
