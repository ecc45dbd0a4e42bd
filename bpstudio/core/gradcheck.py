"""Central finite differences: the independent check of every gradient the network reports."""

from __future__ import annotations

import numpy as np

from .network import Network, Workspace


def numeric_gradient(net: Network, X: np.ndarray, Y: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """(L(θ+h) − L(θ−h)) / 2h for every parameter, L the batch mean loss."""
    ws = Workspace(net, X.shape[0])
    net.load_inputs(ws, X)
    YT = np.ascontiguousarray(np.asarray(Y, float).T)
    params = net.params
    out = np.zeros_like(params)

    def loss() -> float:
        net.forward(ws)
        return net.compute_loss(ws, YT)

    with np.errstate(all="ignore"):
        for i in range(params.size):
            old = params[i]
            params[i] = old + h
            up = loss()
            params[i] = old - h
            down = loss()
            params[i] = old
            out[i] = (up - down) / (2 * h)
    return out


def check(
    net: Network, X: np.ndarray, Y: np.ndarray, h: float = 1e-6
) -> tuple[np.ndarray, np.ndarray]:
    """(analytic, numeric) gradients over all parameters (absent edges included: both 0)."""
    analytic = net.trace(X, Y).grads
    return analytic, numeric_gradient(net, np.asarray(X, float), Y, h)
