"""Losses: names, formulas, and the textbook per-sample value and ∂L/∂ŷ in terms of ŷ.

A batch's loss is the mean of its samples' losses (the network divides by the batch size).
The network does not use the ŷ forms below: it computes every loss and ∂L/∂z from z in log
space (core/outputs.py), which stays exact where ŷ has rounded to 0 or 1. These forms are the
spec's table as written (tests and display); log(0) gives +inf, not a clipped value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .notation import Notation


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


LossFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
# (notation, [(ŷ_k, y_k), ...]) -> the sample's loss with its numbers
Substituted = Callable[[Notation, list[tuple[float, float]]], str]


@dataclass(frozen=True)
class Loss:
    """Everything the app, reports, explanations and the export know of one loss."""

    name: str
    fn: LossFn  # (yhat, y) on (outputs, batch) arrays -> (per-sample loss [B], dL/dyhat [K, B])
    formula: str
    derivative_formula: str
    tex: str  # the formula in TeX math
    # one output's term of the exported file's loss_from_z (model/export_torch.py), computed from
    # z as the engine does (core/outputs.py): a squared loss in the residual r = ŷ − y, a log
    # loss (log_domain set) in log_p = log ŷ and log_q = log(1 − ŷ), never clipped
    torch: str
    substituted: Substituted
    # ∂L/∂ŷ_k in a notation: symbolic (notation, K) and with numbers (notation, ŷ, y, K)
    derivative_symbolic: Callable[[Notation, int], str]
    derivative_substituted: Callable[[Notation, float, float, int], str]
    log_domain: str = ""  # the interval ŷ must stay in for the log ("(0, 1)"); "" = no log


def _squares(pre: Callable[[Notation, int], str]) -> Substituted:
    def text(s: Notation, pairs: list[tuple[float, float]]) -> str:
        diff = [s.sq("(" + s.num(a) + s.minus + s.num(y) + ")") for a, y in pairs]
        body = s.plus.join(diff)
        if len(diff) > 1:
            body = s.pick(f"[{body}]", rf"\left[{body}\right]")
        p = pre(s, len(pairs))
        return (p + s.times + body) if p else body

    return text


def _negated_sum(parts: list[str], s: Notation) -> str:
    inner = s.plus.join(parts)
    return s.minus.strip() + s.pick(f"[{inner}]", rf"\left[{inner}\right]")


def _bce_text(s: Notation, pairs: list[tuple[float, float]]) -> str:
    parts = [
        s.num(y)
        + s.times
        + s.log(s.num(a))
        + s.plus
        + "(1"
        + s.minus
        + s.num(y)
        + ")"
        + s.times
        + s.log("1" + s.minus + s.num(a))
        for a, y in pairs
    ]
    return _negated_sum(parts, s)


def _ce_text(s: Notation, pairs: list[tuple[float, float]]) -> str:
    return _negated_sum([s.num(y) + s.times + s.log(s.num(a)) for a, y in pairs], s)


def _scaled_diff(factor: Callable[[Notation, int], str]) -> Callable[..., str]:
    def text(s: Notation, a: float, y: float, k: int) -> str:
        f = factor(s, k)
        d = s.num(a) + s.minus + s.num(y)
        return f + s.times + "(" + d + ")" if f else d

    return text


LOSSES: dict[str, Loss] = {
    x.name: x
    for x in [
        Loss(
            "half_squared_error",
            half_squared_error,
            "½ Σ (ŷ − y)²",
            "ŷ − y",
            r"\frac{1}{2}\sum_k (\hat{y}_k - y_k)^2",
            "0.5 * r * r",
            _squares(lambda s, k: s.pick("½", r"\frac{1}{2}")),
            lambda s, k: s.yhat() + s.minus + s.y(),
            _scaled_diff(lambda s, k: ""),
        ),
        Loss(
            "squared_error",
            squared_error,
            "Σ (ŷ − y)²",
            "2(ŷ − y)",
            r"\sum_k (\hat{y}_k - y_k)^2",
            "r * r",
            _squares(lambda s, k: ""),
            lambda s, k: "2(" + s.yhat() + s.minus + s.y() + ")",
            _scaled_diff(lambda s, k: "2"),
        ),
        Loss(
            "mse",
            mse,
            "(1/K) Σ (ŷ − y)²",
            "(2/K)(ŷ − y)",
            r"\frac{1}{K}\sum_k (\hat{y}_k - y_k)^2",
            "r * r / len(OUTPUT_ACTIVATIONS)",
            _squares(lambda s, k: s.frac("1", str(k))),
            lambda s, k: s.frac("2", str(k)) + "(" + s.yhat() + s.minus + s.y() + ")",
            _scaled_diff(lambda s, k: s.frac("2", str(k))),
        ),
        Loss(
            "binary_cross_entropy",
            binary_cross_entropy,
            "−Σ [y log ŷ + (1 − y) log(1 − ŷ)]",
            "−y/ŷ + (1 − y)/(1 − ŷ)",
            r"-\sum_k \left[y_k \log \hat{y}_k + (1 - y_k)\log(1 - \hat{y}_k)\right]",
            "-(_xlogy(y, log_p) + _xlogy(1 - y, log_q))",
            _bce_text,
            lambda s, k: (
                s.frac("1" + s.minus + s.y(), "1" + s.minus + s.yhat())
                + s.minus
                + s.frac(s.y(), s.yhat())
            ),
            lambda s, a, y, k: (
                s.frac("1" + s.minus + s.num(y), "1" + s.minus + s.num(a))
                + s.minus
                + s.frac(s.num(y), s.num(a))
            ),
            log_domain="(0, 1)",
        ),
        Loss(
            "cross_entropy",
            cross_entropy,
            "−Σ y log ŷ",
            "−y/ŷ",
            r"-\sum_k y_k \log \hat{y}_k",
            "-_xlogy(y, log_p)",
            _ce_text,
            lambda s, k: s.minus.strip() + s.frac(s.y(), s.yhat()),
            lambda s, a, y, k: (
                s.minus.strip()
                + s.pick(f"({s.num(y)}/{s.num(a)})", rf"\frac{{{s.num(y)}}}{{{s.num(a)}}}")
            ),
            log_domain="(0, ∞)",
        ),
    ]
}
NAMES = sorted(LOSSES)


def evaluate(name: str, yhat: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-sample losses and ∂L_i/∂ŷ_i for 2-D (batch, outputs) arrays."""
    loss, grad = LOSSES[name].fn(np.asarray(yhat, float).T, np.asarray(y, float).T)
    return loss, grad.T
