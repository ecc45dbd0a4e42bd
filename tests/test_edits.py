"""The editor's graph operations, without Qt (model/edits.py): ids, labels, copy/paste, full
connection and the split by layer that "Connect selected → selected" uses."""

from __future__ import annotations

import copy
import dataclasses
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bpstudio.model.edits import (
    CLIPBOARD_FORMAT,
    PasteRefused,
    copy_selection,
    full_connection,
    new_neuron,
    pasted_items,
    split_by_layer,
)
from bpstudio.model.graph import Edge, Graph, Neuron


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


def one_by_one(graph: Graph, sources: list[str], targets: list[str]) -> list[tuple[str, ...]]:
    """What "connect fully" means: each pair in turn, added when connection_refusal allows
    it, with the id new_id gives it then (the definition the fast version must keep)."""
    scratch = graph.copy()
    scratch._listeners = []
    added = []
    for t in targets:
        for s in sources:
            if scratch.connection_refusal(s, t) is None:
                e = Edge(scratch.new_id("w"), s, t)
                scratch.edges[e.id] = e
                added.append((e.id, s, t))
    return added


@st.composite
def dags_and_selections(draw):
    """A random DAG (edges only from a lower to a higher index, so no cycle), mostly hidden
    neurons, with odd ids (gaps among w1, w2, ..., a neuron called w3), and two selections
    that overlap (so pairs both ways round and cycles through the edges just added)."""
    role = st.sampled_from(["input", "bias", "output", *["hidden"] * 5])
    roles = draw(st.lists(role, min_size=2, max_size=10))
    g = Graph()
    for k, r in enumerate(roles):
        nid = "w3" if k == 4 else f"n{k}"
        g.neurons[nid] = Neuron(nid, r, activation=None if r in ("input", "bias")
                                else "sigmoid", x=float(k % 3))  # fmt: skip
    ids = list(g.neurons)
    index = st.integers(0, len(ids) - 1)
    for i, j in draw(st.lists(st.tuples(index, index), max_size=25)):
        s, t = ids[min(i, j)], ids[max(i, j)]
        if s != t and g.connection_refusal(s, t) is None:
            eid = f"w{draw(st.integers(1, 40))}"
            if eid not in g.edges and eid not in g.neurons:
                g.edges[eid] = Edge(eid, s, t)
    chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=6, unique=True))
    pick = st.lists(st.sampled_from(chosen), max_size=6)
    return g, draw(pick), draw(pick)


@given(dags_and_selections())
@settings(max_examples=500, deadline=None)
def test_full_connection_is_connecting_the_pairs_one_by_one(case):
    g, sources, targets = case
    before = {e.id: (e.source, e.target) for e in g.edges.values()}
    got = [(e.id, e.source, e.target) for e in full_connection(g, sources, targets)]
    assert got == one_by_one(g, sources, targets)
    assert {e.id: (e.source, e.target) for e in g.edges.values()} == before  # unchanged


def test_an_edge_back_to_an_earlier_layer_is_not_followed_by_the_edge_that_closes_it():
    """h₂ (layer 2) → h₃ (layer 1) is allowed; then h₃ → h₂ would close a cycle, though by
    the layers before the first edge h₃ came before h₂."""
    g = two_two_one()  # x → h1, h2 (layer 1) → o1; h1 → o1
    g.neurons["h3"] = Neuron("h3", "hidden", activation="sigmoid")  # no inputs: layer 1
    g.edges["w9"] = Edge("w9", "h1", "h2")  # h2 is layer 2 now
    edges = full_connection(g, ["h2", "h3"], ["h3", "h2"])
    assert [(e.source, e.target) for e in edges] == [("h2", "h3")]


def test_a_pair_made_a_cycle_by_an_edge_added_before_it_is_skipped():
    g = two_two_one()
    # h2 → h1 first (allowed), then h1 → h2 would close h1 → h2 → h1
    edges = full_connection(g, ["h1", "h2"], ["h1", "h2"])
    assert [(e.source, e.target) for e in edges] == [("h2", "h1")]
    g.edges.update((e.id, e) for e in edges)
    assert g.reaches("h2", "h1") and not g.reaches("h1", "h2")


@pytest.mark.parametrize("cls", [Neuron, Edge])
def test_copied_is_a_deep_copy_of_every_field(cls):
    """copied() names each field: one added to the class and not to copied() fails here."""
    values = {"id": "a", "source": "s", "target": "t", "role": "hidden", "activation": "tanh",
              "bias": 0.25, "label": "A", "x": 1.5, "y": -2.0, "weight": 0.75,
              "trainable": False, "extra": {"note": ["kept", {"deep": 1}]}}  # fmt: skip
    item = cls(**{f.name: values[f.name] for f in dataclasses.fields(cls)})
    copy_ = item.copied()
    assert copy_ == copy.deepcopy(item) and copy_ is not item
    copy_.extra["note"][1]["deep"] = 2
    assert item.extra == {"note": ["kept", {"deep": 1}]}  # nothing mutable is shared
