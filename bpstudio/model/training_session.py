# Longer than 400 lines: the session's run loop, its history and its runs are one state (scrub,
# reset and resume read all three).
"""Live training without Qt: the graph's trainer, stepped in time slices, and its history.

The desktop app pulls epochs from :meth:`TrainingSession.run_for` on a timer for a few
milliseconds at a time; tests drive the same object directly. Per-epoch numbers go into
preallocated numpy arrays that double when full (:class:`History`), so a plot of 100,000
epochs hands pyqtgraph array views instead of re-converting Python lists every frame.

The session listens to the graph and decides what each edit means for the run:

* moving or relabelling a neuron means nothing;
* new training settings or data keep the trained weights (the trainer is rebuilt);
* an edited weight/bias, or weights changed by someone else (undo, a pass step), are taken
  from the graph;
* a changed topology or activation, an opened file, Reset and Re-initialise start a new run;
  the old run's curves are kept (greyed and labelled on the plots) until cleared.
"""

from __future__ import annotations

import csv
import io
import math
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..core import activations
from ..core import data as coredata
from ..core.features import expand, feature_names
from ..core.network import Workspace
from ..core.settings import DEFAULTS, TrainingSettings
from ..core.trainer import EpochStats, Trainer
from .compile import Compiled, CompileError, compile_graph, take_graph_parameters
from .datafit import check_fit
from .divergence import DivergenceNote, describe
from .graph import STRUCTURE_KINDS, UNTITLED, Change, ChangeKind, Graph
from .param_history import CAP_BYTES, ParamHistory, ShownParameters

_STRUCTURAL_NEURON_KEYS = {"activation", "role"}
MAX_EARLIER_RUNS = 6


class History:
    """One run's per-epoch numbers in arrays that grow by doubling (amortised O(1) append)."""

    def __init__(self, n_layers: int, capacity: int = 1024):
        self.n_layers = n_layers
        self.n = 0
        self._train = np.empty(capacity)
        self._val = np.empty(capacity)
        self._penalty = np.zeros(capacity)  # the regularisation penalty (0 when there is none)
        self._grads = np.empty((capacity, n_layers))
        self._epochs = np.arange(1, capacity + 1, dtype=float)
        self._penalised = False

    def __len__(self) -> int:
        return self.n

    @property
    def capacity(self) -> int:
        return self._train.size

    def _grow(self) -> None:
        cap = self.capacity * 2
        for name in ("_train", "_val", "_penalty"):
            new = np.empty(cap)
            new[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, new)
        grads = np.empty((cap, self.n_layers))
        grads[: self.n] = self._grads[: self.n]
        self._grads = grads
        self._epochs = np.arange(1, cap + 1, dtype=float)

    def append(
        self,
        train_loss: float,
        val_loss: float | None,
        grad_norms: np.ndarray,
        penalty: float = 0.0,
    ) -> None:
        if self.n == self.capacity:
            self._grow()
        i = self.n
        self._train[i] = train_loss
        self._penalty[i] = penalty
        if penalty:
            self._penalised = True
        self._val[i] = math.nan if val_loss is None else val_loss
        self._grads[i] = grad_norms
        self.n = i + 1

    # views (no copies): valid until the next append that grows the arrays, and their
    # values never change afterwards, so a plot may keep them
    @property
    def epochs(self) -> np.ndarray:
        return self._epochs[: self.n]

    @property
    def train_loss(self) -> np.ndarray:
        return self._train[: self.n]

    @property
    def val_loss(self) -> np.ndarray:
        return self._val[: self.n]

    @property
    def grad_norms(self) -> np.ndarray:
        return self._grads[: self.n]

    @property
    def penalty(self) -> np.ndarray:
        """λ₂/2·Σw² + λ₁·Σ|w| per epoch (train_loss is the data loss without it)."""
        return self._penalty[: self.n]

    @property
    def has_penalty(self) -> bool:
        """Some epoch of the run was regularised (set once, by append: no scan per frame)."""
        return self._penalised

    @property
    def has_validation(self) -> bool:
        return self.n > 0 and not np.isnan(self._val[: self.n]).all()

    def last(self) -> tuple[float, float | None] | None:
        if not self.n:
            return None
        v = self._val[self.n - 1]
        return float(self._train[self.n - 1]), None if math.isnan(v) else float(v)

    def trimmed(self) -> History:
        """A compact copy (for an archived run)."""
        h = History(self.n_layers, max(self.n, 1))
        h.n = self.n
        h._train[: self.n] = self.train_loss
        h._val[: self.n] = self.val_loss
        h._penalty[: self.n] = self.penalty
        h._penalised = self._penalised
        h._grads[: self.n] = self.grad_norms
        return h

    def to_csv(self) -> str:
        """The same columns as ``bpstudio train --history``."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(
            ["epoch", "train_loss", "val_loss"]
            + [f"grad_norm_{l}" for l in range(1, self.n_layers + 1)]
        )
        for i in range(self.n):
            v = self._val[i]
            w.writerow(
                [
                    i + 1,
                    repr(float(self._train[i])),
                    "" if math.isnan(v) else repr(float(v)),
                    *(repr(float(x)) for x in self._grads[i]),
                ]
            )
        return out.getvalue()


@dataclass
class Run:
    label: str
    history: History
    activation: str = ""  # the hidden activation it trained with (run_label)
    signature: tuple[int, int] = (0, 0)  # network_signature: which runs compare
    initial_params: np.ndarray | None = None  # weights before the first epoch (for Reset)
    settings: TrainingSettings = DEFAULTS  # what the run last trained with
    # the parameters at past epochs, for scrubbing (model/param_history.py); dropped when
    # the run is archived
    snapshots: ParamHistory | None = None


@dataclass
class SliceResult:
    epochs: int  # epochs added to the history by this slice
    stopped: str | None = None  # "stop_loss", "diverged", "error" or None
    message: str = ""
    divergence: DivergenceNote | None = None  # where a divergence started (by id)


def hidden_activation(graph: Graph) -> str:
    """What distinguishes two runs of one network in a lecture: the hidden layers' activation."""
    acts = Counter(n.activation for n in graph.neurons.values() if n.role == "hidden")
    if not acts:
        acts = Counter(n.activation for n in graph.neurons.values() if n.role == "output")
    top = acts.most_common(1)[0][0] if acts else None
    return top or "run"


def run_label(graph: Graph, earlier: list[Run] | None = None) -> str:
    """The network's name ("XOR 2-4-1"); "XOR 2-4-1 (relu)" when an earlier run of that name
    had another activation; ", run 2", ", run 3" for repeats (never a bare "tanh (4)")."""
    name = graph.name.strip()
    base = name if name and name != UNTITLED else hidden_activation(graph)
    act = hidden_activation(graph)
    earlier = earlier or []
    if any(r.label.startswith(base) and r.activation not in ("", act) for r in earlier):
        base = f"{base} ({act})"
    taken = {r.label for r in earlier}
    label, k = base, 2
    while label in taken:
        label = f"{base}, run {k}"
        k += 1
    return label


def network_signature(graph: Graph) -> tuple[int, int]:
    """Runs compare on one plot when their networks take the same inputs to the same outputs."""
    roles = Counter(n.role for n in graph.neurons.values())
    return roles["input"], roles["output"]


class TrainingSession:
    """The graph's compiled network, its trainer, the current run and the earlier runs."""

    def __init__(self, graph: Graph, base_dir=None):
        self.graph = graph
        self._base_dir = base_dir  # callable () -> Path | None (the open file's folder)
        self.compiled: Compiled | None = None
        self.trainer: Trainer | None = None
        self.train_set: coredata.Dataset | None = None
        self.val_set: coredata.Dataset | None = None
        self.error: str | None = None
        self.earlier: list[Run] = []
        self.run = self._empty_run(1)
        self._writing = False
        self._need_compile = True  # rebuild network + trainer at the next epoch
        self._params_from_graph = True  # take weights from the graph, not the old network
        # only the graph's weights changed since the last build (F8's update, an undo of
        # training): the compiled network takes them in place instead of compiling again
        self._weights_only = False
        self._new_run = False
        self.generation = 0  # bumped when runs are archived/cleared (plots redraw the greys)
        self.cap_bytes = CAP_BYTES  # of the current run's kept parameters
        # the epoch the views show (the scrub slider), None: the live network
        self.shown_epoch: int | None = None
        graph.subscribe(self._on_change)

    def close(self) -> None:
        self.graph.unsubscribe(self._on_change)

    # ---------------------------------------------------------------- graph events
    def _on_change(self, ch: Change) -> None:
        kind, keys = ch.kind, set(ch.keys)
        if kind == ChangeKind.WEIGHTS_CHANGED:
            if not self._writing:
                weights_only = not self._need_compile or self._weights_only
                self._dirty(params=True)
                self._weights_only = weights_only
        elif kind in (ChangeKind.NEURON_CHANGED, ChangeKind.EDGE_CHANGED):
            if ch.layout_only:
                return
            self._dirty(params=True, new_run=bool(keys & _STRUCTURAL_NEURON_KEYS))
        elif kind in STRUCTURE_KINDS or kind == ChangeKind.RESET:
            self._dirty(params=True, new_run=True)
            if kind == ChangeKind.RESET:
                # another network (open, new): its run starts now, not at its first successful
                # compile, so no view shows the old file's epochs, not even when the new one
                # cannot be trained (a blank network: no layers yet, so no layer curves)
                self.new_run(0)
                self.drop_incomparable()
                self.run = self._empty_run(0)  # named among the runs that stay
                self.error = None  # the old network's; the next ensure() says the new one's
        elif kind == ChangeKind.NETWORK_CHANGED:
            if keys & {"training", "data"}:
                self._dirty()

    def _dirty(self, params: bool = False, new_run: bool = False) -> None:
        self.abandon_epoch()  # an edit lands between epochs: a partial one is dropped
        self._need_compile = True
        self._weights_only = False
        self._params_from_graph |= params
        self._new_run |= new_run

    def invalidate(self) -> None:
        """Rebuild the trainer before the next epoch (e.g. after a divergence)."""
        self._need_compile = True
        self._weights_only = False

    # ---------------------------------------------------------------- building
    def base_dir(self) -> Path | None:
        d = self._base_dir() if callable(self._base_dir) else self._base_dir
        if d is None:
            d = getattr(self.graph, "base_dir", None)
        return Path(d) if d else None

    def dataset(self) -> coredata.Dataset:
        check_fit(self.graph.data, len(self.graph.inputs()), len(self.graph.outputs()))
        return coredata.dataset_from_spec(
            self.graph.data,
            len(self.graph.inputs()),
            len(self.graph.outputs()),
            base_dir=self.base_dir(),
        )

    def ensure(self) -> bool:
        """Bring network and trainer up to date with the graph; False (and .error) if not."""
        if not self._need_compile:
            return self.error is None
        old = self.compiled
        try:
            t = self.graph.settings
            reuse = (
                self._weights_only
                and old is not None
                and self.train_set is not None
                and take_graph_parameters(old, self.graph)
            )
            if reuse and old is not None and self.train_set is not None:
                compiled, train, val = old, self.train_set, self.val_set  # the same data
            else:
                compiled = compile_graph(self.graph)
                ds = self.dataset()
                if len(ds) == 0:
                    raise coredata.DataError(["there are no samples to train on (add data first)"])
                train, val = coredata.split(ds, t.validation_split, t.seed)
            trainer = Trainer(compiled.net, train, t, validation=val)
        except (CompileError, coredata.DataError) as exc:
            self.error = "; ".join(exc.errors)
            return False
        except (ValueError, KeyError, TypeError) as exc:  # bad settings typed into the file
            self.error = f"cannot train: {exc}"
            return False
        keep = (
            old is not None
            and not self._params_from_graph
            and old.net.params.size == compiled.net.params.size
            and old.neuron_ids == compiled.neuron_ids
            and old.edge_ids == compiled.edge_ids
        )
        if keep and old is not None:
            compiled.net.params[:] = old.net.params
        n_layers = len(compiled.net.layers)
        if self._new_run or self.run.history.n_layers != n_layers:
            self.new_run(n_layers)
        self.compiled, self.trainer = compiled, trainer
        self.train_set, self.val_set = train, val
        trainer.epoch = len(self.run.history)  # its messages count the run's epochs
        self.run.settings = t
        if self.run.initial_params is None:
            self.run.initial_params = compiled.net.params.copy()
        self.error = None
        self._need_compile = self._params_from_graph = self._new_run = False
        self._weights_only = False
        return True

    # ---------------------------------------------------------------- runs
    def new_run(self, n_layers: int | None = None) -> None:
        """Archive the current run (if it has epochs) and start an empty one."""
        self.shown_epoch = None
        if len(self.run.history):
            self.run.history = self.run.history.trimmed()
            self.run.snapshots = None  # an earlier run is not scrubbed: its memory goes
            self.earlier.append(self.run)
            del self.earlier[:-MAX_EARLIER_RUNS]
            self.generation += 1
        if n_layers is None:
            n_layers = self.run.history.n_layers
        self.run = self._empty_run(n_layers)
        self._new_run = False

    def _empty_run(self, n_layers: int) -> Run:
        g = self.graph
        return Run(
            run_label(g, self.earlier),
            History(n_layers),
            hidden_activation(g),
            network_signature(g),
        )

    def drop_incomparable(self) -> None:
        """Another file opened: earlier runs of networks with other inputs or outputs go (their
        curves would mean nothing beside it); the vanishing pair (same shape) stays."""
        keep = [r for r in self.earlier if r.signature == network_signature(self.graph)]
        if len(keep) != len(self.earlier):
            self.earlier = keep
            self.generation += 1

    def clear_earlier(self) -> None:
        self.earlier.clear()
        self.generation += 1

    @property
    def epoch(self) -> int:
        return len(self.run.history)

    # ---------------------------------------------------------------- training
    def run_for(self, seconds: float, max_epochs: int = 1 << 62) -> SliceResult:
        """Train for about ``seconds`` of wall time, at most max_epochs epochs.

        The trainer stops between two batches or chunks (core/trainer.py run_until), so a
        call on a large data set may end inside an epoch: that epoch goes on at the next
        call, and until it completes the network, the history and the kept parameters stay
        at the last epoch boundary. At least one batch or chunk is computed per call (a whole
        epoch on data of at most CHUNK samples).
        """
        if max_epochs <= 0:
            return SliceResult(0)
        if not self.ensure():
            return SliceResult(0, "error", self.error or "")
        trainer, hist = self.trainer, self.run.history
        assert trainer is not None  # ensure() made it
        params = trainer.net.params
        snaps = self.run.snapshots
        if snaps is None or snaps.n_params != params.size:  # a new run (Reset, a new network)
            snaps = self.run.snapshots = ParamHistory(params.size, self.cap_bytes)
        append, clock, keep = hist.append, time.perf_counter, snaps.record
        keep(len(hist), params)  # where this stretch starts (edited weights replace the kept)
        deadline = clock() + seconds
        done = 0
        while done < max_epochs:
            # one epoch per call: each epoch's weights are recorded before the next begins
            got = trainer.run_until(deadline, 1)
            if not got:
                break  # the deadline fell inside an epoch
            s: EpochStats = got[0]
            if s.stopped == "diverged":
                # the trainer restored the last finite weights; its optimizer state may hold
                # NaN, so the next epoch starts with a fresh trainer on those weights
                self._need_compile = True
                note = None
                if s.divergence is not None and self.compiled is not None:
                    note = describe(self.compiled, s.divergence, self.graph)
                return SliceResult(done, "diverged", s.message, note)
            append(s.train_loss, s.val_loss, s.grad_norms, s.penalty)
            keep(len(hist), params)
            done += 1
            if s.stopped:
                return SliceResult(done, s.stopped, s.message)
            if clock() >= deadline:
                break
        return SliceResult(done)

    def samples_per_epoch(self) -> int:
        """Training and validation samples one epoch computes (after ensure())."""
        return sum(len(d) for d in (self.train_set, self.val_set) if d is not None)

    def abandon_epoch(self) -> None:
        """Training stopped (pause, an edit, closing): the epoch in progress is dropped, so
        the next run re-runs it from its start exactly as an unpaused run would have."""
        if self.trainer is not None:
            self.trainer.abandon()

    def write_back(self) -> None:
        """Store the trained weights on the graph (one weights_changed event for the views)."""
        if self.compiled is None or self._need_compile and self._params_from_graph:
            return  # the graph has newer weights than the network
        self._writing = True
        try:
            self.compiled.write_back(self.graph)
        finally:
            self._writing = False

    def _compiled(self) -> Compiled:
        """The compiled network, once :meth:`ensure` has built it (the views call this after
        data_points() or ensure() said yes)."""
        if self.compiled is None:
            raise RuntimeError("the training session has no compiled network yet")
        return self.compiled

    def current_parameters(self) -> tuple[dict[str, float], dict[str, float]] | None:
        if self.compiled is None:
            return None
        return self.compiled.weights(), self.compiled.biases()

    def parameters_for(self, params: np.ndarray) -> tuple[dict[str, float], dict[str, float]]:
        """Edge weights and neuron biases of a flat parameter vector of the current network."""
        c = self._compiled()
        saved = c.net.params.copy()
        try:
            c.net.params[:] = params
            return c.weights(), c.biases()
        finally:
            c.net.params[:] = saved

    # ---------------------------------------------------------------- scrubbing history
    def scrub_epochs(self) -> np.ndarray:
        """The epochs the views can show: the kept ones before the current epoch, then the
        current epoch (the live network) last (the scrub slider's positions)."""
        snaps = self.run.snapshots
        kept = snaps.epochs[: self._kept_before()] if snaps is not None else np.zeros(0, int)
        return np.append(kept, self.epoch).astype(np.int64)

    def _kept_before(self) -> int:
        """How many kept epochs lie before the current one (no array: called every frame)."""
        snaps, n = self.run.snapshots, 0
        if snaps is not None:
            n = len(snaps)
            while n and snaps.epochs[n - 1] >= self.epoch:
                n -= 1
        return n

    def scrub_count(self) -> int:
        """The number of slider positions: the kept epochs before the current one, + 1."""
        return self._kept_before() + 1

    def scrub_epoch(self, index: int) -> int:
        """The epoch at slider position ``index`` (the last position: the current epoch)."""
        k = self._kept_before()
        snaps = self.run.snapshots
        if snaps is None or index >= k:
            return self.epoch
        return int(snaps.epochs[max(index, 0)])

    def scrub_index(self, epoch: int) -> int:
        """The slider position of the kept epoch nearest to ``epoch``."""
        k = self._kept_before()
        snaps = self.run.snapshots
        if snaps is None or not k or epoch >= self.epoch:
            return k
        return min(snaps.nearest(epoch), k)

    def params_at(self, epoch: int) -> np.ndarray | None:
        """A copy of the parameters after ``epoch`` epochs of the current run (the live
        network's at the current epoch), None if that epoch is not kept."""
        if self.compiled is None:
            return None
        if epoch == self.epoch:
            return self.compiled.net.params.copy()
        snaps = self.run.snapshots
        i = snaps.index_of(epoch) if snaps is not None else None
        if snaps is None or i is None or epoch > self.epoch:
            return None
        return snaps.params(i).copy()

    def shown_parameters(self, epoch: int | None) -> ShownParameters | None:
        """The typed notification of what the views show at ``epoch`` (None: live)."""
        now = self.epoch
        e = now if epoch is None else int(epoch)
        params = self.params_at(e)
        if params is None:
            return None
        weights, biases = self.parameters_for(params)
        return ShownParameters(e, now, e == now, params, weights, biases)

    def show_epoch(self, epoch: int | None) -> None:
        """The views (boundary, curve, histograms, predictions) show ``epoch``'s network;
        None or the current epoch: the live one. The trainer is not touched."""
        self.shown_epoch = None if epoch is None or epoch == self.epoch else int(epoch)

    @contextmanager
    def _showing(self) -> Iterator[Compiled]:
        """The compiled network with the shown epoch's parameters in it, for one computation
        (put back afterwards; nothing may train or recompile meanwhile)."""
        c = self._compiled()
        shown = self.params_at(self.shown_epoch) if self.shown_epoch is not None else None
        if shown is None:
            yield c
            return
        saved = c.net.params.copy()
        c.net.params[:] = shown
        try:
            yield c
        finally:
            c.net.params[:] = saved

    def showing(self) -> AbstractContextManager[Compiled]:
        """``with session.showing() as compiled:`` the network with the shown epoch's
        parameters (the history slider's), for views that run it themselves (neuron tiles)."""
        return self._showing()

    def predict(self, X: np.ndarray) -> np.ndarray:
        """ŷ of the shown network (the scrubbed epoch, else the live one) for (batch, inputs)."""
        with self._showing() as c:
            return c.net.predict(X)

    # ---------------------------------------------------------------- views of the network
    def input_dims(self) -> int:
        return len(self.graph.inputs())

    def data_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
        """(X, Y, labels) of the training and validation data, for the scatter plots."""
        if not self.ensure():
            return None
        parts = [d for d in (self.train_set, self.val_set) if d is not None]
        X = np.concatenate([d.X for d in parts])
        Y = np.concatenate([d.Y for d in parts])
        labels = None
        if all(d.labels is not None for d in parts):
            labels = np.concatenate([d.labels for d in parts])
        elif Y.shape[1] == 1 and np.isin(Y, (0.0, 1.0)).all():
            labels = Y[:, 0].astype(int)
        elif Y.shape[1] > 1 and np.isin(Y, (0.0, 1.0)).all() and (Y.sum(1) == 1).all():
            labels = Y.argmax(1)
        return X, Y, labels

    def feature_names(self) -> list[str]:
        """The derived input features the data feeds (core/features.py), in column order."""
        return feature_names(self.graph.data)

    def plane_dims(self) -> int:
        """How many inputs the data has of its own (the plane the views draw): the network's
        inputs less the derived features."""
        return self.input_dims() - len(self.feature_names())

    def plane_points(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
        """:meth:`data_points` with only the data's own input columns (no derived features)."""
        pts = self.data_points()
        if pts is None:
            return None
        X, Y, labels = pts
        return X[:, : X.shape[1] - len(self.feature_names())], Y, labels

    def plane_grid(
        self, resolution: int = 60, margin: float = 0.15
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """For 2-D data: (xs, ys, inputs) over the data's range, inputs the network's full
        input rows (derived features included) of the point (xs[i], ys[j]) at row
        i * resolution + j."""
        pts = self.plane_points()
        if pts is None or pts[0].shape[1] != 2 or not len(pts[0]):
            return None
        X = pts[0]
        lo, hi = X.min(0), X.max(0)
        pad = np.maximum((hi - lo) * margin, 0.25)
        lo, hi = lo - pad, hi + pad
        xs = np.linspace(lo[0], hi[0], resolution)
        ys = np.linspace(lo[1], hi[1], resolution)
        gx, gy = np.meshgrid(xs, ys, indexing="ij")
        return xs, ys, expand(np.c_[gx.ravel(), gy.ravel()], self.feature_names())

    def predict_grid(
        self, resolution: int = 60, margin: float = 0.15
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """For 2-D inputs: (xs, ys, P) with P[i, j] = outputs at (xs[i], ys[j])."""
        grid = self.plane_grid(resolution, margin)
        if grid is None:
            return None
        xs, ys, inputs = grid
        P = self.predict(inputs)  # the shown epoch's network (scrubbing), else the live one
        return xs, ys, P.reshape(resolution, resolution, -1)

    def predict_curve(self, points: int = 200) -> tuple[np.ndarray, np.ndarray] | None:
        """For 1-D inputs: (x, ŷ) over the data range (the fitted curve)."""
        pts = self.plane_points()
        if pts is None or pts[0].shape[1] != 1 or not len(pts[0]):
            return None
        lo, hi = float(pts[0].min()), float(pts[0].max())
        pad = max((hi - lo) * 0.05, 0.1)
        x = np.linspace(lo - pad, hi + pad, points)
        return x, self.predict(expand(x[:, None], self.feature_names()))

    def layer_activations(self, max_samples: int = 500) -> list[tuple[str, np.ndarray]]:
        """(activation name, all its neurons' outputs) per layer on the training data."""
        if not self.ensure() or self.train_set is None:
            return []
        X = self.train_set.X[:max_samples]
        with self._showing() as c:
            net = c.net
            ws = Workspace(net, X.shape[0])
            net.load_inputs(ws, X)
            with np.errstate(all="ignore"):
                net.forward(ws)
        out = []
        for l, lay in enumerate(net.layers, start=1):
            names = {self.graph.neurons[n].activation for n in c.layers[l]}
            name = str(names.pop()) if len(names) == 1 else "mixed"
            out.append((name, ws.A[lay.start : lay.stop].ravel().copy()))
        return out


def saturation(name: str, values: np.ndarray) -> float | None:
    """Fraction of outputs in the flat tails of the activation (its registry entry's
    ``flat_tails``; None if it has none, or for a layer of mixed activations)."""
    entry = activations.REGISTRY.get(name)
    if not values.size or entry is None or entry.flat_tails is None:
        return None
    return float(np.mean(entry.flat_tails(values)))
