"""The benchmarks' large drawing: 5 layers x 100 tanh neurons, each fed by 50 neurons of the
previous layer, so 20,000 edges and half of every W hatched (masked pairs). Shared by
bench_canvas.py and bench_user_path.py (run as scripts: this folder is on sys.path)."""

from __future__ import annotations

from bpstudio.model.graph import Edge, Graph, Neuron


def half_masked_500(weight_divisor: float) -> Graph:
    """Weights ((k * 37) % 200 - 100) / weight_divisor, by edge counter k."""
    g = Graph("bench 500/20000")
    for layer in range(5):
        role = "input" if layer == 0 else "output" if layer == 4 else "hidden"
        for i in range(100):
            g.add_neuron(Neuron(f"n{layer}_{i}", role, activation=None if layer == 0 else "tanh",
                                x=layer * 300.0, y=i * 60.0))  # fmt: skip
    k = 0
    for layer in range(1, 5):
        for i in range(100):
            for j in range(50):
                k += 1
                g.add_edge(Edge(f"w{k}", f"n{layer - 1}_{(i + j) % 100}", f"n{layer}_{i}",
                                weight=((k * 37) % 200 - 100) / weight_divisor))  # fmt: skip
    return g
