"""Quick starts: a fully connected network from a size text like "2-4-1", with data to match.

File → New → Fully Connected Network… reads the sizes, input layer first and output layer
last. The data and training settings follow the shape, so Train works at once:

* one output: a sigmoid output and binary cross-entropy on n-bit parity (XOR for 2 inputs,
  every bit pattern once; for more than 8 inputs a seeded sample of 256 patterns);
* k > 1 outputs: softmax outputs and cross-entropy; 2 inputs: k Gaussian blobs (generator),
  otherwise bit patterns labelled by their number of ones mod k.

Pure model code, no Qt.
"""

from __future__ import annotations

import itertools
import re

import numpy as np

from .graph import Edge, Graph, Neuron
from .templates import COLUMN, ROW

MAX_LAYERS = 12
MAX_WIDTH = 256  # a layer larger than this is unreadable on a projector
MAX_EDGES = 20_000
TOKEN = re.compile(r"[^\s\-–—,;×]+")  # separated by spaces, dashes, commas or ×
PRODUCT = re.compile(r"\d+(?:x\d+)+")  # "3x5x2"


class SizeError(ValueError):
    """A size text the quick start cannot build; the message says why, for the dialog."""


def parse_sizes(text: str) -> list[int]:
    """ "2-4-1", "2 8 8 1", "3x5x2", "2–4–1" → [2, 4, 1]; SizeError names the problem."""
    t = (text or "").strip()
    if not t:
        raise SizeError("type the layer sizes, e.g. 2-4-1 (inputs, hidden layers, outputs)")
    parts: list[str] = []
    for tok in TOKEN.findall(t):
        parts.extend(tok.split("x") if PRODUCT.fullmatch(tok) else [tok])
    sizes = []
    for k, p in enumerate(parts, start=1):
        if not p.isdigit():
            raise SizeError(f"layer {k} ({p!r}) is not a whole number: use sizes like 2-4-1")
        n = int(p)
        if n < 1:
            raise SizeError(f"layer {k} has {n} neurons: every layer needs at least 1")
        if n > MAX_WIDTH:
            raise SizeError(f"layer {k} has {n} neurons: at most {MAX_WIDTH} per layer")
        sizes.append(n)
    if len(sizes) < 2:
        raise SizeError("give at least two sizes, inputs and outputs (e.g. 2-1 or 2-4-1)")
    if len(sizes) > MAX_LAYERS:
        raise SizeError(f"{len(sizes)} layers: at most {MAX_LAYERS}")
    edges = sum(a * b for a, b in itertools.pairwise(sizes))
    if edges > MAX_EDGES:
        raise SizeError(f"{edges:,} edges: at most {MAX_EDGES:,} (use smaller layers)")
    return sizes


def summary(sizes: list[int], activation: str = "sigmoid") -> str:
    """What the quick start will build, for the dialog."""
    hidden = sizes[1:-1]
    edges = sum(a * b for a, b in itertools.pairwise(sizes))
    h = f", hidden {'-'.join(map(str, hidden))} ({activation})" if hidden else ""
    out = sizes[-1]
    data = _data_text(sizes[0], out)
    return (
        f"{sizes[0]} inputs{h}, {out} output{'s' * (out != 1)} "
        f"({'sigmoid' if out == 1 else 'softmax'}); {edges} edges; data: {data}"
    )


def _data_text(n_in: int, n_out: int) -> str:
    if n_out == 1:
        return "XOR (4 samples)" if n_in == 2 else f"{n_in}-bit parity"
    if n_in == 2:
        return f"{n_out} Gaussian blobs (200 samples)"
    return f"{n_in}-bit patterns in {n_out} classes"


def _patterns(n_in: int) -> np.ndarray:
    if n_in <= 8:
        return np.array(list(itertools.product([0, 1], repeat=n_in)), dtype=int)
    rng = np.random.default_rng(0)
    return rng.integers(0, 2, size=(256, n_in))


def _data(n_in: int, n_out: int) -> dict:
    if n_out > 1 and n_in == 2:
        return {
            "generator": {
                "name": "gaussians",
                "n": 200,
                "noise": 0.1,
                "seed": 1,
                "classes": min(n_out, 50),
            }
        }
    X = _patterns(n_in)
    ones = X.sum(axis=1)
    samples = []
    for x, k in zip(X.tolist(), ones.tolist(), strict=True):
        if n_out == 1:
            y = [k % 2]
        else:
            y = [0] * n_out
            y[k % n_out] = 1
        samples.append({"x": x, "y": y})
    return {"samples": samples}


def build(sizes: list[int], activation: str = "sigmoid") -> Graph:
    """The fully connected network, drawn in columns, with data and settings to match."""
    name = "Network " + "-".join(map(str, sizes))
    g = Graph(
        name,
        f"A fully connected {'-'.join(map(str, sizes))} network (quick start): "
        + _data_text(sizes[0], sizes[-1])
        + ".",
    )
    cols: list[list[str]] = []
    counters = {"x": 0, "h": 0, "o": 0}
    for layer, n in enumerate(sizes):
        last = layer == len(sizes) - 1
        role = "input" if layer == 0 else "output" if last else "hidden"
        prefix = {"input": "x", "hidden": "h", "output": "o"}[role]
        act = (
            None
            if role == "input"
            else ("sigmoid" if sizes[-1] == 1 else "softmax")
            if last
            else activation
        )
        ids = []
        top = -(n - 1) * ROW / 2
        for i in range(n):
            counters[prefix] += 1
            nid = f"{prefix}{counters[prefix]}"
            label = nid[0] + nid[1:].translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
            g.add_neuron(
                Neuron(nid, role, activation=act, label=label, x=layer * COLUMN, y=top + i * ROW)
            )
            ids.append(nid)
        cols.append(ids)
    k = 0
    for sources, targets in itertools.pairwise(cols):
        for t in targets:
            for s in sources:
                k += 1  # weights None: drawn from training.init (seeded) when compiled
                g.add_edge(Edge(f"w{k}", s, t))
    one = sizes[-1] == 1
    g.training = {
        "loss": "binary_cross_entropy" if one else "cross_entropy",
        "optimizer": "adam",
        "learning_rate": 0.05,
        "epochs": 500,
        "seed": 0,
        "init": "xavier_uniform",
    }
    g.data = _data(sizes[0], sizes[-1])
    return g
