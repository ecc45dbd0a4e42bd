"""Graphs the Qt tests share."""

from __future__ import annotations

from bpstudio.model.graph import Edge, Graph, Neuron


def big_graph(layers: int = 5, width: int = 100, fan_in: int = 50) -> Graph:
    """A layered graph of width x layers neurons with fan_in edges into each (weights vary)."""
    g = Graph("big")
    for layer in range(layers):
        role = "input" if layer == 0 else "output" if layer == layers - 1 else "hidden"
        for i in range(width):
            g.add_neuron(Neuron(f"n{layer}_{i}", role, activation=None if layer == 0 else "tanh",
                                x=layer * 300.0, y=i * 60.0))  # fmt: skip
    k = 0
    for layer in range(1, layers):
        for i in range(width):
            for j in range(fan_in):
                k += 1
                g.add_edge(Edge(f"w{k}", f"n{layer - 1}_{(i + j) % width}", f"n{layer}_{i}",
                                weight=((k * 37) % 200 - 100) / 50))  # fmt: skip
    return g
