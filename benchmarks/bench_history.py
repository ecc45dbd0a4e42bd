"""What scrubbing the training history costs (issue 14).

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_history.py [--seconds 3]

Prints: XOR 2-4-1 training epochs/s in the session with the parameters kept every epoch (and
the cost of one ``ParamHistory.record``), the memory a long XOR run keeps, and in the real
window the time of one slider step (canvas weights, decision boundary, loss marker) on XOR
and on the 500-neuron / 20,000-edge drawing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

import bpstudio.qt  # noqa: E402,F401  (PySide6 refcount guard first)
from bpstudio.model import templates  # noqa: E402
from bpstudio.model.param_history import ParamHistory  # noqa: E402
from bpstudio.model.training_session import TrainingSession  # noqa: E402


def session_rate(seconds: float) -> float:
    g = templates.xor_241()
    g.training["epochs"] = 0
    s = TrainingSession(g)
    s.run_for(0.2)
    t0, e0 = time.perf_counter(), s.epoch
    s.run_for(seconds)
    return (s.epoch - e0) / (time.perf_counter() - t0)


def record_cost() -> float:
    h, p = ParamHistory(17), np.zeros(17)
    n = 200_000
    t0 = time.perf_counter()
    for e in range(n):
        h.record(e, p)
    return (time.perf_counter() - t0) / n


def slider_steps(app, graph, steps: int = 20) -> float:
    from bpstudio.qt.main_window import MainWindow

    w = MainWindow(graph=graph)
    w.resize(1280, 800)
    w.show()
    QTest.qWait(50)
    tools = w.training_tools
    tools.docks["boundary"].raise_()
    s = tools.session
    s.run_for(30.0, 300)
    tools.controller.refresh_all()
    times = []
    for k in range(steps):
        t0 = time.perf_counter()
        tools.scrubber.show_epoch(300 - 1 - 7 * k)
        w.scene.flush()
        app.processEvents()
        times.append(time.perf_counter() - t0)
    w.undo_stack.setClean()
    w.close()
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    print(f"XOR 2-4-1 in the session, parameters kept every epoch: "
          f"{session_rate(args.seconds):,.0f} epochs/s")  # fmt: skip
    print(f"ParamHistory.record (17 parameters): {record_cost() * 1e6:.2f} µs per epoch")
    h = ParamHistory(17)
    print(f"XOR keeps every epoch up to {h.capacity:,} epochs (64 MB), then log-spaced ones")
    print(f"one slider step on XOR 2-4-1: {slider_steps(app, templates.xor_241()) * 1e3:.1f} ms")
    from big_network import half_masked_500

    big = half_masked_500(400.0)
    big.data = {"samples": [{"x": [0.01 * i for i in range(100)], "y": [0.5] * 100}]}
    print(f"one slider step on 500 neurons / 20,000 edges: "
          f"{slider_steps(app, big, 8) * 1e3:.1f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
