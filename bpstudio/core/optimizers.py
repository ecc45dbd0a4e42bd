"""Optimizers over one flat parameter vector (so a step is a few numpy calls at any depth).

All descend: w ← w − lr · (something with the sign of ∂L/∂w). ``mask`` (1 = may move) keeps
absent edges at zero and frozen parameters fixed.

* sgd:      w ← w − lr·g
* momentum: v ← μ·v + g;  w ← w − lr·v          (PyTorch's form; μ = ``momentum``, default 0.9)
* rmsprop:  s ← ρ·s + (1−ρ)·g²;  w ← w − lr·g/(√s + ε)   (ρ = ``beta2``, default 0.9)
* adam:     m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  w ← w − lr·m̂/(√v̂ + ε), bias-corrected
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .settings import TrainingSettings


class Optimizer:
    name = "base"

    def __init__(self, size: int, learning_rate: float, mask: np.ndarray | None = None, **_):
        self.lr = float(learning_rate)
        self.mask = mask
        self.tmp = np.zeros(size)
        self.t = 0

    def step(self, params: np.ndarray, grads: np.ndarray) -> None:
        """Update params in place from grads (grads are left untouched)."""
        self.t += 1
        delta = self._delta(grads)  # what is subtracted, already times lr
        if self.mask is not None:
            delta *= self.mask
        params -= delta

    def delta(self, grads: np.ndarray) -> np.ndarray:
        """The step without applying it (for showing Δw); advances optimizer state."""
        self.t += 1
        d = self._delta(grads).copy()
        if self.mask is not None:
            d *= self.mask
        return d

    def _delta(self, g: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def state(self) -> list[np.ndarray]:
        """The arrays a step carries over to the next (with ``t``): what a trainer copies to
        take back the steps of an abandoned epoch."""
        return []


class SGD(Optimizer):
    name = "sgd"

    def _delta(self, g):
        return np.multiply(g, self.lr, out=self.tmp)


class Momentum(Optimizer):
    name = "momentum"

    def __init__(self, size, learning_rate, mask=None, momentum=0.9, **_):
        super().__init__(size, learning_rate, mask)
        self.mu = float(momentum)
        self.v = np.zeros(size)

    def state(self) -> list[np.ndarray]:
        return [self.v]

    def _delta(self, g):
        self.v *= self.mu
        self.v += g
        return np.multiply(self.v, self.lr, out=self.tmp)


class RMSprop(Optimizer):
    name = "rmsprop"

    def __init__(self, size, learning_rate, mask=None, beta2=0.9, eps=1e-8, **_):
        super().__init__(size, learning_rate, mask)
        self.rho, self.eps = float(beta2), float(eps)
        self.s = np.zeros(size)
        self.tmp2 = np.zeros(size)

    def state(self) -> list[np.ndarray]:
        return [self.s]

    def _delta(self, g):
        np.multiply(g, g, out=self.tmp2)
        self.s *= self.rho
        self.tmp2 *= 1.0 - self.rho
        self.s += self.tmp2
        np.sqrt(self.s, out=self.tmp2)
        self.tmp2 += self.eps
        np.divide(g, self.tmp2, out=self.tmp)
        self.tmp *= self.lr
        return self.tmp


class Adam(Optimizer):
    name = "adam"

    def __init__(self, size, learning_rate, mask=None, beta1=0.9, beta2=0.999, eps=1e-8, **_):
        super().__init__(size, learning_rate, mask)
        self.b1, self.b2, self.eps = float(beta1), float(beta2), float(eps)
        self.m = np.zeros(size)
        self.v = np.zeros(size)
        self.tmp2 = np.zeros(size)

    def state(self) -> list[np.ndarray]:
        return [self.m, self.v]

    def _delta(self, g):
        t = self.t
        self.m *= self.b1
        np.multiply(g, 1.0 - self.b1, out=self.tmp)
        self.m += self.tmp
        np.multiply(g, g, out=self.tmp2)
        self.tmp2 *= 1.0 - self.b2
        self.v *= self.b2
        self.v += self.tmp2
        # lr·m̂/(√v̂+ε) with m̂ = m/(1−β1^t), v̂ = v/(1−β2^t)
        np.sqrt(self.v, out=self.tmp2)
        self.tmp2 *= 1.0 / np.sqrt(1.0 - self.b2**t)
        self.tmp2 += self.eps
        np.divide(self.m, self.tmp2, out=self.tmp)
        self.tmp *= self.lr / (1.0 - self.b1**t)
        return self.tmp


@dataclass(frozen=True)
class OptimizerEntry:
    """Everything the app, reports and the export know of one optimizer."""

    name: str
    cls: type[Optimizer]
    defaults: dict[str, float]  # its hyperparameters (training keys) and their defaults
    torch: str  # the torch.optim call, a str.format template over learning_rate and defaults


OPTIMIZERS: dict[str, OptimizerEntry] = {
    e.name: e
    for e in [
        OptimizerEntry(
            "adam",
            Adam,
            {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
            "torch.optim.Adam(model.parameters(), lr={learning_rate!r}, "
            "betas=({beta1!r}, {beta2!r}), eps={eps!r})",
        ),
        OptimizerEntry(
            "momentum",
            Momentum,
            {"momentum": 0.9},
            "torch.optim.SGD(model.parameters(), lr={learning_rate!r}, momentum={momentum!r})",
        ),
        OptimizerEntry(
            "rmsprop",
            RMSprop,
            {"beta2": 0.9, "eps": 1e-8},
            "torch.optim.RMSprop(model.parameters(), lr={learning_rate!r}, "
            "alpha={beta2!r}, eps={eps!r})",
        ),
        OptimizerEntry("sgd", SGD, {}, "torch.optim.SGD(model.parameters(), lr={learning_rate!r})"),
    ]
}
NAMES = list(OPTIMIZERS)
HYPERPARAMETERS = ("momentum", "beta1", "beta2", "eps")  # every optimizer's keys, in this order


def make(
    name: str,
    size: int,
    settings: TrainingSettings | Mapping[str, Any],
    mask: np.ndarray | None = None,
) -> Optimizer:
    """Build an optimizer from a file's training settings (defaults per optimizer)."""
    from .settings import settings_of  # settings imports this module's registry

    settings = settings_of(settings)
    entry = OPTIMIZERS[name]
    return entry.cls(size, settings.learning_rate, mask=mask, **settings.hyperparameters(name))
