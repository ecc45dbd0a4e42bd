"""Common-mistake notes for worked examples: what a likely slip would give, computed by the
catalogue's own functions (mistakes.py) on the exact pass.

"The path through o2 was left out (only o1 kept): that gives −0.065 instead of −0.1304."
Notes are made where a student is likely to go wrong: a softmax output's ∂L/∂z (the cross
terms), a gradient that is a sum of several chain-rule paths (one of them left out) and the
direction of an update. ``bpstudio report --mistakes`` prints them under their equations,
``report --exercise`` in its answer key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .answers import Key
from .grader import Grader, _mean, _Run, _Student
from .mistakes import BY_CODE, Mistake

_DROP = BY_CODE["dropped_path"]
_DIAG = BY_CODE["softmax_diagonal_only"]
_ASCENT = BY_CODE["ascent"]


@dataclass(frozen=True)
class Note:
    key: Key  # the value the note is about
    code: str  # the slip's code
    what: str  # plain words: "leaving out the path through o2"
    value: float  # what the slip gives
    exact: float


def notes_for(grader: Grader, key: Key) -> list[Note]:
    """The notes for one value (none where no likely slip applies)."""
    q, nid = key[0], key[1]
    if q not in ("dL_dz", "dL_da", "grad", "dL_db", "updated", "updated_bias"):
        return []
    run = _Run(grader, [], 0.005)
    net = grader.net
    s = net.shape
    exact = _mean(net.exact(key))
    found: list[tuple[Mistake, Key, np.ndarray, str]] = []
    if q == "dL_dz" and nid in s.softmax and len(s.softmax) > 1:
        found += _candidates(run, _DIAG, key)
    elif q == "dL_da" and nid is not None and nid not in s.outputs:
        found += _single_drops(run, key)
    elif q in ("grad", "dL_db") and nid is not None:
        t = s.ends[nid][1] if q == "grad" else nid
        if t in s.softmax and len(s.softmax) > 1:
            found += _candidates(run, _DIAG, ("dL_dz", t, None))
        elif t not in s.outputs:
            found += _single_drops(run, ("dL_da", t, None))
    elif q in ("updated", "updated_bias"):
        found += _candidates(run, _ASCENT, key)
    notes = []
    for m, site, value, detail in found:
        with np.errstate(all="ignore"):
            v = _mean(value if site == key else run.propagate({site: value}, key))
        if np.isfinite(v) and not np.isclose(v, exact, rtol=1e-9, atol=1e-15):
            notes.append(Note(key, m.code, detail or m.words, v, exact))
    return notes


def _candidates(run: _Run, m: Mistake, site: Key) -> list[tuple[Mistake, Key, np.ndarray, str]]:
    with np.errstate(all="ignore"):
        return [(m, site, v, d) for v, d in m.find(_Student(run), site)]


def _single_drops(run: _Run, site: Key) -> list[tuple[Mistake, Key, np.ndarray, str]]:
    """dropped_path's candidates that leave out one path of several (the first of its list:
    it keeps the largest subsets first)."""
    shape = run.net.shape
    through = [shape.ends[e][1] for e in shape.out_edges[str(site[1])]]
    n = len(through)
    if n < 2:
        return []
    # combinations of n − 1 terms in order: the k-th leaves out term n − 1 − k
    drops = _candidates(run, _DROP, site)[:n]
    return [
        (m, k, v, f"leaving out the path through {through[n - 1 - i]}")
        for i, (m, k, v, _) in enumerate(drops)
    ]


_WHAT = {
    "ascent": "climbing the gradient (w + η·∂L/∂w)",
    "softmax_diagonal_only": "leaving out the softmax cross terms (only ŷ_j(1 − ŷ_j))",
}


def sentence_parts(note: Note) -> tuple[str, float, float]:
    """("Leaving out the path through o2", what it gives, the right value)."""
    what = _WHAT.get(note.code, note.what)
    return what[0].upper() + what[1:], note.value, note.exact


def sentence(note: Note, num) -> str:
    """The note as a sentence, numbers by ``num`` (the document's rounding):
    "Leaving out the path through o2 gives −0.065 instead of −0.1304." """
    what = _WHAT.get(note.code, note.what)
    what = what[0].upper() + what[1:]
    return f"{what} gives {num(note.value)} instead of {num(note.exact)}."
