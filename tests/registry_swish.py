"""A test-only activation, swish (z·σ(z)), registered for one test and removed after it.

It proves the registry is the only place an activation is written: the tests that use the
``swish`` fixture (tests/test_registry.py, tests/qt/test_registry_ui.py) find it in the
inspector, the canvas badge, the explain panel, ``bpstudio report`` (md, tex) and the PyTorch
export without any other module knowing its name.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpstudio.core import activations as act


def _swish(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    s = 1.0 / (1.0 + np.exp(-np.clip(z, -700.0, 700.0)))
    np.multiply(z, s, out=out)
    return out


def _swish_d(z: np.ndarray, a: np.ndarray, out: np.ndarray) -> np.ndarray:
    s = 1.0 / (1.0 + np.exp(-np.clip(z, -700.0, 700.0)))
    np.multiply(s, 1.0 + z * (1.0 - s), out=out)  # σ + zσ(1 − σ)
    return out


SWISH = act.Activation(
    name="swish",
    forward=_swish,
    derivative=_swish_d,
    formula="z·σ(z)",
    derivative_formula="σ(z)(1 + z(1 − σ(z)))",
    symbol="swish",
    tex=r"\mathrm{swish}",
    tex_derivative=r"\sigma(z)\left(1 + z(1 - \sigma(z))\right)",
    torch="z * torch.sigmoid(z)",
    glyph=act.glyph_curve(lambda x: 1.6 * x / (1 + math.exp(-4 * x)) - 0.4),
    substituted=lambda s, z: s.num(z) + s.times + s.pick(f"σ({s.num(z)})", rf"\sigma({s.num(z)})"),
)


@pytest.fixture
def swish():
    """swish is registered for the test and unregistered afterwards (even if it fails)."""
    act.register(SWISH)
    try:
        yield SWISH
    finally:
        act.unregister("swish")
    assert "swish" not in act.NAMES
