"""A parsed network document checked key by key and built into a Graph: every problem is one
line of the NetworkFileError, and the training settings and data are checked against the
registries and the data rules."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..core import activations, limits, losses, optimizers
from ..core import data as coredata
from ..core.init import INITIALISERS
from .file_spec import EDGE_KEYS, FORMAT, NEURON_KEYS, TOP_KEYS, VERSION, NetworkFileError
from .graph import ROLES, Edge, Graph, Neuron


class _Errors(list):
    def add(self, msg: str) -> None:
        self.append(msg)


def _is_number(v: Any) -> bool:
    if not isinstance(v, int | float) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int beyond float range
        return False


def _type_name(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(v), "null" if v is None else "a number"
    )


def from_document(
    doc: Any, base_dir: Path | None = None, allow_misfit: bool = False, consume: bool = False
) -> Graph:
    """Validate a parsed document and build its Graph (NetworkFileError with every problem).

    allow_misfit: see :func:`load`. consume=True (for a document nobody else holds, as in
    :func:`load`): each neuron and edge object is dropped from the document once read, so a
    1,000,000-edge file is not held twice, as JSON objects and as the graph."""
    errors = _Errors()
    if not isinstance(doc, dict):
        raise NetworkFileError([f"the top level must be a JSON object, not {_type_name(doc)}"])
    fmt = doc.get("format")
    if fmt != FORMAT:
        errors.add(f"format must be {FORMAT!r}, not {fmt!r}")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        errors.add(f"version must be an integer, not {_type_name(version)}")
    elif version > VERSION:
        raise NetworkFileError(
            [
                f"version {version} is newer than this bpstudio understands (up to {VERSION}): please update bpstudio"
            ]
        )
    elif version < 1:
        errors.add(f"version {version} is not a known version")
    doc = migrate(doc)

    g = Graph()
    for key in ("name", "description"):
        if key in doc and not isinstance(doc[key], str):
            errors.add(f"{key} must be a string, not {_type_name(doc[key])}")
    g.name = doc.get("name") if isinstance(doc.get("name"), str) else "Untitled network"
    g.description = doc.get("description") if isinstance(doc.get("description"), str) else ""
    g.extra = {k: v for k, v in doc.items() if k not in TOP_KEYS}

    for key, most in (("neurons", limits.MAX_NEURONS), ("edges", limits.MAX_EDGES)):
        items = doc.get(key)
        if isinstance(items, list) and len(items) > most:  # refused before any work on them
            raise NetworkFileError(
                [
                    f"{key}: the file has {len(items):,} {key}, more than the limit of {most:,} "
                    "(see Size limits in the file format documentation)"
                ]
            )
    _read_neurons(doc.get("neurons"), g, errors, consume)
    _read_edges(doc.get("edges"), g, errors, consume)
    training = doc.get("training", {})
    if not isinstance(training, dict):
        errors.add(f"training must be an object, not {_type_name(training)}")
        training = {}
    g.training = dict(training)
    errors.extend(validate_training(g.training))
    data = doc.get("data", {"samples": []})
    if not isinstance(data, dict):
        errors.add(f"data must be an object, not {_type_name(data)}")
        data = {"samples": []}
    g.data = dict(data)
    if not errors:
        from .compile import structure_errors  # graph rules: cycles, roles, softmax

        errors.extend(structure_errors(g))
    if not errors:
        errors.extend(validate_data(g, base_dir, allow_misfit))
    if errors:
        raise NetworkFileError(list(errors))
    g.base_dir = base_dir
    return g


def migrate(doc: dict) -> dict:
    """Bring an older version up to VERSION. v1 is the first version: nothing to do yet."""
    return doc


def _objects_with_ids(
    items: list, what: str, errors: _Errors, consume: bool
) -> Iterator[tuple[int, dict, str]]:
    """(row, object, id) of each entry of a neurons/edges list that is an object with a
    non-empty string id; the others are reported by row. With ``consume`` each entry is
    dropped from the list as it is read, so a 1,000,000-edge file is not held twice."""
    for i, item in enumerate(items):
        if consume:
            items[i] = None
        if not isinstance(item, dict):
            errors.add(f"{what}[{i}] must be an object, not {_type_name(item)}")
            continue
        xid = item.get("id")
        if not isinstance(xid, str) or not xid:
            errors.add(f"{what}[{i}].id must be a non-empty string")
            continue
        yield i, item, xid


# complexity: a flat list of checks, each naming its key and row, in file order
def _read_neurons(items: Any, g: Graph, errors: _Errors, consume: bool = False) -> None:  # noqa: C901
    if not isinstance(items, list):
        errors.add(f"neurons must be a list, not {_type_name(items)}")
        return
    # One pass per neuron on files of 1,000,000 neurons: messages (f-strings) are built only
    # when something is wrong (see _nwhere).
    for i, item, nid in _objects_with_ids(items, "neurons", errors, consume):
        role = item.get("role")
        if role not in ROLES:
            errors.add(f"{_nwhere(i, nid)}.role must be one of {', '.join(ROLES)}, not {role!r}")
            continue
        n = Neuron(id=nid, role=role)
        if not item.keys() <= NEURON_KEYS:
            n.extra = {k: v for k, v in item.items() if k not in NEURON_KEYS}
        if role in ("hidden", "output"):
            a = item.get("activation")
            if a is None:
                errors.add(f"{_nwhere(i, nid)}.activation is required on a {role} neuron")
            else:
                try:
                    n.activation = activations.canonical(a) if isinstance(a, str) else _bad()
                except (KeyError, TypeError):
                    errors.add(
                        f"{_nwhere(i, nid)}.activation {a!r} is not an activation (known: {', '.join(activations.NAMES)})"
                    )
            if "bias" in item:
                if _is_number(item["bias"]):
                    n.bias = float(item["bias"])
                else:
                    errors.add(
                        f"{_nwhere(i, nid)}.bias must be a finite number, not {_type_name(item['bias'])}"
                    )
        else:
            for key in ("activation", "bias"):
                if key in item:
                    errors.add(f"{_nwhere(i, nid)}.{key} is not allowed on an {role} neuron")
        if "label" in item:
            if isinstance(item["label"], str):
                n.label = item["label"]
            else:
                errors.add(f"{_nwhere(i, nid)}.label must be a string")
        for key in _XY:
            if key in item:
                if _is_number(item[key]):
                    setattr(n, key, float(item[key]))
                else:
                    errors.add(
                        f"{_nwhere(i, nid)}.{key} must be a finite number, not {_type_name(item[key])}"
                    )
        if "trainable" in item:
            if isinstance(item["trainable"], bool):
                n.trainable = item["trainable"]
            else:
                errors.add(f"{_nwhere(i, nid)}.trainable must be true or false")
        if nid in g.neurons:
            errors.add(f"{_nwhere(i, nid)}: duplicate neuron id {nid!r}")
            continue
        g.neurons[nid] = n


def _nwhere(i: int, nid: str) -> str:
    return f"neurons[{i}] (id {nid!r})"


_XY = ("x", "y")


def _bad():
    raise TypeError


# complexity: a flat list of checks, each naming its key and row, in file order
def _read_edges(items: Any, g: Graph, errors: _Errors, consume: bool = False) -> None:  # noqa: C901
    if items is None:
        items = []
    if not isinstance(items, list):
        errors.add(f"edges must be a list, not {_type_name(items)}")
        return
    neurons, edges = g.neurons, g.edges
    get_neuron = neurons.get
    # One pass per edge on files of 1,000,000 edges: messages (f-strings) are built only when
    # something is wrong, and a duplicate (source, target) pair is found by structure_errors
    # (one sort) rather than a dict of a million tuples here.
    for i, item, eid in _objects_with_ids(items, "edges", errors, consume):
        source, target = item.get("source"), item.get("target")
        s_neuron = get_neuron(source) if isinstance(source, str) else None
        t_neuron = get_neuron(target) if isinstance(target, str) else None
        w = item.get("weight", _ABSENT)
        if w is _ABSENT:
            w = None
        elif type(w) is not float or w - w != 0.0:  # the common case, a finite float, is done
            if _is_number(w):
                w = float(w)
            else:
                errors.add(
                    f"{_where(i, eid)}.weight must be a finite number, not {_type_name(w)}"
                    " (leave it out to have it initialised)"
                )
                w = None
        if s_neuron is None or t_neuron is None:
            _reference_errors(i, eid, source, target, neurons, errors)
            e = Edge(eid, str(source), str(target), w)  # refused: errors name the reference
        else:  # the neurons' own id strings: one copy of each id, not one per edge
            e = Edge(eid, s_neuron.id, t_neuron.id, w)
        if not EDGE_KEYS.issuperset(item):
            e.extra = {k: v for k, v in item.items() if k not in EDGE_KEYS}
        t = item.get("trainable", _ABSENT)
        if t is not _ABSENT:
            if isinstance(t, bool):
                e.trainable = t
            else:
                errors.add(f"{_where(i, eid)}.trainable must be true or false")
        if eid in edges or eid in neurons:
            errors.add(f"{_where(i, eid)}: duplicate id {eid!r}")
            continue
        if s_neuron is not None and t_neuron is not None:
            if source == target:
                errors.add(f"{_where(i, eid)}: self-loop on {source!r}")
            elif t_neuron.role in _SOURCE_ROLES:
                errors.add(f"{_where(i, eid)}: edge into {t_neuron.role} neuron {target!r}")
            elif s_neuron.role == "output":
                errors.add(f"{_where(i, eid)}: edge out of output neuron {source!r}")
        edges[eid] = e


_ABSENT = object()
_SOURCE_ROLES = ("input", "bias")


def _reference_errors(i: int, eid: str, source, target, neurons: dict, errors: _Errors) -> None:
    for key, ref in (("source", source), ("target", target)):
        if not isinstance(ref, str):
            errors.add(f"{_where(i, eid)}.{key} must be a neuron id string, not {_type_name(ref)}")
        elif ref not in neurons:
            errors.add(f"{_where(i, eid)}.{key} {ref!r} is not a neuron id")


def _where(i: int, eid: str) -> str:
    return f"edges[{i}] (id {eid!r})"


RANGES = {
    "learning_rate": (lambda v: v > 0, "> 0"),
    "momentum": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "beta1": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "beta2": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "eps": (lambda v: v > 0, "> 0"),
    "stop_loss": (lambda v: v >= 0, ">= 0"),
    "validation_split": (lambda v: 0 <= v <= 0.9, "in [0, 0.9]"),
    "l2": (lambda v: v >= 0, ">= 0"),
    "l1": (lambda v: v >= 0, ">= 0"),
}
INTEGERS = {"batch_size": 1, "epochs": 0, "seed": 0}


def validate_training(t: dict) -> list[str]:
    errors: list[str] = []
    names = {"loss": losses.NAMES, "optimizer": optimizers.NAMES, "init": sorted(INITIALISERS)}
    for key, known in names.items():
        if key in t and t[key] not in known:
            errors.append(f"training.{key} {t[key]!r} is not known (known: {', '.join(known)})")
    for key, (ok, text) in RANGES.items():
        if key in t:
            v = t[key]
            if not _is_number(v):
                errors.append(f"training.{key} must be a finite number, not {_type_name(v)}")
            elif not ok(v):
                errors.append(f"training.{key} = {v} is out of range: must be {text}")
    for key, low in INTEGERS.items():
        if key in t:
            v = t[key]
            if not isinstance(v, int) or isinstance(v, bool):
                errors.append(f"training.{key} must be an integer, not {_type_name(v)}")
            elif v < low:
                errors.append(f"training.{key} = {v} is out of range: must be >= {low}")
    if "shuffle" in t and not isinstance(t["shuffle"], bool):
        errors.append("training.shuffle must be true or false")
    return errors


def validate_data(g: Graph, base_dir: Path | None, allow_misfit: bool = False) -> list[str]:
    """Check the data section, including that sample widths match the inputs/outputs.

    With allow_misfit a width that does not fit is no error, as long as the data is sound at
    its own width (the app opens it and says what does not fit).
    """
    try:
        coredata.dataset_from_spec(
            g.data, len(g.inputs()), len(g.outputs()), base_dir=base_dir, where="data"
        )
    except coredata.DataError as exc:
        if allow_misfit:
            from .datafit import graph_misfit, sound_at_own_widths

            m = graph_misfit(g, base_dir)
            if m is not None and sound_at_own_widths(g.data, m, base_dir):
                return []
        return exc.errors
    return []
