"""Per-epoch training cost of bpstudio's engine against PyTorch (CPU, float64), same run.

    python benchmarks/bench_train.py            # both cases + compile
    python benchmarks/bench_train.py --quick    # fewer repetitions

Targets (issue 2): xor 2-8-8-1 full batch <= 0.25 x PyTorch; 64-256-256-10 batch 128 <= 1.0 x
PyTorch; compiling 1,000 neurons / 100,000 edges < 100 ms. PyTorch is only needed here; it is
never a dependency of bpstudio. Times are medians over several repetitions.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from bpstudio.model import fileformat
from bpstudio.model.compile import compile_graph
from bpstudio.model.session import make_trainer


def layered_doc(sizes, acts, loss, data, batch_size=None, seed=0, lr=0.1):
    neurons, edges = [], []
    ids = []
    for l, n in enumerate(sizes):
        layer_ids = []
        for i in range(n):
            nid = f"n{l}_{i}"
            role = "input" if l == 0 else ("output" if l == len(sizes) - 1 else "hidden")
            d = {"id": nid, "role": role}
            if l:
                d["activation"] = acts[l - 1]
            neurons.append(d)
            layer_ids.append(nid)
        ids.append(layer_ids)
    for l in range(1, len(sizes)):
        for t in ids[l]:
            for s in ids[l - 1]:
                edges.append({"id": f"{s}-{t}", "source": s, "target": t})
    training = {
        "loss": loss,
        "optimizer": "sgd",
        "learning_rate": lr,
        "seed": seed,
        "init": "xavier_uniform",
        "shuffle": True,
    }
    if batch_size:
        training["batch_size"] = batch_size
    return {
        "format": "bpstudio-network",
        "version": 1,
        "name": "bench",
        "neurons": neurons,
        "edges": edges,
        "training": training,
        "data": data,
    }


def time_bpstudio(path: Path, epochs: int, reps: int) -> float:
    graph = fileformat.load(path)
    times = []
    for _ in range(reps):
        _, trainer = make_trainer(graph)
        trainer.run_epoch()  # warm-up: buffers allocated
        t0 = time.perf_counter()
        for _ in trainer.epochs(epochs):  # the loop `bpstudio train` runs
            pass
        times.append((time.perf_counter() - t0) / epochs)
    return statistics.median(times)


def time_torch(graph_path: Path, epochs: int, reps: int) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    from bpstudio.model.session import dataset

    graph = fileformat.load(graph_path)
    compiled = compile_graph(graph)
    ds = dataset(graph)
    X = torch.tensor(ds.X, dtype=torch.float64)
    Y = torch.tensor(ds.Y, dtype=torch.float64)
    if graph.training["loss"] == "cross_entropy":
        Yi = Y.argmax(dim=1)
    batch = int(graph.training.get("batch_size", len(ds)))
    acts = {"tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU}
    times = []
    for _ in range(reps):
        mods = []
        for layer in compiled.net.layers:
            lin = torch.nn.Linear(layer.W.shape[1], layer.W.shape[0]).double()
            with torch.no_grad():
                lin.weight.copy_(torch.tensor(layer.W))
                lin.bias.copy_(torch.tensor(layer.b.ravel()))
            mods.append(lin)
            name = compiled.net.activation_of[layer.start]
            if name in acts:
                mods.append(acts[name]())
        model = torch.nn.Sequential(*mods)
        opt = torch.optim.SGD(model.parameters(), lr=graph.training["learning_rate"])
        if graph.training["loss"] == "binary_cross_entropy":
            crit = torch.nn.BCELoss()
        else:
            crit = torch.nn.CrossEntropyLoss()  # on logits: the last module is the linear layer

        def epoch(model=model, opt=opt, crit=crit):  # bound now: B023
            order = torch.randperm(len(X)) if batch < len(X) else None
            for lo in range(0, len(X), batch):
                if order is None:
                    xb, yb = X, (Y if graph.training["loss"] != "cross_entropy" else Yi)
                else:
                    idx = order[lo : lo + batch]
                    xb = X[idx]
                    yb = Y[idx] if graph.training["loss"] != "cross_entropy" else Yi[idx]
                opt.zero_grad()
                loss = crit(model(xb), yb)
                loss.backward()
                opt.step()

        epoch()
        t0 = time.perf_counter()
        for _ in range(epochs):
            epoch()
        times.append((time.perf_counter() - t0) / epochs)
    return statistics.median(times)


def bench_compile(reps: int) -> float:
    rng = np.random.default_rng(0)
    n_in, n_hidden_layers, width, n_out = 100, 4, 200, 100  # 1,000 neurons
    doc = {"format": "bpstudio-network", "version": 1, "neurons": [], "edges": []}
    layers = [[f"i{i}" for i in range(n_in)]]
    doc["neurons"] += [{"id": i, "role": "input"} for i in layers[0]]
    for l in range(n_hidden_layers):
        ids = [f"h{l}_{i}" for i in range(width)]
        doc["neurons"] += [{"id": i, "role": "hidden", "activation": "tanh"} for i in ids]
        layers.append(ids)
    outs = [f"o{i}" for i in range(n_out)]
    doc["neurons"] += [{"id": i, "role": "output", "activation": "sigmoid"} for i in outs]
    layers.append(outs)
    pairs = set()
    while len(pairs) < 100_000:  # random forward edges between any earlier and later layer
        a = int(rng.integers(0, len(layers) - 1))
        b = int(rng.integers(a + 1, len(layers)))
        pairs.add(
            (layers[a][rng.integers(len(layers[a]))], layers[b][rng.integers(len(layers[b]))])
        )
    doc["edges"] = [
        {"id": f"e{k}", "source": s, "target": t, "weight": 0.1}
        for k, (s, t) in enumerate(sorted(pairs))
    ]
    graph = fileformat.from_document(doc)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        compile_graph(graph)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    reps = 3 if args.quick else 7
    tmp = Path(tempfile.mkdtemp())

    xor = layered_doc(
        [2, 8, 8, 1],
        ["tanh", "tanh", "sigmoid"],
        "binary_cross_entropy",
        {"generator": {"name": "xor", "n": 200, "noise": 0.1, "seed": 1}},
        lr=0.5,
    )
    (tmp / "xor.json").write_text(json.dumps(xor))

    rng = np.random.default_rng(1)
    Xc = rng.normal(size=(2048, 64))
    labels = (Xc[:, :10] @ rng.normal(size=(10, 10))).argmax(axis=1)
    header = [f"f{i}" for i in range(64)] + [f"c{k}" for k in range(10)]
    rows = np.c_[Xc, np.eye(10)[labels]]
    np.savetxt(tmp / "big.csv", rows, delimiter=",", header=",".join(header), comments="")
    big = layered_doc(
        [64, 256, 256, 10],
        ["relu", "relu", "softmax"],
        "cross_entropy",
        {"csv": "big.csv", "inputs": header[:64], "targets": header[64:]},
        batch_size=128,
        lr=0.05,
    )
    (tmp / "big.json").write_text(json.dumps(big))

    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    for name, path, epochs, target in [
        (
            "xor 2-8-8-1 tanh/tanh/sigmoid, BCE, n=200, full batch, sgd",
            tmp / "xor.json",
            2000 if not args.quick else 500,
            0.25,
        ),
        (
            "64-256-256-10 relu/relu/softmax, CE, 2048 CSV samples, batch 128, sgd",
            tmp / "big.json",
            30 if not args.quick else 10,
            1.0,
        ),
    ]:
        ours = time_bpstudio(path, epochs, reps)
        theirs = time_torch(path, epochs, reps)
        line = f"{name}\n  bpstudio: {ours * 1e3:.4f} ms/epoch"
        if theirs is not None:
            ratio = ours / theirs
            verdict = "meets" if ratio <= target else "MISSES"
            line += (
                f"   pytorch: {theirs * 1e3:.4f} ms/epoch   ratio {ratio:.3f} "
                f"(target <= {target}) {verdict}"
            )
        else:
            line += "   (pytorch not installed: pip install torch==2.13.0)"
        print(line)
    ms = bench_compile(reps) * 1e3
    print(
        f"compile 1,000 neurons / 100,000 edges: {ms:.1f} ms (target < 100 ms) "
        f"{'meets' if ms < 100 else 'MISSES'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
