"""Does the data fit the network? What does not, in plain words, and the fixes that apply.

A drawing changes under its data: a lecturer places a third input after typing two-column
samples, adds an output, or keeps a 2-D generator on a network that now has 3 inputs. Such a
network still opens in the app (every file the app writes opens again in the app): the Data
panel shows :attr:`Misfit.problems` and offers :attr:`Misfit.fixes`, each one undo step, and
training and pass stepping say why they cannot run. The command line stays strict: ``check``,
``trace`` and ``train`` refuse such a file (exit 2), see docs/network-format.md.

Only the *width* of otherwise sound data is a misfit. Data that is broken in itself (a
sample that is not a list of numbers, rows of different widths, an unknown generator, a CSV
file that cannot be read) is refused at load as before.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..core import data as coredata
from ..core.features import FEATURES, feature_names

CLASSIFIERS = coredata.CLASSIFIERS
TWO_CLASS_ONLY = {"xor", "circles", "moons"}  # these ignore "classes": always 2
MAX_CLASSES = 50


@dataclass(frozen=True)
class Fix:
    """One way to make the data fit; ``options`` are (label, make the new graph.data).

    Most fixes have a single option (label ""); "drop a column" has one option per column,
    the last column first (a neuron placed last is the last column). ``make`` may raise
    DataError (a CSV file that changed since it was read).
    """

    text: str
    # each maker is called with no argument (its lambda's defaults bind the column)
    options: list[tuple[str, Callable[..., dict]]]
    tip: str = ""

    def data(self, option: int = 0) -> dict:
        return self.options[option][1]()


@dataclass
class Misfit:
    widths: tuple[int, int]  # (inputs, outputs) the data itself has
    network: tuple[int, int]  # (inputs, outputs) the network has
    problems: list[str] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    def message(self) -> str:
        """One line for the training and pass controls."""
        text = " ".join(self.problems).rstrip(".")
        return (
            f"the data does not fit the network: {text[:1].lower()}{text[1:]} "
            "(fix it in the Data panel)"
        )


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


# --------------------------------------------------------------------------- widths
# complexity: one check per data source, each naming its key
def data_widths(spec: dict, n_in: int, n_out: int) -> tuple[int, int] | None:  # noqa: C901
    """The (inputs, outputs) the data itself has; None when it has no single width.

    None means "not a misfit": rows of different widths, an unknown generator or a badly
    typed section are broken data, which the strict check reports in its own words.
    """
    if not isinstance(spec, dict):
        return None
    if "features" in spec:  # the source's own columns, then one per feature
        names = feature_names(spec)
        if not isinstance(spec["features"], list) or len(names) != len(spec["features"]):
            return None  # not a list of names: broken data, the strict check says so
        k = len(names)
        raw = {key: v for key, v in spec.items() if key != "features"}
        # a source that takes the network's width (linear, none) is as wide as the features
        # need: adding inputs to such a network is then a misfit the panel offers to fix,
        # not a file that fails the strict check ("x1^2 needs 2-D data") after a save
        dims = {FEATURES[n].dims for n in names if n in FEATURES}
        raw_in = dims.pop() if len(dims) == 1 and len(names) == len(set(names)) else n_in - k
        w = data_widths(raw, raw_in, n_out)
        return None if w is None else (w[0] + k, w[1])
    sources = [k for k in ("samples", "generator", "csv") if k in spec]
    if not sources:
        return n_in, n_out
    if len(sources) > 1:
        return None
    kind = sources[0]
    if kind == "samples":
        samples = spec["samples"]
        if not isinstance(samples, list) or not all(isinstance(s, dict) for s in samples):
            return None
        if not samples:
            return n_in, n_out
        xs = {len(s["x"]) if isinstance(s.get("x"), list) else -1 for s in samples}
        ys = {len(s["y"]) if isinstance(s.get("y"), list) else -1 for s in samples}
        if len(xs) != 1 or len(ys) != 1 or -1 in xs | ys:
            return None
        return xs.pop(), ys.pop()
    if kind == "generator":
        g = spec["generator"]
        if not isinstance(g, dict):
            return None
        name = g.get("name")
        if name in CLASSIFIERS:
            classes = g.get("classes", 2)
            if isinstance(classes, bool) or not isinstance(classes, int):
                return None
            if (n_out == 1 and classes == 2) or n_out == classes:
                return 2, n_out
            return 2, 1 if classes == 2 else classes
        if name == "sine":
            return 1, 1
        if name == "linear":
            return n_in, 1
        return None
    inputs, targets = spec.get("inputs"), spec.get("targets")
    if not isinstance(inputs, list) or not isinstance(targets, list):
        return None
    return len(inputs), len(targets)


def misfit(spec: dict, n_in: int, n_out: int, base_dir: Path | None = None) -> Misfit | None:
    """What does not fit and how to fix it, or None when the widths agree (or cannot be told).

    Cheap: nothing is generated or read here; a fix may read the CSV file (relative to
    base_dir) when it is applied.
    """
    widths = data_widths(spec, n_in, n_out)
    if widths is None or widths == (n_in, n_out):
        return None
    m = Misfit(widths, (n_in, n_out))
    sources = [k for k in ("samples", "generator", "csv") if k in spec]
    if "features" in spec:
        _features_misfit(spec, m)
        if sources:  # no source (derived features ticked on a network without data): no rows
            m.fixes.append(_as_table_fix(spec, m, base_dir))
        return m
    kind = sources[0]  # data_widths: no source always fits, two are not a misfit
    {"samples": _samples_misfit, "generator": _generator_misfit, "csv": _csv_misfit}[kind](spec, m)
    if kind != "samples":
        m.fixes.append(_as_table_fix(spec, m, base_dir))
    return m


def graph_misfit(graph, base_dir: Path | None = None) -> Misfit | None:
    base = base_dir if base_dir is not None else getattr(graph, "base_dir", None)
    return misfit(graph.data, len(graph.inputs()), len(graph.outputs()), base)


def sound_at_own_widths(spec: dict, m: Misfit, base_dir: Path | None) -> bool:
    """True if the data, read at its own widths, is valid: then it is only a misfit."""
    try:
        coredata.dataset_from_spec(spec, *m.widths, base_dir=base_dir)
    except coredata.DataError:
        return False
    return True


def check_fit(spec: dict, n_in: int, n_out: int) -> None:
    """Raise DataError with the plain misfit message (training and pass stepping show it)."""
    m = misfit(spec, n_in, n_out)
    if m is not None:
        raise coredata.DataError([m.message()])


# --------------------------------------------------------------------------- features
def _features_misfit(spec: dict, m: Misfit) -> None:
    """Derived features on data of another width: say so; the fix drops the features (the
    input neurons stay: then the plain misfit's fixes apply) or keeps the columns as a table."""
    (w_in, w_out), (n_in, n_out) = m.widths, m.network
    k = len(spec["features"])
    if w_in != n_in:
        m.problems.append(
            f"The data has {_plural(w_in, 'input column')} ({w_in - k} of its own and "
            f"{_plural(k, 'derived feature')}) but the network has {_plural(n_in, 'input')}."
        )
    if w_out != n_out:
        m.problems.append(
            f"The data has {_plural(w_out, 'target column')} but the network has "
            f"{_plural(n_out, 'output')}."
        )
    plain = {key: v for key, v in spec.items() if key != "features"}
    m.fixes.append(
        Fix(
            "Stop using the derived features",
            [("", lambda: copy.deepcopy(plain))],
            "The data feeds its own columns only",
        )
    )


# --------------------------------------------------------------------------- samples
def _samples_misfit(spec: dict, m: Misfit) -> None:
    (w_in, w_out), (n_in, n_out) = m.widths, m.network
    for key, w, n, col, has in (
        ("x", w_in, n_in, "input column", "input"),
        ("y", w_out, n_out, "target column", "output"),
    ):
        if w == n:
            continue
        m.problems.append(f"The data has {_plural(w, col)} but the network has {_plural(n, has)}.")
        if w < n:
            more = n - w
            m.fixes.append(
                Fix(
                    f"Add {_plural(more, col)} filled with 0",
                    [
                        (
                            "",
                            lambda k=key, more=more: _with_rows(
                                spec, k, lambda r: r + [0.0] * more
                            ),
                        )
                    ],
                    f"Every sample gets {more} more {key} value{'s' * (more != 1)}, 0, at the end "
                    "(a neuron placed last is the last column)",
                )
            )
        else:
            options = [
                (
                    f"column {c + 1}",
                    lambda k=key, c=c: _with_rows(spec, k, lambda r: r[:c] + r[c + 1 :]),
                )
                for c in reversed(range(w))
            ]
            m.fixes.append(Fix(f"Drop {col}", options, f"Remove one {col} from every sample"))


def _with_rows(spec: dict, key: str, change) -> dict:
    new = copy.deepcopy(spec)
    for s in new["samples"]:
        s[key] = change(list(s[key]))
    return new


# --------------------------------------------------------------------------- generator
def _generator_misfit(spec: dict, m: Misfit) -> None:
    g = spec["generator"]
    name = g.get("name")
    (w_in, w_out), (n_in, n_out) = m.widths, m.network
    if w_in != n_in:
        m.problems.append(
            f"The {name!r} generator makes {_plural(w_in, 'input')} but the network has {n_in}."
        )
    if w_out != n_out:
        if name in CLASSIFIERS:
            m.problems.append(
                f"The {name!r} generator makes {g.get('classes', 2)} classes but the network has "
                f"{_plural(n_out, 'output')} (1 output for 2 classes, or one per class)."
            )
        else:
            m.problems.append(
                f"The {name!r} generator makes 1 target but the network has {n_out} outputs."
            )
    new = refit_generator(g, n_in, n_out)
    if new is not None:
        m.fixes.append(
            Fix(
                _regenerate_text(g, new, n_in, n_out),
                [("", lambda: {**copy.deepcopy(spec), "generator": new})],
                "New data of the same size, noise and seed that fits the network",
            )
        )


def refit_generator(g: dict, n_in: int, n_out: int) -> dict | None:
    """The generator changed as little as possible to fit n_in/n_out; None if none can.

    A classifier stays a classifier while the network has 2 inputs (more outputs: more
    classes; xor/circles/moons only make 2, so gaussians takes over), a regression stays a
    regression while it has 1 output ("linear" takes any number of inputs).
    """
    name = g.get("name")
    new = copy.deepcopy(g)
    classifier_fits = n_in == 2 and 1 <= n_out <= MAX_CLASSES
    regression_fits = n_out == 1 and n_in >= 1
    if classifier_fits and (name in CLASSIFIERS or not regression_fits):
        classes = 2 if n_out in (1, 2) else n_out
        if name not in CLASSIFIERS or (name in TWO_CLASS_ONLY and classes != 2):
            new["name"] = "gaussians"
        new["classes"] = classes
        return new
    if regression_fits:
        new["name"] = "sine" if n_in == 1 and name == "sine" else "linear"
        new.pop("classes", None)
        return new
    return None


def _regenerate_text(old: dict, new: dict, n_in: int, n_out: int) -> str:
    what = f"{_plural(n_in, 'input')} and {_plural(n_out, 'output')}"
    if new.get("name") != old.get("name"):
        return f"Regenerate as {new['name']!r} data for {what}"
    return f"Regenerate with {new['classes']} classes for {what}"


def _as_table_fix(spec: dict, m: Misfit, base_dir: Path | None) -> Fix:
    """Keep these very samples as a table (at the data's own width): then add/drop columns."""
    w_in, w_out = m.widths

    def make() -> dict:
        ds = coredata.dataset_from_spec(spec, w_in, w_out, base_dir=base_dir)
        rows = zip(ds.X.tolist(), ds.Y.tolist(), strict=True)
        return {"samples": [{"x": x, "y": y} for x, y in rows]}

    return Fix(
        f"Edit as a table ({_plural(w_in, 'input column')}, {_plural(w_out, 'target')})",
        [("", make)],
        "Copy the data into an editable table of samples, then add or drop its columns",
    )


# --------------------------------------------------------------------------- CSV
def _csv_misfit(spec: dict, m: Misfit) -> None:
    (w_in, w_out), (n_in, n_out) = m.widths, m.network
    name = Path(str(spec.get("csv"))).name
    for key, w, n, col, has in (
        ("inputs", w_in, n_in, "input column", "input"),
        ("targets", w_out, n_out, "target column", "output"),
    ):
        if w == n:
            continue
        m.problems.append(
            f"The data uses {_plural(w, col)} of {name} but the network has {_plural(n, has)}."
        )
        if w > n:
            options = [
                (str(spec[key][c]), lambda k=key, c=c: _without(spec, k, c))
                for c in reversed(range(w))
            ]
            m.fixes.append(Fix(f"Drop {col}", options, f"Stop using one {col} of {name}"))


def _without(spec: dict, key: str, c: int) -> dict:
    new = copy.deepcopy(spec)
    del new[key][c]
    return new
