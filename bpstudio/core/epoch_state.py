"""What a resumable epoch keeps between calls (core/trainer.py ``Trainer.run_until``).

A large batch is computed in chunks of ``CHUNK`` samples whose gradients are summed before
its one update, so a call can stop between chunks as well as between batches. The chunking
depends on the data sizes only, never on the clock: however the GUI slices the work, the
same chunks are computed in the same order, and its weights are the CLI's bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .optimizers import Optimizer

# Samples per chunk of a large batch. 16,384 samples through a small network (2-8-1) are
# ~2 ms of forward and backward, so a GUI tick of a few ms stays a few ms; the per-chunk
# Python work (~20 µs) is then ~1 % of it. A batch at or below this size is one pass, as it
# always was, so the results of every smaller data set are unchanged bit for bit.
CHUNK = 16_384


def spans(size: int) -> range:
    """The first sample of each chunk of a batch of ``size`` samples."""
    return range(0, size, CHUNK)


@dataclass(slots=True)  # slots: one is made per epoch, and its fields are read per batch
class Partial:
    """An epoch that a deadline stopped inside: where it is and what it has summed so far."""

    order: np.ndarray | None  # the epoch's sample order (None: the data's own, full batch)
    norms: np.ndarray  # Σ per-layer gradient norms of the batches done
    pos: int = 0  # first sample (index into order) of the next batch
    chunk: int = 0  # offset inside that batch of its next chunk (chunked batches)
    batch_loss: float = 0.0  # Σ loss·size of that batch's chunks done
    total: float = 0.0  # Σ loss·size of the batches done
    penalty: float = 0.0
    batches: int = 0
    at_start: bool = False  # the loss was not finite before the epoch changed anything
    stepped: bool = False  # an update was taken: net.params moved since the epoch began
    trained: bool = False  # every batch done; the validation loss remains
    val_pos: int = 0
    val_total: float = 0.0
    prev_known: bool = False  # the trainer's _prev_known when the epoch began


@dataclass
class Rewind:
    """The trainer state an abandoned epoch goes back to (copied when an epoch that may be
    interrupted begins; preallocated once, so beginning an epoch allocates nothing)."""

    params: np.ndarray  # the weights the parked epoch has reached (see Trainer._park)
    grads: np.ndarray  # net.grads when the epoch began: the update that made its weights
    opt: list[np.ndarray] = field(default_factory=list)
    opt_t: int = 0

    @classmethod
    def of(cls, params: np.ndarray, optimizer: Optimizer) -> Rewind:
        return cls(
            np.zeros_like(params), np.zeros_like(params), [a.copy() for a in optimizer.state()]
        )

    def save(self, grads: np.ndarray, optimizer: Optimizer) -> None:
        np.copyto(self.grads, grads)
        for mine, theirs in zip(self.opt, optimizer.state(), strict=True):
            np.copyto(mine, theirs)
        self.opt_t = optimizer.t

    def restore(self, grads: np.ndarray, optimizer: Optimizer) -> None:
        np.copyto(grads, self.grads)
        for mine, theirs in zip(self.opt, optimizer.state(), strict=True):
            np.copyto(theirs, mine)
        optimizer.t = self.opt_t
