"""A network file's text as a JSON document, strictly: NaN/Infinity and numbers beyond float
range, duplicate keys and lone surrogates are refused with the place named, a cut-short file
is called truncated (NetworkFileError)."""

from __future__ import annotations

import json
import math
import os
import re
import sys
from typing import Any

from ..core import files
from .file_spec import MAX_BYTES, NetworkFileError


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
