"""The parameters of one run at past epochs, for scrubbing the training history.

Every epoch's flat parameter vector is kept while they fit in ``CAP_BYTES`` (64 MB: XOR 2-4-1,
17 parameters, keeps ~490,000 epochs; a 20,000-weight network ~400). When the store is full it
is thinned to log-spaced epochs (:func:`log_spaced`: dense at the start, where the loss moves
most, sparse later), and from then on a new epoch is kept only when it lies a whole step of
that spacing past the last kept one; each time it fills up again it is thinned again, so the
memory never exceeds the cap and the kept epochs stay log-spaced over the whole run.

Epoch 0 is the weights before the first epoch. The current epoch is never needed here: the
live network holds it (the scrub slider's last position).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

CAP_BYTES = 64 * 2**20
_CHUNK_BYTES = 2**20  # keep_rows moves rows through a buffer of about this size


def log_spaced(epochs: np.ndarray, keep: int) -> np.ndarray:
    """Indices into the sorted, distinct ``epochs`` of at most ``keep`` (>= 2) of them: the
    first, the last, and between them the one nearest to each of ``keep`` targets evenly
    spaced in log(1 + epoch)."""
    n = len(epochs)
    if n <= keep:
        return np.arange(n)
    keep = max(int(keep), 2)
    lo, hi = math.log1p(float(epochs[0])), math.log1p(float(epochs[-1]))
    targets = np.expm1(np.linspace(lo, hi, keep))
    e = epochs.astype(float)
    right = np.clip(np.searchsorted(e, targets), 1, n - 1)
    left = right - 1
    nearest = np.where(targets - e[left] <= e[right] - targets, left, right)
    nearest[0], nearest[-1] = 0, n - 1
    return np.unique(nearest)


def keep_rows(a: np.ndarray, keep: np.ndarray) -> None:
    """``a[:len(keep)] = a[keep]`` in place, for ascending ``keep`` (``keep[i] >= i``), through
    a ~1 MB buffer: the one-line version copies every kept row into a temporary first, which
    for the 400 rows of a 20,000-weight network is 30 MB and ~30 ms of the GUI thread in the
    middle of live training. Safe chunk by chunk: a chunk's rows are read before they are
    written, and later chunks read rows at or after their own positions."""
    step = max(1, _CHUNK_BYTES // max(a[0].nbytes if len(a) else 1, 1))
    for i in range(0, len(keep), step):
        chunk = keep[i : i + step]
        a[i : i + len(chunk)] = a[chunk]


class ParamHistory:
    """Kept (epoch, parameters) pairs of one run, in epoch order, within ``cap_bytes``."""

    def __init__(self, n_params: int, cap_bytes: int = CAP_BYTES):
        self.n_params = int(n_params)
        self.cap_bytes = int(cap_bytes)
        per = 8 * max(self.n_params, 1)
        self.capacity = max(4, self.cap_bytes // per)  # rows at most (4: tiny caps in tests)
        # all the rows at once: the memory is committed by the system as rows are written, and
        # growing by doubling copied everything kept so far (40 MB, ~80 ms of the GUI thread
        # at epoch 256 of a 20,000-weight network in live training)
        rows = self.capacity
        self._rows = np.empty((rows, self.n_params))
        self._epochs = np.empty(rows, dtype=np.int64)
        self.n = 0
        self.step = 0.0  # spacing in log(1 + epoch) of new epochs; 0: every epoch is kept
        self.thinned = 0  # how many times the store was thinned
        self._last = -1  # the last kept epoch (a Python int: record's fast path)
        self._free = rows  # rows allocated (the fast path appends below this)

    def __len__(self) -> int:
        return self.n

    @property
    def nbytes(self) -> int:
        return self._rows.nbytes + self._epochs.nbytes

    @property
    def epochs(self) -> np.ndarray:
        return self._epochs[: self.n]

    def params(self, index: int) -> np.ndarray:
        """The kept parameters at ``index`` (a view: copy before changing it)."""
        if not 0 <= index < self.n:
            raise IndexError(index)
        return self._rows[index]

    def index_of(self, epoch: int) -> int | None:
        i = int(np.searchsorted(self.epochs, epoch))
        return i if i < self.n and self._epochs[i] == epoch else None

    def nearest(self, epoch: int) -> int:
        """The index of the kept epoch nearest to ``epoch`` (ties: the earlier); -1 if empty."""
        if not self.n:
            return -1
        e = self.epochs
        i = int(np.clip(np.searchsorted(e, epoch), 1, max(self.n - 1, 1)))
        if self.n == 1:
            return 0
        return i - 1 if epoch - e[i - 1] <= e[i] - epoch else i

    def record(self, epoch: int, params: np.ndarray) -> bool:
        """Keep ``params`` as the weights after ``epoch`` epochs if the spacing says so (an
        epoch kept already is overwritten: its weights were edited before training went on;
        later epochs than ``epoch`` are dropped: the run went back). True if kept."""
        n = self.n
        if not self.step and n and n < self._free and epoch == self._last + 1:
            # the usual case, once per epoch of live training: the next epoch, room for it
            self._rows[n] = params
            self._epochs[n] = epoch
            self.n, self._last = n + 1, epoch
            return True
        kept = self._record(epoch, params)
        self._free = min(self._rows.shape[0], self.capacity)
        self._last = int(self._epochs[self.n - 1]) if self.n else -1
        return kept

    def _record(self, epoch: int, params: np.ndarray) -> bool:
        n = self.n
        if n:
            last = int(self._epochs[n - 1])
            if epoch < last:
                self.n = n = int(np.searchsorted(self.epochs, epoch, side="right"))
                if n and self._epochs[n - 1] == epoch:
                    self._rows[n - 1] = params
                    return True
            elif epoch == last:
                self._rows[n - 1] = params
                return True
            elif self.step and math.log1p(epoch) - math.log1p(last) < self.step * (1 - 1e-9):
                return False
        if n == self.capacity:
            self._thin(epoch)
            if self.n and math.log1p(epoch) - math.log1p(int(self._epochs[self.n - 1])) < (
                self.step * (1 - 1e-9)
            ):
                return False
        self._rows[self.n] = params
        self._epochs[self.n] = epoch
        self.n += 1
        return True

    def _thin(self, newest: int) -> None:
        """Keep half the capacity, log-spaced over the kept epochs; new epochs then follow
        that spacing (see the module notes)."""
        target = max(2, self.capacity // 2)
        keep = log_spaced(self.epochs, target)
        m = len(keep)
        keep_rows(self._rows, keep)
        self._epochs[:m] = self._epochs[keep]
        self.n = m
        self.step = max(self.step, math.log1p(newest) / (target - 1))
        self.thinned += 1


@dataclass(frozen=True, eq=False)  # holds an array: compared by identity, never by value
class ShownParameters:
    """What the views show: the network's parameters after ``epoch`` epochs of the current
    run (``live``: the network as it is now, at the run's last epoch). Emitted by the scrub
    slider (qt/training/scrub.py ``HistoryScrubber.shown``) for every view that follows it."""

    epoch: int
    run_epochs: int  # the run's last epoch (the slider's end)
    live: bool
    params: np.ndarray = field(repr=False)  # flat, in the compiled network's order
    weights: dict[str, float] = field(repr=False)  # edge id -> weight
    biases: dict[str, float] = field(repr=False)  # neuron id -> bias
