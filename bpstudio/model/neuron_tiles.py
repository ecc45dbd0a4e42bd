"""What each neuron computes over the input plane: one batched forward pass of the engine over
a grid of points in the data's range, every hidden and output neuron's activation read from
the workspace at once. No Qt (the canvas tiles and the decision-boundary dock draw it).

For 2-D data only (the data's own columns; derived features are computed at each grid point
as the data computes them, core/features.py). The grid is a few hundred columns of one
forward pass, so a 2-4-1 network's tiles cost well under a millisecond: the canvas can
redraw them a few times a second while training runs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.network import Network, Workspace
from .training_session import TrainingSession

TILE_RESOLUTION = 24  # points per side on the canvas (the dock draws more)

# the value range each activation's colour spans; None: symmetric about 0 by the grid's own
# largest |value| (unbounded activations)
BOUNDED = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}


@dataclass
class TileGrid:
    xs: np.ndarray  # (R,) x₁ of the grid columns
    ys: np.ndarray  # (R,) x₂
    values: dict[str, np.ndarray]  # neuron id -> (R, R) activation, [i, j] at (xs[i], ys[j])
    activation: dict[str, str]  # neuron id -> its activation name

    def value_range(self, nid: str) -> tuple[float, float]:
        """(low, high) that the colour scale spans for this neuron, low < high."""
        fixed = BOUNDED.get(self.activation.get(nid, ""))
        if fixed is not None:
            return fixed
        v = self.values[nid]
        finite = v[np.isfinite(v)]
        m = float(np.abs(finite).max()) if finite.size else 0.0
        m = m if m > 0 else 1.0
        return -m, m


class _Buffers:
    """A workspace of the tiles' own (the trainer's cached workspaces are not touched)."""

    def __init__(self) -> None:
        self.net: Network | None = None
        self.ws: Workspace | None = None

    def get(self, net: Network, batch: int) -> Workspace:
        if self.net is not net or self.ws is None or self.ws.batch != batch:
            self.net, self.ws = net, Workspace(net, batch)
        return self.ws


_buffers = _Buffers()


class _GridCache:
    """The grid's input rows, made again only when the data changes (the session builds new
    train/validation sets then): while training, a refresh is one forward pass."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.grid: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def get(self, session: TrainingSession, resolution: int):
        key = (
            id(session),
            id(session.train_set),
            id(session.val_set),
            resolution,
            tuple(session.feature_names()),
        )
        if key != self.key or self.grid is None:
            self.grid = session.plane_grid(resolution)
            self.key = key if self.grid is not None else None
        return self.grid


_grid_cache = _GridCache()


def tile_grid(session: TrainingSession, resolution: int = TILE_RESOLUTION) -> TileGrid | None:
    """Every hidden and output neuron's activation over the data's plane; None if the data
    is not 2-D or the network cannot be built (session.error says why)."""
    if session.compiled is None:
        return None
    grid = _grid_cache.get(session, resolution)
    if grid is None:
        return None
    xs, ys, inputs = grid
    # the network as shown: the epoch the history slider is on, else the live one
    with session.showing() as c:
        net = c.net
        ws = _buffers.get(net, inputs.shape[0])
        net.load_inputs(ws, inputs)
        with np.errstate(all="ignore"):  # a diverging network shows what it computes
            net.forward(ws)
    values: dict[str, np.ndarray] = {}
    acts: dict[str, str] = {}
    neurons = session.graph.neurons
    for layer_ids in c.layers[1:]:
        for nid in layer_ids:
            values[nid] = ws.A[c.row_of[nid]].reshape(resolution, resolution).copy()
            acts[nid] = str(neurons[nid].activation) if nid in neurons else ""
    return TileGrid(xs, ys, values, acts)


def tile_rgba(values: np.ndarray, lo, hi) -> np.ndarray:
    """For QImages: :func:`tile_colours` with row r at x₂ from high to low (image rows run
    down) and column c at x₁ (C-contiguous). Also for a stack (k, R, R) of tiles at once."""
    rgba = tile_colours(values, lo, hi)
    return np.ascontiguousarray(np.swapaxes(rgba, -2, -3)[..., ::-1, :, :])


_WHITE = np.array([255.0, 255.0, 255.0])
_POSITIVE = np.array([31.0, 95.0, 191.0])  # theme.POSITIVE
_NEGATIVE = np.array([210.0, 82.0, 28.0])  # theme.NEGATIVE
_GREY = np.array([160.0, 160.0, 160.0])


def tile_colours(values: np.ndarray, lo, hi) -> np.ndarray:
    """(R, R) values -> (R, R, 4) uint8, [i, j] the colour of values[i, j]: orange below the
    middle of [lo, hi], white at it, blue above (the canvas's colours of negative and
    positive weights); grey where not finite. A stack (k, R, R) takes lo, hi of shape
    (k, 1, 1): every tile of a refresh in one pass of numpy."""
    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    # halves first: lo + hi and hi − lo overflow for a range such as ±1e308 (a typed bias)
    mid, half = lo / 2 + hi / 2, hi / 2 - lo / 2
    finite = np.isfinite(values)
    with np.errstate(invalid="ignore", over="ignore"):
        t = np.clip((np.where(finite, values, mid) - mid) / half, -1.0, 1.0)[..., None]
    col = np.where(t >= 0, _POSITIVE, _NEGATIVE)
    s = np.abs(t) * 0.9
    rgb = _WHITE * (1 - s) + col * s
    rgb = np.where(finite[..., None], rgb, _GREY)
    out = np.empty(values.shape + (4,), np.uint8)
    np.rint(rgb, out=out[..., :3], casting="unsafe")
    out[..., 3] = 255
    return out
