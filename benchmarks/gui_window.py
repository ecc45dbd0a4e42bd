"""What the GUI benchmarks share: the real main window shown on a network, the event loop
pumped, and the probes of how long input waits while it trains.

Run as scripts, the benchmarks find this module beside them (their folder is on sys.path).
Import it after choosing the Qt platform (``QT_QPA_PLATFORM``): it imports PySide6.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np
from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import QApplication, QDockWidget

import bpstudio.qt  # noqa: F401  (PySide6 refcount guard first)
from bpstudio.paths import examples_dir  # noqa: E402

XOR = str(examples_dir() / "xor_241.json")


def arguments() -> argparse.ArgumentParser:
    """The training benchmarks' command line: a network FILE (XOR 2-4-1) and --seconds."""
    ap = argparse.ArgumentParser()
    ap.add_argument("file", nargs="?", default=XOR)
    ap.add_argument("--seconds", type=float, default=5.0)
    return ap


def pump(app: QApplication, seconds: float) -> None:
    """Run the event loop for this long."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def open_window(path: str | None = None, size: tuple[int, int] = (1280, 720),
                every_dock: bool = False, endless: bool = True):  # fmt: skip
    """(app, window): the real MainWindow on ``path`` (None: a new network), shown at
    ``size``; ``every_dock``: every dock shown (tabbed ones share their place); ``endless``:
    training runs until paused (training.epochs = 0, a direct edit: not an undo step)."""
    app = QApplication.instance() or QApplication(sys.argv)
    from bpstudio.qt.main_window import MainWindow

    w = MainWindow(path=path)
    w.move(0, 0)
    w.resize(*size)
    w.show()
    if every_dock:
        for dock in w.findChildren(QDockWidget):
            dock.show()
    pump(app, 0.3)
    if endless:
        w.graph.training["epochs"] = 0
        w.training_tools.controller.session.invalidate()
    return app, w


def load() -> str:
    """The load average, to print beside wall times on a shared machine."""
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} (5 min {five:.1f})"


class Lateness:
    """How late a 20 ms timer fires: what a click would wait."""

    def __init__(self) -> None:
        self.late: list[float] = []
        self.clock = QElapsedTimer()
        self.clock.start()
        self.expected = self.clock.elapsed() + 20
        self.timer = QTimer()
        self.timer.setTimerType(self.timer.timerType().PreciseTimer)
        self.timer.timeout.connect(self._probe)

    def _probe(self) -> None:
        self.late.append(self.clock.elapsed() - self.expected)
        self.expected = self.clock.elapsed() + 20

    def start(self) -> None:
        self.late.clear()
        self.expected = self.clock.elapsed() + 20
        self.timer.start(20)

    def values(self, skip: int = 3) -> list[float]:
        """The lateness of each firing (ms), but the first ``skip`` (the loop settling)."""
        return self.late[skip:] or self.late or [0.0]

    def stop(self, skip: int = 3) -> str:
        """Stop; the figures as "median …, p99 …, max …"."""
        self.timer.stop()
        lat = self.values(skip)
        return (f"median {statistics.median(lat):.1f} ms, p99 {np.percentile(lat, 99):.1f} ms, "
                f"max {max(lat):.1f} ms")  # fmt: skip


class Clicks:
    """A synthetic click on ``button`` every 250 ms, and how long each took to be handled."""

    def __init__(self, button) -> None:
        self.button = button
        self.ms: list[float] = []
        self._at = 0.0
        self.timer = QTimer()
        self.timer.timeout.connect(self._click)
        button.clicked.connect(self._clicked)

    def _click(self) -> None:
        self._at = time.perf_counter()
        self.button.click()

    def _clicked(self) -> None:
        self.ms.append((time.perf_counter() - self._at) * 1000)

    def start(self) -> None:
        self.ms.clear()
        self.timer.start(250)

    def stop(self) -> None:
        self.timer.stop()

    def close(self) -> None:
        self.timer.stop()
        self.button.clicked.disconnect(self._clicked)
