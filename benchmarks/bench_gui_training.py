"""Live training in the real main window: epochs per second and input latency while training.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_training.py [--seconds 5] [FILE]

Target (issue 5): at least 2,000 epochs/s on the XOR 2-4-1 network with the live plots and
the canvas on screen, and the window answering input within 50 ms at full speed. Latency is
measured as the lateness of a 20 ms QTimer (a click waits in the same queue), plus the time
one synthetic button click takes to be handled. Also times one frame with 100,000 epochs of
history on the plots.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import bpstudio.qt  # noqa: E402,F401  (PySide6 refcount guard first)
from bpstudio.paths import examples_dir  # noqa: E402


def pump(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=str(examples_dir() / "xor_241.json"))
    ap.add_argument("--seconds", type=float, default=5.0)
    args = ap.parse_args()

    app = QApplication.instance() or QApplication(sys.argv)
    from bpstudio.qt.main_window import MainWindow

    w = MainWindow(path=args.file)
    w.resize(1600, 1000)
    w.show()
    pump(app, 0.3)
    tools = w.training_tools
    c = tools.controller
    w.graph.training["epochs"] = 0  # no limit (direct edit: not an undo step in a benchmark)
    c.session.invalidate()

    # input latency: a 20 ms timer's lateness, and a real button click, while training
    late: list[float] = []
    clicks: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    expected = [clock.elapsed() + 20]

    def probe():
        late.append(clock.elapsed() - expected[0])
        expected[0] = clock.elapsed() + 20

    probe_timer = QTimer()
    probe_timer.setTimerType(probe_timer.timerType().PreciseTimer)
    probe_timer.timeout.connect(probe)

    clicked_at = [0.0]

    def on_click():
        clicks.append((time.perf_counter() - clicked_at[0]) * 1000)

    b = tools.training_panel.clear_runs_button
    b.clicked.connect(on_click)

    def click():
        clicked_at[0] = time.perf_counter()
        b.click()

    click_timer = QTimer()
    click_timer.timeout.connect(click)

    c.play()
    e0, t0 = c.epoch, time.perf_counter()
    probe_timer.start(20)
    click_timer.start(250)
    while time.perf_counter() - t0 < args.seconds:
        app.processEvents()
    rate = (c.epoch - e0) / (time.perf_counter() - t0)
    ticks = c.ticks
    probe_timer.stop()
    click_timer.stop()
    c.pause()

    print(f"network: {Path(args.file).name}, {len(w.graph.neurons)} neurons")
    print(f"full speed with live plots and canvas: {rate:,.0f} epochs/s "
          f"({c.epoch - e0:,} epochs in {args.seconds:.1f} s, {ticks} timer ticks)")  # fmt: skip
    lat = late[5:] or late
    print(f"timer lateness while training: median {statistics.median(lat):.1f} ms, "
          f"p99 {np.percentile(lat, 99):.1f} ms, max {max(lat):.1f} ms")  # fmt: skip
    print(f"button click handled in: max {max(clicks):.2f} ms over {len(clicks)} clicks")

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
