"""Network file format v1: load, validate, save. See shared spec network-format.md.

Loading never raises anything but :class:`NetworkFileError`, whose ``errors`` are readable
lines naming the key or id (``edges[3].target 'h9' is not a neuron id``). Saving is atomic:
the new text goes to a temporary file in the same folder, then replaces the old file, so a
failed save never damages what was there.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable
from json.encoder import encode_basestring as _encode_str
from pathlib import Path
from typing import Any

from ..core import activations, files, limits, losses, optimizers
from ..core import data as coredata
from ..core.gcpause import paused_gc
from ..core.init import INITIALISERS
from .graph import ROLES, Edge, Graph, Neuron

FORMAT = "bpstudio-network"
VERSION = 1
MAX_BYTES = files.MAX_BYTES  # network files and the CSV files they name

NEURON_KEYS = {"id", "role", "activation", "bias", "label", "x", "y", "trainable"}
EDGE_KEYS = {"id", "source", "target", "weight", "trainable"}
TOP_KEYS = {"format", "version", "name", "description", "neurons", "edges", "training", "data"}


class NetworkFileError(Exception):
    def __init__(self, errors: list[str], path: str | os.PathLike | None = None):
        self.errors = errors
        self.path = str(path) if path is not None else None
        super().__init__("\n".join(errors))


# --------------------------------------------------------------------------- parsing
class _NonFinite:
    """A NaN/Infinity literal or a number beyond float range, kept until its key is known."""

    __slots__ = ("why",)
    created = 0  # lets parse_text skip the document walk when the text had none

    def __init__(self, why: str):
        self.why = why
        _NonFinite.created += 1


def _reject_constant(name: str) -> _NonFinite:
    return _NonFinite(f"{name} is not a number JSON allows (numbers must be finite)")


def _finite_float(text: str) -> float | _NonFinite:
    value = float(text)
    if not math.isfinite(value):
        return _NonFinite(f"the number {text} is out of range")
    return value


def _finite_int(text: str) -> int | _NonFinite:
    value = int(text)
    if (
        len(text) > 300 and abs(value) > sys.float_info.max
    ):  # would overflow every float computation
        return _NonFinite(f"the number {text[:20]}... is out of range")
    return value


def _non_finite_errors(doc: Any) -> list[str]:
    """One line per non-finite number, naming its key path (``edges[0].weight``)."""
    errors: list[str] = []
    todo: list[tuple[str, Any]] = [("", doc)]
    while todo:  # iterative: the document may be nested about as deep as json allows
        where, v = todo.pop()
        if isinstance(v, _NonFinite):
            errors.append(f"{where or 'the document'}: {v.why}")
        elif isinstance(v, dict):
            todo.extend((f"{where}.{k}" if where else str(k), x) for k, x in v.items())
        elif isinstance(v, list):
            todo.extend((f"{where}[{i}]", x) for i, x in enumerate(v))
    return sorted(errors)


_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _may_hold_surrogates(text: str) -> bool:
    """A lone surrogate can only come from a \\udXXX escape (or a str not read from a file)."""
    if "\\u" in text and _SURROGATE_ESCAPE.search(text):
        return True
    return not text.isascii() and _SURROGATE.search(text) is not None


def _surrogate_errors(doc: Any) -> list[str]:
    """One line per string (value or key) holding a lone surrogate: valid JSON, but not text
    (it cannot be printed, drawn or saved as UTF-8), so every string the format reads is
    refused here, unknown keys kept for round-trip included."""
    errors: list[str] = []
    todo: list[tuple[str, Any]] = [("", doc)]
    while todo:
        where, v = todo.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                errors.append(f"{where or 'the document'}: {_short(v)} {_LONE}")
        elif isinstance(v, dict):
            for k, x in v.items():
                if _SURROGATE.search(k):
                    errors.append(f"{where or 'the top level'}: the key {_short(k)} {_LONE}")
                todo.append((f"{where}.{_printable(k)}" if where else _printable(k), x))
        elif isinstance(v, list):
            todo.extend((f"{where}[{i}]", x) for i, x in enumerate(v))
    return sorted(errors)


_LONE = "holds a lone surrogate (a \\udXXX escape that is not half of a pair): not text"


def _short(s: str) -> str:
    return repr(s) if len(s) <= 40 else repr(s[:40]) + "..."  # repr escapes the surrogate


def _printable(s: str) -> str:
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _no_duplicate_keys(pairs):
    obj = dict(pairs)
    if len(obj) != len(pairs):  # rare: find the key to name it
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise ValueError(f"duplicate key {k!r} in one object")
            seen.add(k)
    return obj


def parse_text(text: str) -> Any:
    if not text.strip():
        raise NetworkFileError(["the file is empty"])
    created_before = _NonFinite.created
    try:
        doc = json.loads(
            text,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
            parse_int=_finite_int,
            object_pairs_hook=_no_duplicate_keys,
        )
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno} column {exc.colno}"
        # a string still open at the end of the text also means the text was cut short
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise NetworkFileError(
                [f"not valid JSON: the text ends early ({where}): truncated?"]
            ) from None
        raise NetworkFileError(
            [f"not valid JSON: {exc.msg.removesuffix(' at')} at {where}"]
        ) from None
    except RecursionError:
        raise NetworkFileError(["not valid JSON: nested too deeply"]) from None
    except ValueError as exc:
        raise NetworkFileError([f"not valid JSON: {exc}"]) from None
    errors = _non_finite_errors(doc) if _NonFinite.created != created_before else []
    if _may_hold_surrogates(text):
        errors += _surrogate_errors(doc)
    if errors:
        raise NetworkFileError(errors)
    return doc


def read_text(path: str | os.PathLike) -> str:
    try:
        raw = files.read_capped(path, MAX_BYTES)
    except files.UnreadableFile as exc:
        why = str(exc)
        if why == "is a directory":
            why = "is a directory, not a network file"
        raise NetworkFileError([why], path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NetworkFileError(
            [f"not UTF-8 text (invalid byte at offset {exc.start})"], path
        ) from None


def load(path: str | os.PathLike, allow_misfit: bool = False) -> Graph:
    """Read and validate a network file; the Graph knows its folder for relative CSV paths.

    allow_misfit (the app): sound data whose width does not fit the network is accepted, the
    Data panel offers the fixes (model/datafit.py). The command line keeps it an error.
    """
    text = read_text(path)
    try:
        with paused_gc():
            doc = parse_text(text)
            graph = from_document(
                doc, base_dir=Path(path).resolve().parent, allow_misfit=allow_misfit, consume=True
            )
    except NetworkFileError as exc:
        raise NetworkFileError(exc.errors, path) from None
    return graph


def loads(
    text: str, base_dir: str | os.PathLike | None = None, allow_misfit: bool = False
) -> Graph:
    return from_document(parse_text(text), Path(base_dir) if base_dir else None, allow_misfit)


# --------------------------------------------------------------------------- validation
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


# complexity: a flat list of checks, each naming its key and row, in file order
def _read_neurons(items: Any, g: Graph, errors: _Errors, consume: bool = False) -> None:  # noqa: C901
    if not isinstance(items, list):
        errors.add(f"neurons must be a list, not {_type_name(items)}")
        return
    # One pass per neuron on files of 1,000,000 neurons: messages (f-strings) are built only
    # when something is wrong (see _nwhere).
    for i, item in enumerate(items):
        if consume:
            items[i] = None
        if not isinstance(item, dict):
            errors.add(f"neurons[{i}] must be an object, not {_type_name(item)}")
            continue
        nid = item.get("id")
        if not isinstance(nid, str) or not nid:
            errors.add(f"neurons[{i}].id must be a non-empty string")
            continue
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
    for i, item in enumerate(items):
        if consume:
            items[i] = None
        if not isinstance(item, dict):
            errors.add(f"edges[{i}] must be an object, not {_type_name(item)}")
            continue
        eid = item.get("id")
        if not isinstance(eid, str) or not eid:
            errors.add(f"edges[{i}].id must be a non-empty string")
            continue
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


# --------------------------------------------------------------------------- saving
def to_document(g: Graph, target_dir: Path | None = None) -> dict:
    """The file's JSON document; with ``target_dir``, a relative CSV path is rewritten to
    start from that folder (see :func:`rebased_data`)."""
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": g.name}
    if g.description:
        doc["description"] = g.description
    doc["neurons"] = [_neuron_dict(n) for n in g.neurons.values()]
    doc["edges"] = [_edge_dict(e) for e in g.edges.values()]
    doc["training"] = g.training
    doc["data"] = g.data if target_dir is None else rebased_data(g.data, g.base_dir, target_dir)
    for k, v in g.extra.items():
        doc.setdefault(k, v)
    return doc


def rebased_data(data: dict, base_dir: Path | None, target_dir: Path) -> dict:
    """``data`` with a relative ``csv`` path (relative to base_dir, the folder the graph was
    read from) made relative to ``target_dir``: a network saved into another folder still
    finds its CSV file. Absolute paths, and paths of a graph with no folder, stay as they are."""
    rel = data.get("csv")
    if not isinstance(rel, str) or not rel or base_dir is None or Path(rel).is_absolute():
        return data
    target = os.path.abspath(target_dir)
    if os.path.abspath(base_dir) == target:
        return data
    csv_file = os.path.normpath(os.path.join(os.path.abspath(base_dir), rel))
    try:
        new = os.path.relpath(csv_file, target)
    except ValueError:  # another drive on Windows: no relative path exists
        new = csv_file
    return {**data, "csv": Path(new).as_posix()}


def _neuron_dict(n: Neuron) -> dict:
    d: dict[str, Any] = {"id": n.id, "role": n.role}
    if n.has_activation:
        d["activation"] = n.activation
        d["bias"] = n.bias
    if n.label is not None:
        d["label"] = n.label
    if n.x is not None:
        d["x"] = n.x
    if n.y is not None:
        d["y"] = n.y
    if not n.trainable:
        d["trainable"] = False
    if n.extra:  # (the comprehension alone cost 5x the rest on 20,000 items)
        d.update({k: v for k, v in n.extra.items() if k not in d})
    return d


def _edge_dict(e: Edge) -> dict:
    d: dict[str, Any] = {"id": e.id, "source": e.source, "target": e.target}
    if e.weight is not None:
        d["weight"] = e.weight
    if not e.trainable:
        d["trainable"] = False
    if e.extra:
        d.update({k: v for k, v in e.extra.items() if k not in d})
    return d


def dumps(g: Graph, target_dir: Path | None = None) -> str:
    """The file's text (for a file in ``target_dir``: see :func:`to_document`).

    Exactly ``json.dumps(doc, indent=1, ensure_ascii=False, allow_nan=False)``, but the neuron
    and edge lists are written here, one item at a time: json's indenting encoder is pure
    Python and joins one small string per token, 18 million of them (900 MB) for a
    1,000,000-edge network."""
    parts = []
    for key, value in to_document(g, target_dir).items():
        if key in ("neurons", "edges") and isinstance(value, list) and value:
            text = "[\n" + ",\n".join(map(_item_text, value)) + "\n ]"
        else:
            text = _json_at(value, 1)
        parts.append(f" {_json_at(key, 1)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _json_at(value: Any, depth: int) -> str:
    """json.dumps(value, indent=1) as it appears nested ``depth`` levels deep."""
    scalar = _SCALAR_TEXT.get(type(value))
    if scalar is not None:
        return scalar(value)
    text = json.dumps(value, indent=1, ensure_ascii=False, allow_nan=False)
    return text.replace("\n", "\n" + " " * depth)  # strings hold no raw newline


def _float_text(x: float) -> str:
    if x - x != 0.0:  # NaN or infinite: what json.dumps(allow_nan=False) refuses
        raise ValueError(f"Out of range float values are not JSON compliant: {x!r}")
    return repr(x)


_SCALAR_TEXT: dict[type, Callable[[Any], str]] = {
    str: _encode_str,
    float: _float_text,
    int: int.__repr__,
    bool: lambda b: "true" if b else "false",
    type(None): lambda _: "null",
}


def _item_text(d: Any) -> str:
    """One neuron or edge dict, two levels deep (one line per key, as indent=1 writes it)."""
    if type(d) is not dict or not d or not all(type(k) is str for k in d):
        return "  " + _json_at(d, 2)
    scalar = _SCALAR_TEXT.get
    lines = [f"   {_encode_str(k)}: {(scalar(type(v)) or _nested3)(v)}" for k, v in d.items()]
    return "  {\n" + ",\n".join(lines) + "\n  }"


def _nested3(value: Any) -> str:
    return _json_at(value, 3)


class FileTooLarge(OSError):
    """A save refused because the file could not be opened again (over MAX_BYTES)."""

    def __str__(self) -> str:
        return str(self.args[0])


def save(g: Graph, path: str | os.PathLike) -> None:
    """Atomic save of a network file (see :func:`atomic_write_text`).

    Nothing is written that could not be opened again: dumps raises on NaN, and a text over
    the size cap raises FileTooLarge, both before the disk is touched."""
    path = Path(path)
    text = dumps(g, path.resolve().parent)
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise FileTooLarge(
            f"the network file would be {files.size_text(size)}, larger than the "
            f"{files.size_text(MAX_BYTES)} that bpstudio opens, so it was not written"
        )
    atomic_write_text(path, text)
    if g.base_dir is None:  # an untitled graph's relative CSV paths now start from here
        g.base_dir = path.resolve().parent


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write UTF-8 text atomically (see :func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: str | os.PathLike, data: bytes | bytearray | memoryview) -> None:
    """Write a temp file beside the target, fsync, then replace: the old file survives any failure.

    Every file bpstudio writes goes through here. The result has the mode a plain ``open(path,
    "w")`` would give it: an existing file keeps its mode (a 0644 file stays 0644, not the
    0600 of the temp file), a new one gets 0666 minus the umask. A symlink stays a symlink:
    the file it points to is replaced.
    """
    path = Path(os.path.realpath(path))
    mode = _mode_for(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:  # a new file (or one we cannot stat: the replace will tell)
        return 0o666 & ~_umask()


def _umask() -> int:
    try:  # Linux says it without changing it (no window where another thread sees 022)
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere the only way to read it is to set it: put it straight back
    os.umask(mask)
    return mask
