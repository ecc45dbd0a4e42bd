# Longer than 400 lines: the grader walks the pass once, with the student's carried values, and
# every check needs that walk's state.
"""Grade hand-computed values against the exact pass (spec grading.md).

For each written value, in computation order: *exact* is the engine's value, *yours* the
value its local rule (rules.py) gives on the student's own earlier values (the engine's
standing in for what was not written), *tol* half a unit of the last digit written plus a
relative ``rtol`` (of the step, for an update). ``right`` within tol of exact, or of yours
when every written value it used is right; ``follows`` within tol of yours when one of them
is not (``from_`` names it); else ``wrong``, and the catalogue (mistakes.py) is tried on the
student's own inputs, at the value itself and at the unwritten values of the same pass it
was computed from, for the first slip that reproduces the number.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, localcontext
from typing import Any, Literal

import numpy as np

from ..compile import Compiled, compile_graph
from ..graph import Graph
from ..numfmt import general
from ..trace import PassResult, run_pass
from .answers import (
    Answer,
    AnswersError,
    Key,
    check_against,
    describe,
    duplicate_errors,
    parse_number,
    words,
)
from .mistakes import BY_CODE, CATALOGUE, Mistake
from .rules import PER_SAMPLE, PHASE, RULES, Net, computation_order, derived, grad_key

Verdict = Literal["right", "follows", "wrong"]
DEFAULT_RTOL = 0.005


@dataclass(frozen=True)
class Graded:
    answer: Answer
    exact: float
    yours: float | None
    verdict: Verdict
    mistake: str | None  # a code of the spec's table, or "unexplained" (wrong only)
    also: tuple[str, ...]
    explanation: str  # plain words
    from_: Key | None  # for follows: the earlier wrong/follows value it comes from

    @property
    def key(self) -> Key:
        return self.answer.key()

    def to_json(self) -> dict[str, Any]:
        a = self.answer
        d: dict[str, Any] = {"quantity": a.quantity, "id": a.id}
        if a.via is not None:
            d["via"] = list(a.via)
        if a.by is not None:
            d["by"] = a.by
        d.update(
            given=a.value,
            exact=self.exact,
            yours=self.yours,
            verdict=self.verdict,
            mistake=self.mistake,
            also=list(self.also),
            explanation=self.explanation,
        )
        d["from"] = key_json(self.from_) if self.from_ is not None else None
        return d


def key_json(key: Key) -> dict[str, Any]:
    q, nid, extra = key
    d: dict[str, Any] = {"quantity": q, "id": nid}
    if extra is not None:
        d["by" if q == "dyhat_dz" else "via"] = extra[0] if q == "dyhat_dz" else list(extra)
    return d


@dataclass(frozen=True)
class GradeReport:
    graded: tuple[Graded, ...]  # in computation order
    first_wrong: Graded | None

    def counts(self) -> dict[str, int]:
        out = {"right": 0, "follows": 0, "wrong": 0}
        for g in self.graded:
            out[g.verdict] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        """The spec's JSON document."""
        summary: dict[str, Any] = dict(self.counts())
        fw = self.first_wrong
        summary["first_wrong"] = key_json(fw.key) if fw is not None else None
        return {"summary": summary, "values": [g.to_json() for g in self.graded]}

    def summary_line(self) -> str:
        """``12 values: 9 right, 2 follow from an earlier slip, 1 wrong (first: ...)``."""
        c = self.counts()
        n = len(self.graded)
        follows = "1 follows" if c["follows"] == 1 else f"{c['follows']} follow"
        text = (
            f"{n} value{'s' if n != 1 else ''}: {c['right']} right, "
            f"{follows} from an earlier slip, {c['wrong']} wrong"
        )
        if self.first_wrong is not None:
            text += f" (first: {describe(self.first_wrong.key)}, {self.first_wrong.mistake})"
        return text


# --------------------------------------------------------------------------- the grader
class Grader:
    """The exact pass of one network and sample, ready to grade answers against (the app
    keeps one per exercise and grades each entry as it is typed)."""

    def __init__(
        self,
        graph: Graph,
        sample: int | None = 0,
        compiled: Compiled | None = None,
        result: PassResult | None = None,
    ):
        if result is None:
            from ..session import dataset

            compiled = compiled or compile_graph(graph)
            ds = dataset(graph)
            samples = list(range(len(ds))) if sample is None else [sample]
            result = run_pass(compiled, ds, samples, graph.training)
        self.net = Net(graph, result.compiled, result)
        self.order = computation_order(self.net)
        self.position = {k: i for i, k in enumerate(self.order)}
        self._deps: dict[Key, tuple[Key, ...]] = {}

    def expected_values(self, paths: bool = False) -> list[tuple[Key, float]]:
        keys = computation_order(self.net, paths) if paths else self.order
        return [(k, _mean(self.net.exact(k))) for k in keys]

    def pos(self, key: Key) -> float:
        if key[0] == "path":
            return self.position[("grad", key[1], None)] - 0.5
        return self.position[key]

    def grade(
        self, answers: Sequence[Answer], rtol: float = DEFAULT_RTOL, source: str = "answers"
    ) -> GradeReport:
        """AnswersError (rows named, ``source`` as the file) for answers that do not fit the
        network or repeat a value: an answers file is checked when read, typed entries here."""
        errors = check_against(answers, self.net.graph, source) + duplicate_errors(answers, source)
        if errors:
            raise AnswersError(errors)
        return _Run(self, answers, rtol).report()

    def deps(self, key: Key) -> tuple[Key, ...]:
        """The keys a rule reads (structural: the same whatever the values)."""
        d = self._deps.get(key)
        if d is None:
            rec = _Recorder(self.net)
            RULES[key[0]](rec, key)
            d = self._deps[key] = tuple(dict.fromkeys(rec.asked))
        return d


class _Recorder:
    def __init__(self, net: Net):
        self.net = net
        self.asked: list[Key] = []

    def get(self, key: Key) -> np.ndarray:
        self.asked.append(key)
        return self.net.exact(key)


class _Student:
    """The student's values where written, else derived factors or the engine's values;
    records which written values a rule used. ``overrides`` hold a mistake's values."""

    def __init__(self, run: _Run, overrides: dict[Key, np.ndarray] | None = None):
        self.run, self.net = run, run.net
        self.used: list[Key] = []
        self.overrides = overrides or {}

    def get(self, key: Key) -> np.ndarray:
        o = self.overrides.get(key)
        if o is not None:
            return o
        given = self.run.given.get(key)
        if given is not None:
            self.used.append(key)
            return given
        if derived(key, self.net.shape):
            if self.overrides and any(d in self.overrides for d in self.run.grader.deps(key)):
                return RULES[key[0]](self, key)
            hit = self.run.derived.get(key)
            if hit is None:  # the same for every rule of the run: computed once
                inner = _Student(self.run)
                hit = self.run.derived[key] = (RULES[key[0]](inner, key), inner.used)
            self.used.extend(hit[1])
            return hit[0]
        return self.net.exact(key)


@dataclass
class _Carry:
    """A value at a site -> the graded value; ``affine``: by a measured linear map (exact up
    to its rounding, so a near match is confirmed by carrying the value exactly)."""

    fn: Callable[[np.ndarray], np.ndarray]
    affine: bool

    def __call__(self, v: np.ndarray) -> np.ndarray:
        return self.fn(v)


@dataclass
class _Found:
    code: str
    value: float
    detail: str
    site: Key


class _Run:
    def __init__(self, grader: Grader, answers: Sequence[Answer], rtol: float):
        self.grader, self.net, self.rtol = grader, grader.net, float(rtol)
        self.answers = sorted(answers, key=lambda a: (grader.pos(a.key()), a.row))
        self.given: dict[Key, np.ndarray] = {}
        self._cones: dict[Key, list[Key]] = {}
        self._candidates: dict[tuple[str, Key], list[tuple[np.ndarray, str]]] = {}
        self._chains: dict[Key, list[tuple[float, Key, tuple[Key, ...]]]] = {}
        self._carriers: dict[tuple[Key, Key], _Carry] = {}
        self.derived: dict[Key, tuple[np.ndarray, list[Key]]] = {}
        self.half = {a.key(): a.half_unit for a in self.answers}
        self.verdict: dict[Key, Verdict] = {}
        for a in self.answers:
            k = a.key()
            x = a.number
            if k[0] in PER_SAMPLE:
                ex = self.net.exact(k)
                # a batch mean written for `all`: each sample's value moved by the same amount
                self.given[k] = ex + (x - _mean(ex))
            else:
                self.given[k] = np.array(x)

    # ------------------------------------------------------------------ tolerance
    def tol(self, a: Answer, target: float) -> float:
        ref = target
        if a.quantity in ("updated", "updated_bias"):
            ref = target - self.net.old(a.key())
        return self.half[a.key()] + self.rtol * abs(ref)

    def near(self, a: Answer, x: float, target: float) -> bool:
        # the slack absorbs the binary rounding of the written number (0.12 vs 0.125 at 2
        # decimals is exactly half a unit, 0.0050000000000000044 in float64)
        slack = 1e-9 * self.tol(a, target) + 4e-16 * max(abs(x), abs(target))
        return math.isfinite(target) and abs(x - target) <= self.tol(a, target) + slack

    # ------------------------------------------------------------------ grading
    def report(self) -> GradeReport:
        graded = [self.one(a) for a in self.answers]
        first = next((g for g in graded if g.verdict == "wrong"), None)
        return GradeReport(tuple(graded), first)

    def one(self, a: Answer) -> Graded:
        k = a.key()
        x = a.number
        exact = _mean(self.net.exact(k))
        st = _Student(self)
        with np.errstate(all="ignore"):
            yours = _mean(RULES[k[0]](st, k))
        used = [u for u in dict.fromkeys(st.used) if u != k]
        bad = [u for u in used if self.verdict.get(u, "right") != "right"]
        bad.sort(key=lambda u: (self.verdict.get(u) != "wrong", self.grader.pos(u)))
        yours_out = yours if math.isfinite(yours) else None
        if self.near(a, x, exact):
            return self._done(a, exact, yours_out, "right", "", None)
        if self.near(a, x, yours):
            if not bad:
                return self._done(a, exact, yours_out, "right", "", None)
            src = bad[0]
            given = self.given_text(src)
            text = f"follows correctly from your {words(src)} ({given})"
            return self._done(a, exact, yours_out, "follows", text, src)
        found = self.mistakes(a, x)
        if found:
            first = found[0]
            text = self.mistake_words(a, first, exact)
            return self._done(
                a,
                exact,
                yours_out,
                "wrong",
                text,
                None,
                first.code,
                tuple(f.code for f in found[1:]),
            )
        text = self.unexplained_words(a, exact, yours)
        return self._done(a, exact, yours_out, "wrong", text, None, "unexplained")

    def _done(self, a, exact, yours, verdict, words, src, mistake=None, also=()) -> Graded:
        self.verdict[a.key()] = verdict
        return Graded(a, exact, yours, verdict, mistake, tuple(also), words, src)

    def given_text(self, key: Key) -> str:
        for a in self.answers:
            if a.key() == key:
                return a.value
        return ""

    # ------------------------------------------------------------------ mistakes
    def cone(self, key: Key) -> list[Key]:
        """The unwritten values ``key`` was computed from, through unwritten values of its
        own pass (an update: of the backward pass), nearest first."""
        c = self._cones.get(key)
        if c is None:
            c = self._cones[key] = self._cone(key)
        return c

    def chain(self, key: Key) -> list[tuple[float, Key, tuple[Key, ...]]]:
        """The cone in computation order with each value's position and inputs (cached)."""
        c = self._chains.get(key)
        if c is None:
            g = self.grader
            c = self._chains[key] = [(g.pos(d), d, g.deps(d)) for d in reversed(self.cone(key))]
        return c

    def _cone(self, key: Key) -> list[Key]:
        floor = min(PHASE[key[0]], 2) if PHASE[key[0]] >= 2 else 0
        seen: dict[Key, None] = {}
        stack = [key]
        while stack:
            k = stack.pop()
            for d in self.grader.deps(k):
                if d in seen or d == key or d in self.given or PHASE[d[0]] < floor:
                    continue
                if d[0] == "a" and not self.net.shape.has_z(str(d[1])):
                    continue  # data
                seen[d] = None
                stack.append(d)
        return sorted(seen, key=lambda d: -self.grader.pos(d))

    def mistakes(self, a: Answer, x: float) -> list[_Found]:
        k = a.key()
        sites = [k, *self.cone(k)]
        found: list[_Found] = []
        for m in CATALOGUE:
            hit = self._try(m, sites, a, x)
            if hit is not None:
                found.append(hit)
        return found

    def _try(self, m: Mistake, sites: list[Key], a: Answer, x: float) -> _Found | None:
        k = a.key()
        everywhere: dict[int, dict[Key, np.ndarray]] = {}  # variant -> the slip at each site
        with np.errstate(all="ignore"):
            for site in sites:
                if site[0] not in m.quantities:
                    continue
                candidates = self.candidates(m, site)
                carry = self.carrier(site, k)
                for i, (value, detail) in enumerate(candidates):
                    if site != k:
                        everywhere.setdefault(i, {})[site] = value
                    v = _mean(carry(value)) if site != k else _mean(value)
                    if carry.affine and abs(x - v) <= 2 * self.tol(a, v) + 1e-9 * (1 + abs(v)):
                        # near enough: the affine map's rounding decides nothing, carry exactly
                        v = _mean(self.propagate({site: value}, k))
                    if self.near(a, x, v):
                        return _Found(m.code, v, detail, site)
            if not m.everywhere:
                return None
            # the same slip made at every place of the working the student did not write
            for found in everywhere.values():
                if len(found) < 2:
                    continue
                v = _mean(self.propagate(found, k))
                if self.near(a, x, v):
                    places = ", ".join(words(s) for s in sorted(found, key=self.grader.pos))
                    return _Found(m.code, v, f"{m.words} (in {places}, not written)", k)
        return None

    def candidates(self, m: Mistake, site: Key) -> list[tuple[np.ndarray, str]]:
        """A slip's values at a site (the same for every value graded above it: cached)."""
        c = self._candidates.get((m.code, site))
        if c is None:
            c = self._candidates[(m.code, site)] = m.find(_Student(self), site)
        return c

    def carrier(self, site: Key, key: Key) -> _Carry:
        """value at ``site`` -> ``key``: :meth:`propagate`, or for a backward site under a
        backward value its affine map, measured once (the backward pass is linear in each
        single backward value; an update applies its optimizer to the gradient so carried).
        Measured once per run for every mistake tried at the site (a wrong value no slip
        explains tries them all: carrying each candidate exactly was most of what `grade`
        spent); a near match is still carried exactly (:meth:`_try`)."""
        if site == key:
            return _Carry(lambda v: v, False)
        c = self._carriers.get((site, key))
        if c is None:
            c = self._carriers[(site, key)] = self._carrier(site, key)
        return c

    def _carrier(self, site: Key, key: Key) -> _Carry:
        through = key if PHASE[key[0]] == 2 else grad_key(key)
        c0 = np.asarray(_Student(self).get(site), dtype=float)
        nonlinear = through != key and not self.net.linear_step  # Adam: lr·sign(g) amplifies
        if (  # the rounding of an affine map where g is 0: carry each value exactly then
            PHASE[site[0]] != 2 or nonlinear or (through != key and through in self.given)
        ):
            return _Carry(lambda v: self.propagate({site: v}, key), False)
        base = np.asarray(self.propagate({site: c0}, through), dtype=float)
        response = []
        for b in range(c0.size):  # one unit step per sample (one for a batch quantity)
            bumped = c0.copy().reshape(-1)
            bumped[b] += 1.0
            r = self.propagate({site: bumped.reshape(c0.shape)}, through)
            response.append(np.asarray(r, dtype=float) - base)
        flat_c0 = c0.reshape(-1)

        def affine(v: np.ndarray) -> np.ndarray:
            d = np.asarray(v, dtype=float).reshape(-1) - flat_c0
            out = base.copy()
            for b, r in enumerate(response):
                out += r * d[b]
            if through == key:
                return out
            return RULES[key[0]](_Student(self, {through: out}), key)

        return _Carry(affine, True)

    def propagate(self, sites: dict[Key, np.ndarray], key: Key) -> np.ndarray:
        """``key`` recomputed with ``sites`` corrupted to their values: the unwritten values
        between them recomputed by their own rules, every other input as for yours."""
        overrides = {s: np.asarray(v, dtype=float) for s, v in sites.items()}
        lo = min(self.grader.pos(s) for s in sites)
        for p, d, deps in self.chain(key):  # the unwritten values after the sites, in order
            if p <= lo or d in sites:
                continue
            if any(dep in overrides for dep in deps):
                overrides[d] = RULES[d[0]](_Student(self, overrides), d)
        return RULES[key[0]](_Student(self, overrides), key)

    # ------------------------------------------------------------------ words
    def mistake_words(self, a: Answer, f: _Found, exact: float) -> str:
        what = f.detail or BY_CODE[f.code].words
        where = "" if f.site == a.key() else f" in {words(f.site)} (not written)"
        return f"{what}{where}: that gives {self.num(f.value, a)}, as written"

    def unexplained_words(self, a: Answer, exact: float, yours: float) -> str:
        text = f"none of the known slips gives {a.value}"
        for target in (exact, yours):
            if math.isfinite(target) and _cut_to(a.value, target):
                text += " (it is the right value cut off at the last digit written, not rounded)"
                break
        return text

    def num(self, value: float, a: Answer) -> str:
        """Enough digits to compare with what was written (for an update: to see its step)."""
        digits = max(6, len(parse_number(a.value).as_tuple().digits) + 2)
        if a.quantity in ("updated", "updated_bias"):
            old = self.net.old(a.key())
            step = abs(_mean(self.net.exact(a.key())) - old)
            if step > 0 and old != 0 and math.isfinite(step):
                digits = max(digits, math.ceil(math.log10(abs(old) / step)) + 4)
        return general(value, min(digits, 17))


def _mean(v) -> float:
    """The batch mean of a per-sample array (the value itself for one sample or a batch
    quantity); np.mean costs more than the grading of a value on these tiny arrays."""
    a = np.asarray(v, dtype=float)
    if a.size == 1:
        return float(a.reshape(-1)[0])
    with np.errstate(all="ignore"):  # a slip may overflow: inf is then its value
        return float(a.sum()) / a.size


def _cut_to(text: str, value: float) -> bool:
    """True when ``text`` is ``value`` truncated (not rounded) to the digits written."""
    d = parse_number(text)
    exp = d.as_tuple().exponent
    assert isinstance(exp, int)
    q = Decimal(1).scaleb(exp)
    # quantize needs every digit down to the one written: 0.36 to the 31st decimal (a value
    # written 5e-31) is past the default 28, which raised InvalidOperation. A float's exact
    # decimal has at most ~770 digits, so this precision is always enough.
    with localcontext() as ctx:
        ctx.prec = 1200
        cut = Decimal(repr(value)).quantize(q, rounding=ROUND_DOWN)
        return cut == d and cut != Decimal(repr(value)).quantize(q)


# --------------------------------------------------------------------------- API
def expected_values(
    graph: Graph, sample: int | None = 0, paths: bool = False
) -> list[tuple[Key, float]]:
    """Every gradable quantity of the network in computation order (sample None: the batch
    mean); ``paths`` adds each chain-rule path of every weight (there can be many)."""
    return Grader(graph, sample).expected_values(paths)


def grade(
    graph: Graph, answers: Sequence[Answer], sample: int | None = 0, rtol: float = DEFAULT_RTOL
) -> GradeReport:
    """Grade ``answers`` against the exact pass of ``graph`` on ``sample`` (None: all)."""
    return Grader(graph, sample).grade(answers, rtol)
