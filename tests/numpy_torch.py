"""A stand-in for the part of PyTorch that ``export --to torch`` modules use, on numpy.

torch is not a dependency (not even a test one), so tests/test_export_torch*.py skip where
it is not installed, CI included. This module lets the *generated source itself* run
without torch: ``install(monkeypatch)`` puts a ``torch`` package (``torch.nn``,
``torch.nn.functional``) in ``sys.modules`` whose functions are numpy, each with the meaning
torch documents for it (``F.softplus``'s threshold, ``elu`` through expm1, ``max(dim=…)``
returning ``.values``, ``scatter``/``gather`` along a dim). The forward pass and the loss of
the exported module are then checked against the engine everywhere (tests/
test_export_torch_numpy.py). Gradients and optimizer steps are torch's own: those are checked
by the torch tests where torch is installed.

Anything the export starts to use that is not here fails loudly (AttributeError), never
quietly: a new torch call needs its numpy meaning written here.
"""

from __future__ import annotations

import sys
import types
from collections import namedtuple
from typing import Any

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

float64 = np.float64
float32 = np.float32
bool_ = np.bool_
int64 = np.int64

_MaxResult = namedtuple("_MaxResult", "values indices")


def _raw(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.a
    if isinstance(x, (list, tuple)):
        return type(x)(_raw(v) for v in x)
    return x


def _wrap(x: Any) -> Any:
    if isinstance(x, tuple):
        return tuple(_wrap(v) for v in x)
    return Tensor(x)


class Tensor(NDArrayOperatorsMixin):
    """An ndarray with torch's method names (operators come from numpy's ufuncs)."""

    device = None

    def __init__(self, a: Any):
        self.a = np.asarray(a)

    # ---- numpy protocol: every operator (+, *, @, <, unary −…) is the numpy ufunc
    def __array__(self, dtype=None, copy=None):
        return self.a if dtype is None else self.a.astype(dtype)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        with np.errstate(all="ignore"):  # torch gives inf/nan without a warning
            return _wrap(getattr(ufunc, method)(*_raw(inputs), **kwargs))

    def __getitem__(self, index):
        return Tensor(self.a[_raw(index)])

    def __len__(self) -> int:
        return len(self.a)

    def __float__(self) -> float:
        return float(self.a)

    def __bool__(self) -> bool:
        return bool(self.a)

    def __repr__(self) -> str:
        return f"tensor({self.a!r})"

    # ---- attributes
    @property
    def shape(self) -> tuple[int, ...]:
        return self.a.shape

    @property
    def dtype(self):
        return self.a.dtype.type

    @property
    def T(self) -> Tensor:
        return Tensor(self.a.T)

    def dim(self) -> int:
        return self.a.ndim

    # ---- methods
    def detach(self) -> Tensor:
        return self

    def clone(self) -> Tensor:
        return Tensor(self.a.copy())

    def numpy(self) -> np.ndarray:
        return self.a

    def reshape(self, *shape) -> Tensor:
        return Tensor(self.a.reshape(*_raw(shape)))

    def unsqueeze(self, dim: int) -> Tensor:
        return Tensor(np.expand_dims(self.a, dim))

    def abs(self) -> Tensor:
        return Tensor(np.abs(self.a))

    def sum(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor(np.sum(self.a, axis=dim, keepdims=keepdim))

    def mean(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        return Tensor(np.mean(self.a, axis=dim, keepdims=keepdim))

    def max(self, dim: int | None = None, keepdim: bool = False):
        if dim is None:
            return Tensor(np.max(self.a))
        values = np.max(self.a, axis=dim, keepdims=keepdim)
        indices = np.argmax(self.a, axis=dim)
        if keepdim:
            indices = np.expand_dims(indices, dim)
        return _MaxResult(Tensor(values), Tensor(indices))

    def argmax(self, dim: int | None = None, keepdim: bool = False) -> Tensor:
        if dim is None:
            return Tensor(np.argmax(self.a))
        i = np.argmax(self.a, axis=dim)
        return Tensor(np.expand_dims(i, dim) if keepdim else i)

    def masked_fill(self, mask, value) -> Tensor:
        return Tensor(np.where(_raw(mask), np.asarray(value, dtype=self.a.dtype), self.a))

    def scatter(self, dim: int, index, value) -> Tensor:
        out = self.a.copy()
        np.put_along_axis(out, np.asarray(_raw(index)), _raw(value), axis=dim)
        return Tensor(out)

    def gather(self, dim: int, index) -> Tensor:
        return Tensor(np.take_along_axis(self.a, np.asarray(_raw(index)), axis=dim))

    def index_copy(self, dim: int, index, source) -> Tensor:
        out = self.a.copy()
        where: list[Any] = [slice(None)] * out.ndim
        where[dim] = np.asarray(_raw(index))
        out[tuple(where)] = _raw(source)
        return Tensor(out)

    def register_hook(self, hook) -> None:
        """Gradient hooks (frozen parameters): gradients are torch's, not checked here."""


# ---- tensor construction
def tensor(data, dtype=None, device=None) -> Tensor:
    return Tensor(np.array(_raw(data), dtype=dtype))


def as_tensor(data, dtype=None, device=None) -> Tensor:
    return Tensor(np.asarray(_raw(data), dtype=dtype))


def _shape(shape: tuple) -> tuple:
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape


def zeros(*shape, dtype=float64, device=None) -> Tensor:
    return Tensor(np.zeros(_shape(shape), dtype=dtype))


def ones(*shape, dtype=float64, device=None) -> Tensor:
    return Tensor(np.ones(_shape(shape), dtype=dtype))


def zeros_like(t, dtype=None) -> Tensor:
    return Tensor(np.zeros_like(_raw(t), dtype=dtype))


def ones_like(t, dtype=None) -> Tensor:
    return Tensor(np.ones_like(_raw(t), dtype=dtype))


def full_like(t, value, dtype=None) -> Tensor:
    return Tensor(np.full_like(_raw(t), value, dtype=dtype))


def cat(tensors, dim: int = 0) -> Tensor:
    return Tensor(np.concatenate([_raw(t) for t in tensors], axis=dim))


def stack(tensors, dim: int = 0) -> Tensor:
    return Tensor(np.stack([_raw(t) for t in tensors], axis=dim))


# ---- elementwise (overflow to inf and nan as torch does, silently)
def _elementwise(fn):
    def apply(*args):
        with np.errstate(all="ignore"):
            return Tensor(fn(*_raw(args)))

    apply.__name__ = fn.__name__
    return apply


where = _elementwise(np.where)
exp = _elementwise(np.exp)
log = _elementwise(np.log)
log1p = _elementwise(np.log1p)
tanh = _elementwise(np.tanh)
clamp_min = _elementwise(np.maximum)  # (nan stays nan, as in torch)
clamp_max = _elementwise(np.minimum)


@_elementwise
def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


@_elementwise
def relu(z):
    return np.maximum(z, 0.0)  # (nan stays nan, as in torch)


def softmax(z, dim: int) -> Tensor:
    a = _raw(z)
    with np.errstate(all="ignore"):
        e = np.exp(a - np.max(a, axis=dim, keepdims=True))
        return Tensor(e / np.sum(e, axis=dim, keepdims=True))


# ---- torch.nn and torch.nn.functional
class Module:
    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def register_buffer(self, name: str, value) -> None:
        setattr(self, name, value)

    def parameters(self) -> list[Tensor]:
        found: list[Tensor] = []
        for value in vars(self).values():
            if isinstance(value, ParameterList):
                found.extend(value)
        return found


class ParameterList(list):
    pass


def Parameter(data) -> Tensor:  # noqa: N802 (torch's name)
    return Tensor(np.array(_raw(data)))


@_elementwise
def _elu(z, alpha=1.0):
    return np.where(z > 0, z, alpha * np.expm1(z))


def elu(z, alpha: float = 1.0) -> Tensor:
    return _elu(z, alpha)


@_elementwise
def _softplus(z, beta, threshold):
    # torch: z where beta·z > threshold (linear there), else log1p(exp(beta·z)) / beta
    return np.where(beta * z > threshold, z, np.log1p(np.exp(beta * z)) / beta)


def softplus(z, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _softplus(z, beta, threshold)


def install(monkeypatch) -> types.ModuleType:
    """Put this stand-in in sys.modules as ``torch`` for one test (monkeypatch undoes it)."""
    torch = types.ModuleType("torch")
    nn = types.ModuleType("torch.nn")
    functional = types.ModuleType("torch.nn.functional")
    for name in ("float64", "float32", "int64", "Tensor", "tensor", "as_tensor", "zeros",
                 "ones", "zeros_like", "ones_like", "full_like", "cat", "stack", "where",
                 "exp", "log", "log1p", "tanh", "clamp_min", "clamp_max", "sigmoid", "relu",
                 "softmax"):  # fmt: skip
        setattr(torch, name, globals()[name])
    torch.bool = bool_  # (torch.bool, the dtype)
    nn.Module, nn.ParameterList, nn.Parameter = Module, ParameterList, Parameter
    functional.elu, functional.softplus = elu, softplus
    nn.functional = functional
    torch.nn = nn
    for name, module in (("torch", torch), ("torch.nn", nn), ("torch.nn.functional", functional)):
        monkeypatch.setitem(sys.modules, name, module)
    return torch
