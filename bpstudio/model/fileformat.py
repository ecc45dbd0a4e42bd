"""Network file format v1: load, validate, save. See shared spec network-format.md.

Loading never raises anything but :class:`NetworkFileError`, whose ``errors`` are readable
lines naming the key or id (``edges[3].target 'h9' is not a neuron id``). Saving is atomic:
the new text goes to a temporary file in the same folder, then replaces the old file, so a
failed save never damages what was there.

The format's names and its error are model/file_spec.py, the strict JSON reading
model/json_text.py, the checks that build a Graph model/file_validation.py, and the atomic
write model/atomic_write.py; this module puts them together (load, loads, to_document, dumps,
save).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from json.encoder import encode_basestring as _encode_str
from pathlib import Path
from typing import Any

from ..core import files
from ..core.gcpause import paused_gc
from .atomic_write import atomic_write_text
from .file_spec import FORMAT, MAX_BYTES, VERSION, NetworkFileError
from .file_validation import from_document
from .graph import Edge, Graph, Neuron
from .json_text import parse_text, read_text


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
