"""Entry points (app.run/create_window, render_to_file), examples, recovery, overlays, scale."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap

from PySide6.QtGui import QColor, QImage
from qt_graphs import big_graph

from bpstudio.model import fileformat, templates
from bpstudio.model.graph import Edge, Graph, Neuron
from bpstudio.paths import example_files
from bpstudio.qt.canvas.scene import BULK_EDGES
from bpstudio.qt.render import render_to_file


def test_render_png_and_svg(tmp_path, qapp):
    g = fileformat.load(example_files()[0])
    for n in g.neurons.values():  # missing positions are laid out, not an error
        n.x = n.y = None
    render_to_file(g, tmp_path / "a.png")
    image = QImage(str(tmp_path / "a.png"))
    assert image.width() > 400 and image.height() > 300
    render_to_file(templates.xor_241(), tmp_path / "b.svg", overlay="none")
    text = (tmp_path / "b.svg").read_text()
    assert text.startswith("<?xml") and "<svg" in text
    assert all(n.x is None for n in g.neurons.values())  # the caller's graph is untouched


def test_every_example_opens(make_window):
    files = example_files()
    assert {"handwritten_221.json", "xor_241.json"} <= {p.name for p in files}
    window = make_window()
    for path in files:
        assert window.open_file(path), path
        assert len(window.scene.neuron_items()) == len(window.graph.neurons)
        assert window.graph.description
        assert all(n.x is not None for n in window.graph.neurons.values())


CRASH_SCRIPT = """
import os
from PySide6.QtWidgets import QApplication
from bpstudio.model import templates
from bpstudio.model.graph import Graph
from bpstudio.qt.document import Document

app = QApplication([])
doc = Document(Graph())
doc.load_graph(templates.perceptron(), None)
doc.undo_stack.resetClean()  # unsaved work
assert doc.autosave()
os._exit(1)  # a crash: nothing cleaned up, the slot's lock names a process that is gone
"""

RUN_SCRIPT = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from bpstudio.qt import app as app_module, dialogs

def answer(parent, description, in_new_window):
    print("ASKED", description, in_new_window, flush=True)
    return "open"

dialogs.ask_recovery = answer
app_module.application()  # the timer below needs the application to exist

def check_and_quit():
    for w in QApplication.topLevelWidgets():
        if hasattr(w, "document") and w.isVisible():
            d = w.document
            print("SHOWN", w.graph.name, d.path and d.path.name, d.modified, d.recovered,
                  flush=True)
            w.undo_stack.setClean()
            w.close()
    QApplication.instance().quit()

QTimer.singleShot(200, check_and_quit)
sys.exit(app_module.run(sys.argv[1]))
"""


def test_run_opens_file_and_the_recovered_network_beside_it(tmp_path, qapp):
    """`bpstudio FILE` after a crash: FILE in its window, the autosave in a second one.

    Both sessions run in their own processes, as they do for a user (exec() and quit() leave
    global state behind, and a crash is a process that ends without cleaning up).
    """
    from bpstudio.qt import recovery

    path = tmp_path / "xor.json"
    fileformat.save(templates.xor_241(), path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path)}
    crash = subprocess.run([sys.executable, "-c", CRASH_SCRIPT], capture_output=True, text=True,
                           timeout=60, env=env)  # fmt: skip
    assert crash.returncode == 1, crash.stderr
    out = subprocess.run([sys.executable, "-c", RUN_SCRIPT, str(path)], capture_output=True,
                         text=True, timeout=60, env=env)  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = sorted(out.stdout.splitlines())
    assert lines[0] == (
        "ASKED “Perceptron (2-1)” (never saved to a file, 3 neurons), autosaved less than a "
        "minute ago True"
    )
    assert lines[1:] == [
        "SHOWN Perceptron (2-1) None True True",
        "SHOWN XOR 2-4-1 xor.json False False",
    ]
    assert recovery.pending() == []  # both windows closed normally


def test_selection_signal_gives_the_ids(make_window, qtbot):
    window = make_window(templates.lecture_221())
    with qtbot.waitSignal(window.selection_changed_ids) as blocker:
        window.scene.select_ids(["h1"], ["w5"])
    assert blocker.args == [["h1"], ["w5"]]


def test_large_network_uses_bulk_mode_and_drags(make_window, mouse):
    g = big_graph()
    assert len(g.edges) > BULK_EDGES
    window = make_window(g)
    assert window.scene.bulk and window.scene.edge_item("w1") is None
    m = mouse(window.view)
    window.view.centerOn(300, 60)
    m.drag((300, 60), (320, 80))  # drag one hidden neuron
    assert (window.graph.neurons["n1_1"].x, window.graph.neurons["n1_1"].y) == (320, 80)
    window.scene.flush()
    window.grab()


def test_rendered_neurons_keep_their_size_at_png_scale(tmp_path, qapp):
    """Item pixmap caches once made PNG neurons PNG_SCALE times too big for their edges."""
    import numpy as np

    from bpstudio.qt import theme
    from bpstudio.qt.render import PNG_SCALE

    g = Graph("one input")
    g.add_neuron(Neuron("x1", "input", x=0.0, y=0.0))
    g.add_neuron(Neuron("o1", "output", activation="sigmoid", x=400.0, y=300.0))
    g.add_edge(Edge("w1", "x1", "o1", weight=0.5))
    out = tmp_path / "one.png"
    render_to_file(g, out)
    image = QImage(str(out)).convertToFormat(QImage.Format.Format_RGB32)
    ptr = image.constBits()
    rgb = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    ring = theme.ROLE_STYLES["input"].border
    match = (
        (np.abs(rgb[:, :, 2].astype(int) - ring.red()) < 25)
        & (np.abs(rgb[:, :, 1].astype(int) - ring.green()) < 25)
        & (np.abs(rgb[:, :, 0].astype(int) - ring.blue()) < 25)
    )
    from bpstudio.qt.canvas.legend import SIZE as LEGEND_SIZE

    match[: int((LEGEND_SIZE.height() + 20) * PNG_SCALE)] = False  # the legend's input swatch
    cols = np.nonzero(match.any(axis=0))[0]
    rows = np.nonzero(match.any(axis=1))[0]
    width = cols.max() - cols.min() if cols.size else 0
    height = rows.max() - rows.min() if rows.size else 0
    diameter = 2 * theme.NEURON_RADIUS * PNG_SCALE
    assert 0.8 * diameter < max(width, height) < 1.3 * diameter + 40 * PNG_SCALE


def _ring_extent(image: QImage, ring: QColor) -> int:
    import numpy as np

    image = image.convertToFormat(QImage.Format.Format_RGB32)
    rgb = np.frombuffer(image.constBits(), np.uint8).reshape(
        image.height(), image.bytesPerLine() // 4, 4
    )
    match = (
        (np.abs(rgb[:, :, 2].astype(int) - ring.red()) < 25)
        & (np.abs(rgb[:, :, 1].astype(int) - ring.green()) < 25)
        & (np.abs(rgb[:, :, 0].astype(int) - ring.blue()) < 25)
    )
    cols = np.nonzero(match.any(axis=0))[0]
    return int(cols.max() - cols.min() + 1) if cols.size else 0


def test_live_canvas_draws_neurons_at_their_size(qapp):
    """ItemCoordinateCache with a 2x size made Qt 6.11 draw every neuron twice too big."""
    from PySide6.QtWidgets import QGraphicsView

    from bpstudio.qt import theme
    from bpstudio.qt.canvas.scene import NetworkScene

    g = Graph("one input")
    g.add_neuron(Neuron("x1", "input", x=0.0, y=0.0))
    scene = NetworkScene(g)
    view = QGraphicsView(scene)
    view.resize(400, 400)
    view.setSceneRect(-200, -200, 400, 400)
    view.show()
    qapp.processEvents()
    for _ in range(2):  # the second paint is the one served from the item cache
        view.viewport().update()
        qapp.processEvents()
        width = _ring_extent(view.viewport().grab().toImage(), theme.ROLE_STYLES["input"].border)
    diameter = 2 * theme.NEURON_RADIUS
    assert 0.85 * diameter < width < 1.25 * diameter
    g.unsubscribe(scene._on_change)


def test_no_leftover_tab_bars_float_over_the_window(tmp_path):
    """Qt 6.11 leaves a second, stale tab bar visible after tabifying docks before show.

    Run as a plain application start in a subprocess: under pytest-qt's QApplication the
    stale bars are not created, so an in-process test could not fail.
    """
    code = textwrap.dedent(
        """
        import os, time
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication, QTabBar
        from bpstudio.qt.main_window import MainWindow
        app = QApplication([])
        w = MainWindow()
        w.resize(1200, 800)
        w.show()
        t0 = time.time()
        while time.time() - t0 < 0.3:
            app.processEvents()
        groups = [
            tuple(b.tabText(i) for i in range(b.count()))
            for b in w.findChildren(QTabBar)
            if b.parent() is w and b.isVisible()
        ]
        print(repr(groups))
        """
    )
    env = {**os.environ, "BPSTUDIO_RECOVERY_DIR": str(tmp_path), "HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env
    )
    assert out.returncode == 0, out.stderr
    groups = ast.literal_eval(out.stdout.strip().splitlines()[-1])
    # the default arrangement (qt/window_layout.py), each group with one bar
    assert sorted(groups) == [
        ("Inspector", "Explain", "Matrices"),
        ("Loss", "Gradient norms", "Decision boundary", "Activations", "Loss landscape"),
        ("Training", "Data", "Palette"),
    ], groups
    assert len(groups) == len(set(groups)), f"a dock group shows two tab bars: {groups}"
