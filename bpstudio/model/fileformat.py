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
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..core import activations, losses, optimizers
from ..core import data as coredata
from ..core.init import INITIALISERS
from .graph import ROLES, Edge, Graph, Neuron

FORMAT = "bpstudio-network"
VERSION = 1
MAX_BYTES = 64 * 1024 * 1024

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
    if errors:
        raise NetworkFileError(errors)
    return doc


def read_text(path: str | os.PathLike) -> str:
    p = Path(path)
    if not p.exists():
        raise NetworkFileError(["no such file"], path)
    if p.is_dir():
        raise NetworkFileError(["is a directory, not a network file"], path)
    try:
        if p.stat().st_size > MAX_BYTES:
            raise NetworkFileError([f"file is larger than {MAX_BYTES // 2**20} MB"], path)
        raw = p.read_bytes()
    except OSError as exc:
        raise NetworkFileError([f"cannot read: {exc.strerror}"], path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NetworkFileError(
            [f"not UTF-8 text (invalid byte at offset {exc.start})"], path
        ) from None


def load(path: str | os.PathLike) -> Graph:
    """Read and validate a network file; the Graph knows its folder for relative CSV paths."""
    text = read_text(path)
    try:
        doc = parse_text(text)
        graph = from_document(doc, base_dir=Path(path).resolve().parent)
    except NetworkFileError as exc:
        raise NetworkFileError(exc.errors, path) from None
    return graph


def loads(text: str, base_dir: str | os.PathLike | None = None) -> Graph:
    return from_document(parse_text(text), base_dir=Path(base_dir) if base_dir else None)


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


def from_document(doc: Any, base_dir: Path | None = None) -> Graph:
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

    _read_neurons(doc.get("neurons"), g, errors)
    _read_edges(doc.get("edges"), g, errors)
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
        errors.extend(validate_data(g, base_dir))
    if errors:
        raise NetworkFileError(list(errors))
    g.base_dir = base_dir
    return g


def migrate(doc: dict) -> dict:
    """Bring an older version up to VERSION. v1 is the first version: nothing to do yet."""
    return doc


def _read_neurons(items: Any, g: Graph, errors: _Errors) -> None:
    if not isinstance(items, list):
        errors.add(f"neurons must be a list, not {_type_name(items)}")
        return
    for i, item in enumerate(items):
        where = f"neurons[{i}]"
        if not isinstance(item, dict):
            errors.add(f"{where} must be an object, not {_type_name(item)}")
            continue
        nid = item.get("id")
        if not isinstance(nid, str) or not nid:
            errors.add(f"{where}.id must be a non-empty string")
            continue
        where = f"{where} (id {nid!r})"
        role = item.get("role")
        if role not in ROLES:
            errors.add(f"{where}.role must be one of {', '.join(ROLES)}, not {role!r}")
            continue
        n = Neuron(id=nid, role=role, extra={k: v for k, v in item.items() if k not in NEURON_KEYS})
        if role in ("hidden", "output"):
            a = item.get("activation")
            if a is None:
                errors.add(f"{where}.activation is required on a {role} neuron")
            else:
                try:
                    n.activation = activations.canonical(a) if isinstance(a, str) else _bad()
                except (KeyError, TypeError):
                    errors.add(
                        f"{where}.activation {a!r} is not an activation (known: {', '.join(activations.NAMES)})"
                    )
            if "bias" in item:
                if _is_number(item["bias"]):
                    n.bias = float(item["bias"])
                else:
                    errors.add(
                        f"{where}.bias must be a finite number, not {_type_name(item['bias'])}"
                    )
        else:
            for key in ("activation", "bias"):
                if key in item:
                    errors.add(f"{where}.{key} is not allowed on an {role} neuron")
        if "label" in item:
            if isinstance(item["label"], str):
                n.label = item["label"]
            else:
                errors.add(f"{where}.label must be a string")
        for key in ("x", "y"):
            if key in item:
                if _is_number(item[key]):
                    setattr(n, key, float(item[key]))
                else:
                    errors.add(
                        f"{where}.{key} must be a finite number, not {_type_name(item[key])}"
                    )
        if "trainable" in item:
            if isinstance(item["trainable"], bool):
                n.trainable = item["trainable"]
            else:
                errors.add(f"{where}.trainable must be true or false")
        if nid in g.neurons:
            errors.add(f"{where}: duplicate neuron id {nid!r}")
            continue
        g.neurons[nid] = n


def _bad():
    raise TypeError


def _read_edges(items: Any, g: Graph, errors: _Errors) -> None:
    if items is None:
        items = []
    if not isinstance(items, list):
        errors.add(f"edges must be a list, not {_type_name(items)}")
        return
    neurons, edges = g.neurons, g.edges
    pairs: dict[tuple[str, str], str] = {}
    # One pass per edge on files of 100,000 edges: the messages (f-strings) are built only
    # when something is wrong.
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            errors.add(f"edges[{i}] must be an object, not {_type_name(item)}")
            continue
        eid = item.get("id")
        if not isinstance(eid, str) or not eid:
            errors.add(f"edges[{i}].id must be a non-empty string")
            continue
        source, target = item.get("source"), item.get("target")
        ok = True
        for key, ref in (("source", source), ("target", target)):
            if not isinstance(ref, str):
                errors.add(
                    f"{_where(i, eid)}.{key} must be a neuron id string, not {_type_name(ref)}"
                )
                ok = False
            elif ref not in neurons:
                errors.add(f"{_where(i, eid)}.{key} {ref!r} is not a neuron id")
                ok = False
        e = Edge(id=eid, source=source, target=target)
        if not item.keys() <= EDGE_KEYS:
            e.extra = {k: v for k, v in item.items() if k not in EDGE_KEYS}
        if "weight" in item:
            w = item["weight"]
            if _is_number(w):
                e.weight = float(w)
            else:
                errors.add(
                    f"{_where(i, eid)}.weight must be a finite number, not {_type_name(w)}"
                    " (leave it out to have it initialised)"
                )
        if "trainable" in item:
            if isinstance(item["trainable"], bool):
                e.trainable = item["trainable"]
            else:
                errors.add(f"{_where(i, eid)}.trainable must be true or false")
        if eid in edges or eid in neurons:
            errors.add(f"{_where(i, eid)}: duplicate id {eid!r}")
            continue
        if ok:
            pair = (source, target)
            if source == target:
                errors.add(f"{_where(i, eid)}: self-loop on {source!r}")
            elif neurons[target].role in ("input", "bias"):
                errors.add(f"{_where(i, eid)}: edge into {neurons[target].role} neuron {target!r}")
            elif neurons[source].role == "output":
                errors.add(f"{_where(i, eid)}: edge out of output neuron {source!r}")
            elif pair in pairs:
                errors.add(
                    f"{_where(i, eid)}: duplicate connection {source!r} -> {target!r} "
                    f"(also edge {pairs[pair]!r})"
                )
            pairs[pair] = eid
        edges[eid] = e


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


def validate_data(g: Graph, base_dir: Path | None) -> list[str]:
    """Check the data section, including that sample widths match the inputs/outputs."""
    try:
        coredata.dataset_from_spec(
            g.data, len(g.inputs()), len(g.outputs()), base_dir=base_dir, where="data"
        )
    except coredata.DataError as exc:
        return exc.errors
    return []


# --------------------------------------------------------------------------- saving
def to_document(g: Graph) -> dict:
    doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, "name": g.name}
    if g.description:
        doc["description"] = g.description
    doc["neurons"] = [_neuron_dict(n) for n in g.neurons.values()]
    doc["edges"] = [_edge_dict(e) for e in g.edges.values()]
    doc["training"] = g.training
    doc["data"] = g.data
    for k, v in g.extra.items():
        doc.setdefault(k, v)
    return doc


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


def dumps(g: Graph, compact: bool = False) -> str:
    """The file's text. ``compact``: no indentation (the autosave: json's C encoder only
    runs without indent, and indenting 20,000 edges in Python took two seconds)."""
    indent = None if compact else 1
    return json.dumps(to_document(g), indent=indent, ensure_ascii=False, allow_nan=False) + "\n"


def save(g: Graph, path: str | os.PathLike) -> None:
    """Atomic save of a network file (see :func:`atomic_write_text`)."""
    atomic_write_text(Path(path), dumps(g))  # dumps raises before the disk is touched on NaN


def atomic_write_text(path: Path, text: str) -> None:
    """Write a temp file beside the target, fsync, then replace: the old file survives any failure."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
