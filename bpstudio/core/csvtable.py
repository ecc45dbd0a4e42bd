"""CSV data files: the table, its delimiter, decimal commas, and messages by line number.

Used by the command line (a network file's ``data.csv``) and by the app's Import CSV, so both
refuse the same files with the same words. Rules (docs/network-format.md, "Data"):

* the delimiter is the one of ``,`` ``;`` tab that splits the header into the most columns
  (rows that agree with the header win a tie); a header with none of them is split on spaces;
* with a delimiter other than ``,`` a number may use a decimal comma (``0,5``), as the data
  table accepts it;
* every row must have as many fields as the header: a short or long row is named by the line
  an editor shows it on (``row 4 has 2 fields, the header 3``); blank lines are skipped;
* at most :data:`MAX_ROWS` data rows (like ``generator.n``), and the file size cap of
  :mod:`.files`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np

from . import files
from .limits import MAX_CSV_ROWS as MAX_ROWS

MAX_ERRORS = 10  # lines of errors per file: the first few say what is wrong
DELIMITERS = (",", ";", "\t")
_SNIFF_RECORDS = 64


class CsvError(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass
class CsvTable:
    """A parsed CSV file. Cells are kept as numbers, not text: a 1,000,000-row file of ten
    columns is 80 MB of floats, where lists of strings would take most of a gigabyte."""

    name: str  # the file's name in messages
    header: list[str]
    values: np.ndarray  # (rows, columns) floats; NaN where a cell is not a finite number
    lines: np.ndarray  # editor line (1-based) each row starts on
    delimiter: str = ","
    # per column: (line, text) of its first few cells that are not finite numbers
    bad_cells: list[list[tuple[int, str]]] = field(default_factory=list)

    def __len__(self) -> int:
        return self.values.shape[0]


class _Records:
    """(first line number, stripped fields) per non-blank record; ``line`` is the reader's
    position, for a message when the csv module gives up on a record."""

    def __init__(self, lines: Iterable[str], delimiter: str, strip: bool = True):
        if delimiter == " ":
            lines = (ln.strip() for ln in lines)
            self.reader = csv.reader(lines, delimiter=" ", skipinitialspace=True)
        else:
            self.reader = csv.reader(lines, delimiter=delimiter)
        self.strip = strip  # False when the text has no blanks to strip (the fast path)
        self.line = 1

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        reader, strip = self.reader, self.strip
        for rec in reader:
            start, self.line = self.line, reader.line_num + 1
            if strip:
                rec = [c.strip() for c in rec]
            if any(rec):
                yield start, rec


def _head(lines: list[str], delimiter: str) -> list[list[str]] | None:
    """The first few records under ``delimiter`` (None if the csv module cannot read them)."""
    try:
        return [r for _, r in islice(_Records(lines, delimiter), _SNIFF_RECORDS)]
    except csv.Error:
        return None


def _sniff(text: str) -> str:
    head = text[: 1 << 16].splitlines()[: _SNIFF_RECORDS * 4]
    best: tuple[tuple[bool, int, int], str] | None = None
    for rank, d in enumerate(DELIMITERS):
        recs = _head(head, d)
        if not recs or len(recs[0]) < 2:
            continue
        agree = all(len(r) == len(recs[0]) for r in recs[1:])
        score = (agree, len(recs[0]), -rank)
        if best is None or score > best[0]:
            best = (score, d)
    if best is not None:
        return best[1]
    first = next((ln for ln in head if ln.strip()), "")
    if len(first.split()) > 1:
        return " "
    # one column: the delimiter under which the data rows are one field too (0,5 on ';')
    for d in DELIMITERS:
        recs = _head(head, d)
        if recs is not None and all(len(r) == 1 for r in recs):
            return d
    return ","


def _prefix(name: str, where: str | None) -> str:
    return f"{where}: {name}" if where and where != name else name


_CHUNK = 1 << 15  # rows converted to floats at a time (bounds the text held in lists)


class _Columns:
    """Rows collected in chunks and converted column by column to float arrays."""

    def __init__(self, width: int, decimal_comma: bool):
        self.width, self.decimal_comma = width, decimal_comma
        self.chunk: list[list[str]] = []
        self.chunk_lines: list[int] = []
        self.parts: list[np.ndarray] = []
        self.line_parts: list[np.ndarray] = []
        self.bad: list[list[tuple[int, str]]] = [[] for _ in range(width)]

    def add(self, rec: list[str], line: int) -> None:
        self.chunk.append(rec)
        self.chunk_lines.append(line)
        if len(self.chunk) >= _CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.chunk:
            return
        out = np.empty((len(self.chunk), self.width))
        for j in range(self.width):
            col = [r[j] for r in self.chunk]
            if self.decimal_comma:
                col = [c.replace(",", ".") for c in col]
            try:
                out[:, j] = np.array(col, dtype=float)
            except (ValueError, OverflowError):
                out[:, j] = [_number(c) for c in col]
            bad = self.bad[j]
            if len(bad) < MAX_ERRORS:
                for k in np.nonzero(~np.isfinite(out[:, j]))[0][: MAX_ERRORS - len(bad)]:
                    bad.append((self.chunk_lines[k], self.chunk[k][j]))
        self.parts.append(out)
        self.line_parts.append(np.array(self.chunk_lines, dtype=np.int64))
        self.chunk, self.chunk_lines = [], []

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        self.flush()
        if not self.parts:
            return np.zeros((0, self.width)), np.zeros(0, dtype=np.int64)
        return np.concatenate(self.parts), np.concatenate(self.line_parts)


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return math.nan


def _lines(text: str) -> Iterable[str]:
    """The lines of ``text`` with their ends, as the csv module wants them. Not io.StringIO,
    which holds a 4-byte-per-character copy of the text (228 MB for a 57 MB file). A lone
    carriage return (old Mac line ends) ends a line too, as in a universal-newline file."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        yield from io.StringIO(text, newline="")
        return
    start, n, find = 0, len(text), text.find
    while start < n:
        end = find("\n", start) + 1 or n
        yield text[start:end]
        start = end


def parse_table(text: str, name: str, where: str | None = None) -> CsvTable:
    """The table in ``text``; CsvError naming the file and the line of each bad row."""
    pre = _prefix(name, where)
    delimiter = _sniff(text)
    errors: list[str] = []
    header: list[str] | None = None
    cols: _Columns | None = None
    n_rows = 0
    blanks = " " in text or (delimiter != "\t" and "\t" in text)
    records = _Records(_lines(text), delimiter, strip=blanks)
    try:
        for line, rec in records:
            if cols is None:
                header = rec
                cols = _Columns(len(header), decimal_comma=delimiter != ",")
                continue
            if len(rec) != cols.width:
                errors.append(
                    f"{pre} row {line} has {len(rec)} field{'s' * (len(rec) != 1)}, "
                    f"the header {cols.width}"
                )
                if len(errors) >= MAX_ERRORS:
                    errors.append(f"{pre}: stopped after {MAX_ERRORS} bad rows")
                    break
                continue
            n_rows += 1
            if n_rows > MAX_ROWS:
                raise CsvError(
                    [f"{pre} has more than {MAX_ROWS:,} data rows (the limit for data files)"]
                )
            if not errors:  # once a row is bad only the remaining bad rows matter
                cols.add(rec, line)
    except csv.Error as exc:
        errors.append(f"{pre} row {records.line}: not readable as CSV ({exc})")
    if errors:
        raise CsvError(errors)
    if cols is None or header is None:
        raise CsvError([f"{pre} is empty"])
    values, lines = cols.arrays()
    return CsvTable(name, header, values, lines, delimiter, cols.bad)


def read_table(path: str | Path, where: str | None = None) -> CsvTable:
    """Read and parse a CSV file (regular files only, size-capped, UTF-8 with or without BOM)."""
    path = Path(path)
    lead = f"{where}: " if where else ""
    try:
        raw = files.read_capped(path)
    except files.UnreadableFile as exc:
        why = str(exc)
        if why == "no such file":
            why = "not found"
        elif "larger than" in why:
            why = f"{why} for data files"
        raise CsvError([f"{lead}CSV file {str(path)!r} {why}"]) from None
    pre = _prefix(path.name, where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise CsvError(
            [f"{pre}: not UTF-8 text (invalid byte on line {line}, offset {exc.start})"]
        ) from None
    del raw  # a 64 MB file: keep one copy
    return parse_table(text, path.name, where)


def columns(table: CsvTable, names: list[str], where: str | None = None) -> np.ndarray:
    """The named columns as a (rows, len(names)) float array; CsvError per bad cell."""
    pre = _prefix(table.name, where)
    errors: list[str] = []
    idx: list[int] = []
    for c in names:
        at = [i for i, h in enumerate(table.header) if h == c]
        if not at:
            errors.append(
                f"{pre}: column {c!r} is not in the CSV header ({', '.join(table.header)})"
            )
        elif len(at) > 1:
            errors.append(
                f"{pre}: column {c!r} appears {len(at)} times in the header "
                f"(columns {', '.join(str(i + 1) for i in at)})"
            )
        else:
            idx.append(at[0])
    if errors:
        raise CsvError(errors)
    bad = sorted((line, i, cell) for i in idx for line, cell in table.bad_cells[i])
    if bad:
        raise CsvError(
            [
                f"{pre} row {line}, column {table.header[i]!r}: {cell!r} is not a finite number"
                for line, i, cell in bad[:MAX_ERRORS]
            ]
        )
    return table.values[:, idx]
