"""Colours of the pass overlays: a diverging map for activations, sign colours for gradients.

Blue for positive, orange-red for negative (the canvas's weight colours, ``qt/theme.py``),
a near-white middle: a diverging pair that survives a washed-out projector and red-green
colour blindness. Edge widths follow
|∂L/∂w| on a log scale so that a gradient a thousand times smaller is visibly thinner rather
than invisible; a linear scale would make every early-layer edge of a deep sigmoid network
look identical (zero), which is the lesson, not the picture.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PySide6.QtGui import QColor

from ...model.numfmt import MAX_DECADE

# endpoints and middle of the diverging map (ColorBrewer RdBu-like, slightly deeper ends)
# The map stops at mid tones: neuron labels are dark text drawn on these fills.
_POS = (31, 95, 191)  # theme.POSITIVE (edges, signs)
_NEG = (210, 82, 28)  # theme.NEGATIVE
_MID = (250, 250, 250)
_POS_FILL = (150, 185, 240)
_POS_END = (95, 145, 225)
_NEG_FILL = (247, 175, 135)
_NEG_END = (235, 130, 80)

LOG_MIN = -6.0  # |g| = 1e-6 and below: thinnest, faintest stroke
LOG_MAX = 0.0  # |g| = 1 and above: thickest stroke


def _lerp(c0, c1, t):
    return tuple(round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))


def diverging(value: float, vmax: float = 1.0) -> QColor:
    """Colour of ``value`` on a symmetric scale [-vmax, vmax] (clipped), white at 0."""
    if not math.isfinite(value):
        return QColor(128, 128, 128)
    t = max(-1.0, min(1.0, value / vmax if vmax > 0 else 0.0))
    lo, hi = (_POS_FILL, _POS_END) if t >= 0 else (_NEG_FILL, _NEG_END)
    t = abs(t)
    rgb = _lerp(_MID, lo, t / 0.6) if t <= 0.6 else _lerp(lo, hi, (t - 0.6) / 0.4)
    return QColor(*rgb)


def text_colour_on(fill: QColor) -> QColor:
    """Black or white, whichever reads better on ``fill``."""
    lum = 0.299 * fill.red() + 0.587 * fill.green() + 0.114 * fill.blue()
    return QColor(0, 0, 0) if lum > 140 else QColor(255, 255, 255)


def activation_scale(values) -> float:
    """Symmetric range for the activation map: at least [-1, 1], wider for ReLU-like values."""
    m = max((abs(v) for v in values if math.isfinite(v)), default=1.0)
    if m <= 1.0:
        return 1.0
    if m <= 10:
        return float(math.ceil(m))
    # the next power of ten; above 1e308 there is none in float64 (10**309 raised
    # OverflowError from an exercise's refresh, random-user soak action 88,971): m itself
    decade = math.ceil(math.log10(m))
    return float(10**decade) if decade <= MAX_DECADE else m


def log_fraction(magnitude: float) -> float:
    """Where |g| sits between LOG_MIN and LOG_MAX decades, in [0, 1]."""
    if not math.isfinite(magnitude):
        return 1.0
    if magnitude <= 0:
        return 0.0
    x = (math.log10(magnitude) - LOG_MIN) / (LOG_MAX - LOG_MIN)
    return max(0.0, min(1.0, x))


def log_fractions(magnitudes: np.ndarray) -> np.ndarray:
    """:func:`log_fraction` of many magnitudes at once."""
    m = np.asarray(magnitudes, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (np.log10(np.where(m > 0, m, 1.0)) - LOG_MIN) / (LOG_MAX - LOG_MIN)
    x = np.clip(x, 0.0, 1.0)
    x = np.where(m > 0, x, 0.0)
    return np.where(np.isfinite(m), x, 1.0)


def _rgba(c: QColor) -> tuple[float, float, float, float]:
    return (c.redF(), c.greenF(), c.blueF(), c.alphaF())


@dataclass
class Theme:
    """Overlay palette; presentation mode swaps in the high-contrast one."""

    positive: QColor
    negative: QColor
    zero: QColor
    badge_fill: QColor
    badge_border: QColor
    badge_text: QColor
    badge_text_dim: QColor
    pulse: QColor
    min_width: float = 1.0
    max_width: float = 12.0

    def sign_colour(self, value: float) -> QColor:
        if not math.isfinite(value):
            return QColor(128, 128, 128)
        if value > 0:
            return self.positive
        if value < 0:
            return self.negative
        return self.zero

    def grad_width(self, g: float) -> float:
        return self.min_width + (self.max_width - self.min_width) * log_fraction(abs(g)) ** 1.5

    def grad_colour(self, g: float) -> QColor:
        """Sign colour, fading towards transparent as |g| vanishes (log scale)."""
        c = QColor(self.sign_colour(g))
        c.setAlphaF(0.3 + 0.7 * log_fraction(abs(g)))
        return c

    # vectorised forms (bulk mode draws 20,000 strokes: no per-edge QColor)
    def sign_rgba(self, values: np.ndarray) -> np.ndarray:
        """:meth:`sign_colour` per value as (n, 4) floats in 0..1."""
        v = np.asarray(values, dtype=float)
        table = np.array(
            [
                _rgba(QColor(128, 128, 128)),
                _rgba(self.zero),
                _rgba(self.positive),
                _rgba(self.negative),
            ]
        )
        which = np.where(v > 0, 2, np.where(v < 0, 3, 1))
        return table[np.where(np.isfinite(v), which, 0)]

    def grad_styles(self, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(:meth:`grad_colour` as (n, 4) rgba, :meth:`grad_width`) per gradient."""
        lf = log_fractions(np.abs(np.asarray(g, dtype=float)))
        rgba = self.sign_rgba(g)
        rgba[:, 3] = 0.3 + 0.7 * lf
        return rgba, self.min_width + (self.max_width - self.min_width) * lf**1.5

    def weight_styles(self, w: np.ndarray, wmax: float) -> tuple[np.ndarray, np.ndarray]:
        """(sign colour as (n, 4) rgba, ``strokes.weight_width``) per weight."""
        w = np.asarray(w, dtype=float)
        rgba = self.sign_rgba(w)
        if wmax <= 0 or not math.isfinite(wmax):
            return rgba, np.full(len(w), self.min_width)
        frac = np.minimum(1.0, np.abs(w) / wmax)
        width = self.min_width + (self.max_width * 0.6 - self.min_width) * frac
        return rgba, np.where(np.isfinite(w), width, self.min_width)


NORMAL = Theme(
    positive=QColor(*_POS),
    negative=QColor(*_NEG),
    zero=QColor(160, 160, 160),
    badge_fill=QColor(255, 255, 255, 232),
    badge_border=QColor(150, 150, 160),
    badge_text=QColor(20, 20, 30),
    badge_text_dim=QColor(90, 90, 100),
    pulse=QColor(255, 170, 0),
)

HIGH_CONTRAST = Theme(
    positive=QColor(0, 60, 200),
    negative=QColor(200, 50, 0),
    zero=QColor(90, 90, 90),
    badge_fill=QColor(255, 255, 255),
    badge_border=QColor(0, 0, 0),
    badge_text=QColor(0, 0, 0),
    badge_text_dim=QColor(30, 30, 30),
    pulse=QColor(255, 140, 0),
    min_width=1.5,
    max_width=14.0,
)
