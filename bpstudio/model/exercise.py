"""Exercise mode without Qt: which values are blanks, what the student typed, how it grades.

The app's exercise mode (qt/passes/exercise.py) hides some of the pass's values on the canvas
and lets a student type them in; File → Check Answers shows a whole answers file the same
way. Both are an :class:`Exercise`: the blanks in computation order, the text entered for
each, and the grader's report on everything entered so far (``model/grading``, the contract
of shared/spec/grading.md). Every entry is graded together with the earlier ones, so a value
worked correctly from an earlier slip is ``follows`` and names that slip.

Nothing here is a document edit: the graph is only read.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .grading.answers import Answer, Key, describe, parse_number
from .grading.grader import Graded, GradeReport, expected_values, grade
from .graph import Graph

# what each choice of Pass → Exercise hides (quantities of shared/spec/grading.md)
BACKWARD_QUANTITIES = ("dL_dz", "grad")
UPDATE_QUANTITIES = ("updated", "updated_bias")
ALL_QUANTITIES = ("z", "a", "loss", *BACKWARD_QUANTITIES, *UPDATE_QUANTITIES)
# the quantities the canvas draws in a badge (the others are answered in files only)
CANVAS_QUANTITIES = frozenset(ALL_QUANTITIES)
HIDE_CHOICES = {
    "backward": "All backward values (∂L/∂z, ∂L/∂w)",
    "layer": "One layer's backward values",
    "updates": "The updates (new weights and biases)",
    "everything": "Everything (forward, loss, backward, updates)",
}

# how a quantity is named to a student ("from your ∂L/∂z of h1")
QUANTITY_WORDS = {
    "z": "z",
    "a": "a",
    "loss": "loss",
    "dL_da": "∂L/∂a",
    "dL_dz": "∂L/∂z",
    "dL_db": "∂L/∂b",
    "da_dz": "f′(z)",
    "dyhat_dz": "∂ŷ/∂z",
    "grad": "∂L/∂w",
    "updated": "new weight",
    "updated_bias": "new bias",
    "path": "path product",
}
# the mistake codes of the spec's table in a few plain words (the grader's own explanation,
# with the numbers, goes in the list and the status bar; a badge has room for this much)
MISTAKE_WORDS = {
    "ascent": "climbed the gradient (w + η·∂L/∂w)",
    "no_learning_rate": "learning rate left out (w − ∂L/∂w)",
    "softmax_diagonal_only": "softmax cross terms left out",
    "dropped_path": "a chain-rule path left out",
    "missing_activation_derivative": "f′(z) left out",
    "derivative_of_activation_value": "f′ taken at a instead of z",
    "missing_bias": "bias left out",
    "wrong_weight": "another weight used",
    "used_z_not_a": "used z instead of a",
    "updated_weights_in_backward": "used the updated weights",
    "half_factor": "off by a factor of 2",
    "sign": "sign slip",
    "unexplained": "no known slip gives this",
}


def key_words(key: Key) -> str:
    """'∂L/∂z of h1', 'loss', 'path product of w1 via h1, o1'."""
    quantity, ident, extra = key
    words = QUANTITY_WORDS.get(quantity, quantity)
    if ident is not None:
        words += f" of {ident}"
    if extra:
        words += (" by " if quantity == "dyhat_dz" else " via ") + ", ".join(extra)
    return words


def verdict_words(g: Graded) -> str:
    """One short line for the canvas: '✓ right', '→ follows from your ∂L/∂z of h1', '✗ …'."""
    if g.verdict == "right":
        return "✓ right"
    if g.verdict == "follows":
        src = f" from your {key_words(g.from_)}" if g.from_ is not None else ""
        return f"→ follows{src}"
    mistake = g.mistake or "unexplained"
    return "✗ " + MISTAKE_WORDS.get(mistake, mistake.replace("_", " "))


def parse_entry(text: str) -> float:
    """The number a student typed, read as an answers file reads it (ValueError with a
    message when it is not one: '1_0', 'inf' and '0x1' are not)."""
    try:
        v = float(parse_number(text))
    except (ValueError, ArithmeticError):
        raise ValueError(f"“{text.strip()}” is not a number") from None
    if not math.isfinite(v):
        raise ValueError(f"“{text.strip()}” is too large")
    return v


def layer_of_key(graph: Graph, layers: dict[str, int], key: Key) -> int | None:
    """The layer a value belongs to: a neuron's own, an edge's target's (None: the loss)."""
    quantity, ident, _ = key
    if ident is None:
        return None
    if quantity in ("grad", "updated", "path"):
        edge = graph.edges.get(ident)
        return None if edge is None else layers.get(edge.target)
    return layers.get(ident)


def _given(graph: Graph, key: Key) -> bool:
    """An input's x and a bias unit's constant 1 are the exercise's data, never blanks."""
    quantity, ident, _ = key
    neuron = graph.neurons.get(ident) if ident is not None and quantity in ("z", "a") else None
    return neuron is not None and neuron.role in ("input", "bias")


def hidden_keys(
    graph: Graph,
    layers: dict[str, int],
    expected: Sequence[tuple[Key, float]],
    hide: str,
    layer: int | None = None,
) -> list[Key]:
    """The blanks of one choice of :data:`HIDE_CHOICES`, in the grader's computation order."""
    if hide == "backward":
        wanted: tuple[str, ...] = BACKWARD_QUANTITIES
    elif hide == "layer":
        wanted = BACKWARD_QUANTITIES
    elif hide == "updates":
        wanted = UPDATE_QUANTITIES
    elif hide == "everything":
        wanted = ALL_QUANTITIES
    else:
        raise ValueError(f"unknown exercise choice {hide!r} (one of {', '.join(HIDE_CHOICES)})")
    keys = [k for k, _v in expected if k[0] in wanted and k[2] is None and not _given(graph, k)]
    if hide == "layer":
        keys = [k for k in keys if layer_of_key(graph, layers, k) == layer]
    return keys


def answer_of(key: Key, text: str, row: int = 0) -> Answer:
    quantity, ident, extra = key
    if quantity == "dyhat_dz" and extra:
        return Answer(quantity, ident, text, by=extra[0], row=row)
    return Answer(quantity, ident, text, via=extra, row=row)


@dataclass
class Exercise:
    """The blanks of one pass and what has been entered into them.

    ``keys``: the blanks in computation order (Tab walks them); ``entries``: the text entered
    for a blank (as typed: its digits set the tolerance); ``report``: the grader's verdicts
    on all entries, or None before the first. ``editable`` is False for a checked answers
    file (its values are shown, not typed).
    """

    graph: Graph
    sample: int | None
    keys: list[Key]
    exact: dict[Key, float]
    entries: dict[Key, str]
    editable: bool = True
    rtol: float = 0.005
    report: GradeReport | None = None
    extra_answers: tuple[Answer, ...] = ()  # a file's values that are not on the canvas
    revealed: set[Key] | None = None
    version: int = 0  # bumped at every change (the overlay redraws on a new one)

    @classmethod
    def hiding(
        cls,
        graph: Graph,
        layers: dict[str, int],
        sample: int,
        hide: str,
        layer: int | None = None,
    ) -> Exercise:
        expected = expected_values(graph, sample)
        keys = hidden_keys(graph, layers, expected, hide, layer)
        return cls(graph, sample, keys, dict(expected), {})

    @classmethod
    def checking(
        cls, graph: Graph, answers: Iterable[Answer], sample: int | None, rtol: float = 0.005
    ) -> Exercise:
        """An answers file on the canvas: its values are the entries (read only)."""
        expected = expected_values(graph, sample)
        order = {k: i for i, (k, _v) in enumerate(expected)}
        answers = tuple(answers)
        on_canvas = [a for a in answers if a.quantity in CANVAS_QUANTITIES and a.key() in order]
        keys = sorted((a.key() for a in on_canvas), key=order.__getitem__)
        entries = {a.key(): a.value for a in on_canvas}
        extra = tuple(a for a in answers if a not in on_canvas)
        ex = cls(graph, sample, keys, dict(expected), entries, False, rtol, None, extra)
        ex.regrade()
        return ex

    def __post_init__(self) -> None:
        if self.revealed is None:
            self.revealed = set()

    # ------------------------------------------------------------------ entries
    def answers(self) -> list[Answer]:
        """Every entry (and a checked file's other values) as answers, in computation order."""
        out = [
            answer_of(k, self.entries[k], i + 1)
            for i, k in enumerate(self.keys)
            if k in self.entries
        ]
        return out + list(self.extra_answers)

    def regrade(self) -> None:
        answers = self.answers()
        self.report = grade(self.graph, answers, self.sample, self.rtol) if answers else None
        self.version += 1

    def commit(self, key: Key, text: str) -> Graded:
        """Enter ``text`` into blank ``key`` and grade it with everything entered before.

        ValueError (with a message for the student) when the text is not a number; nothing
        changes then."""
        if not self.editable:
            raise ValueError("these are a file's answers: they cannot be typed over")
        if key not in self.keys:
            raise ValueError(f"{key_words(key)} is not a blank of this exercise")
        parse_entry(text)
        before = self.entries.get(key)
        self.entries[key] = text.strip().replace("−", "-")
        try:
            self.regrade()
        except ArithmeticError as exc:  # the grader failed on this text: say so, keep the rest
            if before is None:
                del self.entries[key]
            else:
                self.entries[key] = before
            self.regrade()
            raise ValueError(
                f"the grader could not check “{text.strip()}” ({type(exc).__name__})"
            ) from exc
        g = self.graded(key)
        assert g is not None  # it was just graded
        return g

    def clear(self, key: Key) -> None:
        if key in self.entries and self.editable:
            del self.entries[key]
            self.regrade()

    def reveal(self, key: Key) -> float:
        """The exact value of blank ``key`` (it stays shown beside the entry)."""
        assert self.revealed is not None
        self.revealed.add(key)
        self.version += 1
        return self.exact[key]

    # ------------------------------------------------------------------ verdicts
    def graded(self, key: Key) -> Graded | None:
        if self.report is None:
            return None
        for g in self.report.graded:
            if g.answer.key() == key:
                return g
        return None

    def graded_list(self) -> list[Graded]:
        return [] if self.report is None else list(self.report.graded)

    @property
    def first_wrong(self) -> Graded | None:
        return None if self.report is None else self.report.first_wrong

    def summary(self) -> str:
        """'5 of 8 blanks filled: 3 right, 1 follows, 1 wrong (first: ∂L/∂w of w5, sign slip)'."""
        filled = sum(1 for k in self.keys if k in self.entries)
        head = (
            f"{filled} of {len(self.keys)} blanks filled"
            if self.editable
            else (f"{len(self.graded_list())} values checked")
        )
        if self.report is None:
            return head
        c = self.report.counts()
        text = f"{head}: {c.get('right', 0)} right, {c.get('follows', 0)} follow, "
        text += f"{c.get('wrong', 0)} wrong"
        fw = self.first_wrong
        if fw is not None:
            text += f" (first: {key_words(fw.answer.key())}, {verdict_words(fw)[2:]})"
        return text


VERDICT_COLUMNS = (
    "quantity",
    "id",
    "via",
    "by",
    "value",
    "exact",
    "yours",
    "verdict",
    "mistake",
    "from",
    "explanation",
)


def verdict_rows(report: GradeReport) -> list[dict[str, str]]:
    """The verdict list as text cells (the app's list and its CSV)."""
    rows = []
    for g in report.graded:
        a = g.answer
        rows.append(
            {
                "quantity": a.quantity,
                "id": a.id or "",
                "via": " ".join(a.via) if a.via is not None else "",
                "by": a.by or "",
                "value": a.value,
                "exact": repr(float(g.exact)),
                "yours": "" if g.yours is None else repr(float(g.yours)),
                "verdict": g.verdict,
                "mistake": g.mistake or "",
                "from": describe(g.from_) if g.from_ is not None else "",
                "explanation": " ".join(g.explanation.split()),  # one line: one CSV row
            }
        )
    return rows


def verdicts_csv(report: GradeReport) -> str:
    """The verdict list as CSV; its quantity, id, via, by and value columns make it an
    answers file again (the grader keeps and ignores the other columns)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, VERDICT_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in verdict_rows(report):
        w.writerow(row)
    return "# bpstudio verdicts: an answers file with the grader's columns beside it\n" + (
        buf.getvalue()
    )
