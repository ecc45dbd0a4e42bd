"""Large networks in the user's path: a real window under X, every dock shown, real key presses.

Opens the real MainWindow on a 500-neuron / 20,000-edge file with every dock shown and the
Matrices dock in front, and prints:

* open → answering: from File ▸ Open (``open_file``, what the dialog calls) until the window
  answers key presses again (the last probe key handled more than 100 ms late);
* F8 (update, after Shift+F7) and F9 (full step, a new pass and its update) at speed "instant":
  how long until a key pressed right after is handled, and how much main-thread time the press
  cost in the second that followed (every stall of the event loop > 5 ms, painting included);
* Delete with 2,000 edges selected, and Ctrl+Z of it (same two figures);
* 50 epochs of training (Ctrl+Space), with the Matrices dock in front and then with Explain in
  front: the worst and p99 delay of probe key presses sent every 20 ms throughout, in wall
  time (with the load average beside it) and in the GUI thread's CPU time from the press to
  its handling (what the key waited for, whatever else runs on the machine).

Every key is a real X key event (XTest, from a helper process), so it takes the path a press
on the keyboard takes: the X server, Qt's xcb plugin, shortcuts, the focused widget. Delays
are measured on CLOCK_MONOTONIC, which both processes share.

    python benchmarks/bench_user_path.py            # starts Xvfb itself when DISPLAY is unset
    DISPLAY=:91 python benchmarks/bench_user_path.py
    for i in 1 2 3; do python benchmarks/bench_user_path.py; done   # repeated runs

``--runs N`` repeats everything in the same window (opening the file again): that path hits
issue 9 item 1 (overlays after opening another file) until it is fixed; separate processes
measure the same thing. ``--front explain`` / ``--train`` choose the dock in front.

Targets (issue 9): open and show < 1.5 s; F8 < 50 ms; deleting 2,000 edges < 100 ms; 50 epochs
with the window answering within 100 ms throughout. Prints figures; it is not a test.

On a machine shared with other work the wall times stretch with the load (the GUI thread
waits for a core). Each figure is therefore also given in CPU time of the GUI thread
(``time.thread_time``): the work itself, what the wall time would be on an idle core.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

PROBE_KEY = "F12"  # bound to nothing in the app; the benchmark's event filter swallows it
LATE_MS = 100.0  # "answering": every key handled within this

# --------------------------------------------------------------------------- key injector
# Runs in its own process (``--inject``) so a busy GUI thread cannot delay the presses it is
# supposed to measure. Commands on stdin, one a line:
#   key NAME [probe]   press and release NAME (e.g. F8, shift+F7, ctrl+z, Delete); with
#                      "probe", a probe key 2 ms later. Prints "key NAME T" / "probe T".
#   stream MS          a probe every MS ms until "stop" (other commands run meanwhile).
#   move X Y           move the pointer (the window under it gets the keys without a WM)
#   quit


def _injector() -> int:
    import ctypes
    import select

    x11 = ctypes.cdll.LoadLibrary("libX11.so.6")
    xtst = ctypes.cdll.LoadLibrary("libXtst.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XStringToKeysym.restype = ctypes.c_ulong
    x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x11.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]
    xtst.XTestFakeMotionEvent.argtypes = [
        ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_ulong,
    ]  # fmt: skip
    dpy = x11.XOpenDisplay(None)
    if not dpy:
        print("error cannot open display", flush=True)
        return 1
    mods = {"shift": "Shift_L", "ctrl": "Control_L", "alt": "Alt_L"}

    def code(name: str) -> int:
        return x11.XKeysymToKeycode(dpy, x11.XStringToKeysym(name.encode()))

    def press(combo: str) -> float:
        *held, key = combo.split("+")
        codes = [code(mods[m.lower()]) for m in held]
        for c in codes:
            xtst.XTestFakeKeyEvent(dpy, c, 1, 0)
        xtst.XTestFakeKeyEvent(dpy, code(key), 1, 0)
        xtst.XTestFakeKeyEvent(dpy, code(key), 0, 0)
        for c in reversed(codes):
            xtst.XTestFakeKeyEvent(dpy, c, 0, 0)
        x11.XFlush(dpy)
        return time.monotonic()

    stream_ms = 0.0
    next_at = 0.0
    while True:
        timeout = None if not stream_ms else max(0.0, next_at - time.monotonic())
        ready, _, _ = select.select([sys.stdin], [], [], timeout)
        if not ready:
            print(f"probe {press(PROBE_KEY)}", flush=True)
            next_at = max(next_at + stream_ms / 1000, time.monotonic() + 0.002)  # no bursts
            continue
        line = sys.stdin.readline()
        if not line:
            return 0
        cmd = line.split()
        if cmd[0] in ("stop", "stream"):
            stream_ms = 0.0
        if cmd[0] == "quit":
            return 0
        if cmd[0] == "move":
            xtst.XTestFakeMotionEvent(dpy, -1, int(cmd[1]), int(cmd[2]), 0)
            x11.XFlush(dpy)
            print("moved", flush=True)
        elif cmd[0] == "key":
            print(f"key {cmd[1]} {press(cmd[1])}", flush=True)
            if len(cmd) > 2:
                time.sleep(0.002)
                print(f"probe {press(PROBE_KEY)}", flush=True)
        elif cmd[0] == "stream":
            stream_ms = float(cmd[1])
            next_at = time.monotonic()


# --------------------------------------------------------------------------- X server
def ensure_display(display: str | None) -> subprocess.Popen | None:
    """Use $DISPLAY, or start Xvfb on ``display`` (default: the first free of :91…)."""
    if os.environ.get("DISPLAY") and display is None:
        return None
    if display is None:
        n = 91
        while Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists():
            n += 1
        display = f":{n}"
    if not shutil.which("Xvfb"):
        sys.exit("DISPLAY is unset and Xvfb is not installed (apt install xvfb)")
    proc = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    socket = Path(f"/tmp/.X11-unix/X{display.lstrip(':')}")
    for _ in range(100):
        if socket.exists():
            break
        time.sleep(0.05)
    os.environ["DISPLAY"] = display
    return proc


# --------------------------------------------------------------------------- the network
def big_graph(n_samples: int = 64):
    """5 layers x 100 neurons, each fed by 50 neurons of the previous layer: 20,000 edges
    (half of every W is hatched: masked pairs), tanh, n_samples samples, 50 epochs."""
    import numpy as np
    from big_network import half_masked_500  # beside this script

    g = half_masked_500(500)
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (n_samples, 100)).round(3)
    y = np.tanh(x[:, ::-1] * 0.5).round(3)
    g.data = {"samples": [{"x": a.tolist(), "y": b.tolist()} for a, b in zip(x, y, strict=True)]}
    g.training.update(epochs=50, learning_rate=0.05, loss="half_squared_error")
    return g


# --------------------------------------------------------------------------- measuring
def pct(values: list[float], q: float) -> float:
    import numpy as np

    return float(np.percentile(values, q)) if values else float("nan")


class Probe:
    """Real key presses from the injector process, and when the GUI thread handled them.

    ``sent`` and ``handled`` are CLOCK_MONOTONIC times of the probe keys, in order (X delivers
    keys in order, so the k-th handled is the k-th sent). ``beats`` is a 2 ms heartbeat timer:
    a gap in it is a stretch the GUI thread spent on something else (work, painting)."""

    def __init__(self, app, window):
        from PySide6.QtCore import QEvent, QObject, Qt, QTimer

        self.app, self.window = app, window
        self.sent: list[float] = []
        self.keys: list[tuple[str, float]] = []
        self.handled: list[float] = []
        self.handled_cpu: list[float] = []  # the GUI thread's CPU time at each handling
        # the GUI thread's CPU time when each probe was sent, read by the reader thread from
        # that thread's CPU clock as the injector reports the press (at most a GIL switch
        # interval, 5 ms, late: the CPU delays are, if anything, a little low)
        self.sent_cpu: list[float] = []
        self._gui_clock = time.pthread_getcpuclockid(threading.get_ident())
        self.beats: list[float] = []
        self.beat_cpu: list[float] = []
        self._proc = subprocess.Popen(
            [sys.executable, __file__, "--inject"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, bufsize=1,
        )  # fmt: skip
        self._moved = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        key_press, probe_key = QEvent.Type.KeyPress, Qt.Key.Key_F12
        handled, handled_cpu = self.handled, self.handled_cpu

        class Filter(QObject):
            def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
                if ev.type() == key_press and ev.key() == probe_key:
                    # every press counts: two probes queued within one server millisecond
                    # (the injector starved of CPU) come out of Qt flagged as auto-repeat
                    handled.append(time.monotonic())
                    handled_cpu.append(time.thread_time())
                    return True
                return False

        self._filter = Filter()
        app.installEventFilter(self._filter)
        self._beat = QTimer()
        self._beat.setTimerType(Qt.TimerType.PreciseTimer)
        self._beat.timeout.connect(self._on_beat)
        self._beat.start(2)

    def _on_beat(self) -> None:
        self.beats.append(time.monotonic())
        self.beat_cpu.append(time.thread_time())

    def _read(self) -> None:
        for line in self._proc.stdout:
            parts = line.split()
            if parts[0] == "probe":
                self.sent_cpu.append(time.clock_gettime(self._gui_clock))
                self.sent.append(float(parts[1]))
            elif parts[0] == "key":
                self.keys.append((parts[1], float(parts[2])))
            elif parts[0] == "moved":
                self._moved.set()
            else:
                print("injector:", line.strip(), file=sys.stderr)

    def _send(self, line: str) -> None:
        self._proc.stdin.write(line + "\n")
        self._proc.stdin.flush()

    def move_pointer(self, x: int, y: int) -> None:
        self._moved.clear()
        self._send(f"move {x} {y}")
        self._moved.wait(5)

    def key(self, combo: str, probe: bool = True) -> float:
        """Press combo (a real key event) and a probe right after; returns the press time."""
        n = len(self.keys)
        self._send(f"key {combo}" + (" probe" if probe else ""))
        while len(self.keys) == n:
            time.sleep(0.0005)
        return self.keys[-1][1]

    def stream(self, ms: float) -> None:
        self._send(f"stream {ms}")

    def stop(self) -> None:
        self._send("stop")

    def wait(self, seconds: float) -> None:
        """Run the event loop for this long (the probes and the heartbeat keep ticking)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(int(seconds * 1000), loop.quit)
        loop.exec()

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until every probe sent was handled (the phases do not mix)."""
        end = time.monotonic() + timeout
        self.wait(0.05)
        while len(self.handled) < len(self.sent) and time.monotonic() < end:
            self.wait(0.02)

    def delays(self, since: int) -> list[tuple[float, float]]:
        """(sent, delay ms) of the probes from index since on."""
        return [(s, (h - s) * 1000) for s, h in zip(self.sent[since:], self.handled[since:],
                                                     strict=False)]  # fmt: skip

    def delays_cpu(self, since: int) -> list[tuple[float, float]]:
        """(sent, GUI-thread CPU ms from sending to handling) of the probes from since on: the
        work the key waited for, whatever the load of the machine."""
        return [(s, (h - c) * 1000) for s, c, h in zip(self.sent[since:], self.sent_cpu[since:],
                                                       self.handled_cpu[since:], strict=False)]  # fmt: skip

    def stalls(self, t0: float, t1: float, over_ms: float = 5.0) -> list[float]:
        """Stretches (ms) within [t0, t1] in which the GUI thread did not get back to its
        event loop for more than over_ms (gaps of the 2 ms heartbeat, clipped to the span)."""
        out = []
        beats = self.beats
        for a, b in zip(beats, beats[1:], strict=False):
            if b < t0 or a > t1 or (b - a) * 1000 - 2.0 <= over_ms:
                continue
            out.append((min(b, t1) - max(a, t0)) * 1000)
        return out

    def stalls_cpu(self, t0: float, t1: float, over_ms: float = 5.0) -> list[float]:
        """The GUI thread's CPU time (ms) in each stall of :meth:`stalls` (whole gaps)."""
        out = []
        beats, cpu = self.beats, self.beat_cpu
        for k in range(len(beats) - 1):
            a, b = beats[k], beats[k + 1]
            if b < t0 or a > t1 or (b - a) * 1000 - 2.0 <= over_ms:
                continue
            out.append((cpu[k + 1] - cpu[k]) * 1000)
        return out

    def close(self) -> None:
        self._beat.stop()
        self.app.removeEventFilter(self._filter)
        self._send("quit")
        self._proc.wait(5)


def key_cost(probe: Probe, combo: str, after: float = 1.5, done=None) -> dict[str, float]:
    """Press combo. answer: until the probe key pressed 2 ms later is handled; busy: the GUI
    time (event-loop stalls > 5 ms) from the press until ``after`` s after the answer; done:
    until ``done()`` is true (polled every 2 ms), e.g. the pass picture is complete."""
    probe.settle()
    i = len(probe.sent)
    t = probe.key(combo)
    cpu0 = time.thread_time()  # the GUI thread waited in key(): the press is not handled yet
    t_done = cpu_done = float("nan")
    end = time.monotonic() + 60
    while done is not None and time.monotonic() < end:
        probe.wait(0.002)
        if done():
            t_done, cpu_done = time.monotonic(), time.thread_time()
            break
    probe.settle()
    handled = probe.handled[i] if len(probe.handled) > i else float("nan")
    handled_cpu = probe.handled_cpu[i] if len(probe.handled_cpu) > i else float("nan")
    probe.wait(after)
    t_end = max(handled, t_done if t_done == t_done else handled) + after
    stalls = probe.stalls(t, t_end)
    return {
        "answer_ms": (handled - t) * 1000,
        "answer_cpu_ms": (handled_cpu - cpu0) * 1000,
        "done_ms": (t_done - t) * 1000,
        "done_cpu_ms": (cpu_done - cpu0) * 1000,
        "busy_ms": sum(stalls),
        "longest_ms": max(stalls, default=0.0),
    }


def fmt_cost(c: dict[str, float]) -> str:
    done = (
        ""
        if c["done_ms"] != c["done_ms"]
        else (f", picture done in {c['done_ms']:.0f} ms (CPU {c['done_cpu_ms']:.0f} ms)")
    )
    return (f"answers in {c['answer_ms']:6.0f} ms (CPU {c['answer_cpu_ms']:4.0f} ms), GUI busy "
            f"{c['busy_ms']:6.0f} ms (longest stall {c['longest_ms']:.0f} ms){done}")  # fmt: skip


def pass_done(tools, count_before: int):
    """F8/F9 finished: its update is on the undo stack and the overlay has drawn it all (no
    preview job left, and in bulk mode the stroke picture rasterised). Reads the overlay's
    internals: a benchmark, not a test."""
    ov = tools.overlay
    stack = tools.controller.undo_stack

    def done() -> bool:
        layer = ov.stroke_layer
        return (
            stack.count() > count_before
            and ov._preview_job is None
            and not getattr(ov, "refreshing", False)  # (older code: no sliced refresh)
            and ov._drawn is not None
            and (not layer.isVisible() or layer.image is not None)
        )

    return done


def timeline(probe: Probe, t0: float, since: int) -> dict[str, float]:
    d = [ms for s, ms in probe.delays(since) if s >= t0 - 0.05]
    cpu = [ms for s, ms in probe.delays_cpu(since) if s >= t0 - 0.05]
    return {"n": len(d), "max_ms": max(d, default=float("nan")), "p99_ms": pct(d, 99),
            "median_ms": pct(d, 50), "max_cpu_ms": max(cpu, default=float("nan")),
            "p99_cpu_ms": pct(cpu, 99)}  # fmt: skip


# --------------------------------------------------------------------------- the run
def run_once(app, window, probe: Probe, path: Path, args) -> dict[str, float]:
    from gui_window import load  # beside this script

    from bpstudio.model import fileformat

    tools = window.pass_tools
    out: dict[str, float] = {}

    # ---- open: File ▸ Open's slot, then until the window answers again
    window.undo_stack.setClean()
    probe.settle()
    since = len(probe.sent)
    probe.stream(20)
    probe.wait(0.1)
    t0, cpu_t0 = time.monotonic(), time.thread_time()
    ok = window.open_file(path)
    t_ret, cpu_ret = time.monotonic(), time.thread_time()
    assert ok, "the file did not open"
    # until 2 s pass without a late probe (or the cap)
    end = time.monotonic() + args.cap
    while time.monotonic() < end:
        probe.wait(0.25)
        late = [s + ms / 1000 for s, ms in probe.delays(since) if ms > LATE_MS]
        last = max(late, default=t_ret)
        if time.monotonic() - last > 2.0:
            break
    probe.stop()
    probe.settle()
    late = [(s + ms / 1000, cpu) for (s, ms), cpu in
            zip(probe.delays(since), probe.handled_cpu[since:], strict=False)
            if ms > LATE_MS and s >= t0]  # fmt: skip
    out["open_call_ms"] = (t_ret - t0) * 1000
    out["open_answer_ms"] = (max([t_ret, *(t for t, _ in late)]) - t0) * 1000
    out["open_answer_cpu_ms"] = (max([cpu_ret, *(c for _, c in late)]) - cpu_t0) * 1000
    out["open_worst_probe_ms"] = timeline(probe, t0, since)["max_ms"]
    g = window.graph
    assert len(g.neurons) == 500 and len(g.edges) == 20000, (len(g.neurons), len(g.edges))
    m = tools.matrix
    print(f"  open: open_file returned after {out['open_call_ms']:.0f} ms; answering input "
          f"after {out['open_answer_ms']:.0f} ms (CPU {out['open_answer_cpu_ms']:.0f} ms; worst "
          f"probe {out['open_worst_probe_ms']:.0f} ms)"
          f"; matrices shown: {m.exposed()}")  # fmt: skip

    # ---- F8 / F9 at speed "instant" (what a lecturer picks for a network this size)
    window.view.setFocus()
    tools.controls.speed.setValue(0)
    probe.wait(0.3)
    back = key_cost(probe, "shift+F7")
    assert tools.stepper.backward_done, tools.stepper.state
    stack = window.undo_stack
    f8 = key_cost(probe, "F8", done=pass_done(tools, stack.count()))
    assert tools.stepper.updated, tools.stepper.state
    f9 = key_cost(probe, "F9", done=pass_done(tools, stack.count()))
    assert tools.stepper.updated, tools.stepper.state
    for name, c in (("shift+F7", back), ("F8", f8), ("F9", f9)):
        print(f"  {name:9s} {fmt_cost(c)}")
    out.update(f8_answer_cpu_ms=f8["answer_cpu_ms"], f8_done_cpu_ms=f8["done_cpu_ms"])
    out.update(f8_answer_ms=f8["answer_ms"], f8_busy_ms=f8["busy_ms"], f8_done_ms=f8["done_ms"],
               f9_answer_ms=f9["answer_ms"], f9_busy_ms=f9["busy_ms"], f9_done_ms=f9["done_ms"],
               )  # fmt: skip
    tools.controller.reset()  # Shift+F9's slot: the update taken back
    probe.wait(0.5)

    # ---- delete 2,000 edges: 20 selected hidden neurons (50 in + 50 out each) and Delete
    # (in bulk mode edges are not selectable one by one on the canvas)
    before = fileformat.to_document(g)
    victims = [f"n2_{i}" for i in range(0, 100, 5)]
    window.scene.select_ids(victims)
    probe.wait(0.3)
    n_edges = len(g.edges)
    window.view.setFocus()
    dele = key_cost(probe, "Delete")
    gone = n_edges - len(g.edges)
    assert gone == 2000, gone
    undo = key_cost(probe, "ctrl+z")
    assert fileformat.to_document(g) == before, "undo did not restore the document"
    print(f"  Delete 20 neurons / {gone} edges: {fmt_cost(dele)}")
    print(f"  Ctrl+Z of it:              {fmt_cost(undo)}")
    out.update(delete_answer_cpu_ms=dele["answer_cpu_ms"])
    out.update(delete_answer_ms=dele["answer_ms"], delete_busy_ms=dele["busy_ms"],
               undo_answer_ms=undo["answer_ms"], undo_busy_ms=undo["busy_ms"])  # fmt: skip
    # the same 2,000 edges as edges (no neurons): the command the canvas pushes for a selection
    from bpstudio.qt.commands import DeleteCommand

    ids = [e.id for e in g.edges.values() if e.source in victims or e.target in victims]
    t = time.perf_counter()
    window.undo_stack.push(DeleteCommand(g, [], ids))
    t_cmd = (time.perf_counter() - t) * 1000
    t = time.perf_counter()
    window.undo_stack.undo()
    t_undo = (time.perf_counter() - t) * 1000
    assert fileformat.to_document(g) == before, "undo did not restore the document"
    probe.wait(1.0)
    print(f"  DeleteCommand of 2,000 edges: {t_cmd:.0f} ms, its undo {t_undo:.0f} ms "
          f"(model + canvas, before the deferred refreshes)")  # fmt: skip
    out.update(delete_edges_cmd_ms=t_cmd)

    # ---- 50 epochs, Matrices in front, then Explain in front (an edge explained)
    for front in (
        ("matrices", "explain") if args.train == "both" else (args.train,) * (args.train != "none")
    ):
        front_dock(tools, front).raise_()
        if front == "explain":
            tools.select_neuron("n4_0")
        probe.wait(1.0)
        c = window.training_tools.controller
        e0 = c.epoch
        probe.settle()
        since = len(probe.sent)
        probe.stream(20)
        probe.wait(0.1)
        window.view.setFocus()
        t0 = probe.key("ctrl+space", probe=False)
        end = time.monotonic() + args.cap
        while time.monotonic() < end:
            probe.wait(0.1)
            if c.epoch >= e0 + 50 and not c.running:
                break
        t_done = time.monotonic()
        probe.wait(1.0)  # what the last frame and the refreshes after the stop cost
        probe.stop()
        probe.settle()
        tl = timeline(probe, t0, since)
        worst_cpu = max(probe.stalls_cpu(t0, t_done + 1.0), default=0.0)
        print(f"  train 50 epochs, {front} in front: {c.epoch - e0} epochs in "
              f"{t_done - t0:.1f} s; probe key answered within {tl['max_cpu_ms']:.0f} ms of "
              f"GUI-thread CPU (p99 {tl['p99_cpu_ms']:.0f}), wall max {tl['max_ms']:.0f} ms, "
              f"p99 {tl['p99_ms']:.0f} ms, median {tl['median_ms']:.0f} ms over {tl['n']} keys "
              f"({load()}); longest stall CPU {worst_cpu:.0f} ms")  # fmt: skip
        out[f"train_{front}_stall_cpu_ms"] = worst_cpu
        out[f"train_{front}_key_cpu_ms"] = tl["max_cpu_ms"]
        out[f"train_{front}_max_ms"] = tl["max_ms"]
        out[f"train_{front}_p99_ms"] = tl["p99_ms"]
        out[f"train_{front}_s"] = t_done - t0
    front_dock(tools, args.front).raise_()
    probe.wait(0.5)
    window.undo_stack.setClean()
    return out


def front_dock(tools, front: str):
    return tools.matrix_dock if front == "matrices" else tools.explain_dock


def main() -> int:
    if sys.argv[1:2] == ["--inject"]:
        return _injector()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=1, help="repeat everything (same window)")
    ap.add_argument("--display", help="start Xvfb on this display (default: use $DISPLAY, "
                    "or start one on the first free :91…)")  # fmt: skip
    ap.add_argument("--cap", type=float, default=300.0, help="give up on a phase after (s)")
    ap.add_argument("--profile", help="write a cProfile of the runs to this file")
    ap.add_argument(
        "--front",
        choices=("matrices", "explain"),
        default="matrices",
        help="the dock in front while opening, stepping and deleting",
    )
    ap.add_argument(
        "--train",
        choices=("both", "matrices", "explain", "none"),
        default="both",
        help="which dock is in front for the 50 epochs (both: one run each)",
    )
    args = ap.parse_args()
    xvfb = ensure_display(args.display)
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    os.environ.setdefault("BPSTUDIO_RECOVERY_DIR", tempfile.mkdtemp())
    try:
        return _bench(args)
    finally:
        if xvfb is not None:
            xvfb.terminate()


def _bench(args) -> int:
    import bpstudio.qt  # noqa: F401  (PySide6 refcount guard first)
    from bpstudio.model import fileformat
    from bpstudio.qt.app import application

    app = application()
    from gui_window import open_window  # beside this script
    from PySide6.QtWidgets import QDockWidget

    path = Path(tempfile.mkdtemp()) / "big.json"
    fileformat.save(big_graph(), path)
    app, window = open_window(None, size=(1900, 1040), every_dock=True, endless=False)
    front_dock(window.pass_tools, args.front).raise_()
    window.activateWindow()
    window.raise_()
    probe = Probe(app, window)
    probe.wait(1.0)
    probe.move_pointer(700, 500)  # over the canvas: keys go to this window (no WM)
    probe.wait(0.3)
    # the probe key must reach the window
    probe.settle()
    probe.key(PROBE_KEY, probe=False)
    probe.wait(0.3)
    if not probe.handled:
        print("the window does not receive key presses (no X focus?)", file=sys.stderr)
        return 1
    probe.handled.clear()
    probe.handled_cpu.clear()
    probe.sent.clear()
    probe.sent_cpu.clear()
    print(f"display {os.environ['DISPLAY']}, Qt platform {app.platformName()}, "
          f"docks shown: {sum(d.isVisible() for d in window.findChildren(QDockWidget))}"
          f"/{len(window.findChildren(QDockWidget))}, {args.front} in front")  # fmt: skip
    prof = None
    if args.profile:
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    results = []
    for k in range(args.runs):
        print(f"run {k + 1}:")
        results.append(run_once(app, window, probe, path, args))
    if prof is not None:
        prof.disable()
        prof.dump_stats(args.profile)
    if args.runs > 1:
        print("median over runs:")
        for key in results[0]:
            vals = [r[key] for r in results]
            runs = ", ".join(f"{v:.0f}" for v in vals)
            print(f"  {key:24s} {statistics.median(vals):8.0f}   (runs: {runs})")
    targets = [("open_answer_ms", 1500), ("open_answer_cpu_ms", 1500), ("f8_answer_ms", 50),
               ("f8_busy_ms", 50), ("f8_done_ms", 1000), ("f8_done_cpu_ms", 1000),
               ("delete_answer_ms", 100), ("delete_answer_cpu_ms", 100),
               ("delete_busy_ms", 100), ("train_matrices_key_cpu_ms", 100),
               ("train_matrices_max_ms", 100), ("train_matrices_stall_cpu_ms", 100),
               ("train_explain_key_cpu_ms", 100), ("train_explain_max_ms", 100),
               ("train_explain_stall_cpu_ms", 100)]  # fmt: skip
    print("targets: " + "; ".join(
        f"{key} {statistics.median(r[key] for r in results):.0f} (< {limit})"
        for key, limit in targets if key in results[0]))  # fmt: skip
    probe.close()
    window.undo_stack.setClean()
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
