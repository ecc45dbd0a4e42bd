"""An independent numpy replay of full-batch SGD training with the mse loss, for checking
where the app says a divergence started (tests/test_divergence.py and the window test).

It reads the graph by ids (layers from the edges, weights from the edges, biases from the
neurons), not the engine's compiled layout, and applies the same rule as the trainer (an epoch
fails when its loss is not finite or the sum of the squared parameters is not), looking for
the first quantity out of range in the order a step computes them: z then a per neuron
(layer by layer), the loss of an output, ∂L/∂z from the outputs back, ∂L/∂w (layer by layer,
target by target, source by source) then ∂L/∂b, then the updated parameters (not finite, else
the first whose square overflows, else the largest).
"""

from __future__ import annotations

import numpy as np

ACT = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)),
    "identity": (lambda z: z, lambda z: np.ones_like(z)),
}


def layers_of(graph) -> list[list[str]]:
    """Neuron ids per layer (inputs first), in the graph's order within a layer."""
    depth = {n.id: 0 for n in graph.neurons.values() if n.role == "input"}
    changed = True
    while changed:
        changed = False
        for e in graph.edges.values():
            if e.source in depth:
                d = depth[e.source] + 1
                if depth.get(e.target, -1) < d:
                    depth[e.target] = d
                    changed = True
    n_layers = max(depth.values()) + 1
    return [[nid for nid in graph.neurons if depth.get(nid) == l] for l in range(n_layers)]


def replay(graph, epochs: int) -> tuple[int, str, str, str] | None:
    """(epoch, stage, "neuron"/"edge", id) of the first divergence within ``epochs`` epochs,
    or None. The graph must be dense layer to layer, relu/identity, with every weight set."""
    t = graph.training
    lr = float(t["learning_rate"])
    assert t.get("optimizer") == "sgd" and t.get("loss") == "mse"
    assert not t.get("batch_size") and not t.get("validation_split")
    layers = layers_of(graph)
    edge = {(e.source, e.target): e for e in graph.edges.values()}
    W = [np.array([[edge[(s, d)].weight for s in layers[l - 1]] for d in layers[l]])
         for l in range(1, len(layers))]  # fmt: skip
    b = [np.array([graph.neurons[d].bias for d in layers[l]]) for l in range(1, len(layers))]
    acts = [[graph.neurons[d].activation for d in layers[l]] for l in range(1, len(layers))]
    X = np.array([s["x"] for s in graph.data["samples"]], float).T  # inputs × samples
    Y = np.array([s["y"] for s in graph.data["samples"]], float).T
    n = X.shape[1]
    with np.errstate(all="ignore"):
        for epoch in range(1, epochs + 1):
            A, Z = [X], []
            for l, (w, bias) in enumerate(zip(W, b, strict=True)):
                z = w @ A[-1] + bias[:, None]
                a = np.stack([ACT[acts[l][i]][0](z[i]) for i in range(len(z))])
                for i in range(len(z)):  # z of a neuron, then its a
                    if not np.isfinite(z[i]).all() or not np.isfinite(a[i]).all():
                        return epoch, "forward", "neuron", layers[l + 1][i]
                Z.append(z)
                A.append(a)
            k = Y.shape[0]
            terms = (A[-1] - Y) ** 2 / k
            for i in range(k):
                if not np.isfinite(terms[i]).all():
                    return epoch, "loss", "neuron", layers[-1][i]
            D = [None] * len(W)
            d = (2.0 / k) * (A[-1] - Y) / n  # per-sample ∂L/∂ŷ of the batch mean
            for l in range(len(W) - 1, -1, -1):
                deriv = np.stack([ACT[acts[l][i]][1](Z[l][i]) for i in range(len(Z[l]))])
                D[l] = d * deriv
                d = W[l].T @ D[l]
            for l in range(len(W) - 1, -1, -1):  # from the outputs back, last row first
                for i in range(len(D[l]) - 1, -1, -1):
                    if not np.isfinite(D[l][i]).all():
                        return epoch, "backward", "neuron", layers[l + 1][i]
            gW = [D[l] @ A[l].T for l in range(len(W))]
            gb = [D[l].sum(axis=1) for l in range(len(W))]
            flat = [(gW[l][i, j], "edge", edge[(layers[l][j], layers[l + 1][i])].id)
                    for l in range(len(W)) for i in range(W[l].shape[0])
                    for j in range(W[l].shape[1])]  # fmt: skip
            flat += [(gb[l][i], "neuron", layers[l + 1][i]) for l in range(len(W))
                     for i in range(len(b[l]))]  # fmt: skip
            for g, kind, ident in flat:
                if not np.isfinite(g):
                    return epoch, "gradient", kind, ident
            W = [W[l] - lr * gW[l] for l in range(len(W))]
            b = [b[l] - lr * gb[l] for l in range(len(W))]
            after = [(w, "edge", f[2]) for w, f in zip(
                [W[l][i, j] for l in range(len(W)) for i in range(W[l].shape[0])
                 for j in range(W[l].shape[1])], flat, strict=False)]  # fmt: skip
            after += [(b[l][i], "neuron", layers[l + 1][i]) for l in range(len(W))
                      for i in range(len(b[l]))]  # fmt: skip
            values = np.array([v for v, _, _ in after])
            loss = terms.sum(axis=0).mean()
            if np.isfinite(loss) and np.isfinite(np.dot(values, values)):
                continue
            for v, kind, ident in after:
                if not np.isfinite(v):
                    return epoch, "update", kind, ident
            for v, kind, ident in after:
                if not np.isfinite(v * v):
                    return epoch, "update", kind, ident
            _, kind, ident = after[int(np.argmax(np.abs(values)))]
            return epoch, "update", kind, ident
    return None
