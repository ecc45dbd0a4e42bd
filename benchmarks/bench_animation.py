"""Frame rate of the pass animation on a 100-neuron network, and input latency meanwhile.

Opens the real main window on a dense 10-20-20-20-20-10 network (100 neurons, 1,600 edges),
runs a whole forward and backward pass with pulses, and measures

* frame intervals: the time between two paints of the pulse (what reaches the screen);
* input latency: how late a 5 ms heartbeat timer fires, and how long a key press posted
  mid-animation takes to be handled (the animation must never block input).

Run: ``QT_QPA_PLATFORM=offscreen python benchmarks/bench_animation.py [--layer-ms 800]``.
Prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QKeyEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bpstudio.model.graph import Graph  # noqa: E402
from bpstudio.model.templates import dense_network  # noqa: E402

SIZES = [10, 20, 20, 20, 20, 10]


def dense_graph(sizes=SIZES) -> Graph:
    return dense_network(sizes, "bench 100 neurons")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--layer-ms", type=int, default=750, help="pulse duration per layer")
    args = ap.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    from bpstudio.qt.main_window import MainWindow

    graph = dense_graph()
    t0 = time.perf_counter()
    w = MainWindow(graph)
    w.resize(1920, 1080)
    w.show()
    app.processEvents()
    w.view.fit_all()
    tools = w.pass_tools
    print(f"window with {len(graph.neurons)} neurons, {len(graph.edges)} edges "
          f"opened in {time.perf_counter() - t0:.2f} s")  # fmt: skip

    clock = QElapsedTimer()
    clock.start()
    paints: list[float] = []  # perf_counter of every frame the pulse painted
    ov = tools.overlay
    ov.pulse.paint_times = paints
    if ov.frozen is not None:
        ov.frozen.paint_times = paints

    # heartbeat: a 5 ms timer; its lateness is how long the event loop was busy
    beats: list[float] = []
    hb = QTimer()
    hb.setTimerType(Qt.PreciseTimer)
    hb.setInterval(5)
    hb.timeout.connect(lambda: beats.append(clock.nsecsElapsed() / 1e6))

    # key presses posted during the animation: time until the view handles them
    key_lat: list[float] = []

    class Probe:
        sent = 0.0

    def post_key():
        if not tools.overlay.animating:
            return
        Probe.sent = clock.nsecsElapsed() / 1e6
        ev = QKeyEvent(QKeyEvent.KeyPress, Qt.Key_Shift, Qt.NoModifier)
        QApplication.postEvent(w.view.viewport(), ev)
        QTimer.singleShot(0, lambda: key_lat.append(clock.nsecsElapsed() / 1e6 - Probe.sent))

    keys = QTimer()
    keys.setInterval(97)
    keys.timeout.connect(post_key)

    c = tools.controller
    c.set_speed(max(1, round(args.layer_ms / 15)))
    hb.start()
    keys.start()
    start = clock.nsecsElapsed() / 1e6
    refresh_times = []
    orig_refresh = tools.overlay.refresh

    def timed_refresh():
        t = time.perf_counter()
        orig_refresh()
        refresh_times.append((time.perf_counter() - t) * 1000)

    tools.overlay.refresh = timed_refresh
    # what the overlay does between frames to set up the next step (the usual stall source)
    setup_times: list[float] = []
    for name in ("_start_preview", "_preview_work"):
        orig = getattr(ov, name, None)
        if orig is None:
            continue

        def timed(*a, _orig=orig):
            t = time.perf_counter()
            _orig(*a)
            setup_times.append((time.perf_counter() - t) * 1000)

        setattr(ov, name, timed)
    t_start = time.perf_counter()
    c.backward_all()  # forward layers, loss, backward layers: 2L + 1 pulses
    start_stall = (time.perf_counter() - t_start) * 1000  # synchronous: the picture's grab
    while not tools.stepper.backward_done or tools.overlay.animating:
        app.processEvents()
        if clock.nsecsElapsed() / 1e6 - start > 60_000:
            print("timed out")
            return 1
    total = clock.nsecsElapsed() / 1e6 - start
    keys.stop()
    # the walk's end: back to the live canvas (a repaint of the viewport); the heartbeat's
    # worst lateness in the next 0.6 s is that stall
    n_beats = len(beats)
    end_t = clock.nsecsElapsed() / 1e6
    while clock.nsecsElapsed() / 1e6 - end_t < 600:
        app.processEvents()
    hb.stop()
    after = [end_t, *beats[n_beats:]]
    end_stall = max((b - a for a, b in zip(after, after[1:], strict=False)), default=0.0)
    beats = beats[:n_beats]

    # frame intervals inside pulses only (a reveal between two pulses is not a frame drop)
    gaps = [(b - a) * 1000 for a, b in zip(paints, paints[1:], strict=False)]
    in_pulse = [g for g in gaps if g < 200]
    late = [b - a - 5 for a, b in zip(beats, beats[1:], strict=False)]
    n_pulses = 2 * tools.stepper.n_layers + 1
    print(f"walk of {n_pulses} pulses took {total / 1000:.2f} s "
          f"({args.layer_ms} ms per pulse)")  # fmt: skip
    if in_pulse:
        mean = statistics.mean(in_pulse)
        p95 = sorted(in_pulse)[int(0.95 * (len(in_pulse) - 1))]
        print(f"frames painted: {len(paints)}; mean interval {mean:.1f} ms = {1000 / mean:.0f} fps; "
              f"95th percentile {p95:.1f} ms = {1000 / p95:.0f} fps; worst {max(in_pulse):.1f} ms")  # fmt: skip
    if ov.frozen is not None and ov.frozen.paint_ms:
        pm = ov.frozen.paint_ms
        print(f"cost of one frame (paintEvent): mean {statistics.mean(pm):.1f} ms, "
              f"worst {max(pm):.1f} ms")  # fmt: skip
    if refresh_times:
        print(f"reveal (overlay refresh) per step: mean {statistics.mean(refresh_times):.1f} ms, "
              f"worst {max(refresh_times):.1f} ms")  # fmt: skip
    if late:
        print(f"event loop: heartbeat lateness mean {statistics.mean(late):.1f} ms, "
              f"worst {max(late):.1f} ms")  # fmt: skip
    if key_lat:
        print(f"key presses during animation: {len(key_lat)}, handled after mean "
              f"{statistics.mean(key_lat):.1f} ms, worst {max(key_lat):.1f} ms")  # fmt: skip
    if setup_times:
        print(f"setting up the next step (per event-loop turn): {len(setup_times)} turns, "
              f"mean {statistics.mean(setup_times):.1f} ms, worst {max(setup_times):.1f} ms")  # fmt: skip
    print(f"walk start (synchronous, grab + compose): {start_stall:.1f} ms; "
          f"walk end (back to the live canvas): {end_stall:.1f} ms")  # fmt: skip
    worst_input = max([*late, *key_lat], default=0.0)
    if in_pulse:
        print(f"SUMMARY worst input delay {worst_input:.1f} ms; mean {1000 / mean:.0f} fps; "
              f"p95 frame interval {p95:.1f} ms; walk start {start_stall:.0f} ms, "
              f"walk end {end_stall:.0f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
