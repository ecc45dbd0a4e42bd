# Longer than 400 lines: an epoch's batches, chunks, validation, divergence and resumption
# share one set of buffers and running sums; split, each part would reach into the others.
"""Training, one epoch (or one batch) at a time, so the GUI and the CLI share one loop.

The GUI works from a QTimer for a few milliseconds per tick (:meth:`Trainer.run_until`, which
may stop inside an epoch of a large data set and go on at the next call); the CLI iterates
:meth:`Trainer.epochs`; tests call :meth:`Trainer.run_epoch` directly. Nothing here blocks.
Batches over CHUNK samples are summed in chunks (core/epoch_state.py) fixed by the data
sizes alone, so however the work is cut the weights are those of one uninterrupted run.

Hot-path rules (see benchmarks/bench_train.py): inputs live transposed (features × samples)
so a batch is gathered straight into the workspace with ``np.take(out=...)``; full batches
are loaded once; parameters are one flat vector, so a snapshot, an update and the per-layer
gradient norms are a handful of numpy calls whatever the depth.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from time import perf_counter
from typing import Any

import numpy as np

from . import limits, optimizers
from .data import Dataset
from .divergence import Divergence, locate, scan_order
from .epoch_state import CHUNK, Partial, Rewind, spans
from .network import Network, Workspace
from .regularization import Penalty
from .settings import TrainingSettings, settings_of


@dataclass
class EpochStats:
    epoch: int  # 1-based count of epochs done
    train_loss: float  # data loss: mean over the epoch's samples, each batch before its update
    val_loss: float | None
    # per layer: ‖∂L/∂W(l)‖₂ averaged over the epoch's batches (the gradient the optimizer
    # steps with: the penalty's included)
    grad_norms: np.ndarray
    stopped: str | None = None  # "stop_loss", "diverged" or None
    message: str = ""
    # λ₂/2·Σw² + λ₁·Σ|w| (core/regularization.py), averaged like train_loss over the epoch's
    # batches, each at the weights its step started from; 0 without regularisation
    penalty: float = 0.0
    divergence: Divergence | None = None  # where a diverged epoch first overflowed


class Trainer:
    def __init__(
        self,
        net: Network,
        train: Dataset,
        settings: TrainingSettings | Mapping[str, Any],
        validation: Dataset | None = None,
    ):
        if len(train) == 0:
            raise ValueError("no training samples")
        self.net = net
        self.settings = settings = settings_of(settings)
        self.lr = settings.learning_rate
        self.batch_size = min(settings.batch_size or len(train), len(train))
        # a batch (and the validation set) over CHUNK samples is computed a chunk at a time:
        # memory holds one chunk's activations, so a full batch of 1,000,000 samples through
        # a small network trains (it was refused for the activations it never holds at once)
        held = min(self.batch_size, CHUNK)
        limits.check_batch(
            net.n_neurons,
            held,
            "a training batch" if held == self.batch_size else "a chunk of a training batch",
            "set training.batch_size to at most {most}",
        )
        if validation is not None and len(validation):
            held = min(len(validation), CHUNK)
            limits.check_batch(
                net.n_neurons,
                held,
                "the validation set"
                if held == len(validation)
                else "a chunk of the validation set",
                "use a smaller training.validation_split",
            )
        self.shuffle = settings.shuffle
        self.stop_loss = settings.stop_loss
        self.optimizer = optimizers.make(
            settings.optimizer, net.params.size, settings, mask=net.update_mask
        )
        self.penalty = Penalty.of(net, settings)
        self.rng = np.random.default_rng([settings.seed, 1])
        self.n = len(train)
        self.XT = np.ascontiguousarray(train.X.T)
        self.YT = np.ascontiguousarray(train.Y.T)
        self.validation = validation
        self.epoch = 0
        self._snapshot = net.params.copy()
        # for explaining a divergence (core/divergence.py): the gradients of the update that
        # produced the current weights, and the weights a mini-batch step started from
        self._prev_grads = np.zeros_like(net.params)
        self._prev_known = False  # no update yet by this trainer
        self._prev_valid = False  # _prev_grads made the weights the current step started from
        self._step_start = net.params.copy()
        self._sq = np.zeros(net.n_weights)
        starts = net.w_offsets[:-1]
        self._norm_starts = starts if np.all(np.diff(net.w_offsets) > 0) else None
        self._full = self.batch_size >= self.n
        self._ws: dict[int, Workspace] = {}
        self._ybuf: dict[int, np.ndarray] = {}
        self._full_ws: Workspace | None = None  # a full batch of at most CHUNK, loaded once
        if self._full and self.n <= CHUNK:
            self._full_ws = self._workspace(self.n)
            net.load_inputs(self._full_ws, train.X)
        # a batch over CHUNK sums its chunks' gradients here before its update
        self._acc = np.zeros_like(net.params) if self.batch_size > CHUNK else None
        self._val_ws: Workspace | None = None
        self._val_n = 0 if validation is None else len(validation)
        self._val_chunks = self._val_n > CHUNK  # its loss is summed a chunk at a time
        self._val_cache: dict[int, Workspace] = {}
        if self._val_chunks:
            assert validation is not None
            self._val_XT = np.ascontiguousarray(validation.X.T)
            self._val_YT = np.ascontiguousarray(validation.Y.T)
        elif validation is not None and self._val_n:
            self._val_ws = Workspace(net, self._val_n)
            net.load_inputs(self._val_ws, validation.X)
            self._val_YT = np.ascontiguousarray(validation.Y.T)
        # a small epoch (≤ CHUNK samples in all) costs about one chunk: it runs whole, as it
        # always did (and saves nothing to rewind); larger ones may stop between chunks
        self._resumable = self.n > CHUNK or self._val_chunks
        # the epoch run_until left in progress, what abandoning it goes back to, and the
        # sample order an abandoned epoch drew (its re-run takes it)
        self._p: Partial | None = None
        self._rewind = Rewind.of(net.params, self.optimizer)
        self._order: np.ndarray | None = None
        # the last batch stepped (first sample, size) and its buffers (None: chunked)
        self._last_batch = (0, 0)
        self._last_ws: tuple[Workspace, np.ndarray] | None = None

    def _workspace(self, batch: int) -> Workspace:
        # the trainer's own buffers: nobody else writes into them between epochs
        ws = self._ws.get(batch)
        if ws is None:
            ws = self._ws[batch] = Workspace(self.net, batch)
            self._ybuf[batch] = np.zeros((self.YT.shape[0], batch))
        return ws

    # ------------------------------------------------------------------ steps
    def _layer_norms(self) -> np.ndarray:
        g = self.net.grads[: self.net.n_weights]
        if self._norm_starts is None:
            return self.net.grad_norms()
        np.multiply(g, g, out=self._sq)
        return np.sqrt(np.add.reduceat(self._sq, self._norm_starts))

    def run_epoch(self) -> EpochStats:
        """One pass over the training data; restores the last finite weights on divergence."""
        return self.run_epochs(1)[0]

    def run_epochs(self, count: int) -> list[EpochStats]:
        """Up to ``count`` epochs, stopping after one that diverged or reached stop_loss
        (an epoch a :meth:`run_until` left in progress is finished first).

        Overflow while diverging is expected (it is detected and explained), so numpy's
        warnings are silenced once per call rather than once per epoch: on small networks
        that context switch costs as much as a layer's matrix product.
        """
        out: list[EpochStats] = []
        with np.errstate(all="ignore"):
            for _ in range(count):
                stats = self._epoch(None)
                assert stats is not None  # no deadline: the epoch ran to its end
                out.append(stats)
                if stats.stopped:
                    break
        return out

    def run_until(self, deadline: float, max_epochs: int = 1) -> list[EpochStats]:
        """Work until ``deadline`` (time.perf_counter), at most ``max_epochs`` epochs; returns
        the epochs that completed, possibly none.

        At least one batch or chunk is computed per call, so repeated calls always progress;
        an epoch of at most CHUNK samples (validation included) is never cut.
        An epoch the deadline falls inside waits, parked, for the next call (or
        :meth:`abandon`): meanwhile ``net.params`` hold the weights it began from, so whoever
        reads the network between calls sees epoch boundaries only.
        """
        out: list[EpochStats] = []
        with np.errstate(all="ignore"):
            while len(out) < max_epochs:
                stats = self._epoch(deadline)
                if stats is None:
                    break
                out.append(stats)
                if stats.stopped or perf_counter() >= deadline:
                    break
        return out

    @property
    def in_epoch(self) -> bool:
        """An epoch is in progress (parked by :meth:`run_until`)."""
        return self._p is not None

    def abandon(self) -> None:
        """Forget the epoch in progress: weights, optimizer state and the sample order go back
        to its start, so the next epoch re-runs it exactly as an uninterrupted run would."""
        p, self._p = self._p, None
        if p is None:
            return
        # (saved when the epoch began: only a resumable epoch is ever parked) the gradients
        # too, which chunks overwrite before any step: a divergence explains the update that
        # made the weights from them
        self._rewind.restore(self.net.grads, self.optimizer)
        self._prev_known = p.prev_known
        # the generator already drew this order; the re-run takes it instead of drawing
        # another, which leaves the generator where an uninterrupted run leaves it
        self._order = p.order

    # ------------------------------------------------------------------ one epoch
    def _epoch(self, deadline: float | None) -> EpochStats | None:
        """The epoch in progress, or a new one, to its end or (with a deadline) until the
        deadline passes between two chunks; None then (the epoch is parked)."""
        if not self._resumable:
            deadline = None  # the whole epoch is about one chunk's work: never cut
        p = self._p
        if p is None:
            if self._full_ws is not None:
                return self._full_epoch()  # one pass, loaded once: nothing to resume
            p = self._p = self._begin(deadline is not None)
        elif p.stepped:
            np.copyto(self.net.params, self._rewind.params)  # unpark
        if not p.trained:
            if not self._train_part(p, deadline):
                self._park(p)
                return None
            p.trained = True
            if not self._finite(p.total):
                self._p = None
                return self._diverged(p.total / self.n, p.norms, p.batches, p.at_start, p.order)
        if self._val_chunks and not self._val_part(p, deadline):
            self._park(p)
            return None
        self._p = None
        val = p.val_total / self._val_n if self._val_chunks else self._val_loss()
        norms = p.norms / p.batches if p.batches > 1 else p.norms
        return self._complete(p.total / self.n, val, norms, p.penalty / max(p.batches, 1))

    def _begin(self, resumable: bool) -> Partial:
        net = self.net
        np.copyto(self._snapshot, net.params)
        order, self._order = self._order, None
        if order is None and not self._full:
            order = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)
        p = Partial(order, np.zeros(len(net.layers)), prev_known=self._prev_known)
        if resumable:
            self._rewind.save(net.grads, self.optimizer)
        return p

    def _park(self, p: Partial) -> None:
        if p.stepped:  # the epoch's weights wait aside; the network shows its start
            np.copyto(self._rewind.params, self.net.params)
            np.copyto(self.net.params, self._snapshot)

    def _full_epoch(self) -> EpochStats:
        """A full batch of at most CHUNK samples: one pass over the buffers loaded once."""
        net, ws = self.net, self._full_ws
        assert ws is not None  # _epoch's test
        np.copyto(self._snapshot, net.params)
        pen = self.penalty if self.penalty.active else None
        penalty_total = 0.0
        self._prev_valid = self._prev_known
        if self._prev_known:
            np.copyto(self._prev_grads, net.grads)  # the update that made these weights
        total = net.train_step(ws, self.YT) * self.n
        at_start = not math.isfinite(total)
        if pen is not None:
            penalty_total = pen.add_to(net.params, net.grads)
        norms = self._layer_norms()
        self.optimizer.step(net.params, net.grads)
        train_loss = total / self.n
        if not self._finite(total):
            self._last_ws = ws, self.YT
            return self._diverged(train_loss, norms, 1, at_start)
        return self._complete(train_loss, self._val_loss(), norms, penalty_total)

    def _train_part(self, p: Partial, deadline: float | None) -> bool:
        """The epoch's batches from ``p.pos`` on, each stepped; False when the deadline
        passed first (checked between batches and chunks, never before the first)."""
        net, n, bs, order, full = self.net, self.n, self.batch_size, p.order, self._full
        params, grads, XT, YT = net.params, net.grads, self.XT, self.YT
        prev_grads, step_start, n_in = self._prev_grads, self._step_start, net.n_inputs
        pen = self.penalty if self.penalty.active else None
        # the hot loop keeps its running sums in locals: p is written back once, on leaving
        lo, total, penalty, batches = p.pos, p.total, p.penalty, p.batches
        norms = p.norms
        stepped, done = p.stepped, True
        last: tuple[Workspace, np.ndarray] | None = None
        size = 0
        while lo < n:
            size = bs if lo + bs <= n else n - lo
            if size > CHUNK:
                if not self._chunked_batch(p, lo, size, deadline):
                    done = False
                    break
                loss_total, p.batch_loss, p.chunk = p.batch_loss, 0.0, 0
                last = None
            else:
                assert order is not None  # a full batch this small has its own path
                idx = order[lo : lo + size]
                ws = self._workspace(size)
                y = self._ybuf[size]
                np.take(XT, idx, axis=1, out=ws.A[:n_in])
                np.take(YT, idx, axis=1, out=y)
                # (_batch_start, inline: this is the hot loop of small mini-batches)
                self._prev_valid = prev = self._prev_known
                if prev:
                    np.copyto(prev_grads, grads)
                np.copyto(step_start, params)
                loss_total = net.train_step(ws, y) * size
                last = ws, y
            if not math.isfinite(loss_total):
                if not full:  # no update from a batch whose loss is already lost
                    total, p.at_start = loss_total, batches == 0
                    break
                p.at_start = True  # the full batch's loss at the epoch's start weights
            total += loss_total
            if pen is not None:
                penalty += pen.add_to(params, grads)
            norms += self._layer_norms()
            self.optimizer.step(params, grads)
            if not full:
                self._prev_known = True
            stepped = True
            batches += 1
            lo += size
            if deadline is not None and lo < n and perf_counter() >= deadline:
                done = False
                break
        if size and done:  # the batch a divergence is looked for in (the failed or the last)
            self._last_batch, self._last_ws = (lo - size if lo == n else lo, size), last
        p.pos, p.total, p.penalty, p.batches, p.stepped = lo, total, penalty, batches, stepped
        return done

    def _batch_start(self) -> None:
        # for explaining a divergence: the gradients that made the weights this step starts
        # from, and those weights
        self._prev_valid = self._prev_known
        if self._prev_known:
            np.copyto(self._prev_grads, self.net.grads)
        if not self._full:
            np.copyto(self._step_start, self.net.params)

    def _chunked_batch(self, p: Partial, lo: int, size: int, deadline: float | None) -> bool:
        """A batch of more than CHUNK samples: the chunks from ``p.chunk`` on, each chunk's
        mean gradient weighted by its share of the batch, so that net.grads ends up the
        batch's mean-loss gradient (up to rounding); False when the deadline came first."""
        net, acc = self.net, self._acc
        assert acc is not None  # made in __init__ for batches this large
        if p.chunk == 0:
            self._batch_start()
        idx = None if p.order is None else p.order[lo : lo + size]
        while p.chunk < size:
            c = p.chunk
            m = min(CHUNK, size - c)
            ws, y = self._load(idx, lo, c, m)
            p.batch_loss += net.train_step(ws, y) * m
            if c == 0:
                np.multiply(net.grads, m / size, out=acc)
            else:
                net.grads *= m / size
                acc += net.grads
            p.chunk = c + m
            if deadline is not None and p.chunk < size and perf_counter() >= deadline:
                return False
        np.copyto(net.grads, acc)
        return True

    def _load(
        self, idx: np.ndarray | None, lo: int, c: int, m: int
    ) -> tuple[Workspace, np.ndarray]:
        """The buffers of a chunk of ``m`` samples, filled with samples c … c+m of the batch
        at ``lo`` (``idx``: the batch's sample indices; None: the data in its own order)."""
        ws, y = self._workspace(m), self._ybuf[m]
        if idx is None:
            a = lo + c
            np.copyto(ws.A[: self.net.n_inputs], self.XT[:, a : a + m])
            np.copyto(y, self.YT[:, a : a + m])
        else:
            sel = idx[c : c + m]
            np.take(self.XT, sel, axis=1, out=ws.A[: self.net.n_inputs])
            np.take(self.YT, sel, axis=1, out=y)
        return ws, y

    def _val_part(self, p: Partial, deadline: float | None) -> bool:
        """The loss of a validation set larger than CHUNK, a chunk at a time (weighted by
        size: the mean over the set); False when the deadline came first."""
        net, n = self.net, self._val_n
        while p.val_pos < n:
            lo = p.val_pos
            m = min(CHUNK, n - lo)
            ws = self._val_cache.get(m)
            if ws is None:
                ws = self._val_cache[m] = Workspace(net, m)
            y = np.ascontiguousarray(self._val_YT[:, lo : lo + m])
            np.copyto(ws.A[: net.n_inputs], self._val_XT[:, lo : lo + m])
            net.forward(ws)
            p.val_total += net.training_loss(ws, y) * m
            p.val_pos = lo + m
            if deadline is not None and p.val_pos < n and perf_counter() >= deadline:
                return False
        return True

    def _val_loss(self) -> float | None:
        if self._val_ws is None:
            return None
        self.net.forward(self._val_ws)
        return self.net.training_loss(self._val_ws, self._val_YT)

    def _finite(self, total: float) -> bool:
        # one dot product is finite exactly when every parameter is (and not astronomically
        # large)
        p = self.net.params
        return math.isfinite(total) and math.isfinite(float(np.dot(p, p)))

    def _complete(
        self, train_loss: float, val_loss: float | None, norms: np.ndarray, penalty: float
    ) -> EpochStats:
        self.epoch += 1
        self._prev_known = True
        stats = EpochStats(self.epoch, train_loss, val_loss, norms, penalty=penalty)
        if self.stop_loss is not None and train_loss < self.stop_loss:
            stats.stopped = "stop_loss"
            stats.message = f"training loss {train_loss:.6g} fell below stop_loss {self.stop_loss}"
        return stats

    def _diverged(
        self,
        train_loss: float,
        norms: np.ndarray,
        batches: int,
        at_start: bool,
        order: np.ndarray | None = None,
    ) -> EpochStats:
        self.epoch += 1
        untrained = at_start and self.epoch == 1
        divergence = self._locate(batches, untrained, order)
        np.copyto(self.net.params, self._snapshot)
        return EpochStats(
            self.epoch,
            train_loss,
            None,
            norms / max(batches, 1),
            "diverged",
            # epoch 1 and no step taken: the file's own weights overflow, not the rate
            self.overflow_message() if untrained else self.divergence_message(),
            divergence=divergence,
        )

    def _locate(self, batches: int, untrained: bool, order: np.ndarray | None) -> Divergence:
        """Where the failed step first overflowed (core/divergence.py), from the buffers as
        the step left them (the batch that failed, or the last one)."""
        if not self._full and batches == self._n_batches():
            batches -= 1  # every batch's loss was finite: the last update overflowed
        before = self._snapshot if self._full else self._step_start
        prev = self._prev_grads if self._prev_valid else None
        batch = 0 if self._full else batches
        if self._last_ws is None:
            return self._locate_chunked(before, prev, order, batch, untrained)
        ws, y = self._last_ws
        net = self.net
        return locate(
            net, ws, y, before, net.params, net.grads, prev, self.lr, self.epoch, batch, untrained
        )

    def _locate_chunked(
        self,
        before: np.ndarray,
        prev: np.ndarray | None,
        order: np.ndarray | None,
        batch: int,
        untrained: bool,
    ) -> Divergence:
        """:func:`locate` for the last batch, which was summed in chunks: each chunk is
        recomputed at the weights its step started from, and of the chunks' findings the
        one that a single pass over the whole batch would have met first is kept."""
        net = self.net
        lo, size = self._last_batch
        idx = None if order is None else order[lo : lo + size]
        after, grads = net.params.copy(), net.grads.copy()
        np.copyto(net.params, before)
        best: Divergence | None = None
        try:
            for c in spans(size):
                ws, y = self._load(idx, lo, c, min(CHUNK, size - c))
                net.train_step(ws, y)
                d = locate(
                    net, ws, y, before, after, grads, prev, self.lr, self.epoch, batch, untrained
                )
                if d.sample is not None:  # the column in the batch, not in the chunk
                    d = replace(d, sample=d.sample + c)
                if best is None or scan_order(d, net.outputs) < scan_order(best, net.outputs):
                    best = d
                if d.stage == "weights":
                    break  # the step's start weights: met first, whichever the chunk
        finally:
            np.copyto(net.params, after)
            np.copyto(net.grads, grads)
        assert best is not None  # a batch has at least one chunk
        return best

    def _n_batches(self) -> int:
        return -(-self.n // self.batch_size)

    def divergence_message(self) -> str:
        return (
            f"training diverged at epoch {self.epoch}: the loss or the weights became infinite "
            f"or NaN. The learning rate {self.lr:g} is too high for this network; try a smaller "
            f"one (e.g. {self.lr / 10:g}). The weights were restored to the last finite values."
        )

    def overflow_message(self) -> str:
        """The loss was not finite at the weights the epoch started from: no step caused it."""
        return (
            f"training stopped at epoch {self.epoch}: the loss is not finite at the current "
            "weights, before any update (a weight, bias or input too large for float64, or a "
            "log loss of an output outside its domain). The weights were left as they were."
        )

    def epochs(self, count: int, chunk: int = 64) -> Iterator[EpochStats]:
        """Yield up to ``count`` epochs (computed ``chunk`` at a time); stops early on
        divergence or stop_loss."""
        done = 0
        while done < count:
            batch = self.run_epochs(min(chunk, count - done))
            yield from batch
            done += len(batch)
            if batch[-1].stopped:
                return
