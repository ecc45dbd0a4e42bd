"""Losses: names, formulas, and the textbook per-sample value and ∂L/∂ŷ in terms of ŷ.

A batch's loss is the mean of its samples' losses (the network divides by the batch size).
The network does not use the ŷ forms below: it computes every loss and ∂L/∂z from z in log
space (core/outputs.py), which stays exact where ŷ has rounded to 0 or 1. These forms are the
spec's table as written (tests and display); log(0) gives +inf, not a clipped value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _xlog(y, p):
    """y·log(p) with 0·log(0) = 0 (a target weight of 0 does not count)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y * np.log(p))


def _xdiv(y, p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, 0.0, y / p)


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
    loss = -(_xlog(y, yhat) + _xlog(1.0 - y, 1.0 - yhat)).sum(axis=0)
    return loss, _xdiv(1.0 - y, 1.0 - yhat) - _xdiv(y, yhat)


def cross_entropy(yhat, y):
    return -_xlog(y, yhat).sum(axis=0), -_xdiv(y, yhat)


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
