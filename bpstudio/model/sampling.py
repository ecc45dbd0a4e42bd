"""Evenly spaced rows of a large data set: what a picture of a million samples draws.

The same rows each time for the same size, so a view refreshed during training does not
flicker, and spread over the whole set (a generator writes its classes in turn, a CSV may be
sorted): the first rows alone would show one class or one end of the range.
"""

from __future__ import annotations

import numpy as np


def evenly_spaced_rows(n: int, cap: int) -> slice | np.ndarray:
    """What indexes ``cap`` rows spread evenly over ``n`` (first and last included), or all
    ``n`` of them (``slice(None)``, a view) when they fit."""
    if n <= cap:
        return slice(None)
    return np.linspace(0, n - 1, cap).round().astype(np.intp)
