"""The worked example as a list of blocks (headings, paragraphs, equations, tables), before
it is written as Markdown or LaTeX (model/report_render.py); its limits and errors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .report_style import Style
from .trace import PassResult

# paths listed over the whole document; beyond it weights keep the layer-by-layer form only
PATH_BUDGET = 5000


class ReportError(Exception):
    """The report cannot be written (bad format or decimals, a non-finite pass)."""


class ReportOverflow(ReportError):
    """The sample's pass overflows float64 (model/overflow.py says where): the CLI exits 1."""


@dataclass
class Math:
    text: str


@dataclass
class Eq:
    lhs: str
    stages: list[list[str]]  # each stage: terms joined by the stage's operator
    joins: list[str]


Key = tuple[str, "str | None", "tuple[str, ...] | None"]  # as model/grading/answers.Key


class Doc:
    """The document's blocks. An equation or paragraph may name the value it shows (``key``,
    as in an answers file): an exercise sheet (``hide``: the quantities to leave blank) gives
    it a numbered blank instead of its numbers, and ``notes`` (key -> sentences) adds the
    common-mistake notes under it."""

    def __init__(
        self,
        style: Style,
        hide: frozenset[str] = frozenset(),
        notes: Callable[[Key], list[list]] | None = None,
    ):
        self.s = style
        self.blocks: list[tuple] = []
        self.hide = hide
        self.notes = notes
        self.blanks: list[tuple[int, Key, str]] = []  # (number, key, the hidden value)
        self.result: PassResult | None = None  # the pass it shows (for the notes)

    def hidden(self, key: Key | None) -> bool:
        return key is not None and key[0] in self.hide

    def heading(self, level: int, text: str) -> None:
        self.blocks.append(("h", level, text))

    def para(self, *pieces, key: Key | None = None) -> None:
        if not self.hidden(key):  # a note with the numbers of a blank would give it away
            self.blocks.append(("p", pieces))

    def quote(self, text: str) -> None:
        self.blocks.append(("q", text))

    def eq(self, lhs: str, *stages, key: Key | None = None) -> None:
        """lhs = stage1 = stage2 ...; a stage is a str or (terms, joiner). A hidden ``key``
        keeps the symbolic first stage and ends in a numbered blank."""
        if self.hidden(key):
            assert key is not None
            value = stages[-1] if isinstance(stages[-1], str) else ""
            n = len(self.blanks) + 1
            self.blanks.append((n, key, value))
            stages = (*stages[:1], self.s.blank(n)) if len(stages) > 1 else (self.s.blank(n),)
        terms, joins = [], []
        for st in stages:
            if isinstance(st, tuple):
                terms.append(list(st[0]))
                joins.append(st[1])
            else:
                terms.append([st])
                joins.append("")
        self.blocks.append(("eq", Eq(lhs, terms, joins)))
        if self.notes is not None and key is not None and not self.hidden(key):
            found = self.notes(key)
            if found:  # one paragraph under the equation, a sentence per slip
                joined = [
                    p for k, pieces in enumerate(found) for p in ([" "] if k else []) + pieces
                ]
                self.para("Common mistake" + ("s" if len(found) > 1 else "") + ": ", *joined)

    def table(self, headers: list[str], rows: list[list]) -> None:
        self.blocks.append(("t", headers, rows))
