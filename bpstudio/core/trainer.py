"""Training, one epoch (or one batch) at a time, so the GUI and the CLI share one loop.

The GUI pulls epochs from a QTimer for a few milliseconds per tick; the CLI iterates
:meth:`Trainer.epochs`; tests call :meth:`Trainer.run_epoch` directly. Nothing here blocks.

Hot-path rules (see benchmarks/bench_train.py): inputs live transposed (features × samples)
so a batch is gathered straight into the workspace with ``np.take(out=...)``; full batches
are loaded once; parameters are one flat vector, so a snapshot, an update and the per-layer
gradient norms are a handful of numpy calls whatever the depth.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import limits, optimizers
from .data import Dataset
from .divergence import Divergence, locate
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
        limits.check_batch(
            net.n_neurons,
            self.batch_size,
            "a training batch",
            "set training.batch_size to at most {most}",
        )
        if validation is not None and len(validation):
            limits.check_batch(
                net.n_neurons,
                len(validation),
                "the validation set",
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
        if self._full:
            self._full_ws = self._workspace(self.n)
            net.load_inputs(self._full_ws, train.X)
        self._val_ws = None
        if validation is not None and len(validation):
            self._val_ws = Workspace(net, len(validation))
            net.load_inputs(self._val_ws, validation.X)
            self._val_YT = np.ascontiguousarray(validation.Y.T)

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
        """Up to ``count`` epochs, stopping after one that diverged or reached stop_loss.

        Overflow while diverging is expected (it is detected and explained), so numpy's
        warnings are silenced once per call rather than once per epoch: on small networks
        that context switch costs as much as a layer's matrix product.
        """
        out: list[EpochStats] = []
        with np.errstate(all="ignore"):
            for _ in range(count):
                stats = self._epoch()
                out.append(stats)
                if stats.stopped:
                    break
        return out

    def _epoch(self) -> EpochStats:
        net = self.net
        np.copyto(self._snapshot, net.params)
        total = 0.0
        penalty_total = 0.0
        at_start = False  # the loss was not finite before this epoch changed anything
        pen = self.penalty if self.penalty.active else None
        ws, y = None, self.YT
        if self._full:
            ws = self._full_ws
            self._prev_valid = self._prev_known
            if self._prev_known:
                np.copyto(self._prev_grads, net.grads)  # the update that made these weights
            total = net.train_step(ws, y) * self.n
            at_start = not math.isfinite(total)
            if pen is not None:
                penalty_total = pen.add_to(net.params, net.grads)
            norms = self._layer_norms()
            self.optimizer.step(net.params, net.grads)
            batches = 1
        else:
            norms = np.zeros(len(net.layers))
            order = self.rng.permutation(self.n) if self.shuffle else np.arange(self.n)
            batches = 0
            for lo in range(0, self.n, self.batch_size):
                idx = order[lo : lo + self.batch_size]
                ws = self._workspace(idx.size)
                y = self._ybuf[idx.size]
                np.take(self.XT, idx, axis=1, out=ws.A[: net.n_inputs])
                np.take(self.YT, idx, axis=1, out=y)
                self._prev_valid = self._prev_known
                if self._prev_known:
                    np.copyto(self._prev_grads, net.grads)
                np.copyto(self._step_start, net.params)
                loss = net.train_step(ws, y)
                if not math.isfinite(loss):
                    total = loss
                    at_start = batches == 0
                    break
                total += loss * idx.size
                if pen is not None:
                    penalty_total += pen.add_to(net.params, net.grads)
                norms += self._layer_norms()
                self.optimizer.step(net.params, net.grads)
                self._prev_known = True
                batches += 1
        train_loss = total / self.n
        penalty = penalty_total / max(batches, 1)
        # one dot product is finite exactly when every parameter is (and not astronomically large)
        finite = math.isfinite(train_loss) and math.isfinite(float(np.dot(net.params, net.params)))
        self.epoch += 1
        if not finite:
            divergence = self._locate(ws, y, batches, at_start and self.epoch == 1)
            np.copyto(net.params, self._snapshot)
            return EpochStats(
                self.epoch,
                train_loss,
                None,
                norms / max(batches, 1),
                "diverged",
                # epoch 1 and no step taken: the file's own weights overflow, not the rate
                self.overflow_message()
                if at_start and self.epoch == 1
                else self.divergence_message(),
                divergence=divergence,
            )
        self._prev_known = True
        val_loss = None
        if self._val_ws is not None:
            net.forward(self._val_ws)
            val_loss = net.training_loss(self._val_ws, self._val_YT)
        stats = EpochStats(
            self.epoch,
            train_loss,
            val_loss,
            norms / batches if batches > 1 else norms,
            penalty=penalty,
        )
        if self.stop_loss is not None and train_loss < self.stop_loss:
            stats.stopped = "stop_loss"
            stats.message = f"training loss {train_loss:.6g} fell below stop_loss {self.stop_loss}"
        return stats

    def _locate(
        self, ws: Workspace | None, y: np.ndarray, batches: int, untrained: bool
    ) -> Divergence | None:
        """Where the failed step first overflowed (core/divergence.py), from the buffers as
        the step left them (``ws``, ``y``: the batch that failed, or the last one)."""
        if ws is None:
            return None
        if not self._full and batches == self._n_batches():
            batches -= 1  # every batch's loss was finite: the last update overflowed
        before = self._snapshot if self._full else self._step_start
        prev = self._prev_grads if self._prev_valid else None
        return locate(
            self.net,
            ws,
            y,
            before,
            self.net.params,
            self.net.grads,
            prev,
            self.lr,
            self.epoch,
            0 if self._full else batches,
            untrained,
        )

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
