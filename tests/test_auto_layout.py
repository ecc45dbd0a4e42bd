"""Auto-layout keeps skip edges visible: no edge passes through a neuron it jumps."""

from __future__ import annotations

import pytest

from bpstudio.model import fileformat
from bpstudio.model.layout import (
    SKIP_CLEARANCE,
    _segment_distance,
    auto_layout,
    layers_of,
    spacing_for_labels,
)
from bpstudio.model.templates import COLUMN, ROW
from bpstudio.paths import example_files

EXAMPLES = example_files()


def through(graph, pos) -> list[tuple[str, str]]:
    """(skip edge, neuron) pairs where an edge that jumps a layer passes nearer than
    SKIP_CLEARANCE to a neuron that is not one of its ends."""
    out = []
    layer = layers_of(graph)
    for e in graph.edges.values():
        if abs(layer[e.target] - layer[e.source]) < 2:
            continue
        (x0, y0), (x1, y1) = pos[e.source], pos[e.target]
        for nid, (x, y) in pos.items():
            if nid not in (e.source, e.target):
                if _segment_distance(x, y, x0, y0, x1, y1) < SKIP_CLEARANCE:
                    out.append((e.id, nid))
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_no_skip_edge_runs_through_a_neuron_after_auto_layout(path):
    g = fileformat.load(path)
    pos = auto_layout(g)
    assert through(g, pos) == []
    for nid, (x, y) in pos.items():  # laid out again: nothing moves
        g.neurons[nid].x, g.neurons[nid].y = x, y
    assert auto_layout(g) == pos


def test_the_skip_connection_example_draws_its_skip_edges_apart():
    g = fileformat.load(EXAMPLES[0].with_name("skip_connection.json"))
    stored = {nid: (n.x, n.y) for nid, n in g.neurons.items()}
    assert through(g, stored) == []  # as shipped (it once drew h1 → o1 through h2)
    for nid in ("h1", "h2", "o1"):  # the old drawing: one row, the skip edge on the others
        g.neurons[nid].y = 60.0
    assert ("s2", "h2") in through(g, {nid: (n.x, n.y) for nid, n in g.neurons.items()})
    pos = auto_layout(g)
    assert through(g, pos) == []
    # the columns keep their order left to right
    assert pos["x1"][0] < pos["h1"][0] < pos["h2"][0] < pos["o1"][0]


def test_spacing_leaves_room_for_the_overlay_numbers_at_any_font():
    """A three-line badge fits between two neurons of a column, a gradient and a weight
    label along an edge; larger fonts (the lecture layout) spread the network more."""
    small, big = spacing_for_labels(15), spacing_for_labels(32)
    assert small[0] >= COLUMN and small[1] >= ROW
    assert big[0] > small[0] and big[1] > small[1]
    for px in (15, 24, 32):
        column, row = spacing_for_labels(px)
        badge_h = 3 * 1.17 * px + 0.24 * 1.17 * px  # ValueBadge: 3 lines and its padding
        assert row - 2 * (22 + 6) >= badge_h + 2 * max(0.25 * px, 3) + 2
    g = fileformat.load(EXAMPLES[0].with_name("softmax_3class.json"))
    pos = auto_layout(g, spacing=big)
    ys = sorted(y for nid, (x, y) in pos.items() if x == pos["h1"][0])
    assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= big[1] - 1e-9
    assert through(g, pos) == []
