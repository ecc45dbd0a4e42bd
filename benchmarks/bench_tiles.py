"""Live training with the neuron tiles on screen: epochs per second and input latency.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_tiles.py [--seconds 5] [FILE]
    DISPLAY=:84 QT_QPA_PLATFORM=xcb python benchmarks/bench_tiles.py   # a real X server

Target (issue 14): above 1,000 epochs/s on the XOR 2-4-1 network in the real window with
the tiles visible (and the decision-boundary dock raised), the window answering input
within 50 ms. Latency is the lateness of a 20 ms QTimer (a click waits in the same queue)
and the time a synthetic button click takes to be handled. Also times one tile refresh (the
batched forward over the grid plus the images) and prints the same figures with the tiles
off, alternating (on a shared machine one stretch says little), for comparison.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from gui_window import Clicks, Lateness, arguments, open_window, pump  # noqa: E402  (beside)


def measure(app, w, seconds: float) -> tuple[float, list[float], list[float], int]:
    """(epochs/s, timer lateness ms, click handling ms, tile refreshes) over one stretch."""
    c = w.training_tools.controller
    probe = Lateness()
    clicks = Clicks(w.training_tools.training_panel.clear_runs_button)
    r0 = w.neuron_tiles.refreshes
    c.play()
    e0, t0 = c.epoch, time.perf_counter()
    probe.start()
    clicks.start()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
    rate = (c.epoch - e0) / (time.perf_counter() - t0)
    probe.stop()
    clicks.close()
    c.pause()
    return rate, probe.values(skip=5), clicks.ms, w.neuron_tiles.refreshes - r0


def report(what: str, rate: float, late: list[float], clicks: list[float]) -> None:
    print(f"{what}: {rate:,.0f} epochs/s; timer lateness median {statistics.median(late):.1f} ms, "
          f"p99 {np.percentile(late, 99):.1f} ms, max {max(late):.1f} ms; button click handled "
          f"in max {max(clicks):.2f} ms over {len(clicks)} clicks")  # fmt: skip


def main() -> int:
    ap = arguments()
    ap.add_argument("--rounds", type=int, default=2, help="stretches with the tiles on (and off)")
    args = ap.parse_args()

    from bpstudio.model.neuron_tiles import TILE_RESOLUTION, tile_grid

    app, w = open_window(args.file)
    tools = w.training_tools
    tools.docks["boundary"].raise_()
    c = tools.controller
    tiles = w.neuron_tiles
    assert w.action_by_name["tiles"].isChecked()
    pump(app, 0.2)
    print(f"platform: {app.platformName()}; network: {Path(args.file).name}, "
          f"{len(w.graph.neurons)} neurons, {len(tiles.tiles)} tiles")  # fmt: skip

    rate, late, clicks, refreshes = measure(app, w, args.seconds)
    report("tiles on", rate, late, clicks)
    print(f"  tile refreshes while training: {refreshes} in {args.seconds:.1f} s "
          f"({refreshes / args.seconds:.1f} per second)")  # fmt: skip

    costs, grids = [], []
    for _ in range(50):
        t0 = time.perf_counter()
        tiles.refresh()
        costs.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        tile_grid(c.session, TILE_RESOLUTION)
        grids.append((time.perf_counter() - t0) * 1000)
    print(f"  one tile refresh (forward over {TILE_RESOLUTION}x{TILE_RESOLUTION} points, "
          f"{len(tiles.tiles)} images): median {statistics.median(costs):.2f} ms "
          f"(the batched forward alone {statistics.median(grids):.2f} ms)")  # fmt: skip

    # on a shared machine one stretch says little: alternate off and on, the same length
    rates: dict[bool, list[float]] = {True: [rate], False: []}
    for k in range(2 * args.rounds - 1):
        on = k % 2 == 1
        w.action_by_name["tiles"].trigger()  # off, on, off, …
        pump(app, 0.2)
        assert bool(tiles.tiles) == on
        r, lat, clk, _ = measure(app, w, args.seconds)
        report(f"tiles {'on' if on else 'off'}", r, lat, clk)
        rates[on].append(r)
    print(f"median over the rounds: tiles on {statistics.median(rates[True]):,.0f} epochs/s, "
          f"off {statistics.median(rates[False]):,.0f} epochs/s")  # fmt: skip
    w.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
