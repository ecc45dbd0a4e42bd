"""Shared helpers for the engine tests: an independent reference forward pass, file builders.

The reference implementation below deliberately shares no code with bpstudio: it walks the
graph neuron by neuron (by id, in topological order) with textbook formulas, so gradients
checked against its finite differences prove the compiled (neurons × batch) engine right.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = FIXTURES / "reference"

HIDDEN_ACTIVATIONS = [
    "identity",
    "linear",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "softplus",
]
KINKED = {"relu", "leaky_relu", "elu"}
LOSSES = ["half_squared_error", "squared_error", "mse", "binary_cross_entropy", "cross_entropy"]


# --------------------------------------------------------------------------- reference math
def ref_activation(name: str, z: np.ndarray) -> np.ndarray:
    """Textbook formulas (no stabilising tricks; callers keep |z| moderate)."""
    if name in ("identity", "linear"):
        return z.copy()
    if name == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if name == "tanh":
        return (np.exp(z) - np.exp(-z)) / (np.exp(z) + np.exp(-z))
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "leaky_relu":
        return np.where(z >= 0, z, 0.01 * z)
    if name == "elu":
        return np.where(z > 0, z, np.exp(np.minimum(z, 0.0)) - 1.0)
    if name == "softplus":
        return np.log(1.0 + np.exp(z))
    raise KeyError(name)


def ref_loss(name: str, yhat: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-sample loss for (outputs, batch) arrays, straight from the spec's table."""
    k = yhat.shape[0]
    if name == "half_squared_error":
        return 0.5 * ((yhat - y) ** 2).sum(axis=0)
    if name == "squared_error":
        return ((yhat - y) ** 2).sum(axis=0)
    if name == "mse":
        return ((yhat - y) ** 2).sum(axis=0) / k
    if name == "binary_cross_entropy":
        return -(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)).sum(axis=0)
    if name == "cross_entropy":
        return -(y * np.log(yhat)).sum(axis=0)
    raise KeyError(name)


class RefNet:
    """The network a document describes, evaluated neuron by neuron from the document alone."""

    def __init__(self, doc: dict):
        self.doc = doc
        self.neurons = {n["id"]: n for n in doc["neurons"]}
        self.inputs = [n["id"] for n in doc["neurons"] if n["role"] == "input"]
        self.outputs = [n["id"] for n in doc["neurons"] if n["role"] == "output"]
        self.incoming: dict[str, list[dict]] = {nid: [] for nid in self.neurons}
        for e in doc["edges"]:
            self.incoming[e["target"]].append(e)
        self.order = self._topological()
        self.loss_name = doc["training"].get("loss", "half_squared_error")

    def _topological(self) -> list[str]:
        done: list[str] = []
        seen: set[str] = set()
        while len(done) < len(self.neurons):
            progressed = False
            for nid in self.neurons:
                if nid in seen:
                    continue
                if all(e["source"] in seen for e in self.incoming[nid]):
                    seen.add(nid)
                    done.append(nid)
                    progressed = True
            assert progressed, "cycle in a test graph"
        return done

    def forward(
        self,
        X: np.ndarray,
        weights: dict[str, float] | None = None,
        biases: dict[str, float] | None = None,
        a_offset: tuple[str, float] | None = None,
    ) -> tuple[dict, dict]:
        """(z, a) per neuron id, each a vector over the batch. X is (batch, inputs).

        ``a_offset`` = (id, delta) adds delta to that neuron's activation before it is used
        downstream (to take ∂L/∂a by finite differences).
        """
        X = np.atleast_2d(np.asarray(X, float))
        B = X.shape[0]
        w = {e["id"]: e["weight"] for e in self.doc["edges"]}
        if weights:
            w.update(weights)
        z: dict[str, np.ndarray] = {}
        a: dict[str, np.ndarray] = {}
        softmax_ids = []
        for nid in self.order:
            n = self.neurons[nid]
            if n["role"] == "input":
                a[nid] = X[:, self.inputs.index(nid)].copy()
            elif n["role"] == "bias":
                a[nid] = np.ones(B)
            else:
                b = n.get("bias", 0.0)
                if biases and nid in biases:
                    b = biases[nid]
                total = np.full(B, float(b))
                for e in self.incoming[nid]:
                    total = total + w[e["id"]] * a[e["source"]]
                z[nid] = total
                if n["activation"] == "softmax":
                    softmax_ids.append(nid)
                    continue  # needs the whole group's z: after the loop
                a[nid] = ref_activation(n["activation"], total)
            if a_offset is not None and a_offset[0] == nid:
                a[nid] = a[nid] + a_offset[1]
        if softmax_ids:
            zs = np.array([z[i] for i in softmax_ids])
            e = np.exp(zs - zs.max(axis=0))
            s = e / e.sum(axis=0)
            for k, nid in enumerate(softmax_ids):
                a[nid] = s[k]
                if a_offset is not None and a_offset[0] == nid:
                    a[nid] = a[nid] + a_offset[1]
        return z, a

    def sample_losses(self, X, Y, **kw) -> np.ndarray:
        _, a = self.forward(X, **kw)
        yhat = np.array([a[o] for o in self.outputs])
        return ref_loss(self.loss_name, yhat, np.asarray(Y, float).T)

    def loss(self, X, Y, **kw) -> float:
        return float(self.sample_losses(X, Y, **kw).mean())


def central_difference(f, x0: float, h: float = 1e-6) -> float:
    return (f(x0 + h) - f(x0 - h)) / (2 * h)


# --------------------------------------------------------------------------- documents
def network_doc(neurons, edges, training=None, samples=None, **extra) -> dict:
    doc = {
        "format": "bpstudio-network",
        "version": 1,
        "name": "test",
        "neurons": neurons,
        "edges": edges,
        "training": training or {"loss": "half_squared_error", "learning_rate": 0.1},
        "data": {"samples": samples or []},
    }
    doc.update(extra)
    return doc


def xor_doc(optimizer: str = "adam", seed: int = 3, **training) -> dict:
    """2-4-1 tanh/sigmoid XOR with every weight missing (drawn from the seed)."""
    neurons = [
        {"id": "x1", "role": "input", "label": "x₁", "x": 0, "y": 0},
        {"id": "x2", "role": "input", "label": "x₂", "x": 0, "y": 100},
    ]
    edges = []
    for j in range(1, 5):
        neurons.append(
            {"id": f"h{j}", "role": "hidden", "activation": "tanh", "x": 200, "y": 50 * j}
        )
        edges += [
            {"id": f"a{j}", "source": "x1", "target": f"h{j}"},
            {"id": f"b{j}", "source": "x2", "target": f"h{j}"},
            {"id": f"c{j}", "source": f"h{j}", "target": "o"},
        ]
    neurons.append({"id": "o", "role": "output", "activation": "sigmoid", "x": 400, "y": 100})
    settings = {
        "sgd": {"learning_rate": 0.5, "epochs": 2000},
        "momentum": {"learning_rate": 0.2, "momentum": 0.9, "epochs": 1000},
        "rmsprop": {"learning_rate": 0.02, "epochs": 1000},
        "adam": {"learning_rate": 0.05, "epochs": 600},
    }[optimizer]
    t = {
        "loss": "binary_cross_entropy",
        "optimizer": optimizer,
        "seed": seed,
        "init": "xavier_uniform",
        **settings,
        **training,
    }
    samples = [
        {"x": [0.0, 0.0], "y": [0.0]},
        {"x": [0.0, 1.0], "y": [1.0]},
        {"x": [1.0, 0.0], "y": [1.0]},
        {"x": [1.0, 1.0], "y": [0.0]},
    ]
    return network_doc(neurons, edges, t, samples)


def write_doc(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def assert_close_tree(got, want, rel: float = 1e-9, abs_: float = 0.0, where: str = "") -> None:
    """Same structure, same key sets, every number within rel (relative) tolerance."""
    if isinstance(want, dict):
        assert isinstance(got, dict), f"{where}: {got!r} is not an object"
        assert set(got) == set(want), f"{where}: keys {sorted(got)} != {sorted(want)}"
        for k in want:
            assert_close_tree(got[k], want[k], rel, abs_, f"{where}.{k}")
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r} vs {want!r}"
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            assert_close_tree(g, w, rel, abs_, f"{where}[{i}]")
    elif isinstance(want, bool) or isinstance(want, str):
        assert got == want, f"{where}: {got!r} != {want!r}"
    else:
        assert isinstance(got, int | float) and not isinstance(got, bool), f"{where}: {got!r}"
        assert math.isclose(got, want, rel_tol=rel, abs_tol=abs_), f"{where}: {got!r} != {want!r}"
