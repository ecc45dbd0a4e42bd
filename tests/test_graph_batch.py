"""Graph.remove_edges / insert_edges / add_edges: many edges in one pass and one event, and
an undo that puts every edge back where it was (the file's edge order is the document)."""

from __future__ import annotations

import random

import pytest

from bpstudio.model.graph import Edge
from bpstudio.model.templates import dense_network


@pytest.mark.parametrize("seed", range(20))
def test_remove_then_insert_gives_back_the_same_edges_in_the_same_order(seed):
    rng = random.Random(seed)
    g = dense_network([5, 6, 4])
    before = [(e.id, e.source, e.target, e.weight) for e in g.edges.values()]
    ids = list(g.edges)
    doomed = rng.sample(ids, rng.randint(1, len(ids)))
    seen = []
    g.subscribe(seen.append)
    removed = g.remove_edges(doomed)
    assert [c.kind for c in seen] == ["edges_removed"] and set(seen[0].ids) == set(doomed)
    assert [i for _, i in removed] == sorted(i for _, i in removed)
    assert [e.id for e, _ in removed] == [eid for eid in ids if eid in set(doomed)]
    assert list(g.edges) == [eid for eid in ids if eid not in set(doomed)]
    g.insert_edges(reversed(removed))  # any order in: each goes back to its index
    assert [(e.id, e.source, e.target, e.weight) for e in g.edges.values()] == before
    assert [c.kind for c in seen] == ["edges_removed", "edges_added"]


def test_batches_refuse_unknown_and_duplicate_ids_without_changing_anything():
    g = dense_network([2, 2])
    ids = list(g.edges)
    with pytest.raises(KeyError):
        g.remove_edges([ids[0], "nope"])
    assert list(g.edges) == ids
    with pytest.raises(ValueError):
        g.add_edges([Edge("new", "n0_0", "n1_0"), Edge(ids[1], "n0_1", "n1_1")])
    assert list(g.edges) == ids
    removed = g.remove_edges(ids[:1])
    g.add_edges([Edge(ids[0], "n0_0", "n1_0")])
    with pytest.raises(ValueError):
        g.insert_edges(removed)  # its id is taken again
    assert len(g.edges) == len(ids)


def test_removing_a_neuron_removes_its_edges_in_one_event():
    g = dense_network([3, 4, 2])
    seen = []
    g.subscribe(seen.append)
    neuron, index, edges = g.remove_neuron("n1_2")
    assert neuron.id == "n1_2" and index == 5
    assert len(edges) == 3 + 2 and all("n1_2" in (e.source, e.target) for e, _ in edges)
    assert [c.kind for c in seen] == ["edges_removed", "neuron_removed"]


def test_removing_neurons_in_one_go_records_where_each_was():
    g = dense_network([3, 4, 2])
    order = list(g.neurons)
    seen = []
    g.subscribe(seen.append)
    removed = g.remove_neurons(["n1_3", "n0_0", "n1_1"])
    assert [(n.id, i) for n, i in removed] == [("n1_3", 6), ("n1_1", 4), ("n0_0", 0)]
    assert [c.kind for c in seen] == ["edges_removed"] + ["neuron_removed"] * 3
    assert not any({"n1_3", "n0_0", "n1_1"} & {e.source, e.target} for e in g.edges.values())
    for n, i in reversed(removed):
        g.add_neuron(n, i)
    assert list(g.neurons) == order


def test_set_parameters_writes_missing_weights_and_skips_deleted_ids_in_one_event():
    """The one mutator for new weights (training, a pass's update, their undo)."""
    from bpstudio.model.graph import ChangeKind

    g = dense_network([2, 3, 1])
    seen = []
    g.subscribe(seen.append)
    first, second = list(g.edges)[:2]
    hidden = next(nid for nid, n in g.neurons.items() if n.role == "hidden")
    g.set_parameters({first: None, second: 2, "gone": 1.0}, {hidden: 0.5, "gone_too": 1.0})
    assert g.edges[first].weight is None  # not initialised: stays missing
    assert g.edges[second].weight == 2.0 and type(g.edges[second].weight) is float
    assert g.neurons[hidden].bias == 0.5
    assert "gone" not in g.edges and "gone_too" not in g.neurons
    assert [c.kind for c in seen] == [ChangeKind.WEIGHTS_CHANGED]
