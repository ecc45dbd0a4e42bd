"""Label placement for the canvas: numbers that never cover each other or a neuron.

Qt-free (plain tuples), so it is tested without a display and costs the same everywhere.

Every label has a size, a priority and an ordered list of candidate centres (positions along
its edge for weight / ∂L/∂w / Δw labels, around its neuron for value badges). Labels are
placed greedily, highest priority first: each takes its first candidate that overlaps no
label placed before it and no obstacle (neuron discs, fixed rectangles such as a legend).
A label none of whose candidates is free either

* gets a *leader*: the nearest free spot on rings around its anchor point, with a line from
  the anchor to the label (only labels that allow it: value badges, not weight labels), or
* is *hidden*: it is shown on hover only (the caller decides how).

Greedy by priority is what a reader expects: the loss and the values of the step just
computed are never displaced by a weight label. Overlap tests go through a grid of buckets
(cell about twice a typical label), so placing n labels costs O(n), not O(n²): 2,000 labels
place in ~15 ms (benchmarks/bench_label_placement.py).

Rectangles are ``(left, top, right, bottom)`` in scene units, y down. Two rectangles that
only touch do not overlap.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

Rect = tuple[float, float, float, float]
Point = tuple[float, float]

PLACED, LED, HIDDEN = "placed", "led", "hidden"


@dataclass(frozen=True)
class Disc:
    """A round obstacle (a neuron): no label may cover any part of it."""

    x: float
    y: float
    r: float

    def rect(self) -> Rect:
        return (self.x - self.r, self.y - self.r, self.x + self.r, self.y + self.r)


@dataclass
class Label:
    key: Hashable
    width: float
    height: float
    candidates: Sequence[Point]  # centres, most preferred first
    priority: float = 0.0  # higher is placed first
    anchor: Point | None = None  # what a leader points at; None: no leader, hover instead
    leader: bool = True


@dataclass
class Placement:
    rects: dict[Hashable, Rect] = field(default_factory=dict)  # placed and led labels
    how: dict[Hashable, str] = field(default_factory=dict)  # key -> PLACED | LED | HIDDEN
    leaders: dict[Hashable, tuple[Point, Point]] = field(default_factory=dict)  # anchor, end

    def keys(self, how: str) -> list[Hashable]:
        return [k for k, h in self.how.items() if h == how]


def rects_overlap(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def rect_hits_disc(r: Rect, d: Disc) -> bool:
    """True if the rectangle covers part of the disc (touching does not count)."""
    nx = min(max(d.x, r[0]), r[2])
    ny = min(max(d.y, r[1]), r[3])
    return (nx - d.x) ** 2 + (ny - d.y) ** 2 < d.r * d.r


class _Grid:
    """Rectangles (and discs) bucketed by grid cell; a query looks at the cells it spans.

    Something far larger than a cell (a tile or handle drawn at screen size on a canvas
    zoomed far out, a label of a lecture-fit network spread wide) would be copied into, and a
    large query would walk, ~area / cell² buckets: one 30,000-unit obstacle at 30-unit cells
    is 10⁶ buckets, seconds of the GUI thread (an 11.8 s stall of the random user). Those go
    to a short list every query checks instead, and a query spanning more buckets than there
    are items checks every item once: each call costs at most O(items)."""

    BIG = 64  # buckets: an item or query spanning more is handled without the buckets

    def __init__(self, cell: float):
        self.cell = cell
        self.rects: dict[tuple[int, int], list[Rect]] = {}
        self.discs: dict[tuple[int, int], list[Disc]] = {}
        self.big_rects: list[Rect] = []  # spanning more than BIG buckets
        self.big_discs: list[Disc] = []
        self.all_rects: list[Rect] = []  # every item once, for a query wider than the grid
        self.all_discs: list[Disc] = []
        self.visits = 0  # buckets and items looked at (tests bound the work with it)

    def _span(self, r: Rect):
        c = self.cell
        return (
            math.floor(r[0] / c),
            math.floor(r[2] / c),
            math.floor(r[1] / c),
            math.floor(r[3] / c),
        )

    @staticmethod
    def _count(span) -> int:
        i0, i1, j0, j1 = span
        return (i1 - i0 + 1) * (j1 - j0 + 1)

    def add(self, r: Rect) -> None:
        self.all_rects.append(r)
        span = self._span(r)
        if self._count(span) > self.BIG:
            self.big_rects.append(r)
            return
        i0, i1, j0, j1 = span
        rects = self.rects
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                bucket = rects.get((i, j))
                if bucket is None:
                    rects[(i, j)] = [r]
                else:
                    bucket.append(r)

    def add_disc(self, d: Disc) -> None:
        self.all_discs.append(d)
        span = self._span(d.rect())
        if self._count(span) > self.BIG:
            self.big_discs.append(d)
            return
        i0, i1, j0, j1 = span
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                self.discs.setdefault((i, j), []).append(d)

    def free(self, r: Rect) -> bool:
        span = self._span(r)
        n, items = self._count(span), len(self.all_rects) + len(self.all_discs)
        if n > self.BIG and n > items:  # wider than the grid holds: every item once
            self.visits += items
            return _clear(r, self.all_rects, self.all_discs)
        if (self.big_rects or self.big_discs) and not _clear(r, self.big_rects, self.big_discs):
            return False
        self.visits += n
        i0, i1, j0, j1 = span
        rects, discs = self.rects, self.discs
        left, top, right, bottom = r
        for i in range(i0, i1 + 1):
            for j in range(j0, j1 + 1):
                key = (i, j)
                for o in rects.get(key, ()):
                    if left < o[2] and o[0] < right and top < o[3] and o[1] < bottom:
                        return False
                for d in discs.get(key, ()):  # rect_hits_disc, inlined (the hot loop)
                    nx = left if d.x < left else right if d.x > right else d.x
                    ny = top if d.y < top else bottom if d.y > bottom else d.y
                    if (nx - d.x) ** 2 + (ny - d.y) ** 2 < d.r * d.r:
                        return False
        return True


def _clear(r: Rect, rects: Iterable[Rect], discs: Iterable[Disc]) -> bool:
    """True if r overlaps none of the rectangles and covers no part of the discs (the few
    big items, or every item once; the bucket walk in free() inlines the same tests)."""
    return not any(rects_overlap(r, o) for o in rects) and not any(
        rect_hits_disc(r, d) for d in discs
    )


def _ring_spots(label: Label, ring_step: float, rings: int) -> Iterable[Point]:
    """Centres on rings around the anchor (nearest ring first), for a leader's label."""
    if label.anchor is None:  # nothing to lead to
        return
    ax, ay = label.anchor
    w, h = label.width, label.height
    for k in range(1, rings + 1):
        d = k * ring_step
        n = 8 + 4 * k
        for s in range(n):
            a = 2 * math.pi * s / n
            ux, uy = math.cos(a), math.sin(a)
            # the label's near side at distance d from the anchor (box "radius" in direction)
            reach = d + abs(ux) * w / 2 + abs(uy) * h / 2
            yield ax + ux * reach, ay + uy * reach


def place_labels(
    labels: Sequence[Label],
    discs: Sequence[Disc] = (),
    fixed: Sequence[Rect] = (),
    margin: float = 2.0,
    leader_rings: int = 7,
    leader_budget: int = 4000,
    bounds: Rect | None = None,
) -> Placement:
    """Place ``labels`` (see the module notes); deterministic for the same input.

    ``margin`` keeps a gap around every placed label (text never touches text);
    ``leader_rings`` bounds how far a leader reaches (rings one label height apart);
    ``leader_budget`` bounds the spots tried for leaders in all (a crowded network of
    hundreds of badges would otherwise try ~170 spots for each: they go to hover instead);
    ``bounds``: every placed label lies wholly inside it (the lecture layout passes the
    screen, so a number is never drawn past its edge: it leads or goes to hover instead)."""
    out = Placement()
    if not labels:
        return out
    # about a typical label's smaller side x 2: a wide badge spans a few cells, and a query
    # meets few rectangles and discs that do not touch it
    sizes = sorted(math.sqrt(max(lb.width, 1.0) * max(lb.height, 1.0)) for lb in labels)
    cell = max(8.0, 1.5 * sizes[len(sizes) // 2] + 2 * margin)
    grid = _Grid(cell)
    for d in discs:  # the query rect carries the margin: a gap of ``margin`` to everything
        grid.add_disc(d)
    for r in fixed:
        grid.add(r)
    order = sorted(range(len(labels)), key=lambda i: -labels[i].priority)  # stable: ties keep order
    m = margin

    def free(cx: float, cy: float, w2: float, h2: float) -> bool:
        if bounds is not None and (
            cx - w2 < bounds[0] or cy - h2 < bounds[1] or cx + w2 > bounds[2] or cy + h2 > bounds[3]
        ):
            return False
        return grid.free((cx - w2 - m, cy - h2 - m, cx + w2 + m, cy + h2 + m))

    for i in order:
        lb = labels[i]
        w2, h2 = lb.width / 2, lb.height / 2
        spot = None
        for cx, cy in lb.candidates:
            if free(cx, cy, w2, h2):
                spot = (cx, cy)
                break
        how = PLACED
        if spot is None and lb.leader and lb.anchor is not None and leader_budget > 0:
            step = max(lb.height, 4.0)
            for cx, cy in _ring_spots(lb, step, leader_rings):
                leader_budget -= 1
                if leader_budget < 0:
                    break
                if free(cx, cy, w2, h2):
                    spot, how = (cx, cy), LED
                    break
        if spot is None:
            out.how[lb.key] = HIDDEN
            continue
        r = (spot[0] - w2, spot[1] - h2, spot[0] + w2, spot[1] + h2)
        grid.add(r)
        out.rects[lb.key] = r
        out.how[lb.key] = how
        if how == LED and lb.anchor is not None:
            out.leaders[lb.key] = (lb.anchor, _nearest_on_rect(r, lb.anchor))
    return out


def _nearest_on_rect(r: Rect, p: Point) -> Point:
    return (min(max(p[0], r[0]), r[2]), min(max(p[1], r[1]), r[3]))


# ------------------------------------------------------------------ candidate helpers
EDGE_FRACTIONS = (0.7, 0.6, 0.8, 0.5, 0.4, 0.3, 0.86, 0.22)  # near the target first


def along_segment(
    p0: Point,
    p1: Point,
    r0: float,
    r1: float,
    fractions: Sequence[float] = EDGE_FRACTIONS,
    beside: float = 0.0,
) -> list[Point]:
    """Centres along an edge between the neuron rims, in ``fractions`` order; with
    ``beside`` > 0 then the same spots moved that far off the line on either side (a label
    touching its edge still reads as its own). Spots inside a rim are dropped."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    length = math.hypot(dx, dy) or 1.0
    lo, hi = r0 / length, 1 - r1 / length
    on = [(p0[0] + dx * t, p0[1] + dy * t) for t in fractions if lo <= t <= hi]
    if beside <= 0:
        return on
    nx, ny = -dy / length * beside, dx / length * beside
    off = [q for x, y in on for q in ((x + nx, y + ny), (x - nx, y - ny))]
    return on + off


def around_disc(d: Disc, w: float, h: float, gap: float, order: str = "above") -> list[Point]:
    """Centres of a w x h label just outside a disc: above, below, right, left, then the
    diagonals ("above" order) or below first ("below" order)."""
    up = (d.x, d.y - d.r - gap - h / 2)
    down = (d.x, d.y + d.r + gap + h / 2)
    right = (d.x + d.r + gap + w / 2, d.y)
    left = (d.x - d.r - gap - w / 2, d.y)
    k = (d.r + gap) / math.sqrt(2)
    diag = [
        (d.x + k + w / 2, d.y - k - h / 2),
        (d.x - k - w / 2, d.y - k - h / 2),
        (d.x + k + w / 2, d.y + k + h / 2),
        (d.x - k - w / 2, d.y + k + h / 2),
    ]
    first = [up, down] if order == "above" else [down, up]
    return [*first, right, left, *diag]
