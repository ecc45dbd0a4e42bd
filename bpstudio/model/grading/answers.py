"""Answers files (spec grading.md): hand-computed values, kept as the text the student wrote.

The text matters: ``0.50`` was written to two decimals, ``5e-3`` to one significant figure, and
the grader's tolerance is half a unit of that last digit (:func:`half_unit`). JSON numbers are
read as their own text too (``json.loads`` with ``parse_float=str``), never through a float.

A bad file raises :class:`AnswersError` whose lines each name the file and the row:
``answers.csv row 4: unknown quantity 'zz'`` (a CSV row is its line in the file, a JSON row
the position in ``values`` counted from 1).
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ..graph import Graph

FORMAT = "bpstudio-answers"
VERSION = 1

# what each quantity is "of" (spec table)
NEURON_QUANTITIES = ("z", "a", "dL_da", "dL_dz", "dL_db", "da_dz", "updated_bias")
EDGE_QUANTITIES = ("grad", "updated", "path")
QUANTITIES = (
    "z",
    "a",
    "loss",
    "dL_da",
    "dL_dz",
    "dL_db",
    "da_dz",
    "dyhat_dz",
    "grad",
    "updated",
    "updated_bias",
    "path",
)

Key = tuple[str, str | None, tuple[str, ...] | None]  # (quantity, id, via-or-by); by -> (by,)
Sample = int | Literal["all"]

_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")
_VIA_SPLIT = re.compile(r"\s*(?:->|→|>|;|,|\s)\s*")
MAX_ERRORS = 50


class _JsonNumber(str):
    """A JSON number as its own text (json.loads' parse_float/parse_int), told apart from a
    JSON string: a value may be either, an id or a via must be a string."""


class AnswersError(ValueError):
    """A bad answers file: ``errors`` are lines naming the file and the row."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True)
class Answer:
    quantity: str  # z a loss dL_da dL_dz dL_db da_dz dyhat_dz grad updated updated_bias path
    id: str | None
    value: str  # the text as written ("0.50", "5e-3")
    via: tuple[str, ...] | None = None  # for path: the neurons after the edge's target
    by: str | None = None  # for dyhat_dz: j in ∂ŷ_id/∂z_j
    row: int = 0  # 1-based row (CSV line / JSON values index + 1) for messages
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def key(self) -> Key:
        if self.quantity == "dyhat_dz":
            return (self.quantity, self.id, (self.by,) if self.by is not None else None)
        return (self.quantity, self.id, self.via)

    @property
    def number(self) -> float:
        return float(parse_number(self.value))

    @property
    def half_unit(self) -> float:
        return half_unit(self.value)


@dataclass(frozen=True)
class AnswerSheet:
    answers: tuple[Answer, ...]
    network: str | None  # as written in the file
    sample: Sample | None

    def network_path(self, answers_path: str | os.PathLike) -> Path | None:
        """The network the file names, relative to the answers file (spec grading.md)."""
        if self.network is None:
            return None
        return (Path(answers_path).parent / self.network).resolve()


def parse_number(text: str) -> Decimal:
    """The written number; ValueError unless it is a plain finite decimal (``−`` allowed)."""
    t = text.strip().replace("\u2212", "-")
    if not _NUMBER.fullmatch(t):
        raise ValueError(text)
    return Decimal(t)


def half_unit(text: str) -> float:
    """Half a unit of the last digit written: ``0.50`` -> 0.005, ``5e-3`` -> 0.0005."""
    exp = parse_number(text).as_tuple().exponent
    assert isinstance(exp, int)  # finite by parse_number
    return 0.5 * 10.0**exp


def describe(key: Key) -> str:
    """``grad of w5``, ``loss``, ``path of w1 via h1 o1``, ``dyhat_dz of o1 by o2``."""
    q, nid, extra = key
    if nid is None:
        return q
    text = f"{q} of {nid}"
    if extra is not None:
        text += (" by " if q == "dyhat_dz" else " via ") + (" ".join(extra) or "(none)")
    return text


_SYMBOL = {
    "dL_da": "∂L/∂a",
    "dL_dz": "∂L/∂z",
    "dL_db": "∂L/∂b",
    "da_dz": "f′(z)",
    "grad": "∂L/∂w",
    "updated": "the updated weight",
    "updated_bias": "the updated bias",
    "path": "the path",
}


def words(key: Key) -> str:
    """``∂L/∂z of o1``, ``∂ŷ_o1/∂z_o2``, ``the path of w1 via h1 o1``: for explanations."""
    q, nid, extra = key
    if q == "dyhat_dz" and extra is not None:
        return f"∂ŷ_{nid}/∂z_{extra[0]}"
    if nid is None:
        return "the loss" if q == "loss" else q
    text = f"{_SYMBOL.get(q, q)} of {nid}"
    if q == "path" and extra is not None:
        text += " via " + (" ".join(extra) or "(none)")
    return text


# --------------------------------------------------------------------------- reading
def load_answers(path: Path | str, graph: Graph | None = None) -> AnswerSheet:
    """Read an answers file (JSON or CSV by content); with ``graph`` also check ids and paths."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise AnswersError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise AnswersError([f"{path}: not UTF-8 text (byte {exc.start})"]) from None
    return parse_answers(text, str(path), graph)


def parse_answers(text: str, source: str, graph: Graph | None = None) -> AnswerSheet:
    """An answers file's text, JSON or CSV by content; with ``graph``: ids and via checked."""
    if text.lstrip()[:1] in ("{", "["):
        sheet = _parse_json(text, source)
    else:
        sheet = _parse_csv(text, source)
    errors = duplicate_errors(sheet.answers, source)
    if graph is not None:
        errors = check_against(sheet.answers, graph, source) + errors
    if errors:
        raise AnswersError(_capped(errors))
    return sheet


def _capped(errors: list[str]) -> list[str]:
    if len(errors) <= MAX_ERRORS:
        return errors
    return errors[:MAX_ERRORS] + [f"... and {len(errors) - MAX_ERRORS} more errors"]


def _parse_json(text: str, source: str) -> AnswerSheet:
    try:
        doc = json.loads(text, parse_float=_JsonNumber, parse_int=_JsonNumber)
    except json.JSONDecodeError as exc:
        raise AnswersError([f"{source}: not valid JSON: {exc.msg} (line {exc.lineno})"]) from None
    except RecursionError:
        raise AnswersError([f"{source}: the JSON is nested too deeply"]) from None
    if not isinstance(doc, dict):
        raise AnswersError([f"{source}: an answers file is a JSON object"])
    errors: list[str] = []
    fmt = doc.get("format", FORMAT)
    if fmt != FORMAT:
        errors.append(f"{source}: format is {fmt!r}, not {FORMAT!r}")
    version = doc.get("version", str(VERSION))
    if str(version) != str(VERSION):
        errors.append(f"{source}: version {version} is not supported (this reads {VERSION})")
    network = doc.get("network")
    if network is not None and not isinstance(network, str):
        errors.append(f"{source}: network must be a file name")
        network = None
    sample = _sample(doc.get("sample"), source, errors)
    values = doc.get("values")
    if not isinstance(values, list):
        errors.append(f"{source}: values must be a list of rows")
        values = []
    answers = []
    for i, row in enumerate(values, start=1):
        where = f"{source} row {i}"
        if not isinstance(row, dict):
            errors.append(f"{where}: a row is an object with quantity, id and value")
            continue
        ans = _answer(row, i, where, errors)
        if ans is not None:
            answers.append(ans)
    if errors:
        raise AnswersError(_capped(errors))
    return AnswerSheet(tuple(answers), network, sample)


def _sample(v: Any, source: str, errors: list[str]) -> Sample | None:
    if v is None:
        return None
    if v == "all":
        return "all"
    if isinstance(v, str) and v.isdigit():  # JSON ints arrive as their text
        return int(v)
    errors.append(f'{source}: sample must be a sample index (0, 1, ...) or "all", not {v!r}')
    return None


def _text(v: Any) -> str | None:
    return v.strip() if isinstance(v, str) and v.strip() else None


# complexity: one check per key of a row, each naming the row, in the order a reader checks
def _answer(row: dict[str, Any], n: int, where: str, errors: list[str]) -> Answer | None:  # noqa: C901
    quantity = _text(row.get("quantity"))
    if quantity is None:
        errors.append(f"{where}: no quantity")
        return None
    if quantity not in QUANTITIES:
        errors.append(f"{where}: unknown quantity {quantity!r} (one of {', '.join(QUANTITIES)})")
        return None
    nid_raw = row.get("id")
    nid = _text(nid_raw) if nid_raw is not None else None
    if nid_raw is not None and (not isinstance(nid_raw, str) or isinstance(nid_raw, _JsonNumber)):
        errors.append(f"{where}: id must be text, not {nid_raw!r}")
        return None
    if quantity == "loss":
        if nid is not None:
            errors.append(f"{where}: loss is of the whole network: leave id empty, not {nid!r}")
            return None
    elif nid is None:
        errors.append(f"{where}: {quantity} needs the id of a neuron or edge")
        return None
    value = row.get("value")
    if not isinstance(value, str) or not value.strip():
        errors.append(f"{where}: no value")
        return None
    try:
        parse_number(value)
    except ValueError:
        errors.append(f"{where}: value {value!r} is not a number")
        return None
    via: tuple[str, ...] | None = None
    by: str | None = None
    raw_via, raw_by = row.get("via"), row.get("by")
    if quantity == "path":
        if raw_via is None:
            errors.append(f"{where}: a path needs via (the neurons after the edge's target)")
            return None
        parts = _via(raw_via)
        if parts is None:
            errors.append(f"{where}: via must list neuron ids, not {raw_via!r}")
            return None
        via = parts
    elif raw_via not in (None, ""):
        errors.append(f"{where}: via is for path only")
        return None
    if quantity == "dyhat_dz":
        by = _text(raw_by)
        if by is None:
            errors.append(f"{where}: dyhat_dz needs by (j in ∂ŷ_id/∂z_j)")
            return None
    elif raw_by not in (None, ""):
        errors.append(f"{where}: by is for dyhat_dz only")
        return None
    extra = {k: v for k, v in row.items() if k not in ("quantity", "id", "value", "via", "by")}
    return Answer(quantity, nid, value.strip(), via, by, n, extra)


def _via(v: Any) -> tuple[str, ...] | None:
    if isinstance(v, list):
        if not all(isinstance(x, str) and not isinstance(x, _JsonNumber) and x.strip() for x in v):
            return None
        return tuple(x.strip() for x in v)
    if isinstance(v, str):
        s = v.strip()
        return tuple(p for p in _VIA_SPLIT.split(s) if p) if s else ()
    return None


def _parse_csv(text: str, source: str) -> AnswerSheet:
    errors: list[str] = []
    header: list[str] | None = None
    answers = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = next(csv.reader([line]))
        if header is None:
            header = [c.strip() for c in cells]
            missing = [k for k in ("quantity", "value") if k not in header]
            if missing:
                raise AnswersError(
                    [
                        f"{source} row {n}: the header must name the columns quantity,id,value "
                        f"(missing {', '.join(missing)})"
                    ]
                )
            continue
        where = f"{source} row {n}"
        if len(cells) > len(header):
            errors.append(f"{where}: {len(cells)} cells, the header has {len(header)}")
            continue
        row: dict[str, Any] = {}
        for k, c in zip(header, cells, strict=False):
            row[k] = c.strip()
        if row.get("id") == "":
            row["id"] = None
        ans = _answer(row, n, where, errors)
        if ans is not None:
            answers.append(ans)
    if header is None:
        errors.append(f"{source}: no header (quantity,id,value)")
    if errors:
        raise AnswersError(_capped(errors))
    return AnswerSheet(tuple(answers), None, None)


def duplicate_errors(answers: Iterable[Answer], source: str) -> list[str]:
    seen: dict[Key, Answer] = {}
    errors = []
    for a in answers:
        k = a.key()
        if k in seen:
            errors.append(
                f"{source} row {a.row}: {describe(k)} is given twice (also row {seen[k].row})"
            )
        else:
            seen[k] = a
    return errors


# --------------------------------------------------------------------------- against a network
def check_against(answers: Iterable[Answer], graph: Graph, source: str) -> list[str]:
    """Rows naming ids that are not in the network, or quantities the id does not have."""
    from . import structure

    net = structure.shape_of(graph)
    errors = []
    for a in answers:
        why = net.why_not(a)
        if why is not None:
            errors.append(f"{source} row {a.row}: {why}")
    return errors
