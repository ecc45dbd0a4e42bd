"""The editor's graph operations, without Qt (model/edits.py): ids, labels, copy/paste, full
connection and the split by layer that "Connect selected → selected" uses."""

from __future__ import annotations

import json

import pytest

from bpstudio.model.edits import (
    CLIPBOARD_FORMAT,
    PasteRefused,
    copy_selection,
    full_connection,
    new_neuron,
    pasted_items,
    split_by_layer,
)
from bpstudio.model.graph import Edge, Graph


def two_two_one() -> Graph:
    g = Graph()
    for role, x, y in [("input", 0, 0), ("input", 0, 100), ("hidden", 200, 0),
                       ("hidden", 200, 100), ("output", 400, 50)]:  # fmt: skip
        n = new_neuron(g, role, x, y)
        g.neurons[n.id] = n
    for s, t in [("x1", "h1"), ("x2", "h1"), ("x1", "h2"), ("x2", "h2"), ("h1", "o1")]:
        e = Edge(g.new_id("w"), s, t, weight=0.5)
        g.edges[e.id] = e
    return g


def test_new_neurons_get_the_next_id_a_subscripted_label_and_the_roles_activation():
    g = two_two_one()
    h = new_neuron(g, "hidden", 12.34, 5.66)
    assert (h.id, h.label, h.activation, h.x, h.y) == ("h3", "h₃", "sigmoid", 12.3, 5.7)
    b = new_neuron(g, "bias", 0, 0)
    assert (b.id, b.label) == ("b1", "1")
    assert new_neuron(g, "input", 0, 0).activation is None


def test_a_pasted_selection_has_fresh_ids_its_inner_edges_and_is_shifted():
    g = two_two_one()
    text = copy_selection(g, ["x1", "h1"])
    assert json.loads(text)["format"] == CLIPBOARD_FORMAT
    items = pasted_items(g, text, offset=40.0)
    assert items is not None
    neurons, edges = items
    assert [n.id for n in neurons] == ["x3", "h3"]
    assert [(n.x, n.y) for n in neurons] == [(40.0, 40.0), (240.0, 40.0)]
    assert [(e.source, e.target, e.weight) for e in edges] == [("x3", "h3", 0.5)]
    assert set(g.neurons) == {"x1", "x2", "h1", "h2", "o1"}  # the graph is not changed


def test_text_that_is_no_selection_pastes_nothing_and_a_damaged_one_is_refused():
    g = two_two_one()
    assert pasted_items(g, "hello") is None
    assert pasted_items(g, json.dumps({"format": "other"})) is None
    bad = {"format": CLIPBOARD_FORMAT, "neurons": [{"id": "a", "role": "hidden"}]}
    with pytest.raises(PasteRefused, match=r"neurons\[0\] \(id .a.\)\.activation is required"):
        pasted_items(g, json.dumps(bad))


def test_full_connection_skips_what_may_not_be_connected():
    g = two_two_one()
    edges = full_connection(g, ["h1", "h2"], ["o1"])
    assert [(e.source, e.target) for e in edges] == [("h2", "o1")]  # h1 → o1 exists already
    assert full_connection(g, ["o1"], ["x1"]) == []  # into an input: refused


def test_split_by_layer_feeds_the_earliest_layer_into_the_later_ones():
    g = two_two_one()
    assert split_by_layer(g, ["x1", "h1", "h2"]) == (["x1"], ["h1", "h2"])
    assert split_by_layer(g, []) == ([], [])
