"""Compile: longest-path layers, skip connections, W(l) shapes and masks, odd structures."""

from __future__ import annotations

import json

import numpy as np
from helpers import RefNet, network_doc

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph, compute_layers, graph_warnings


def _compile(doc):
    return compile_graph(fileformat.loads(json.dumps(doc)))


def _skip_doc():
    """x1,x2 -> h1 -> h2 -> h3 -> o1 plus skips x1->o1, h1->h3, x2->h3, and o2 fed by x2 only."""
    neurons = [
        {"id": "x1", "role": "input"},
        {"id": "o2", "role": "output", "activation": "identity"},
        {"id": "h3", "role": "hidden", "activation": "relu", "bias": 0.3},
        {"id": "x2", "role": "input"},
        {"id": "h1", "role": "hidden", "activation": "tanh", "bias": 0.1},
        {"id": "h2", "role": "hidden", "activation": "sigmoid", "bias": 0.2},
        {"id": "o1", "role": "output", "activation": "sigmoid"},
        {"id": "u", "role": "bias"},
    ]
    edges = [
        {"id": "a", "source": "x1", "target": "h1", "weight": 0.5},
        {"id": "b", "source": "h1", "target": "h2", "weight": -0.7},
        {"id": "c", "source": "h2", "target": "h3", "weight": 0.9},
        {"id": "d", "source": "h3", "target": "o1", "weight": 0.4},
        {"id": "s1", "source": "x1", "target": "o1", "weight": 0.2},
        {"id": "s2", "source": "h1", "target": "h3", "weight": 0.6},
        {"id": "s3", "source": "x2", "target": "h3", "weight": -0.1},
        {"id": "e", "source": "x2", "target": "o2", "weight": 1.5},
        {"id": "f", "source": "u", "target": "o1", "weight": -0.25},
    ]
    samples = [{"x": [0.3, -0.8], "y": [1.0, 0.5]}, {"x": [-1.0, 0.4], "y": [0.0, -0.5]}]
    return network_doc(neurons, edges, {"loss": "mse", "learning_rate": 0.1}, samples)


def test_layers_are_longest_paths():
    g = fileformat.loads(json.dumps(_skip_doc()))
    layers = compute_layers(g)
    assert layers == {
        "x1": 0,
        "x2": 0,
        "u": 0,
        "h1": 1,
        "h2": 2,
        "h3": 3,
        "o1": 4,
        "o2": 1,  # outputs keep their own longest-path layer
    }
    c = compile_graph(g)
    assert c.n_layers == 4
    assert c.layers[0] == ["x1", "x2", "u"]  # inputs in file order, then bias units
    assert sorted(c.layers[1]) == ["h1", "o2"]
    assert c.input_ids == ["x1", "x2"] and c.output_ids == ["o2", "o1"]


def test_weight_matrices_hold_each_edge_and_mask_the_rest():
    doc = _skip_doc()
    c = _compile(doc)
    net = c.net
    seen = set()
    for e in doc["edges"]:
        layer, r, col = c.edge_cell(e["id"])
        lay = net.layers[layer - 1]
        assert layer == c.layer_of[e["target"]]
        assert lay.W[r, col] == e["weight"]
        assert c.neuron_ids[lay.start + r] == e["target"]
        assert c.neuron_ids[lay.src_lo + col] == e["source"]
        if lay.mask is not None:
            assert lay.mask[r, col] == 1.0
        seen.add((layer, r, col))
    for i, lay in enumerate(net.layers, start=1):
        for r in range(lay.W.shape[0]):
            for col in range(lay.W.shape[1]):
                if (i, r, col) not in seen:
                    assert lay.W[r, col] == 0.0
                    assert lay.mask is not None and lay.mask[r, col] == 0.0
    # the skip layer 3 (h3) reads columns from h1 and the inputs: its sources reach back
    assert net.layers[2].src_lo <= c.row_of["x2"]


def test_forward_of_skip_network_matches_reference():
    doc = _skip_doc()
    c = _compile(doc)
    X = np.array([s["x"] for s in doc["data"]["samples"]])
    Y = np.array([s["y"] for s in doc["data"]["samples"]])
    tr = c.net.trace(X, Y)
    z, a = RefNet(doc).forward(X)
    for nid in z:
        np.testing.assert_allclose(tr.z[c.row_of[nid]], z[nid], rtol=1e-13)
        np.testing.assert_allclose(tr.a[c.row_of[nid]], a[nid], rtol=1e-13)
    np.testing.assert_allclose(c.net.predict(X), np.c_[a["o2"], a["o1"]], rtol=1e-13)


def test_neurons_without_incoming_edges_and_zero_width_layers():
    """A layer whose neurons have no incoming edges: W(1) has zero columns, z = b."""
    neurons = [
        {"id": "x", "role": "input"},
        {"id": "c1", "role": "hidden", "activation": "tanh", "bias": 0.5},
        {"id": "c2", "role": "hidden", "activation": "elu", "bias": -0.5},
        {"id": "o", "role": "output", "activation": "identity", "bias": 0.1},
    ]
    edges = [
        {"id": "p", "source": "c1", "target": "o", "weight": 2.0},
        {"id": "q", "source": "c2", "target": "o", "weight": 3.0},
    ]
    doc = network_doc(neurons, edges, samples=[{"x": [1.0], "y": [0.0]}])
    c = _compile(doc)
    assert c.net.layers[0].W.shape == (2, 0)
    tr = c.net.trace(np.array([[1.0]]), np.array([[0.0]]))
    want = 0.1 + 2 * np.tanh(0.5) + 3 * np.expm1(-0.5)
    assert np.isclose(tr.a[c.row_of["o"], 0], want, rtol=1e-14)
    # ∂L/∂b of the unconnected neurons still flows back from the output
    d_o = want  # half squared error, y = 0, identity output
    assert np.isclose(tr.grads[c.bias_param["c1"]], d_o * 2 * (1 - np.tanh(0.5) ** 2))
    assert "x" in graph_warnings(fileformat.loads(json.dumps(doc)))  # x reaches nothing


def test_mixed_layer_rows_are_grouped_but_ids_keep_their_values():
    """Mixed activations and an output inside one layer: rows regrouped, values per id."""
    acts = ["relu", "tanh", "relu", "sigmoid", "tanh"]
    neurons = [{"id": "x", "role": "input"}] + [
        {"id": f"h{i}", "role": "hidden", "activation": a, "bias": 0.1 * i}
        for i, a in enumerate(acts)
    ]
    neurons.insert(3, {"id": "o0", "role": "output", "activation": "identity"})
    neurons.append({"id": "o1", "role": "output", "activation": "sigmoid"})
    edges = [{"id": f"a{i}", "source": "x", "target": f"h{i}", "weight": 0.3 + i} for i in range(5)]
    edges += [{"id": "to0", "source": "x", "target": "o0", "weight": -1.0}]
    edges += [{"id": f"b{i}", "source": f"h{i}", "target": "o1", "weight": 0.2} for i in range(5)]
    doc = network_doc(neurons, edges, samples=[{"x": [0.7], "y": [0.0, 1.0]}])
    c = _compile(doc)
    X = np.array([[0.7]])
    tr = c.net.trace(X, np.array([[0.0, 1.0]]))
    z, a = RefNet(doc).forward(X)
    for nid in z:
        assert np.isclose(tr.a[c.row_of[nid], 0], a[nid][0], rtol=1e-14), nid
    assert c.output_ids == ["o0", "o1"]


def test_graph_warnings_name_dead_ends():
    doc = _skip_doc()
    doc["neurons"].append({"id": "dead", "role": "hidden", "activation": "tanh"})
    doc["edges"].append({"id": "z", "source": "h1", "target": "dead", "weight": 1.0})
    w = graph_warnings(fileformat.loads(json.dumps(doc)))
    assert set(w) == {"dead"}
    assert "no path to an output" in w["dead"]


def test_write_back_puts_every_parameter_on_its_edge_and_neuron():
    """write_back's fast path (straight onto the edges in compiled order) and its fallback
    after an edge was deleted both store what the engine holds, one event each."""
    g = fileformat.loads(json.dumps(_skip_doc()))
    c = compile_graph(g)
    rng = np.random.default_rng(3)
    c.net.params[:] = rng.normal(size=c.net.params.size)
    events = []
    g.subscribe(events.append)
    c.write_back(g)
    assert [ch.kind for ch in events] == ["weights_changed"]
    for eid, i in zip(c.edge_ids, c.edge_param.tolist(), strict=True):
        assert g.edges[eid].weight == c.net.params[i]
        assert type(g.edges[eid].weight) is float
    for nid, i in c.bias_param.items():
        assert g.neurons[nid].bias == c.net.params[i]
    gone = c.edge_ids[2]
    del g.edges[gone]  # deleted since compiling: the others are still written
    c.net.params[:] = rng.normal(size=c.net.params.size)
    c.write_back(g, emit=False)
    assert len(events) == 1
    assert gone not in g.edges
    for eid, i in zip(c.edge_ids, c.edge_param.tolist(), strict=True):
        if eid != gone:
            assert g.edges[eid].weight == c.net.params[i]
    for nid, i in c.bias_param.items():
        assert g.neurons[nid].bias == c.net.params[i]
