"""Live training in the real main window: epochs per second and input latency while training.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_training.py [--seconds 5] [FILE]

Target (issue 5): at least 2,000 epochs/s on the XOR 2-4-1 network with the live plots and
the canvas on screen, and the window answering input within 50 ms at full speed. Latency is
measured as the lateness of a 20 ms QTimer (a click waits in the same queue), plus the time
one synthetic button click takes to be handled. Also times one frame with 100,000 epochs of
history on the plots.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from gui_window import Clicks, Lateness, arguments, load, open_window, pump  # noqa: E402  (beside)


def main() -> int:
    ap = arguments()
    args = ap.parse_args()

    app, w = open_window(args.file, size=(1600, 1000))
    tools = w.training_tools
    c = tools.controller

    # input latency: a 20 ms timer's lateness, and a real button click, while training
    probe = Lateness()
    clicks = Clicks(tools.training_panel.clear_runs_button)
    c.play()
    e0, t0 = c.epoch, time.perf_counter()
    probe.start()
    clicks.start()
    while time.perf_counter() - t0 < args.seconds:
        app.processEvents()
    rate = (c.epoch - e0) / (time.perf_counter() - t0)
    ticks = c.ticks
    lateness = probe.stop(skip=5)
    clicks.stop()
    c.pause()

    print(f"network: {Path(args.file).name}, {len(w.graph.neurons)} neurons")
    print(f"full speed with live plots and canvas: {rate:,.0f} epochs/s "
          f"({c.epoch - e0:,} epochs in {args.seconds:.1f} s, {ticks} timer ticks)")  # fmt: skip
    print(f"timer lateness while training: {lateness} ({load()})")
    print(f"button click handled in: max {max(clicks.ms):.2f} ms over {len(clicks.ms)} clicks")

    # 100,000 epochs of history on the plots
    s = c.session
    h = s.run.history
    rng = np.random.default_rng(0)
    while len(h) < 100_000:
        h.append(float(rng.random()), None, rng.random(h.n_layers))
    frames = []
    for _ in range(20):
        f0 = time.perf_counter()
        tools.loss_plot.update_view()
        tools.grad_plot.update_view()
        tools.loss_plot.plot.repaint()
        tools.grad_plot.plot.repaint()
        frames.append((time.perf_counter() - f0) * 1000)
    print(f"one frame with {len(h):,} epochs on both plots: median "
          f"{statistics.median(frames):.1f} ms, max {max(frames):.1f} ms")  # fmt: skip
    c.play()
    e0, t0 = c.epoch, time.perf_counter()
    pump(app, 2.0)
    c.pause()
    print(f"training on top of that history: {(c.epoch - e0) / 2.0:,.0f} epochs/s")
    w.undo_stack.setClean()
    w.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
