"""``bpstudio train FILE``: train with the file's settings; the history CSV, the trained file."""

from __future__ import annotations

import csv
import io
import sys
import time
from pathlib import Path

from ..model.numfmt import general
from .common import RunFailure, UsageError, compiled_of, dataset_of, graph_of


class ProgressBar:
    """A one-line bar on stderr, redrawn at most ten times a second."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.enabled = max(total, 1), enabled
        self.last = 0.0

    def update(self, done: int, loss: float, force: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not force and now - self.last < 0.1):
            return
        self.last = now
        frac = min(done / self.total, 1.0)
        bar = "#" * int(frac * 30)
        sys.stderr.write(
            f"\r[{bar:<30}] {frac * 100:5.1f}%  epoch {done}/{self.total}  loss {general(loss)}"
        )
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")
            sys.stderr.flush()


def cmd_train(args) -> int:
    from ..model import fileformat
    from ..model.session import make_trainer

    graph = graph_of(args.file)
    compiled = compiled_of(graph, args.file)
    ds = dataset_of(graph, args.file)
    if len(ds) == 0:
        raise UsageError([f"{args.file}: data: there are no samples to train on"])
    epochs = args.epochs if args.epochs is not None else graph.settings.epochs
    if epochs < 0:
        raise UsageError([f"--epochs must be >= 0, not {epochs}"])
    compiled, trainer = make_trainer(graph, compiled)
    n_layers = len(compiled.net.layers)
    rows = []
    bar = ProgressBar(epochs, not args.quiet)
    last = None
    for stats in trainer.epochs(epochs):
        last = stats
        if stats.stopped != "diverged":
            rows.append(stats)
        bar.update(stats.epoch, stats.train_loss)
    if last is not None:
        bar.update(last.epoch, last.train_loss, force=True)
    bar.close()
    if args.history:
        _write_history(args.history, rows, n_layers, trainer.penalty.active)
    if last is not None and last.stopped == "diverged":
        from ..model.overflow import diagnose

        # name the place: the first overflow of a pass at the restored (last finite) weights
        where = diagnose(compiled, ds, graph.training)
        if where is not None:
            raise RunFailure(
                f"{args.file}: training stopped at epoch {last.epoch}: {where} "
                "(the weights were restored to the last finite values)"
            )
        raise RunFailure(f"{args.file}: {last.message}")
    if args.out:
        compiled.write_back(graph, emit=False)
        try:
            fileformat.save(graph, args.out)
        except OSError as exc:
            raise RunFailure(f"{args.out}: cannot write: {exc.strerror or exc}") from None
    if not args.quiet:
        if last is None:
            print("trained 0 epochs", file=sys.stderr)
        else:
            why = f" ({last.message})" if last.stopped else ""
            pen = f", penalty {general(last.penalty)}" if trainer.penalty.active else ""
            print(
                f"trained {last.epoch} epochs: loss {general(last.train_loss)}{pen}{why}",
                file=sys.stderr,
            )
    return 0


def _write_history(path: str, rows, n_layers: int, penalised: bool = False) -> None:
    """The history CSV (docs/cli.md); a regularised run has a last column, ``penalty``."""
    from ..model.atomic_write import atomic_write_text

    header = ["epoch", "train_loss", "val_loss"] + [
        f"grad_norm_{l}" for l in range(1, n_layers + 1)
    ]
    if penalised:
        header.append("penalty")
    fh = io.StringIO(newline="")
    w = csv.writer(fh)
    w.writerow(header)
    for s in rows:
        val = "" if s.val_loss is None else repr(float(s.val_loss))
        w.writerow(
            [
                s.epoch,
                repr(float(s.train_loss)),
                val,
                *(repr(float(x)) for x in s.grad_norms),
                *([repr(float(s.penalty))] if penalised else []),
            ]
        )
    try:
        atomic_write_text(Path(path), fh.getvalue())
    except OSError as exc:
        raise RunFailure(f"{path}: cannot write history: {exc.strerror or exc}") from None
