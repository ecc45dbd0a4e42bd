"""Auto-layout keeps skip edges visible: no edge passes through a neuron it jumps."""

from __future__ import annotations

from pathlib import Path

import pytest

from bpstudio.model import fileformat
from bpstudio.qt.layout import SKIP_CLEARANCE, _segment_distance, auto_layout, layers_of

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.json"))


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
    assert ("s2", "h2") in through(g, stored)  # the file's drawing: h1 → o1 through h2
    pos = auto_layout(g)
    assert through(g, pos) == []
    # the columns keep their order left to right
    assert pos["x1"][0] < pos["h1"][0] < pos["h2"][0] < pos["o1"][0]
