"""Live training in the real main window: epochs per second and input latency while training.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_gui_training.py [--seconds 5] [FILE]

Target (issue 5): at least 2,000 epochs/s on the XOR 2-4-1 network with the live plots and
the canvas on screen, and the window answering input within 50 ms at full speed. Latency is
measured as the lateness of a 20 ms QTimer (a click waits in the same queue), plus the time
one synthetic button click takes to be handled. Also times one frame with 100,000 epochs of
history on the plots.

    python benchmarks/bench_gui_training.py --samples 1000000 [--batch 256] [--validation 0.2]

trains FILE on that many generated samples instead (its generator, else xor) and reports the
longest GUI stall: the longest controller tick, the timer's worst lateness and the worst delay
of a key press posted to the window every 100 ms (target: under 100 ms whatever the size).
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from gui_window import Clicks, Lateness, arguments, load, open_window, pump  # noqa: E402  (beside)


class Keys:
    """A key press posted to ``widget`` every 100 ms from another thread (as the window
    system delivers one: whenever, not between two ticks), and how long each waited before
    the GUI thread handled it."""

    def __init__(self, widget) -> None:
        from PySide6.QtCore import QEvent, QObject, Qt

        self.widget, self.ms = widget, []
        self._sent: list[float] = []
        self._stop = threading.Event()
        probe = self

        class Filter(QObject):
            def eventFilter(self, obj, event):  # noqa: N802  (Qt's name)
                if event.type() == QEvent.Type.KeyPress and event.key() == Qt.Key.Key_F35:
                    probe.ms.append((time.perf_counter() - probe._sent.pop(0)) * 1000)
                    return True
                return False

        self.filter = Filter()
        widget.installEventFilter(self.filter)
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from PySide6.QtCore import QCoreApplication

        while self._events and not self._stop.wait(0.1):
            self._sent.append(time.perf_counter())
            QCoreApplication.postEvent(self.widget, self._events.pop())

    def start(self, seconds: float) -> None:
        from PySide6.QtCore import QEvent, Qt
        from PySide6.QtGui import QKeyEvent

        # made here: a key event made in another thread registers its input device there
        press, key = QEvent.Type.KeyPress, Qt.Key.Key_F35
        none = Qt.KeyboardModifier.NoModifier
        self._events = [QKeyEvent(press, key, none) for _ in range(int(seconds * 10) + 2)]
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.thread.join()


def large_file(path: str, samples: int, batch: int | None, validation: float) -> str:
    """A copy of the network file at ``path`` on ``samples`` generated samples."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    gen = dict(doc.get("data", {}).get("generator") or {"name": "xor", "noise": 0.1, "seed": 1})
    gen["n"] = samples
    doc["data"] = {"generator": gen}
    training = doc.setdefault("training", {})
    training.pop("batch_size", None)
    if batch:
        training["batch_size"] = batch
    training["validation_split"] = validation
    out = Path(tempfile.mkdtemp()) / f"large_{samples}.json"
    out.write_text(json.dumps(doc), encoding="utf-8")
    return str(out)


def main_large(args) -> int:
    """Training on a large generated data set: the longest stall of the GUI thread."""
    path = large_file(args.file, args.samples, args.batch, args.validation)
    app, w = open_window(path, size=(1600, 1000))
    c = w.training_tools.controller
    probe, keys = Lateness(), Keys(w)
    c.play()
    pump(app, 0.5)  # the first frame's views (the scatter of every sample) come and go
    timed = hasattr(c, "longest_tick")  # (a controller before it did not time its ticks)
    c.longest_tick = 0.0
    e0, t0 = c.epoch, time.perf_counter()
    probe.start()
    keys.start(args.seconds)
    pump(app, args.seconds)
    dt = time.perf_counter() - t0
    lateness = probe.stop(skip=3)
    keys.stop()
    c.pause()
    batch = f"batch {args.batch}" if args.batch else "full batch"
    print(f"network: {Path(args.file).name} on {args.samples:,} samples ({batch}, "
          f"validation {args.validation:g}), {len(w.graph.neurons)} neurons")  # fmt: skip
    print(f"{c.epoch - e0:,} epochs in {dt:.1f} s ({(c.epoch - e0) / dt:.2f} epochs/s), "
          f"{c.ticks} ticks")  # fmt: skip
    if timed:
        print(f"longest controller tick: {c.longest_tick * 1000:.1f} ms")
    print(f"timer lateness while training: {lateness} ({load()})")
    if keys.ms:
        print(f"key press delay: median {statistics.median(keys.ms):.1f} ms, "
              f"max {max(keys.ms):.1f} ms over {len(keys.ms)} keys")  # fmt: skip
    w.undo_stack.setClean()
    w.close()
    return 0


def main() -> int:
    ap = arguments()
    ap.add_argument("--samples", type=int, default=0, help="train on this many generated samples")
    ap.add_argument("--batch", type=int, default=0, help="with --samples: batch size (0: full)")
    ap.add_argument("--validation", type=float, default=0.0, help="with --samples: split")
    args = ap.parse_args()
    if args.samples:
        return main_large(args)

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
