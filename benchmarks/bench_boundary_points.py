"""The Decision boundary dock on a large data set, in the real main window (every dock shown,
the boundary dock in front): how long one repaint of the dock takes, what every resize, a dock
shown or hidden beside it, or a training refresh costs the window.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_boundary_points.py [--n 1000000]

Before the scatter was held to POINTS_SHOWN evenly spaced samples, a soak (random user, seed
106934) waited 10.2 s on one repaint of 1,000,000 points. Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_window import load, open_window, pump  # noqa: E402  (beside this script)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000, help="samples of the xor generator")
    ap.add_argument("--repaints", type=int, default=5)
    args = ap.parse_args()

    app, w = open_window(None, every_dock=True, endless=False)
    from bpstudio.model import templates

    g = templates.xor_241()
    g.data = {"generator": {"name": "xor", "n": args.n, "noise": 0.2, "seed": 5}}
    t0 = time.perf_counter()
    w.document.load_graph(g, None)
    tools = w.training_tools
    dock = tools.docks["boundary"]
    dock.raise_()
    pump(app, 0.5)
    b = tools.boundary_plot
    t1 = time.perf_counter()
    b.update_view()
    t_update = time.perf_counter() - t1
    times = []
    for _ in range(args.repaints):
        t = time.perf_counter()
        b.plot.viewport().repaint()  # what a resize or a dock shown beside it triggers
        app.processEvents()
        times.append((time.perf_counter() - t) * 1000)
    shown = len(b.points.getData()[0])
    print(
        f"{args.n:,} samples, {shown:,} drawn ({b.info.text()}); open {time.perf_counter() - t0:.1f} s"
    )
    print(f"update_view {t_update * 1000:.0f} ms; repaint median {statistics.median(times):.0f} ms,"
          f" max {max(times):.0f} ms ({load()})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
