"""The loss of many parameter vectors of one network at once (the loss landscape's grid).

:class:`~bpstudio.core.network.Network` runs one parameter vector over a batch of samples.
A landscape needs the loss at a few thousand parameter vectors over the same samples; one
forward pass per vector would spend its time in Python. Here every array gains a leading
axis of K parameter vectors: ``A`` is (K, neurons, batch), each layer's W is (K, out, in),
and one ``np.matmul`` per layer computes all K products. The layer structure (source ranges,
masks, activation groups, output rows) and the functions (the activation registry's forward
functions, the output head's exact loss from z) are the engine's own, so a grid value is the
loss :meth:`Network.evaluate` gives for those weights (to rounding).
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
