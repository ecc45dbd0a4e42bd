"""Regenerate the README's screenshots (offscreen, 1280x720: the projector size we design for).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots.py [exercise]

Each picture is the real window driven as a lecturer would (open an example, press the pass
keys, F5 for the lecture layout); look at them after a change that moves anything.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from bpstudio.paths import example_files
from bpstudio.qt.main_window import MainWindow

DOCS = Path(__file__).resolve().parent
SIZE = (1280, 720)


def settle(app: QApplication, seconds: float = 0.4) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()


def window_with(app: QApplication, name: str) -> MainWindow:
    path = next(p for p in example_files() if p.stem == name)
    w = MainWindow(path=path)
    w.resize(*SIZE)
    w.show()
    w.resize(*SIZE)  # showing can grow it (the docks' first layout), as `bpstudio` does: app.py
    settle(app)
    w.view.fit_all()
    w.pass_tools.controller.set_speed(0)
    return w


def lecture(app: QApplication, name: str, steps: list[str], out: str) -> None:
    w = window_with(app, name)
    p = w.pass_tools.presentation
    w.showFullScreen = lambda: w.resize(*SIZE)  # offscreen has no screen: a 1280x720 projector
    p.action.trigger()  # F5 (View > Lecture Layout)
    settle(app)
    for step in steps:
        w.pass_tools.controller.actions[step].trigger()
        settle(app)
    w.grab().save(str(DOCS / out))
    p.action.trigger()
    w.document.undo_stack.setClean()
    w.close()


def tiles(app: QApplication, out: str = "tiles-xor.png") -> None:
    """XOR 2-4-1 while it trains: every neuron's tile beside it, the output's large in the
    decision-boundary dock (a click on its tile)."""
    w = window_with(app, "xor_241")
    tools = w.training_tools
    tools.docks["boundary"].raise_()
    c = tools.controller
    c.play()
    end = time.perf_counter() + 10
    while c.epoch < 160 and time.perf_counter() < end:  # part of the way: the hidden units
        app.processEvents()  # have begun to split the plane
    w.neuron_tiles.show_large("o1")
    settle(app, 0.1)
    w.grab().save(str(DOCS / out))
    c.pause()
    w.document.undo_stack.setClean()


def exercise(app: QApplication, out: str = "exercise-mode.png") -> None:
    """Exercise mode in the lecture layout, typed into by key presses: a sign slip (red,
    named), a value worked on from it (amber, says from what), a right one (green), and the
    blank being typed into."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    w = window_with(app, "handwritten_221")
    p = w.pass_tools.presentation
    w.showFullScreen = lambda: w.resize(*SIZE)
    p.action.trigger()
    settle(app)
    mode = w.pass_tools.exercise
    mode.start("backward")
    v = w.view
    for text in ("-0.1385", "-0.0822", "0.0827"):  # ∂L/∂z of o1, ∂L/∂w of w5, of w6
        QTest.keyClick(v, Qt.Key.Key_Tab)
        QTest.keyClicks(v, text)
        QTest.keyClick(v, Qt.Key.Key_Return)
    QTest.keyClick(v, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    QTest.keyClick(v, Qt.Key.Key_Tab, Qt.KeyboardModifier.ShiftModifier)
    settle(app)
    p.fit()
    settle(app)
    w.grab().save(str(DOCS / out))
    mode.leave()
    p.action.trigger()
    w.close()


def main() -> None:
    app = QApplication(sys.argv)
    if sys.argv[1:] == ["exercise"]:  # just this one (the others unchanged)
        exercise(app)
        return
    tiles(app)
    exercise(app)
    w = window_with(app, "ecs171_321")
    w.grab().save(str(DOCS / "screenshot-main.png"))
    w.close()
    lecture(app, "handwritten_221", ["forward_all", "backward_all"], "lecture-221-backward.png")
    lecture(
        app, "ecs171_321", ["forward_all", "backward_all", "update"], "lecture-ecs171-update.png"
    )
    lecture(app, "xor_241", ["forward_all"], "lecture-xor-forward.png")
    lecture(app, "softmax_3class", ["forward_all", "backward_all"], "lecture-softmax-backward.png")
    exercise(app)
    print("written to", DOCS)


if __name__ == "__main__":
    main()
