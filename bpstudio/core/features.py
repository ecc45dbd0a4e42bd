"""Derived input features (``data.features``): x₁², x₂², x₁x₂, sin x₁, sin x₂, and for 1-D
data x², x³, sin x, as TensorFlow Playground offers them.

The data itself keeps its own (raw) columns; each named feature adds one column after them,
in the order the file lists them, computed from the raw columns. The network's last input
neurons (in file order) take the features, so a circles data set with ``x1^2`` and ``x2^2``
feeds a 4-input network: x₁, x₂, x₁², x₂². The same expansion is applied to every point a
view evaluates (the decision boundary, the neuron tiles), so the views stay in the plane of
the raw inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feature:
    name: str  # the key in the file
    label: str  # the formula, as an input neuron is labelled
    dims: int  # the raw width it applies to (1 or 2)
    fn: Callable[[np.ndarray], np.ndarray]  # (n, dims) raw columns -> (n,) values


FEATURES: dict[str, Feature] = {
    f.name: f
    for f in (
        Feature("x1^2", "x₁²", 2, lambda X: X[:, 0] ** 2),
        Feature("x2^2", "x₂²", 2, lambda X: X[:, 1] ** 2),
        Feature("x1*x2", "x₁x₂", 2, lambda X: X[:, 0] * X[:, 1]),
        Feature("sin(x1)", "sin x₁", 2, lambda X: np.sin(X[:, 0])),
        Feature("sin(x2)", "sin x₂", 2, lambda X: np.sin(X[:, 1])),
        Feature("x^2", "x²", 1, lambda X: X[:, 0] ** 2),
        Feature("x^3", "x³", 1, lambda X: X[:, 0] ** 3),
        Feature("sin(x)", "sin x", 1, lambda X: np.sin(X[:, 0])),
    )
}


def available(dims: int) -> list[Feature]:
    """The features offered for data with ``dims`` raw inputs (in the order offered)."""
    return [f for f in FEATURES.values() if f.dims == dims]


def feature_names(spec: object) -> list[str]:
    """The feature names a data section lists; [] if none (or not a list of strings: then
    :func:`check` says what is wrong)."""
    if not isinstance(spec, dict):
        return []
    v = spec.get("features")
    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
        return []
    return list(v)


def check(value: object, raw_dims: int, where: str = "data.features") -> list[str]:
    """What is wrong with a ``features`` value for data of ``raw_dims`` inputs ([]: nothing)."""
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        return [f"{where} must be a list of feature names (known: {', '.join(FEATURES)})"]
    errors = []
    seen: set[str] = set()
    for i, name in enumerate(value):
        f = FEATURES.get(name)
        if f is None:
            errors.append(
                f"{where}[{i}] {name!r} is not a known feature (known: {', '.join(FEATURES)})"
            )
        elif name in seen:
            errors.append(f"{where}[{i}] {name!r} is listed twice")
        elif f.dims != raw_dims:
            errors.append(
                f"{where}[{i}] {name!r} needs {f.dims}-D data, but the data has "
                f"{raw_dims} input column{'s' * (raw_dims != 1)}"
            )
        seen.add(name)
    return errors


def expand(X: np.ndarray, names: list[str]) -> np.ndarray:
    """The raw columns X (n, d) followed by one column per named feature."""
    if not names:
        return X
    out = np.empty((X.shape[0], X.shape[1] + len(names)))
    out[:, : X.shape[1]] = X
    for j, name in enumerate(names, start=X.shape[1]):
        out[:, j] = FEATURES[name].fn(X)
    return out
