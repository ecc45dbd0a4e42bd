# Longer than 400 lines: the loop's ticks, frames, undo entry and stop rules share one clock and
# one running state; split, each part would reach into the others.
"""The live training loop: a QTimer pulls epochs from the session for ~8 ms per tick.

Between ticks the event loop handles input and painting, so the window stays responsive at
full speed. Views are refreshed on their own clocks, not per epoch: the curves, the epoch
counter and the canvas weights at most ``FRAME_HZ`` times a second (less if writing the
weights back to a large canvas is slow), the decision boundary and the histograms at most
``SLOW_HZ`` times a second.

Each stretch of training (Play … Pause, or one Step) becomes one undo entry, so Ctrl+Z puts
the weights back and the document knows it was modified.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from ...core.epoch_state import CHUNK
from ...core.settings import DEFAULTS
from ...model.compile import CompileError, compile_graph
from ...model.divergence import DivergenceNote
from ...model.graph import STRUCTURE_KINDS, Change, ChangeKind, Graph
from ...model.training_session import TrainingSession
from .. import turns
from ..commands import Params, SetParametersCommand, graph_parameters
from ..undo import UndoStack

FRAME_HZ = 30.0
SLOW_HZ = 5.0
SLICE_S = 0.005  # epochs per timer tick: short enough that input waits < 50 ms with a repaint
SPEEDS = {
    "full speed": 0,
    "1000 epochs/s": 1000,
    "100 epochs/s": 100,
    "10 epochs/s": 10,
    "1 epoch/s": 1,
}


class TrainingController(QObject):
    running_changed = Signal(bool)
    frame = Signal()  # curves, epoch counter (≤ FRAME_HZ)
    slow_frame = Signal()  # decision boundary, histograms (≤ SLOW_HZ)
    runs_changed = Signal()  # a run was archived or the earlier runs were cleared
    message = Signal(str, str)  # text, level: "info" | "warning" | "error"
    # DivergenceNote (model/divergence.py) when training stopped on NaN/Inf; None when that
    # is old news (the next run, step or edit)
    diverged = Signal(object)

    def __init__(
        self, graph: Graph, undo_stack: UndoStack | None = None, base_dir=None, parent=None
    ):
        super().__init__(parent)
        self.graph = graph
        self.undo_stack = undo_stack
        self.session = TrainingSession(graph, base_dir=base_dir)
        self.speed = 0  # epochs per second; 0 = as fast as possible
        # the clock a limited speed counts epochs against (tests give their own)
        self.clock: Callable[[], float] = time.perf_counter
        self.slice_s = SLICE_S
        self.target: int | None = None
        self._stepping = False  # the timer runs Step's one epoch of a large data set
        self.ticks = 0
        # the longest _tick so far, in seconds (the GUI thread is held that long: tests and
        # benchmarks/bench_gui_training.py read it; reset it to measure afresh)
        self.longest_tick = 0.0
        self.yields = 0  # ticks that gave the event loop a pass first (qt/turns.py)
        self._yielded = 0  # in a row
        self._frame_due = False  # the next tick emits the frame (_frame_tick)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._tick)
        self._last_frame = self._last_slow = 0.0
        # the epoch each kind of frame last showed: a tick inside a long epoch (a large data
        # set) changes nothing the views show, so it brings no frame
        self._framed_epoch = self._slow_epoch = -1
        self._frame_gap = 1.0 / FRAME_HZ
        self._framed_at: float | None = None
        self._loop_cost = 0.0
        # graph parameters when Play was pressed
        self._stretch_start: Params | None = None
        self._pushing: SetParametersCommand | None = None  # our own entry, being pushed
        self._rate_t0 = 0.0
        self._rate_e0 = 0
        self._generation = self.session.generation
        self._playing = False
        self._stretch_epoch = 0
        self._refresh = QTimer(self)  # coalesces refreshes after edits while paused
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(60)
        self._refresh.timeout.connect(self.refresh_all)
        self._edit_message_at: int | None = None  # undo index when the edit paused training
        self.divergence: DivergenceNote | None = None  # where the last run diverged
        if undo_stack is not None:
            undo_stack.indexChanged.connect(self._on_undo_index)
            undo_stack.about_to_change.connect(self._before_stack_change)
        graph.subscribe(self._on_change)

    # ---------------------------------------------------------------- state
    @property
    def running(self) -> bool:
        return self._playing

    @property
    def epoch(self) -> int:
        return self.session.epoch

    @property
    def refresh_pending(self) -> bool:
        """An edit's (or a newly opened file's) redraw of the counter and plots is still
        due: it lands within 60 ms and rewrites the counter."""
        return self._refresh.isActive()

    def set_speed(self, epochs_per_second: int) -> None:
        self.speed = int(epochs_per_second)
        self._rate_t0, self._rate_e0 = self.clock(), self.epoch

    def epochs_setting(self) -> int:
        try:
            return max(self.graph.settings.epochs, 0)
        except (TypeError, ValueError):  # a setting the file format refuses (never saved)
            return DEFAULTS.epochs

    # ---------------------------------------------------------------- controls
    def play(self) -> None:
        if self._playing:
            if self._stepping:  # Play during Step's epoch: on to Play's target from here
                self._stepping = False
                self.target = self._play_target()
            return
        if not self.session.ensure():
            self.message.emit(f"Cannot train: {self.session.error}", "error")
            return
        self._run_to(self._play_target())

    def _play_target(self) -> int | None:
        """Where Play stops: training.epochs, or that many more once past it (0: never)."""
        n = self.epochs_setting()
        return None if n == 0 else (n if self.epoch < n else self.epoch + n)

    def _run_to(self, target: int | None, stepping: bool = False) -> None:
        """Train on the timer up to epoch ``target`` (None: until paused)."""
        self.target = target
        self._stepping = stepping
        self.clear_divergence()
        self._begin_stretch()
        self._playing = True
        self._rate_t0, self._rate_e0 = self.clock(), self.epoch
        self.message.emit("", "info")
        self.running_changed.emit(True)
        self._timer.start(0)

    def pause(self) -> None:
        if not self._playing:
            return
        self._stop()

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def step(self) -> None:
        """One epoch (pauses first if running). An epoch of a large data set (more samples
        than one chunk, core/epoch_state.CHUNK) trains on the timer like Play, up to the next
        epoch: done at once, an epoch of 1,000,000 samples held the window for a second."""
        if self._playing:
            self._stop()
        if not self.session.ensure():
            self.message.emit(f"Cannot train: {self.session.error}", "error")
            return
        if self.session.samples_per_epoch() > CHUNK:
            self._run_to(self.epoch + 1, stepping=True)
            return
        self.clear_divergence()
        self._begin_stretch()
        res = self.session.run_for(math.inf, 1)  # a whole epoch (a short one)
        self._after_stop(res.stopped, res.message, res.divergence)

    def reset(self) -> None:
        """Weights back to where this run started; the run's curves become an earlier run."""
        if self._playing:
            self._stop()
        run = self.session.run
        if (
            run.initial_params is not None
            and self.session.compiled is not None
            and len(run.history)
        ):
            try:
                new = self.session.parameters_for(run.initial_params)
            except ValueError:  # the network changed shape since
                new = None
            if new is not None:
                self._push(graph_parameters(self.graph), new, "Reset training")
        self.session.new_run()
        self._runs_changed()
        self.message.emit("Reset: weights are back where this run started.", "info")
        self.refresh_all()

    def reinitialise(self) -> None:
        """Fresh weights from training.init and seed (undoable); starts a new run."""
        if self._playing:
            self._stop()
        fresh = self.graph.copy()
        for e in fresh.edges.values():
            e.weight = None
        for n in fresh.neurons.values():
            n.bias = 0.0
        try:
            c = compile_graph(fresh)
        except CompileError as exc:
            self.message.emit("Cannot re-initialise: " + "; ".join(exc.errors), "error")
            return
        scheme, seed = self.graph.settings.init, self.graph.settings.seed
        self._push(
            graph_parameters(self.graph),
            (c.weights(), c.biases()),
            f"Re-initialise weights ({scheme}, seed {seed})",
        )
        self.session.new_run()
        self._runs_changed()
        self.message.emit(f"Weights re-initialised with {scheme}, seed {seed}.", "info")
        self.refresh_all()

    def clear_runs(self) -> None:
        self.session.clear_earlier()
        self._runs_changed()

    # ---------------------------------------------------------------- the loop
    def _tick(self) -> None:
        if not self._playing:
            return
        if turns.should_yield(self._yielded, self):
            # another heavy job (a dock's refresh, the repaint) just ran in this pass of the
            # event loop: epochs wait for the next pass, so input queued meanwhile goes first
            self._yielded += 1
            self.yields += 1
            self._timer.start(0)
            return
        self._yielded = 0
        t0 = time.perf_counter()
        try:
            if self._frame_due:
                self._frame_tick()
            else:
                self._train_slice()
        finally:
            turns.done(self)
            self.longest_tick = max(self.longest_tick, time.perf_counter() - t0)

    def _frame_tick(self) -> None:
        """The frame (weights written back, the views told) gets a tick of its own, after
        the slice that made it due: on a large network each is 5–10 ms of the GUI thread, and
        input queued meanwhile is handled between them."""
        self.ticks += 1
        self._emit_frame(time.perf_counter())
        self._framed_at = time.perf_counter()
        self._timer.start(0 if not self.speed else max(1, min(16, int(1000 / self.speed))))

    def _train_slice(self) -> None:
        self.ticks += 1
        start = time.perf_counter()
        if self._framed_at is not None:
            # what the event loop spent since the last frame (painting, other views): give
            # training at least as much time again before the next frame
            self._loop_cost = 0.7 * self._loop_cost + 0.3 * (start - self._framed_at)
            self._framed_at = None
        s = self.session
        limit = 1 << 62 if self.target is None else self.target - s.epoch
        if self.speed:
            due = int((self.clock() - self._rate_t0) * self.speed) + self._rate_e0
            limit = min(limit, due - s.epoch)
        res = s.run_for(self.slice_s, limit) if limit > 0 else None
        if res is not None and res.stopped:
            self._stop(res.stopped, res.message, res.divergence)
            return
        if self.target is not None and s.epoch >= self.target:
            if self._stepping:  # Step's one epoch: no message, as when it is done at once
                self._stop()
                return
            self._stop(
                "epochs",
                f"Trained {s.epoch} epochs (training.epochs = "
                f"{self.epochs_setting()}). Press Play to continue.",
            )
            return
        now = time.perf_counter()
        moved = s.epoch != self._framed_epoch
        if moved and now - self._last_frame >= max(self._frame_gap, 2 * self._loop_cost):
            self._frame_due = True  # on the next tick (_frame_tick)
            self._timer.start(0)
            return
        slow_due = s.epoch != self._slow_epoch and now - self._last_slow >= 1.0 / SLOW_HZ
        if slow_due and now - self._last_frame > 0.004:
            # the slow views get a tick of their own, so no single pause of the event loop
            # holds both repaints
            self._last_slow, self._slow_epoch = now, s.epoch
            self.slow_frame.emit()
            self._framed_at = time.perf_counter()
        # at a limited speed, wait for the next epoch instead of spinning
        self._timer.start(0 if not self.speed else max(1, min(16, int(1000 / self.speed))))

    def _emit_frame(self, now: float, slow: bool = False) -> None:
        self._frame_due = False
        t0 = time.perf_counter()
        self.session.write_back()
        cost = time.perf_counter() - t0
        # writing to a big canvas is slow: never spend more than ~25 % of the time on it
        self._frame_gap = max(1.0 / FRAME_HZ, 4 * cost)
        self._last_frame, self._framed_epoch = now, self.epoch
        if self.session.generation != self._generation:
            self._generation = self.session.generation
            self.runs_changed.emit()
        self.frame.emit()
        if slow:
            self._last_slow, self._slow_epoch = now, self.epoch
            self.slow_frame.emit()

    def _stop(
        self, why: str | None = None, text: str = "", divergence: DivergenceNote | None = None
    ) -> None:
        self._timer.stop()
        self._playing = False
        self.session.abandon_epoch()  # a partial epoch is dropped: Play re-runs it whole
        self._after_stop(why, text, divergence)
        self.running_changed.emit(False)

    def _after_stop(
        self, why: str | None, text: str, divergence: DivergenceNote | None = None
    ) -> None:
        self._emit_frame(time.perf_counter(), slow=True)
        self._end_stretch()
        if why == "diverged" and divergence is not None:
            # where it started, by id: the canvas marks it, Explain writes the update out
            self.divergence = divergence
            self.message.emit(divergence.message, "error")
            self.diverged.emit(divergence)
        elif why == "diverged":
            self.message.emit("Stopped: " + text, "error")
        elif why == "error":
            self.message.emit(f"Cannot train: {text}", "error")
        elif why == "stop_loss":
            self.message.emit(f"Stopped: {text}.", "info")
        elif why == "epochs":
            self.message.emit(text, "info")

    def _begin_stretch(self) -> None:
        self._stretch_start = graph_parameters(self.graph)
        self._stretch_epoch = self.epoch

    def _end_stretch(self) -> None:
        old, self._stretch_start = self._stretch_start, None
        if old is None:
            return
        n = self.epoch - self._stretch_epoch
        new = graph_parameters(self.graph)
        if n <= 0 and new == old:
            return
        self._push(old, new, f"Train {n} epoch{'s' * (n != 1)}", applied=True)

    def _push(self, old: Params, new: Params, text: str, applied: bool = False) -> None:
        if self.undo_stack is None:
            if not applied:
                self.graph.set_parameters(*new)
            return
        self._pushing = SetParametersCommand(self.graph, old, new, text, applied)
        try:
            self.undo_stack.push(self._pushing)
        finally:
            self._pushing = None

    # ---------------------------------------------------------------- graph events
    def _before_stack_change(self, cmd) -> None:
        """Pause before an edit, Undo or Redo lands mid-stretch, so the stretch so far is its
        own undo entry below it (undo all then gives the weights back). Settings, data and
        moves leave the weights alone: training runs on through them."""
        from ..commands import MoveNeuronsCommand, SetNetworkCommand

        if not self._playing or isinstance(cmd, (SetNetworkCommand, MoveNeuronsCommand)):
            return
        if cmd is not None and cmd is self._pushing:  # our own entry (a pass's update is not)
            return
        self._stop()
        what = "the network was edited" if cmd is not None else "undo/redo"
        # said once the command has landed, so that the next undo index change clears it
        QTimer.singleShot(0, self, lambda: self._say_paused(what))

    def clear_divergence(self) -> None:
        """The divergence marker and its explanation go (a new run, step or edit)."""
        if self.divergence is not None:
            self.divergence = None
            self.diverged.emit(None)
            self.message.emit("", "info")  # the dock's "Diverged at epoch …" goes with it

    def _on_change(self, ch: Change) -> None:
        if ch.kind == ChangeKind.WEIGHTS_CHANGED and self.session._writing:
            return
        self.clear_divergence()  # any edit, a move too: the mark may no longer be right
        if ch.layout_only:
            return
        if ch.kind == ChangeKind.RESET:
            # another file: its undo stack is new, so the stretch is not an undo entry
            self._stretch_start = None
            self.target = None  # the old run's "/ N epochs"
            self._edit_message_at = None
            if self._playing:
                self._timer.stop()
                self._playing = False
                self.running_changed.emit(False)
            self.message.emit("", "info")  # the old file's "Trained 500 epochs", errors
            self.frame.emit()  # the counter and curves of the new (empty) run, at once
            # compiled once the document knows the new path (CSV data is relative to it)
            QTimer.singleShot(0, self, self._runs_changed)
        elif self._playing and ch.kind in STRUCTURE_KINDS:
            # the network changed under the run: stop (after the edit's command finished)
            self._timer.stop()
            self._playing = False
            QTimer.singleShot(0, self, self._after_edit_stop)
        if not self._playing:
            self._refresh.start()

    def _after_edit_stop(self) -> None:
        self._stretch_start = None  # the edit is on the undo stack after the stretch began
        self.running_changed.emit(False)
        self._say_paused("the network was edited")

    def _say_paused(self, what: str) -> None:
        self.message.emit(f"Training paused: {what}.", "info")
        stack = self.undo_stack
        self._edit_message_at = stack.index() if stack is not None else None

    def _on_undo_index(self, index: int) -> None:
        """Undo, redo or another edit after "paused: the network was edited": that message
        is about an edit that is gone or old news, so it goes."""
        if self._edit_message_at is not None and index != self._edit_message_at:
            self._edit_message_at = None
            self.message.emit("", "info")

    def _runs_changed(self) -> None:
        self.session.ensure()
        self._generation = self.session.generation
        self.runs_changed.emit()
        self.refresh_all()

    def refresh_all(self) -> None:
        """Redraw every view from the session (after an edit, a reset, a new file)."""
        self.session.ensure()
        if self.session.generation != self._generation:
            self._generation = self.session.generation
            self.runs_changed.emit()
        self.frame.emit()
        self.slow_frame.emit()

    def epochs_per_second(self) -> float:
        dt = self.clock() - self._rate_t0
        return (self.epoch - self._rate_e0) / dt if dt > 0 else 0.0

    def close(self) -> None:
        self._timer.stop()
        self._playing = False
        self.session.abandon_epoch()
        self.graph.unsubscribe(self._on_change)
        self.session.close()
