"""The Loss landscape dock in the real main window: training speed with the dock on screen,
the time of one landscape frame, and an optimizer race's speed and input latency.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_landscape.py [--seconds 5] [FILE]

Targets (issue 14): training XOR 2-4-1 with the landscape dock visible stays above 1,000
epochs/s; one landscape frame (surface + paths) stays under ~30 ms (the grid resolution
adapts to it); the window answers within 50 ms during a race. Latency is the lateness of a
20 ms QTimer (a click waits in the same queue).
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from gui_window import Lateness, arguments, load, open_window, pump  # noqa: E402  (beside)


def main() -> int:
    ap = arguments()
    args = ap.parse_args()

    app, w = open_window(args.file)
    tools = w.training_tools
    dock = tools.docks["landscape"]
    dock.show()
    dock.raise_()
    pump(app, 0.3)
    lp = tools.landscape_plot
    assert tools._live(lp), "the landscape dock is not on screen"
    c = tools.controller
    print(f"network: {Path(args.file).name}, {len(w.graph.neurons)} neurons, "
          f"{c.session.compiled.net.params.size if c.session.ensure() else 0} parameters")  # fmt: skip

    # training with the landscape on screen (Follow on: the surface is re-evaluated live),
    # alternating with the same window showing the decision boundary in that tab instead:
    # the machine is shared, so the difference of interleaved stretches is the dock's cost
    frames: list[tuple[float, int, bool]] = []
    orig = lp.update_view

    def timed_update() -> None:
        orig()
        if lp.surface is not None:
            frames.append((lp.frame_seconds, lp.surface.resolution, c.running or lp.racing))

    lp.update_view = timed_update  # type: ignore[method-assign]
    probe = Lateness()
    rates: dict[bool, list[float]] = {True: [], False: []}
    stretch = args.seconds / 2
    for visible in (True, False, True, False):
        (dock if visible else tools.docks["boundary"]).raise_()
        pump(app, 0.2)
        assert tools._live(lp) is visible
        c.play()
        e0, t0 = c.epoch, time.perf_counter()
        if visible:
            probe.start()
        pump(app, stretch)
        rates[visible].append((c.epoch - e0) / (time.perf_counter() - t0))
        if visible:
            lat = probe.stop()
        c.pause()
    dock.raise_()
    pump(app, 0.2)
    on, off = statistics.mean(rates[True]), statistics.mean(rates[False])
    print(f"training with the landscape dock visible: {on:,.0f} epochs/s "
          f"(stretches {', '.join(f'{r:,.0f}' for r in rates[True])}); with the decision "
          f"boundary in its place: {off:,.0f} epochs/s; the dock costs {1 - on / off:.0%}")  # fmt: skip
    print(f"timer lateness while training with the dock: {lat} ({load()})")
    live = [f for f in frames if f[2]]
    if live:
        ft = [f[0] * 1000 for f in live]
        res = [f[1] for f in live]
        print(f"landscape frames while training: {len(live)}, frame time median "
              f"{statistics.median(ft):.1f} ms, p90 {np.percentile(ft, 90):.1f} ms, max "
              f"{max(ft):.1f} ms; grid {min(res)}²..{max(res)}² (last {res[-1]}²)")  # fmt: skip

    # one live frame, start to end: a new surface (a re-centred slice) at the live grid size,
    # its contours, the paths, and the plot painted
    whole: list[float] = []
    grids: list[int] = []
    c.play()
    for _ in range(15):
        lp._surface_key = None  # as if the weights had moved
        f0 = time.perf_counter()
        orig()
        lp.plot.viewport().repaint()
        whole.append((time.perf_counter() - f0) * 1000)
        grids.append(lp.surface.resolution)
        app.processEvents()
    c.pause()
    print(f"one live landscape frame (surface {min(grids)}²..{max(grids)}², contours, paths, "
          f"paint): median {statistics.median(whole):.1f} ms, max {max(whole):.1f} ms")  # fmt: skip

    # the race: four optimizers, the UI answering
    frames.clear()
    w.graph.training["epochs"] = 1_000_000
    lp.start_race()
    r0, t0 = lp.race.epoch, time.perf_counter()
    probe.start()
    pump(app, args.seconds)
    rounds = lp.race.epoch - r0
    lat = probe.stop()
    lp.stop_race()
    dt = time.perf_counter() - t0
    print(f"race: {rounds / dt:,.0f} epochs/s per optimizer ({4 * rounds / dt:,.0f} in all), "
          f"{rounds:,} epochs in {dt:.1f} s")  # fmt: skip
    print(f"timer lateness during the race: {lat} ({load()})")
    live = [f for f in frames if f[2]]
    still = [f for f in frames if not f[2]]
    if live:
        ft = [f[0] * 1000 for f in live]
        print(f"race frames: {len(live)}, frame time median {statistics.median(ft):.1f} ms, "
              f"p90 {np.percentile(ft, 90):.1f} ms, max {max(ft):.1f} ms, grid {live[-1][1]}²")  # fmt: skip
    if still:
        print(f"the still frame after the race: {still[-1][0] * 1000:.0f} ms, grid {still[-1][1]}²")
    w.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
