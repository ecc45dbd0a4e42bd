"""L1 and L2 regularisation: the penalty λ₂/2·Σw² + λ₁·Σ|w| and its exact gradient.

The penalty is over the *trainable weights* only: not the biases (shrinking a bias towards 0
does not make the function simpler, and PyTorch users regularise weights, not biases, by
convention), not frozen weights (``trainable: false``: they do not move, so a term in them
would be a constant), not the absent edges of a sparse layer (structural zeros).

Its gradient is λ₂·w + λ₁·sign(w), with sign(0) = 0: the subgradient of |w| that PyTorch's
``abs`` backward and ``torch.sign`` use, so a weight that is exactly 0 stays 0 under L1 alone.
It is added to the data loss's gradient before the optimizer sees it, exactly as PyTorch's
``weight_decay`` (L2) and an explicit ``λ₁·Σ|w|`` term added to the loss (L1) do, including
for momentum, rmsprop and adam (L2 in the gradient, not AdamW's decoupled decay).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .network import Network
from .settings import TrainingSettings, settings_of


class Penalty:
    """The penalty of one network's flat parameter vector (see the module docstring)."""

    def __init__(self, net: Network, l1: float = 0.0, l2: float = 0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)
        self.n = net.n_weights
        self.active = self.n > 0 and (self.l1 != 0.0 or self.l2 != 0.0)
        # 1.0 for a trainable weight; None: every weight is (dense, nothing frozen)
        m = None if net.update_mask is None else net.update_mask[: self.n]
        self.mask = None if m is None or m.all() or not self.active else np.ascontiguousarray(m)
        # work buffers (the masked weights, a term), reused per step; none when inactive: every
        # trainer has a Penalty, and 5,000,000 weights would cost 80 MB for nothing
        size = self.n if self.active else 0
        self._w = np.zeros(size)
        self._t = np.zeros(size)

    @classmethod
    def of(cls, net: Network, settings: TrainingSettings | Mapping[str, Any]) -> Penalty:
        s = settings_of(settings)
        return cls(net, s.l1, s.l2)

    def _weights(self, params: np.ndarray) -> np.ndarray:
        w = params[: self.n]
        if self.mask is None:
            return w
        return np.multiply(w, self.mask, out=self._w)

    def value(self, params: np.ndarray) -> float:
        """λ₂/2·Σw² + λ₁·Σ|w| over the trainable weights of ``params``."""
        if not self.active:
            return 0.0
        w = self._weights(params)
        total = 0.0
        if self.l2:
            total += 0.5 * self.l2 * float(np.dot(w, w))
        if self.l1:
            total += self.l1 * float(np.abs(w, out=self._t).sum())
        return total

    def gradient(self, params: np.ndarray) -> np.ndarray:
        """λ₂·w + λ₁·sign(w) for every parameter (0 for biases and untrainable weights)."""
        g = np.zeros_like(params)
        if self.active:
            self._add(params, g)
        return g

    def add_to(self, params: np.ndarray, grads: np.ndarray) -> float:
        """Add the penalty's gradient to ``grads`` in place; returns the penalty's value (both
        at ``params``, so call it before the optimizer step)."""
        if not self.active:
            return 0.0
        value = self.value(params)
        self._add(params, grads)
        return value

    def _add(self, params: np.ndarray, grads: np.ndarray) -> None:
        w = self._weights(params)
        g = grads[: self.n]
        if self.l2:
            np.multiply(w, self.l2, out=self._t)
            g += self._t
        if self.l1:
            np.sign(w, out=self._t)  # sign(0) = 0: the subgradient at a kink
            self._t *= self.l1
            g += self._t
