"""The Loss landscape dock brought up on a large network, in the real window (every dock
shown): how long the window is held by the first surface, and the grid and samples it uses.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_landscape_large.py [--width 100]

The network: 2 inputs, three tanh layers of ``--width`` neurons fully connected, 1 sigmoid
output, on 1,000 generated spiral samples (width 100: ~20,600 weights, ~20,900 parameters).
Target: the dock's first picture within ~0.5 s of the GUI thread (it held it for ~20 s at
500 neurons before the surface's size counted the network's cost).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_window import load, open_window, pump  # noqa: E402  (beside this script)


def network(width: int) -> dict:
    layers = [["x1", "x2"]] + [[f"h{k}_{i}" for i in range(width)] for k in range(3)] + [["o1"]]
    neurons, edges = [], []
    for k, ids in enumerate(layers):
        role = "input" if k == 0 else "output" if k == len(layers) - 1 else "hidden"
        for i, nid in enumerate(ids):
            n = {"id": nid, "role": role, "x": 200.0 * k, "y": 30.0 * i}
            if role != "input":
                n["activation"] = "sigmoid" if role == "output" else "tanh"
            neurons.append(n)
    for a, b in zip(layers, layers[1:], strict=False):
        edges += [{"id": f"e{len(edges) + j}", "source": s, "target": t}
                  for j, (s, t) in enumerate((s, t) for t in b for s in a)]  # fmt: skip
    return {
        "format": "bpstudio-network", "version": 1, "name": f"landscape bench {width}",
        "neurons": neurons, "edges": edges,
        "training": {"loss": "binary_cross_entropy", "optimizer": "sgd", "learning_rate": 0.1,
                     "epochs": 100, "seed": 1, "init": "xavier_uniform"},
        "data": {"generator": {"name": "spirals", "n": 1000, "noise": 0.02, "seed": 1,
                               "classes": 2}},
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--width", type=int, default=100)
    args = ap.parse_args()
    path = Path(tempfile.mkdtemp()) / "landscape_bench.json"
    path.write_text(json.dumps(network(args.width)), "utf-8")
    app, w = open_window(str(path), every_dock=True, endless=False)
    tools = w.training_tools
    dock = tools.docks["landscape"]
    dock.hide()
    pump(app, 0.5)
    t0, c0 = time.perf_counter(), time.thread_time()
    dock.show()
    dock.raise_()
    app.processEvents()
    lp = tools.landscape_plot
    while lp.surface is None and time.perf_counter() - t0 < 120:
        app.processEvents()
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    sf = lp.surface
    params = tools.controller.session.compiled.net.params.size
    print(f"{args.width}-wide: {len(w.graph.edges):,} edges, {params:,} parameters; {load()}")
    if sf is None:
        print("no surface within 120 s")
        return 1
    print(f"dock shown → first surface: {wall * 1000:.0f} ms (GUI thread CPU {cpu * 1000:.0f} ms); "
          f"grid {sf.resolution}², {sf.samples:,} of {sf.of:,} samples, "
          f"evaluation {sf.seconds * 1000:.0f} ms")  # fmt: skip
    print("caption:", lp.info.text())
    w.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
