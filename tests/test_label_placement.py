"""The canvas's label placer: no two placed labels overlap, no label covers a neuron, every
label is placed, led or hidden, and the same input gives the same output."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.model.label_placement import (
    HIDDEN,
    LED,
    PLACED,
    Disc,
    Label,
    along_segment,
    around_disc,
    place_labels,
    rect_hits_disc,
    rects_overlap,
)

coord = st.floats(-400, 400, allow_nan=False)
size = st.floats(4, 120, allow_nan=False)
discs_st = st.lists(st.builds(Disc, coord, coord, st.floats(4, 40)), max_size=25)


@st.composite
def labels_st(draw):
    n = draw(st.integers(0, 40))
    out = []
    for i in range(n):
        cands = draw(st.lists(st.tuples(coord, coord), min_size=0, max_size=6))
        anchor = draw(st.one_of(st.none(), st.tuples(coord, coord)))
        out.append(
            Label(
                i,
                draw(size),
                draw(size),
                cands,
                draw(st.integers(0, 3)),
                anchor,
                draw(st.booleans()),
            )  # fmt: skip
        )
    return out


def brute_overlaps(rects):
    items = list(rects.items())
    return [(a, b) for i, (a, ra) in enumerate(items) for b, rb in items[i + 1 :]
            if rects_overlap(ra, rb)]  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(labels_st(), discs_st, st.floats(0, 6))
def test_no_overlaps_every_label_accounted_for_deterministic(labels, discs, margin):
    out = place_labels(labels, discs, margin=margin)
    assert set(out.how) == {lb.key for lb in labels}
    assert set(out.how.values()) <= {PLACED, LED, HIDDEN}
    assert set(out.rects) == {k for k, h in out.how.items() if h != HIDDEN}
    assert set(out.leaders) == set(out.keys(LED))
    assert brute_overlaps(out.rects) == []  # checked without the grid
    for k, r in out.rects.items():
        for d in discs:
            assert not rect_hits_disc(r, d), (k, r, d)
    by_key = {lb.key: lb for lb in labels}
    for k in out.keys(PLACED):  # a placed label sits at one of its own candidates
        lb, r = by_key[k], out.rects[k]
        c = ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2)
        assert any(math.isclose(c[0], x, abs_tol=1e-6) and math.isclose(c[1], y, abs_tol=1e-6)
                   for x, y in lb.candidates)  # fmt: skip
        assert math.isclose(r[2] - r[0], lb.width) and math.isclose(r[3] - r[1], lb.height)
    for k in out.keys(LED):  # only labels that allow a leader get one
        assert by_key[k].leader and by_key[k].anchor is not None
    again = place_labels(labels, discs, margin=margin)
    assert again == out


@settings(max_examples=60, deadline=None)
@given(labels_st(), discs_st)
def test_gaps_are_kept_between_labels(labels, discs):
    """With a margin, placed labels keep that gap (text never touches text)."""
    out = place_labels(labels, discs, margin=3.0)
    grown = {k: (r[0] - 1.49, r[1] - 1.49, r[2] + 1.49, r[3] + 1.49) for k, r in out.rects.items()}
    assert brute_overlaps(grown) == []


@settings(max_examples=60, deadline=None)
@given(labels_st(), discs_st)
def test_a_hidden_or_led_label_had_no_free_candidate(labels, discs):
    """Greedy by priority: a label loses its candidates only to something placed before it."""
    out = place_labels(labels, discs, margin=0.0)
    for lb in labels:
        if out.how[lb.key] == PLACED:
            continue
        before = [r for k, r in out.rects.items() if k != lb.key]
        for cx, cy in lb.candidates:
            r = (cx - lb.width / 2, cy - lb.height / 2, cx + lb.width / 2, cy + lb.height / 2)
            blocked = any(rects_overlap(r, o) for o in before) or any(
                rect_hits_disc(r, d) for d in discs)  # fmt: skip
            assert blocked


def test_priority_wins_the_shared_spot():
    spot = [(0.0, 0.0)]
    low, high = Label("low", 40, 16, spot, 0), Label("high", 40, 16, spot, 5)
    out = place_labels([low, high])
    assert out.how == {"high": PLACED, "low": HIDDEN}


def test_a_badge_that_cannot_sit_by_its_neuron_gets_a_leader_nearby():
    d = Disc(0, 0, 20)
    wall = Label("wall", 140, 140, [(0.0, 0.0)], 9)  # covers every spot next to the neuron
    badge = Label("badge", 50, 20, around_disc(d, 50, 20, 4), 1, (0.0, 0.0))
    out = place_labels([wall, badge], discs=[])
    assert out.how["badge"] == LED
    anchor, end = out.leaders["badge"]
    assert anchor == (0.0, 0.0) and math.dist(anchor, end) < 200


def test_weight_labels_along_an_edge_avoid_the_neurons():
    p0, p1 = (0.0, 0.0), (240.0, 0.0)
    cands = along_segment(p0, p1, 22, 22)
    assert cands[0] == (0.7 * 240, 0.0)  # near the target first
    out = place_labels([Label("w", 40, 16, cands)], [Disc(*p0, 22), Disc(*p1, 22)])
    assert out.how["w"] == PLACED


def test_two_thousand_labels_of_a_dense_network_place_without_overlap():
    discs = [Disc(l * 240.0, i * 90.0, 24.0) for l in range(5) for i in range(40)]
    labels = [Label(("n", i), 84, 40, around_disc(d, 84, 40, 4), 2, (d.x, d.y))
              for i, d in enumerate(discs)]  # fmt: skip
    for l in range(4):
        for j in range(40):
            for k in range(11):
                s, t = discs[l * 40 + (j + k) % 40], discs[(l + 1) * 40 + j]
                cands = along_segment((s.x, s.y), (t.x, t.y), s.r, t.r)
                labels.append(Label(("e", l, j, k), 46, 16, cands, 1, None, leader=False))
    out = place_labels(labels, discs)
    assert len(labels) == 1960 and len(out.keys(PLACED)) > 1000
    cells: dict = {}
    for k, r in out.rects.items():  # overlap check by buckets (brute force is 2M pairs)
        for i in range(int(r[0] // 100), int(r[2] // 100) + 1):
            for j in range(int(r[1] // 100), int(r[3] // 100) + 1):
                for o in cells.get((i, j), []):
                    assert not rects_overlap(r, out.rects[o])
                cells.setdefault((i, j), []).append(k)


@settings(max_examples=60, deadline=None)
@given(labels_st(), discs_st, st.tuples(coord, coord, st.floats(0, 500), st.floats(0, 500)))
def test_with_bounds_every_placed_label_lies_inside_them(labels, discs, box):
    x, y, w, h = box
    bounds = (x, y, x + w, y + h)
    out = place_labels(labels, discs, bounds=bounds)
    assert set(out.how) == {lb.key for lb in labels}
    for r in out.rects.values():
        assert bounds[0] <= r[0] and bounds[1] <= r[1] and r[2] <= bounds[2] and r[3] <= bounds[3]
    assert not brute_overlaps(out.rects)


def test_a_label_whose_first_spot_is_off_screen_takes_the_next_inside():
    off, inside = (-100.0, 0.0), (50.0, 0.0)
    label = Label("b", 40, 16, [off, inside], 1)
    assert place_labels([label]).rects["b"][0] < 0  # without bounds the first spot wins
    out = place_labels([label], bounds=(0.0, -50.0, 200.0, 50.0))
    assert out.how["b"] == PLACED and out.rects["b"] == (30.0, -8.0, 70.0, 8.0)


def _grid_visits(monkeypatch) -> list:
    """The grids place_labels builds (their ``visits``: buckets and items looked at)."""
    import bpstudio.model.label_placement as lp

    grids = []

    class Counted(lp._Grid):
        def __init__(self, cell):
            super().__init__(cell)
            grids.append(self)

    monkeypatch.setattr(lp, "_Grid", Counted)
    return grids


def test_an_obstacle_far_larger_than_a_cell_costs_no_more_than_the_items(monkeypatch):
    """A 10⁵-unit obstacle (and disc) among 20-unit labels: copied into ~10⁷ buckets it held
    the GUI thread for seconds (a random-user stall of 11.8 s). It is checked once per query
    instead, and the labels it does not cover are still placed, the ones it covers not."""
    grids = _grid_visits(monkeypatch)
    labels = [Label(i, 20, 10, [(i * 40.0, 0.0), (i * 40.0, -200.0)]) for i in range(50)]
    huge = (-5e4, 100.0, 5e4, 1e5)  # everything below y = 100
    far_disc = Disc(0.0, -5e4 - 1000.0, 5e4)  # everything above y = -1000
    wide = Label("wide", 3e6, 10, [(0.0, 0.0), (0.0, 150.0)])  # a query across the grid
    out = place_labels([*labels, wide], [far_disc, Disc(0.0, 0.0, 15.0)], [huge])
    assert out.how[0] == PLACED and out.rects[0][1] < -100  # its first spot holds a neuron
    assert all(out.how[i] == PLACED for i in range(1, 50))
    assert all(
        rects_overlap(out.rects[i], (i * 40.0 - 1, -6, i * 40.0 + 1, 6)) for i in range(1, 50)
    )
    assert out.how["wide"] == HIDDEN  # its spots cross the labels before it, the obstacle
    (grid,) = grids
    assert grid.visits < 20_000, grid.visits


@settings(max_examples=60, deadline=None)
@given(
    labels_st(),
    discs_st,
    st.lists(st.tuples(coord, coord, st.floats(0, 1e5), st.floats(0, 1e5)), max_size=4),
)
def test_huge_obstacles_leave_no_overlap(labels, discs, boxes):
    fixed = [(x, y, x + w, y + h) for x, y, w, h in boxes]
    out = place_labels(labels, discs, fixed)
    assert not brute_overlaps(out.rects)
    for r in out.rects.values():
        assert not any(rects_overlap(r, f) for f in fixed)
        assert not any(rect_hits_disc(r, d) for d in discs)
