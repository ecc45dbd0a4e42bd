"""Losses: per-sample value (summed over outputs) and exact ∂L/∂ŷ.

A batch's loss is the mean of its samples' losses (the network divides by the batch size).
Logs are guarded: ŷ is clipped to [EPS, 1−EPS] inside log() only, so log(0) never happens.
Where the output activation makes a closed form both exact and stable (sigmoid + BCE,
softmax + cross-entropy), the network computes the loss from z instead; see network.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPS = 1e-15


def _clip(p):
    return np.clip(p, EPS, 1.0 - EPS)


def half_squared_error(yhat, y):
    d = yhat - y
    return 0.5 * (d * d).sum(axis=0), d


def squared_error(yhat, y):
    d = yhat - y
    return (d * d).sum(axis=0), 2.0 * d


def mse(yhat, y):
    d = yhat - y
    k = yhat.shape[0]
    return (d * d).sum(axis=0) / k, (2.0 / k) * d


def binary_cross_entropy(yhat, y):
    p = _clip(yhat)
    loss = -(y * np.log(p) + (1.0 - y) * np.log1p(-p)).sum(axis=0)
    grad = -y / p + (1.0 - y) / (1.0 - p)
    return loss, grad


def cross_entropy(yhat, y):
    p = np.maximum(yhat, EPS)
    return -(y * np.log(p)).sum(axis=0), -y / p


@dataclass(frozen=True)
class Loss:
    name: str
    fn: object  # (yhat, y) on (outputs, batch) arrays -> (per-sample loss [B], dL/dyhat [K, B])
    formula: str
    derivative_formula: str


LOSSES: dict[str, Loss] = {
    x.name: x
    for x in [
        Loss("half_squared_error", half_squared_error, "½ Σ (ŷ − y)²", "ŷ − y"),
        Loss("squared_error", squared_error, "Σ (ŷ − y)²", "2(ŷ − y)"),
        Loss("mse", mse, "(1/K) Σ (ŷ − y)²", "(2/K)(ŷ − y)"),
        Loss(
            "binary_cross_entropy",
            binary_cross_entropy,
            "−Σ [y log ŷ + (1 − y) log(1 − ŷ)]",
            "−y/ŷ + (1 − y)/(1 − ŷ)",
        ),
        Loss("cross_entropy", cross_entropy, "−Σ y log ŷ", "−y/ŷ"),
    ]
}
NAMES = sorted(LOSSES)


def evaluate(name: str, yhat: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample losses and ∂L_i/∂ŷ_i for 2-D (batch, outputs) arrays."""
    loss, grad = LOSSES[name].fn(np.asarray(yhat, float).T, np.asarray(y, float).T)
    return loss, grad.T
