# Longer than 400 lines: the slice, its surface and the paths and race drawn on it share the Plane's
# projection.
"""The loss landscape: the loss over a 2-D slice of weight space, and paths projected onto it.

A slice is a plane θ(α, β) = origin + α·d₁ + β·d₂ in parameter space (:class:`Plane`):

* **two weights** (:func:`weight_plane`): d₁, d₂ are the unit vectors of two weights and the
  origin is the network with those two weights set to 0, so (α, β) *are* the two weights'
  values and every other parameter stays as it is;
* **random directions** (:func:`random_plane`): two seeded Gaussian directions, each
  normalised per neuron ("filter normalisation", Li et al. 2018, *Visualizing the Loss
  Landscape of Neural Nets*): the incoming weights of every neuron in the direction get the
  norm of that neuron's incoming weights in the network, so a step of 1 moves every neuron
  as far as its own weights are large, and layers with large weights do not dominate the
  picture. Bias entries of the directions are 0 (as in the paper, which leaves bias and batch
  norm parameters out), and so are absent and frozen edges.

:func:`surface` evaluates the loss on a grid of (α, β) with the engine's batched forward pass
(core/batched.py). :class:`Resolution` picks the grid size so one evaluation stays within a
time budget. :meth:`Plane.project` maps parameter vectors (a training trajectory, an
optimizer's path) to (α, β): the least-squares coordinates, exact for points in the plane.
:class:`Race` trains copies of one network from one start with several optimizers and keeps
each one's path (model/ stays Qt-free: the dock pulls epochs from it on a timer).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ..core import batched
from ..core.data import Dataset
from ..core.network import Network
from ..core.regularization import Penalty
from ..core.settings import TrainingSettings
from ..core.trainer import Trainer
from .param_history import keep_rows
from .sampling import evenly_spaced_rows

RACE_OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam")
PATH_FLOATS = 4_000_000  # the memory of one path (a run's trajectory, a racer's path)


@dataclass
class Plane:
    """θ(α, β) = origin + α·d1 + β·d2 over the network's flat parameter vector."""

    origin: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    kind: str  # "weights" or "random"
    labels: tuple[str, str] = ("α", "β")  # axis titles
    centre: tuple[float, float] = (0.0, 0.0)  # (α, β) of the weights the slice was made at

    def __post_init__(self) -> None:
        D = np.stack([self.d1, self.d2], axis=1)
        with np.errstate(all="ignore"):  # huge weights (a run diverging): refused, not warned
            gram = D.T @ D
            det = gram[0, 0] * gram[1, 1] - gram[0, 1] * gram[1, 0]
            ok = bool(np.isfinite(gram).all() and np.isfinite(det))
            ok = ok and abs(det) > 1e-12 * abs(gram[0, 0] * gram[1, 1])
        if not ok:
            raise ValueError(
                "the two directions of a landscape slice must be independent and finite"
            )
        self._D = D
        self._gram = gram

    def point(self, a: float, b: float) -> np.ndarray:
        return self.origin + a * self.d1 + b * self.d2

    def params(self, alphas: np.ndarray, betas: np.ndarray) -> np.ndarray:
        """(len(alphas)·len(betas), params): row i·len(betas) + j is θ(alphas[i], betas[j])."""
        a = np.asarray(alphas, float)[:, None, None]
        b = np.asarray(betas, float)[None, :, None]
        P = self.origin + a * self.d1 + b * self.d2
        return P.reshape(-1, self.origin.size)

    def project(self, params: np.ndarray) -> np.ndarray:
        """(α, β) of each parameter vector (T × params, or one vector): the least-squares
        coordinates in the plane (the point of the plane nearest to it)."""
        P = np.atleast_2d(np.asarray(params, float))
        with np.errstate(all="ignore"):  # a path through huge weights: inf, not a warning
            rhs = (P - self.origin) @ self._D  # (T, 2)
            return np.linalg.solve(self._gram, rhs.T).T


def weight_plane(
    net: Network, i: int, j: int, theta: np.ndarray, labels: tuple[str, str] = ("w₁", "w₂")
) -> Plane:
    """The plane of parameters i and j (indices into ``net.params``), the rest as in theta."""
    if i == j:
        raise ValueError("pick two different weights for the landscape")
    n = net.params.size
    if not (0 <= i < n and 0 <= j < n):
        raise ValueError(f"parameter index out of range (the network has {n})")
    origin = np.array(theta, float)
    centre = (float(origin[i]), float(origin[j]))
    origin[[i, j]] = 0.0
    d1, d2 = np.zeros(n), np.zeros(n)
    d1[i] = d2[j] = 1.0
    return Plane(origin, d1, d2, "weights", labels, centre)


def weight_directions_mask(net: Network) -> np.ndarray:
    """1.0 on the weights a random direction may move (present, trainable edges), 0 on biases."""
    m = np.zeros(net.params.size)
    m[: net.n_weights] = 1.0
    if net.update_mask is not None:
        m *= net.update_mask
    return m


def filter_normalise(net: Network, direction: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """Scale each neuron's incoming weights in ``direction`` to the norm of its incoming
    weights in ``theta`` (Li et al. 2018); biases, absent and frozen edges become 0.

    A neuron whose incoming weights are all 0 in theta gets 0 (it has no scale to keep)."""
    with np.errstate(all="ignore"):  # weights near float64's end: inf norms, refused later
        return _filter_normalise(net, direction, theta)


def _filter_normalise(net: Network, direction: np.ndarray, theta: np.ndarray) -> np.ndarray:
    mask = weight_directions_mask(net)
    d = np.asarray(direction, float) * mask
    t = np.asarray(theta, float) * mask
    out = np.zeros_like(d)
    for k, layer in enumerate(net.layers):
        lo, hi = int(net.w_offsets[k]), int(net.w_offsets[k + 1])
        shape = layer.W.shape
        dk, tk = d[lo:hi].reshape(shape), t[lo:hi].reshape(shape)
        dn = np.linalg.norm(dk, axis=1, keepdims=True)
        tn = np.linalg.norm(tk, axis=1, keepdims=True)
        scale = np.divide(tn, dn, out=np.zeros_like(dn), where=dn > 0)
        out[lo:hi] = (dk * scale).ravel()
    return out


@lru_cache(maxsize=8)
def gaussian_directions(seed: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The two raw directions of a seed (read-only; cached: a live view redraws at 5 Hz)."""
    rng = np.random.default_rng([int(seed), 14])
    pair = rng.standard_normal(size), rng.standard_normal(size)
    for d in pair:
        d.setflags(write=False)
    return pair


def random_plane(net: Network, theta: np.ndarray, seed: int = 0) -> Plane:
    """Two seeded Gaussian directions, filter-normalised at theta, centred on theta."""
    theta = np.array(theta, float)
    raw1, raw2 = gaussian_directions(int(seed), theta.size)
    d1 = filter_normalise(net, raw1, theta)
    d2 = filter_normalise(net, raw2, theta)
    if not (d1.any() and d2.any()):
        raise ValueError(
            "random directions need nonzero trainable weights (every weight is 0 or frozen): "
            "pick two weights instead, or re-initialise the weights"
        )
    return Plane(theta, d1, d2, "random", ("direction 1", "direction 2"))


# The surface costs resolution² forward passes over the samples: over a generated set of
# 1,000,000 it took minutes of the GUI thread (random-user soak, action 67,123). Above this
# the loss is averaged over evenly spaced samples (the same ones each time, so the picture
# does not flicker); the dock's caption says so.
SURFACE_SAMPLES = 1_024


@dataclass
class Surface:
    plane: Plane
    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray  # (len(alphas), len(betas)): loss[i, j] = L(θ(alphas[i], betas[j]))
    seconds: float = 0.0  # what the evaluation took
    samples: int = 0  # the training samples the loss averages (every one, up to a limit)
    of: int = 0  # the training set's size

    @property
    def resolution(self) -> int:
        return int(self.alphas.size)


Extent = tuple[float, float, float, float]  # α from, α to, β from, β to


def surface(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    plane: Plane,
    extent: Extent,
    resolution: int,
    penalty: Penalty | None = None,
    samples: int = SURFACE_SAMPLES,
) -> Surface:
    """The loss on a resolution × resolution grid over extent (cell centres at the ends),
    by the engine's batched forward pass over the plane (core/batched.plane_losses);
    ``penalty`` (L1/L2 on): added at every point, since that sum is what training descends;
    ``samples``: at most this many evenly spaced samples (surface_size chooses it)."""
    t0 = time.perf_counter()
    of = len(X)
    X, Y = surface_samples(X, Y, samples)
    a0, a1, b0, b1 = extent
    alphas = np.linspace(a0, a1, resolution)
    betas = np.linspace(b0, b1, resolution)
    ga, gb = np.meshgrid(alphas, betas, indexing="ij")  # row i·len(betas) + j: (αᵢ, βⱼ)
    L = batched.plane_losses(net, plane.origin, plane.d1, plane.d2, ga.ravel(), gb.ravel(), X, Y)
    if penalty is not None and penalty.active:
        L = L + plane_penalties(penalty, plane, ga.ravel(), gb.ravel())
    L = L.reshape(resolution, resolution)
    return Surface(plane, alphas, betas, L, time.perf_counter() - t0, len(X), of)


# A grid's cost is its cells times the samples times what one forward pass of the network
# costs: the first surface of a new training set or network (the resolution governor has not
# measured it yet) is held to this many units (a cell-sample of a small network is one unit,
# ~0.2 µs): ~0.3 s on xor_241, where 61² cells over 4,096 samples took 4.6 s.
CELL_SAMPLES = 1_500_000
# A cell-sample of a network with p parameters costs 1 + p / PARAMS_PER_UNIT units (measured:
# ~0.3 µs of overhead, then ~2 ns a parameter): the first surface of a 500-neuron,
# 40,400-parameter network over 1,024 samples took ~20 s of the GUI thread at the lowest grid
# (a random-user stall); it is now drawn from fewer samples instead.
PARAMS_PER_UNIT = 150


def surface_size(samples: int, params: int, resolution: int, lowest: int = 15) -> tuple[int, int]:
    """(grid resolution, samples) for a surface within CELL_SAMPLES units: ``resolution``
    lowered first (not below ``lowest``), then fewer than the SURFACE_SAMPLES evenly spaced
    samples (at least one) of a set of ``samples``."""
    k = max(1, min(samples, SURFACE_SAMPLES))
    unit = 1.0 + max(params, 0) / PARAMS_PER_UNIT
    res = max(lowest, min(resolution, int(math.sqrt(CELL_SAMPLES / (k * unit)))))
    k = max(1, min(k, int(CELL_SAMPLES / (res * res * unit))))
    return res, k


def surface_samples(
    X: np.ndarray, Y: np.ndarray, limit: int = SURFACE_SAMPLES
) -> tuple[np.ndarray, np.ndarray]:
    """Every sample, or ``limit`` evenly spaced ones of a larger set."""
    rows = evenly_spaced_rows(len(X), limit)
    return X[rows], Y[rows]


def plane_penalties(
    penalty: Penalty, plane: Plane, alphas: np.ndarray, betas: np.ndarray
) -> np.ndarray:
    """λ₂/2·Σw² + λ₁·Σ|w| at each point θ(α, β) of the plane, over the trainable weights.
    L2 in closed form (a quadratic in α, β); L1 summed in blocks of points (no point's
    weight vector is kept longer than its block)."""
    n = penalty.n
    mask = 1.0 if penalty.mask is None else penalty.mask
    o, d1, d2 = (v[:n] * mask for v in (plane.origin, plane.d1, plane.d2))
    out = np.zeros(alphas.size)
    if penalty.l2:
        oo, o1, o2 = o @ o, o @ d1, o @ d2
        aa, ab, bb = d1 @ d1, d1 @ d2, d2 @ d2
        a, b = alphas, betas
        sq = oo + 2 * a * o1 + 2 * b * o2 + a * a * aa + 2 * a * b * ab + b * b * bb
        out += 0.5 * penalty.l2 * sq
    if penalty.l1:
        block = max(1, 2_000_000 // max(n, 1))
        for lo in range(0, alphas.size, block):
            a, b = alphas[lo : lo + block, None], betas[lo : lo + block, None]
            out[lo : lo + block] += penalty.l1 * np.abs(o + a * d1 + b * d2).sum(axis=1)
    return out


def contour_segments(
    xs: np.ndarray, ys: np.ndarray, V: np.ndarray, levels: np.ndarray
) -> np.ndarray:
    """Contour lines of V (V[i, j] at (xs[i], ys[j])) at each level, as line segments
    (n, 2, 2): marching squares, vectorised (pyqtgraph's isocurve walks the cells in Python,
    ~50 ms per level on a 100² grid). Endpoints are interpolated linearly along cell edges;
    a saddle cell is split by the value at its centre. Cells with a NaN corner draw nothing.
    """
    xs, ys, V = np.asarray(xs, float), np.asarray(ys, float), np.asarray(V, float)
    v00, v10 = V[:-1, :-1], V[1:, :-1]  # corners: (i, j), (i+1, j), (i+1, j+1), (i, j+1)
    v11, v01 = V[1:, 1:], V[:-1, 1:]
    x0, x1 = xs[:-1, None], xs[1:, None]
    y0, y1 = ys[None, :-1], ys[None, 1:]
    shape = v00.shape
    X0, X1 = np.broadcast_to(x0, shape), np.broadcast_to(x1, shape)
    Y0, Y1 = np.broadcast_to(y0, shape), np.broadcast_to(y1, shape)
    # the cell's four edges, in order: bottom, right, top, left (ends a → b)
    edges = [
        (v00, v10, X0, Y0, X1, Y0),
        (v10, v11, X1, Y0, X1, Y1),
        (v01, v11, X0, Y1, X1, Y1),
        (v00, v01, X0, Y0, X0, Y1),
    ]
    out = []
    with np.errstate(all="ignore"):
        centre = (v00 + v10 + v11 + v01) / 4
        for c in np.asarray(levels, float).ravel():
            pts, hit = [], []
            for va, vb, xa, ya, xb, yb in edges:
                h = (va - c) * (vb - c) < 0  # strictly on both sides: NaN never crosses
                t = np.where(h, (c - va) / (vb - va), 0.0)
                pts.append(np.stack([xa + t * (xb - xa), ya + t * (yb - ya)], axis=-1))
                hit.append(h)
            H = np.stack(hit)  # (4, nx-1, ny-1)
            P = np.stack(pts)  # (4, nx-1, ny-1, 2)
            n = H.sum(axis=0)
            two = n == 2
            if two.any():
                order = np.argsort(~H[:, two], axis=0, kind="stable")[:2]  # the two crossed
                cells = P[:, two]  # (4, k, 2)
                k = np.arange(cells.shape[1])
                out.append(np.stack([cells[order[0], k], cells[order[1], k]], axis=1))
            four = n == 4
            if four.any():
                b, r, t_, l = (P[e][four] for e in range(4))
                same = (centre[four] - c) * (v00[four] - c) > 0  # v00, v11 joined by the centre
                s = same[:, None]
                # joined: v10 and v01 are cut off (bottom-right, top-left); else v00 and v11
                out.append(np.stack([b, np.where(s, r, l)], axis=1))
                out.append(np.stack([t_, np.where(s, l, r)], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 2, 2))


class Resolution:
    """Grid size from the last evaluation's cost: the next one stays within ``budget``
    seconds (the cost of a grid is proportional to its cells)."""

    def __init__(
        self, budget: float = 0.025, lowest: int = 15, highest: int = 101, start: int = 41
    ):
        self.budget, self.lowest, self.highest = budget, lowest, highest
        self.value = start

    def measured(self, resolution: int, seconds: float) -> int:
        """Record that ``resolution``² cells took ``seconds``; returns the next resolution."""
        if seconds > 0 and resolution > 0:
            per_cell = seconds / (resolution * resolution)
            fit = math.sqrt(self.budget / per_cell)
            # move part of the way (timings are noisy), never past the budget's square root
            target = min(fit, 0.5 * (resolution + fit)) if fit > resolution else fit
            self.value = int(max(self.lowest, min(self.highest, target)))
        return self.value


def nice_ceiling(x: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ᵏ at least x (x > 0)."""
    if not x > 0 or not math.isfinite(x):
        return 1.0
    e = math.floor(math.log10(x))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * 10**e >= x * (1 - 1e-12):
            return m * 10**e
    return 10.0 ** (e + 1)


def extent_for(
    points: np.ndarray, centre: tuple[float, float], half: float, current: Extent | None = None
) -> Extent:
    """A square view around centre holding every point (with a margin), its half-width a
    nice number at least ``half``; the current extent is kept while it holds the points
    and is not over four times too large (so the surface is not recomputed for nothing)."""
    cx, cy = centre
    pts = np.asarray(points, float).reshape(-1, 2)
    pts = pts[np.isfinite(pts).all(axis=1)]
    need = half
    if pts.size:
        need = max(need, 1.15 * float(np.max(np.abs(pts - (cx, cy)))))
    if current is not None:
        a0, a1, b0, b1 = current
        inside = (not pts.size) or bool(
            (pts[:, 0] >= a0).all()
            and (pts[:, 0] <= a1).all()
            and (pts[:, 1] >= b0).all()
            and (pts[:, 1] <= b1).all()
        )
        span = max(a1 - a0, b1 - b0) / 2
        if inside and span <= 4 * need and a0 <= cx <= a1 and b0 <= cy <= b1:
            return current
    h = nice_ceiling(need)
    return (cx - h, cx + h, cy - h, cy + h)


class Path:
    """Parameter vectors along a run, with their epochs, in bounded memory: when full, every
    other point is dropped and from then on a point is kept only if it is at least the new
    mean spacing past the last one kept (the path keeps its shape; the first and the latest
    point are always there)."""

    def __init__(self, size: int, capacity: int = 4096):
        # at most PATH_FLOATS numbers (32 MB) whatever the network: 4,096 points of XOR,
        # 200 of a 20,000-edge network
        self.capacity = max(min(capacity, PATH_FLOATS // max(size, 1)), 4)
        self._p = np.empty((self.capacity, size))
        self._e = np.empty(self.capacity, dtype=np.int64)
        self.n = 0
        self.gap = 0.0  # epochs between kept points (0: keep every point)
        self._last: tuple[int, np.ndarray] | None = None  # the newest, when not kept

    def __len__(self) -> int:
        return self.n + (self._last is not None)

    @property
    def size(self) -> int:
        """Parameters per point."""
        return int(self._p.shape[1])

    def append(self, epoch: int, params: np.ndarray) -> None:
        if self.n and epoch <= self._e[self.n - 1]:
            return
        if self.n and epoch - int(self._e[self.n - 1]) < self.gap:
            self._last = (epoch, np.array(params, float))
            return
        if self.n == self.capacity:
            keep = np.arange(0, self.n, 2)
            self.n = keep.size
            keep_rows(self._p, keep)  # in place: no 16 MB temporary mid-training
            self._e[: self.n] = self._e[keep]
            self.gap = (int(self._e[self.n - 1]) - int(self._e[0])) / max(self.n - 1, 1)
        self._p[self.n] = params
        self._e[self.n] = epoch
        self.n += 1
        self._last = None

    @property
    def params(self) -> np.ndarray:
        if self._last is None:
            return self._p[: self.n]
        return np.vstack([self._p[: self.n], self._last[1][None]])

    @property
    def epochs(self) -> np.ndarray:
        if self._last is None:
            return self._e[: self.n]
        return np.append(self._e[: self.n], self._last[0])


@dataclass
class Racer:
    name: str
    net: Network
    trainer: Trainer
    path: Path
    loss: float = math.nan  # the latest epoch's training loss
    stopped: str | None = None  # "diverged", "stop_loss" or None
    message: str = ""
    epochs: int = 0


@dataclass
class Race:
    """Several optimizers trained from one start on one data set, one epoch at a time each.

    ``make_net`` builds a fresh copy of the network (the compiled graph); each racer gets
    its own, with ``start`` as its parameters, and the same settings but its optimizer (and
    ``learning_rate``, if given). The shuffling seed is the same for all, so all see the
    same batches in the same order.

    A training set larger than SURFACE_SAMPLES is raced on the evenly spaced samples the
    surface under the paths averages: an epoch of every racer over 1,000,000 generated
    samples held the GUI thread ~3 s per round (random-user soak), and the paths then
    descend the very surface drawn beneath them. ``samples``/``of`` say so."""

    start: np.ndarray
    racers: list[Racer] = field(default_factory=list)
    target: int = 1000
    epoch: int = 0
    samples: int = 0  # the training samples the racers train on
    of: int = 0  # the training set's size

    @classmethod
    def build(
        cls,
        make_net,
        start: np.ndarray,
        train: Dataset,
        settings: TrainingSettings,
        epochs: int,
        learning_rate: float | None = None,
        names: tuple[str, ...] = RACE_OPTIMIZERS,
    ) -> Race:
        X, Y = surface_samples(train.X, train.Y)
        race = cls(
            np.array(start, float), target=max(int(epochs), 1), samples=len(X), of=len(train)
        )
        if len(X) < len(train):
            train = Dataset(X, Y)
        for name in names:
            net: Network = make_net()
            net.params[:] = start
            s = replace(settings, optimizer=name)
            if learning_rate is not None:
                s = replace(s, learning_rate=float(learning_rate))
            trainer = Trainer(net, train, s)
            path = Path(net.params.size)
            path.append(0, net.params)
            race.racers.append(Racer(name, net, trainer, path))
        return race

    @property
    def finished(self) -> bool:
        return self.epoch >= self.target or all(r.stopped for r in self.racers)

    def run_for(self, seconds: float) -> int:
        """Epochs (each racer one per round) for about ``seconds``; returns rounds done."""
        deadline = time.perf_counter() + seconds
        rounds = 0
        while not self.finished:
            self.epoch += 1
            for r in self.racers:
                if r.stopped:
                    continue
                s = r.trainer.run_epoch()
                if s.stopped == "diverged":
                    r.stopped, r.message = "diverged", f"diverged at epoch {self.epoch}"
                    continue
                r.epochs = self.epoch
                r.loss = s.train_loss
                r.path.append(self.epoch, r.net.params)
                if s.stopped:
                    r.stopped, r.message = s.stopped, f"reached stop_loss at epoch {self.epoch}"
            rounds += 1
            if time.perf_counter() >= deadline:
                break
        return rounds
