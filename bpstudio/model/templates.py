"""Template networks for File ▸ New and the app's start page. Pure model, no Qt.

Each template is a function returning a fresh :class:`Graph` with canvas positions, so a
lecture can start from a familiar drawing instead of an empty canvas.
"""

from __future__ import annotations

from collections.abc import Callable

from .graph import Edge, Graph, Neuron

COLUMN = 220.0  # horizontal distance between layers on the canvas
ROW = 110.0  # vertical distance between neurons of one layer


def _column(
    g: Graph, ids: list[str], role: str, col: int, activation: str | None, bias: float = 0.0
) -> None:
    top = -(len(ids) - 1) * ROW / 2
    for i, nid in enumerate(ids):
        label = nid[0] + "".join("₀₁₂₃₄₅₆₇₈₉"[int(c)] for c in nid[1:] if c.isdigit())
        g.add_neuron(
            Neuron(
                nid,
                role,
                activation=activation if role in ("hidden", "output") else None,
                bias=bias if role in ("hidden", "output") else 0.0,
                label=label,
                x=col * COLUMN,
                y=top + i * ROW,
            )
        )


def _dense(g: Graph, sources: list[str], targets: list[str], weights: list[float] | None = None):
    k = 0
    for t in targets:
        for s in sources:
            w = weights[k] if weights is not None else None
            g.add_edge(Edge(g.new_id("w"), s, t, weight=w))
            k += 1


def blank() -> Graph:
    g = Graph("Untitled network")
    g.data = {}  # no samples yet: an empty list cannot be validated against 0 inputs
    return g


def perceptron() -> Graph:
    """Two inputs, one sigmoid output: the single neuron before any hidden layer."""
    g = Graph("Perceptron (2-1)", "One sigmoid neuron on two inputs: logistic regression.")
    _column(g, ["x1", "x2"], "input", 0, None)
    _column(g, ["o1"], "output", 1, "sigmoid")
    _dense(g, ["x1", "x2"], ["o1"], [0.5, -0.5])
    g.training = {
        "loss": "binary_cross_entropy",
        "optimizer": "sgd",
        "learning_rate": 0.5,
        "epochs": 500,
        "seed": 0,
        "init": "xavier_uniform",
    }
    g.data = {
        "samples": [
            {"x": [0, 0], "y": [0]},
            {"x": [0, 1], "y": [0]},
            {"x": [1, 0], "y": [0]},
            {"x": [1, 1], "y": [1]},
        ]
    }
    return g


def lecture_221() -> Graph:
    """The 2-2-1 sigmoid network of the classic worked example (one sample, ½ squared error)."""
    g = Graph(
        "2-2-1 sigmoid, one sample",
        "The worked example from the lecture notes: one forward pass, the loss, every "
        "∂L/∂w by the chain rule, and one gradient-descent step.",
    )
    _column(g, ["x1", "x2"], "input", 0, None)
    _column(g, ["h1", "h2"], "hidden", 1, "sigmoid", 0.35)
    _column(g, ["o1"], "output", 2, "sigmoid", 0.60)
    _dense(g, ["x1", "x2"], ["h1", "h2"], [0.15, 0.20, 0.25, 0.30])
    _dense(g, ["h1", "h2"], ["o1"], [0.40, 0.45])
    g.training = {
        "loss": "half_squared_error",
        "optimizer": "sgd",
        "learning_rate": 0.5,
        "batch_size": 1,
        "epochs": 1000,
        "seed": 0,
    }
    g.data = {"samples": [{"x": [0.05, 0.10], "y": [0.01]}]}
    return g


def xor_241() -> Graph:
    """XOR needs a hidden layer: 2-4-1 with tanh hidden units and a sigmoid output."""
    g = Graph("XOR 2-4-1", "XOR is not linearly separable: four tanh hidden units solve it.")
    _column(g, ["x1", "x2"], "input", 0, None)
    _column(g, ["h1", "h2", "h3", "h4"], "hidden", 1, "tanh")
    _column(g, ["o1"], "output", 2, "sigmoid")
    _dense(g, ["x1", "x2"], ["h1", "h2", "h3", "h4"])
    _dense(g, ["h1", "h2", "h3", "h4"], ["o1"])
    g.training = {
        "loss": "binary_cross_entropy",
        "optimizer": "adam",
        "learning_rate": 0.05,
        "epochs": 500,
        "seed": 1,
        "init": "xavier_uniform",
    }
    g.data = {
        "samples": [
            {"x": [0, 0], "y": [0]},
            {"x": [0, 1], "y": [1]},
            {"x": [1, 0], "y": [1]},
            {"x": [1, 1], "y": [0]},
        ]
    }
    return g


def deep_sigmoid(hidden_layers: int = 5, width: int = 3) -> Graph:
    """A deep stack of sigmoid layers: the vanishing-gradient demonstration."""
    g = Graph(
        f"Deep sigmoid stack ({hidden_layers}×{width})",
        "Gradients shrink by at most ¼ per sigmoid layer: watch the early layers stop learning.",
    )
    _column(g, ["x1", "x2"], "input", 0, None)
    prev = ["x1", "x2"]
    for layer in range(hidden_layers):
        ids = [f"h{layer * width + i + 1}" for i in range(width)]
        _column(g, ids, "hidden", layer + 1, "sigmoid")
        _dense(g, prev, ids)
        prev = ids
    _column(g, ["o1"], "output", hidden_layers + 1, "sigmoid")
    _dense(g, prev, ["o1"])
    g.training = {
        "loss": "binary_cross_entropy",
        "optimizer": "sgd",
        "learning_rate": 0.5,
        "epochs": 300,
        "seed": 0,
        "init": "xavier_uniform",
    }
    g.data = {"generator": {"name": "xor", "n": 200, "noise": 0.1, "seed": 1}}
    return g


def dense_network(sizes: list[int] | tuple[int, ...], name: str = "Dense network") -> Graph:
    """Fully connected sigmoid layers of these sizes with fixed, varied weights and one sample.

    Not a File ▸ New template: the large drawings the benchmarks and the bulk-mode tests share.
    """
    g = Graph(name)
    cols = []
    for layer, n in enumerate(sizes):
        role = "input" if layer == 0 else "output" if layer == len(sizes) - 1 else "hidden"
        ids = [f"n{layer}_{i}" for i in range(n)]
        _column(g, ids, role, layer, "sigmoid", bias=0.1)
        cols.append(ids)
    k = 0
    for sources, targets in zip(cols, cols[1:], strict=False):
        for s in sources:
            for t in targets:
                k += 1  # ids and weights by counter: g.new_id would rescan every id per edge
                g.add_edge(Edge(f"w{k}", s, t, weight=((k * 7919) % 200 - 100) / 150.0))
    g.data = {"samples": [{"x": [0.1 * i for i in range(sizes[0])], "y": [0.5] * sizes[-1]}]}
    return g


TEMPLATES: dict[str, Callable[[], Graph]] = {
    "Blank": blank,
    "Perceptron (2-1)": perceptron,
    "2-2-1 lecture network": lecture_221,
    "XOR 2-4-1": xor_241,
    "Deep sigmoid stack": deep_sigmoid,
}
