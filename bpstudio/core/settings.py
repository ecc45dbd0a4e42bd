"""The training settings of a network, typed, with the one set of defaults.

A file's ``training`` object keeps exactly the keys the file had (``Graph.training``, written
back as read). Everything that *uses* a setting reads it through :class:`TrainingSettings`,
where a missing key is filled in with the default below: the CLI, the app, the reports and the
export train, show and write the same numbers for the same file. docs/network-format.md lists
these defaults; change them here and there only.

Why these values: the app's new network always had them (learning rate 0.5, 1000 epochs: the
classic worked example's rate, and enough epochs for XOR); a file without the key now trains
the same in ``bpstudio train`` (which used 100 epochs) and wherever the learning rate fell back
to 0.01.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any


@dataclass(frozen=True)
class TrainingSettings:
    loss: str = "half_squared_error"
    optimizer: str = "sgd"
    learning_rate: float = 0.5
    # optimizer hyperparameters; None: the optimizer's own default (core/optimizers.py: β₂ is
    # 0.9 for rmsprop, 0.999 for adam)
    momentum: float | None = None
    beta1: float | None = None
    beta2: float | None = None
    eps: float | None = None
    batch_size: int | None = None  # None: all samples in one batch
    epochs: int = 1000
    seed: int = 0  # weight init and shuffling
    shuffle: bool = True
    init: str = "xavier_uniform"  # for missing weights and Re-initialise
    stop_loss: float | None = None  # stop when the training loss falls below it
    validation_split: float = 0.0
    # regularisation (core/regularization.py): λ₂/2·Σw² + λ₁·Σ|w| over the trainable weights
    l2: float = 0.0
    l1: float = 0.0

    @classmethod
    def from_dict(cls, training: Mapping[str, Any]) -> TrainingSettings:
        """The settings of a file's ``training`` object (validated by model/fileformat.py);
        missing keys, and a null batch_size/stop_loss/validation_split/l1/l2, take the defaults."""
        t = training
        d = cls()

        def num(key: str, default: float | None) -> float | None:
            v = t.get(key)
            return default if v is None else float(v)

        batch = t.get("batch_size")
        return cls(
            loss=str(t.get("loss", d.loss)),
            optimizer=str(t.get("optimizer", d.optimizer)),
            learning_rate=float(t.get("learning_rate", d.learning_rate)),
            momentum=num("momentum", None),
            beta1=num("beta1", None),
            beta2=num("beta2", None),
            eps=num("eps", None),
            batch_size=int(batch) if batch else None,  # 0 or null: the full batch
            epochs=int(t.get("epochs", d.epochs)),
            seed=int(t.get("seed", d.seed)),
            shuffle=bool(t.get("shuffle", d.shuffle)),
            init=str(t.get("init", d.init)),
            stop_loss=num("stop_loss", None),
            validation_split=float(t.get("validation_split") or 0.0),
            l2=float(t.get("l2") or 0.0),
            l1=float(t.get("l1") or 0.0),
        )

    def hyperparameters(self, optimizer: str | None = None) -> dict[str, float]:
        """The optimizer's hyperparameters with their values in use (the file's or the
        optimizer's defaults), e.g. ``{"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}``."""
        from .optimizers import OPTIMIZERS

        entry = OPTIMIZERS[optimizer or self.optimizer]
        given = {k: getattr(self, k) for k in entry.defaults}
        return {k: v if given[k] is None else float(given[k]) for k, v in entry.defaults.items()}

    def to_dict(self, keys: tuple[str, ...] | None = None) -> dict[str, Any]:
        """A ``training`` object with these values (every set key, or only ``keys``)."""
        names = keys or tuple(f.name for f in fields(self))
        return {k: getattr(self, k) for k in names if getattr(self, k) is not None}


def settings_of(training: TrainingSettings | Mapping[str, Any]) -> TrainingSettings:
    """Settings from either form (functions take a file's dict or settings alike)."""
    if isinstance(training, TrainingSettings):
        return training
    return TrainingSettings.from_dict(training)


DEFAULTS = TrainingSettings()
