"""Connect Selected → Selected Fully on a large selection, in the real window (every dock shown).

Two columns of N unconnected neurons (inputs and tanh hidden), Ctrl+A, then the action
Ctrl+Shift+C triggers; prints how long the command took, the events and repaint after it,
and the same for its undo. A soak's random user froze the window for 31.8 s here (each pair
checked against every edge; 10,000 labelled edge items). Prints figures; it is not a test.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_connect_fully.py 100 200
"""

from __future__ import annotations

import sys
import time

from gui_window import open_window, pump  # beside this script

from bpstudio.model.graph import Graph, Neuron


def two_columns(n: int) -> Graph:
    g = Graph()
    for k in range(n):
        g.neurons[f"x{k}"] = Neuron(f"x{k}", "input", x=0.0, y=40.0 * k)
        g.neurons[f"h{k}"] = Neuron(f"h{k}", "hidden", activation="tanh", x=300.0, y=40.0 * k)
    return g


def timed(app, window, action) -> tuple[float, float]:
    """(the slot's ms, the events and repaint after it in ms)."""
    t0 = time.perf_counter()
    action()
    t1 = time.perf_counter()
    app.processEvents()
    window.view.viewport().repaint()
    return (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [100, 200]
    app, w = open_window(None, every_dock=True, endless=False)
    for n in sizes:
        w.document.load_graph(two_columns(n), None)
        pump(app, 0.5)
        w.action_by_name["select_all"].trigger()
        pump(app, 0.2)
        cmd, after = timed(app, w, w.action_by_name["connect_fully"].trigger)
        edges, bulk = len(w.graph.edges), w.scene.bulk
        undo, undo_after = timed(app, w, w.undo_stack.undo)
        print(f"{n} x {n} neurons, {edges:,} edges connected: {cmd:.0f} ms, then events and "
              f"repaint {after:.0f} ms (bulk drawing: {bulk}); "
              f"undo {undo:.0f} ms + {undo_after:.0f} ms")  # fmt: skip
        w.undo_stack.setClean()


if __name__ == "__main__":
    main()
