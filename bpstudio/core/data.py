"""Data sets: built-in generators, CSV loading, and the file's ``data`` section.

Generators return (X, labels_or_targets); :func:`dataset_from_spec` shapes targets to the
network's outputs: a 2-class problem gives one 0/1 target for a single output, or one-hot
targets when there are as many outputs as classes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import csvtable
from . import features as feats

GENERATORS = ("circles", "gaussians", "linear", "moons", "sine", "spirals", "xor")
CLASSIFIERS = {"circles", "gaussians", "moons", "spirals", "xor"}


class DataError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class Dataset:
    X: np.ndarray  # (n, inputs)
    Y: np.ndarray  # (n, outputs)
    labels: np.ndarray | None = None  # class index per sample, for plots and accuracy

    def __len__(self) -> int:
        return self.X.shape[0]


# --------------------------------------------------------------------------- generators
def xor(n, noise, rng, classes=2):
    X = rng.uniform(-1, 1, (n, 2))
    # keep points off the axes so the quadrant (the label) is unambiguous
    X += np.sign(X) * 0.1
    labels = (X[:, 0] * X[:, 1] < 0).astype(int)
    return X + rng.normal(0, noise, X.shape), labels


def circles(n, noise, rng, classes=2):
    labels = np.arange(n) % 2
    radius = np.where(labels == 1, rng.uniform(0, 0.5, n), rng.uniform(0.7, 1.0, n))
    angle = rng.uniform(0, 2 * math.pi, n)
    X = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
    return X + rng.normal(0, noise, X.shape), labels


def moons(n, noise, rng, classes=2):
    labels = np.arange(n) % 2
    t = rng.uniform(0, math.pi, n)
    X = np.where(
        labels[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
    )
    X = (X - np.array([0.5, 0.25])) / 1.2
    return X + rng.normal(0, noise, X.shape), labels


def spirals(n, noise, rng, classes=2):
    labels = np.arange(n) % classes
    r = rng.uniform(0.05, 1.0, n)
    angle = 2 * math.pi * labels / classes + 3.5 * r
    X = np.c_[r * np.cos(angle), r * np.sin(angle)]
    return X + rng.normal(0, noise, X.shape), labels


def gaussians(n, noise, rng, classes=2):
    labels = np.arange(n) % classes
    angles = 2 * math.pi * np.arange(classes) / classes
    centres = 0.6 * np.c_[np.cos(angles), np.sin(angles)]
    X = centres[labels] + rng.normal(0, 0.15 + noise, (n, 2))
    return X, labels


def linear(n, noise, rng, n_inputs=1):
    X = rng.uniform(-1, 1, (n, n_inputs))
    coef = np.linspace(1.0, -0.5, n_inputs)
    y = X @ coef + 0.3 + rng.normal(0, noise, n)
    return X, y[:, None]


def sine(n, noise, rng, n_inputs=1):
    X = np.sort(rng.uniform(-math.pi, math.pi, (n, 1)), axis=0)
    return X, np.sin(X) + rng.normal(0, noise, X.shape)


def generate(
    name: str,
    n: int = 200,
    noise: float = 0.1,
    seed: int = 1,
    classes: int = 2,
    n_inputs: int = 2,
    n_outputs: int = 1,
) -> Dataset:
    """Generate a data set shaped for a network with n_inputs / n_outputs."""
    rng = np.random.default_rng(seed)
    noise = float(noise) + 0.0  # -0.0 (typed "-0") is zero noise; numpy refuses its sign bit
    if name in CLASSIFIERS:
        fn = globals()[name]
        X, labels = fn(n, noise, rng, classes)
        return Dataset(X, one_hot_targets(labels, classes, n_outputs), labels)
    if name == "linear":
        X, Y = linear(n, noise, rng, n_inputs)
    elif name == "sine":
        X, Y = sine(n, noise, rng)
    else:
        raise KeyError(name)
    return Dataset(X, Y)


def one_hot_targets(labels: np.ndarray, classes: int, n_outputs: int) -> np.ndarray:
    if n_outputs == 1 and classes == 2:
        return labels[:, None].astype(float)
    if n_outputs == classes:
        return np.eye(classes)[labels]
    raise DataError(
        [
            f"the data has {classes} classes but the network has {n_outputs} outputs "
            f"(use 1 output for 2 classes, or one output per class)"
        ]
    )


# --------------------------------------------------------------------------- CSV
def read_csv_file(path: str | Path, where: str | None = None) -> csvtable.CsvTable:
    """A CSV file as a table (see :mod:`.csvtable`); DataError naming the file and row."""
    try:
        return csvtable.read_table(path, where)
    except csvtable.CsvError as exc:
        raise DataError(exc.errors) from None


def csv_columns(table: csvtable.CsvTable, columns: list[str], where: str | None = None):
    """The named columns of a table as a float array; DataError per bad cell."""
    try:
        return csvtable.columns(table, columns, where)
    except csvtable.CsvError as exc:
        raise DataError(exc.errors) from None


# One file read per (file version, columns): the command line validates, then runs, and the
# app revalidates on every data edit; a 1,000,000-row file should be parsed once.
_csv_cache: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}


def load_csv(path: Path, inputs: list[str], targets: list[str], where: str = "data.csv") -> Dataset:
    try:
        st = path.stat()
        key = (
            str(path.resolve()),
            st.st_dev,
            st.st_ino,
            st.st_size,
            st.st_mtime_ns,
            tuple(inputs),
            tuple(targets),
        )
    except (OSError, ValueError):
        key = None  # read_csv_file says what is wrong
    if key is not None and key in _csv_cache:
        X, Y = _csv_cache[key]
        return Dataset(X.copy(), Y.copy())
    table = read_csv_file(path, where)
    if not len(table):
        raise DataError([f"{where}: CSV file {str(path)!r} has a header but no rows"])
    XY = csv_columns(table, [*inputs, *targets], where)
    X, Y = XY[:, : len(inputs)], XY[:, len(inputs) :]
    if key is not None:
        _csv_cache.clear()
        _csv_cache[key] = (X, Y)
    return Dataset(X.copy(), Y.copy())


# --------------------------------------------------------------------------- the data section
def _number_list(v, where, errors) -> list[float] | None:
    if not isinstance(v, list):
        errors.append(f"{where} must be a list of numbers")
        return None
    for j, x in enumerate(v):
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            errors.append(f"{where}[{j}] must be a finite number")
            return None
    return [float(x) for x in v]


# The app reads one unchanged data section many times: the pass, training, the fit check
# and the data panel each built it again at every edit of the network (2 × 30 ms for 64
# samples of 100 inputs; seconds for a generated 1,000,000). The last few are kept, keyed by
# the spec object's identity: the app never changes a data dict in place (an edit sets a new
# one, an undo a deep copy of the old), and each entry holds its spec, so the id cannot be
# reused while the entry lives. CSV sources are read afresh (their own cache checks the file).
SPEC_CACHE_SIZE = 2
_spec_cache: dict[tuple, tuple[dict, Dataset]] = {}


def dataset_from_spec(
    spec: dict, n_inputs: int, n_outputs: int, base_dir: Path | None = None, where: str = "data"
) -> Dataset:
    """Build the data set a file's ``data`` section describes; DataError names the key.

    With ``features`` (core/features.py) the source has ``n_inputs`` minus that many columns
    of its own and each feature adds one after them. Each call returns arrays of its own."""
    if not isinstance(spec, dict) or "csv" in spec:
        return _dataset_from_spec(spec, n_inputs, n_outputs, base_dir, where)
    key = (id(spec), n_inputs, n_outputs, where)
    hit = _spec_cache.get(key)
    if hit is None or hit[0] is not spec:
        hit = (spec, _dataset_from_spec(spec, n_inputs, n_outputs, base_dir, where))
        _spec_cache.pop(key, None)
        _spec_cache[key] = hit
        while len(_spec_cache) > SPEC_CACHE_SIZE:
            del _spec_cache[next(iter(_spec_cache))]  # the oldest
    ds = hit[1]
    return Dataset(ds.X.copy(), ds.Y.copy(), None if ds.labels is None else ds.labels.copy())


# one short branch per data source and generator kind, in the order the spec lists them
def _dataset_from_spec(  # noqa: C901
    spec: dict, n_inputs: int, n_outputs: int, base_dir: Path | None, where: str
) -> Dataset:
    if isinstance(spec, dict) and "features" in spec:
        names = spec["features"]
        k = len(names) if isinstance(names, list) else 0
        raw_dims = n_inputs - k
        wrong = feats.check(names, raw_dims, f"{where}.features")
        if wrong:
            raise DataError(wrong)
        raw = {key: v for key, v in spec.items() if key != "features"}
        ds = _dataset_from_spec(raw, raw_dims, n_outputs, base_dir, where)
        return Dataset(feats.expand(ds.X, names), ds.Y, ds.labels)
    sources = [k for k in ("samples", "generator", "csv") if k in spec]
    if len(sources) > 1:
        raise DataError([f"{where}: give exactly one data source, not {' and '.join(sources)}"])
    if not sources:
        return Dataset(np.zeros((0, n_inputs)), np.zeros((0, n_outputs)))
    kind = sources[0]
    errors: list[str] = []
    if kind == "samples":
        samples = spec["samples"]
        if not isinstance(samples, list):
            raise DataError([f"{where}.samples must be a list"])
        X, Y = [], []
        for i, s in enumerate(samples):
            w = f"{where}.samples[{i}]"
            if not isinstance(s, dict):
                errors.append(f"{w} must be an object with x and y")
                continue
            x = _number_list(s.get("x"), f"{w}.x", errors)
            y = _number_list(s.get("y"), f"{w}.y", errors)
            if x is not None and len(x) != n_inputs:
                errors.append(f"{w}.x has {len(x)} values but the network has {n_inputs} inputs")
            if y is not None and len(y) != n_outputs:
                errors.append(f"{w}.y has {len(y)} values but the network has {n_outputs} outputs")
            if x is not None and y is not None:
                X.append(x)
                Y.append(y)
        if errors:
            raise DataError(errors)
        # explicit row counts: reshape(-1, 0) is ambiguous (a network without inputs or outputs)
        return Dataset(
            np.array(X, float).reshape(len(X), n_inputs),
            np.array(Y, float).reshape(len(Y), n_outputs),
        )
    if kind == "generator":
        g = spec["generator"]
        if not isinstance(g, dict):
            raise DataError([f"{where}.generator must be an object"])
        name = g.get("name")
        if name not in GENERATORS:
            raise DataError(
                [f"{where}.generator.name {name!r} is not known (known: {', '.join(GENERATORS)})"]
            )
        checks = {"n": (int, 1, 1_000_000), "seed": (int, 0, 2**63), "classes": (int, 2, 50)}
        for key, (_, lo, hi) in checks.items():
            v = g.get(key)
            if key in g and (isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi):
                errors.append(
                    f"{where}.generator.{key} must be an integer in [{lo}, {hi}], not {v!r}"
                )
        noise = g.get("noise", 0.1)
        if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise <= 10:
            errors.append(f"{where}.generator.noise must be a number in [0, 10], not {noise!r}")
        if errors:
            raise DataError(errors)
        expected_inputs = 2 if name in CLASSIFIERS else (1 if name == "sine" else n_inputs)
        if n_inputs != expected_inputs:
            raise DataError(
                [
                    f"{where}.generator {name!r} makes {expected_inputs}-D inputs but the network has {n_inputs} inputs"
                ]
            )
        if name not in CLASSIFIERS and n_outputs != 1:
            raise DataError(
                [
                    f"{where}.generator {name!r} makes 1 target but the network has {n_outputs} outputs"
                ]
            )
        try:
            return generate(
                name,
                g.get("n", 200),
                float(noise),
                g.get("seed", 1),
                g.get("classes", 2),
                n_inputs,
                n_outputs,
            )
        except DataError as exc:
            raise DataError([f"{where}.generator: {e}" for e in exc.errors]) from None
    # csv
    rel = spec["csv"]
    if not isinstance(rel, str) or not rel:
        raise DataError([f"{where}.csv must be a file path string"])
    cols: dict[str, list[str]] = {}
    for key, n in (("inputs", n_inputs), ("targets", n_outputs)):
        v = spec.get(key)
        if not isinstance(v, list) or not all(isinstance(c, str) for c in v):
            errors.append(f"{where}.{key} must be a list of CSV column names")
        elif len(v) != n:
            errors.append(
                f"{where}.{key} names {len(v)} columns but the network has {n} {key[:-1]}s"
                if key == "inputs"
                else f"{where}.{key} names {len(v)} columns but the network has {n} outputs"
            )
        cols[key] = v if isinstance(v, list) else []  # refused above when not a list
    if errors:
        raise DataError(errors)
    path = Path(rel)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    return load_csv(path, cols["inputs"], cols["targets"], f"{where}.csv")


def split(ds: Dataset, fraction: float, seed: int) -> tuple[Dataset, Dataset | None]:
    """Seeded split into (train, validation); fraction 0 gives no validation set."""
    n_val = int(round(len(ds) * fraction))
    if fraction <= 0 or n_val == 0 or n_val >= len(ds):
        return ds, None
    order = np.random.default_rng(seed).permutation(len(ds))
    val, train = order[:n_val], order[n_val:]

    def pick(idx):
        return Dataset(ds.X[idx], ds.Y[idx], None if ds.labels is None else ds.labels[idx])

    return pick(train), pick(val)
