"""Label placement figures (Qt-free): time to place n labels of a layered network (weight
labels along the edges, value badges around the neurons), and how many were placed, led or
hidden. Prints numbers; not a timed test.

    python benchmarks/bench_label_placement.py
"""

from __future__ import annotations

import statistics
import time

from bpstudio.model.label_placement import (
    HIDDEN,
    LED,
    PLACED,
    Disc,
    Label,
    along_segment,
    around_disc,
    place_labels,
)


def network(n_layers: int, per_layer: int, fan_in: int, dx: float = 240.0, dy: float = 90.0):
    """Neurons in columns, each fed by ``fan_in`` neurons of the previous column."""
    discs = [
        [Disc(l * dx, (i - (per_layer - 1) / 2) * dy, 24.0) for i in range(per_layer)]
        for l in range(n_layers)
    ]
    edges = []
    for l in range(1, n_layers):
        for j, t in enumerate(discs[l]):
            for k in range(fan_in):
                edges.append((discs[l - 1][(j + k) % per_layer], t))
    return [d for col in discs for d in col], edges


def labels_for(discs, edges, w=46.0, h=16.0, badge=(84.0, 40.0)):
    labels = []
    for i, d in enumerate(discs):
        bw, bh = badge
        labels.append(Label(("n", i), bw, bh, around_disc(d, bw, bh, 4.0), 2.0, (d.x, d.y)))
    for i, (s, t) in enumerate(edges):
        cands = along_segment((s.x, s.y), (t.x, t.y), s.r, t.r)
        labels.append(Label(("e", i), w, h, cands, 1.0, None, leader=False))
    return labels


def bench(name: str, discs, edges, repeat: int = 7) -> None:
    labels = labels_for(discs, edges)
    times, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = place_labels(labels, discs)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    n = {h: len(out.keys(h)) for h in (PLACED, LED, HIDDEN)}
    # CPU time too: on a shared machine the wall clock also counts the other processes
    print(
        f"{name:<34} {len(labels):>6} labels  median {statistics.median(times):6.1f} ms "
        f"(min {min(times):5.1f}; CPU {statistics.median(cpu):5.1f})  "
        f"placed {n[PLACED]}, led {n[LED]}, hidden {n[HIDDEN]}"
    )


if __name__ == "__main__":
    bench("2-2-1 (5 neurons, 6 edges)", *network(3, 2, 2))
    bench("3 x 20, fan-in 20 (800 edges)", *network(3, 20, 20))
    bench("5 x 40, fan-in 11 (1,760 edges)", *network(5, 40, 11))
    bench("500 neurons / 20,000 edges", *network(5, 100, 50))
