"""Seeded weight initialisers, per edge (a drawn graph has no uniform fan-in).

For an edge s → t: fan_in = in-degree of t, fan_out = out-degree of s.
* uniform:        U(−0.5, 0.5)
* xavier_uniform: U(−r, r), r = √(6 / (fan_in + fan_out))
* he_normal:      N(0, 2 / fan_in)
* zeros:          0 (shows the symmetry problem: hidden units never differ)
Draws happen in edge order from numpy's default_rng(seed): the same file and seed always give
the same weights, bit for bit.
"""

from __future__ import annotations

import numpy as np

INITIALISERS = ("he_normal", "uniform", "xavier_uniform", "zeros")


def draw(
    scheme: str, fan_in: np.ndarray, fan_out: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    fan_in = np.maximum(np.asarray(fan_in, float), 1.0)
    fan_out = np.maximum(np.asarray(fan_out, float), 1.0)
    n = fan_in.size
    if scheme == "zeros":
        return np.zeros(n)
    if scheme == "uniform":
        return rng.uniform(-0.5, 0.5, n)
    if scheme == "xavier_uniform":
        return rng.uniform(-1.0, 1.0, n) * np.sqrt(6.0 / (fan_in + fan_out))
    if scheme == "he_normal":
        return rng.standard_normal(n) * np.sqrt(2.0 / fan_in)
    raise KeyError(scheme)
