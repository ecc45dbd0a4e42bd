"""The number formatting the canvas overlays use: :func:`bpstudio.model.explain.fmt`.

There is one display rule for every number a student reads (canvas, explain panel, reports),
and it lives with the explanations in ``explain.fmt``: fixed decimals (default 4), significant
digits for small values so ∂L/∂w1 = 0.000668 never shows as 0.0007 or 0.0000, scientific
notation below 1e-6, and the typographic minus. This module only adds the helpers the views
need around it.
"""

from __future__ import annotations

from .explain import fmt as _fmt

MINUS = "−"


def fmt(value: float, decimals: int = 4, minus: str = MINUS) -> str:
    """``explain.fmt``; ``minus`` swaps the sign character (e.g. ASCII for file names)."""
    text = _fmt(float(value), decimals)
    return text if minus == MINUS else text.replace(MINUS, minus)


def fmt_signed(value: float, decimals: int = 4, minus: str = MINUS) -> str:
    """Like :func:`fmt` with an explicit + on positive values (for Δw)."""
    text = fmt(value, decimals, minus)
    return text if text.startswith(minus) or text in ("0", "nan") else "+" + text


def displayed(value: float, decimals: int = 4) -> float:
    """The number a reader gets back from ``fmt(value)`` (tests compare at this precision)."""
    return float(fmt(value, decimals).replace(MINUS, "-").replace("∞", "inf"))
