"""Heavy jobs of the GUI thread take turns, so that a key press waits for one of them at most.

While a large network trains live, several jobs want the GUI thread at about the same moment:
the training tick (epochs, then the weights written back and the plots), the Explain and
Matrices refresh, the canvas's bulk weight picture, and the window's repaint after them. Each
fires from a timer of its own, and Qt runs every timer that is due in one pass of the event
loop, one after the other: input that arrived meanwhile waited for the sum (60–75 ms of CPU
on the 500-neuron / 20,000-edge network, where each job alone is 10–20 ms).

A job that takes turns runs through :class:`Turn` (or, for the training tick, asks
:func:`should_yield`). If another heavy job ended just before, in the same pass (no CPU time
was spent since, on input or painting), the job is put back on a 0 ms timer: timers started
while Qt fires the due ones fire on the loop's next pass, after the input queued meanwhile.
A job is put back once at most in a row, so none starves; the training tick, which can always
wait, also gives way while a job is waiting for its turn.

Called directly (tests, a refresh after loading a file), the jobs run at once as before: only
the calls that come from their timers take turns. Nothing here changes what a job computes,
only in which pass of the event loop it runs.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

# CPU time of the GUI thread between two timer callbacks of one pass is tens of µs; handling a
# key or painting takes more than this
SAME_PASS_S = 0.0005
TICK_YIELDS = 3  # the training tick gives way at most this many times in a row


class _Turns:
    """The GUI thread's record of heavy jobs (one per process: there is one GUI thread)."""

    def __init__(self) -> None:
        self.ended = -1.0  # thread CPU time when the last heavy job ended
        self.by: object = None  # which job that was (its own end does not hold it back)
        # the jobs put back, not run yet (weak: a view closed meanwhile is not waited for)
        self.waiting: weakref.WeakSet[Turn] = weakref.WeakSet()

    def just_busy(self, me: object) -> bool:
        return self.by is not me and time.thread_time() - self.ended < SAME_PASS_S

    def done(self, by: object) -> None:
        self.ended, self.by = time.thread_time(), by


_turns = _Turns()


def done(by: object = None) -> None:
    """A heavy job (or a repaint) just ended: the next one in this pass waits for the next."""
    _turns.done(by)


def should_yield(yielded: int, me: object) -> bool:
    """For the training tick ``me``: let the loop handle input first? ``yielded``: how many
    times in a row the tick already gave way (it gives way at most :data:`TICK_YIELDS`
    times: to a job that just ended once, to jobs waiting for their turn as long as any is)."""
    if yielded >= TICK_YIELDS or not (_turns.waiting or _turns.just_busy(me)):
        return False
    _turns.by = me  # that job's end is seen: the tick's next pass does not wait for it again
    return True


def waiting() -> int:
    """Jobs put back and not run yet (tests)."""
    return len(_turns.waiting)


class Turn(QObject):
    """``job`` as a heavy job that takes turns: connect a timer's timeout to this object's
    :meth:`run` instead of to ``job``; call ``job`` itself where it must run at once."""

    def __init__(self, job: Callable[[], None], parent: QObject | None = None):
        super().__init__(parent)
        self._job = job
        self._again = QTimer(self)
        self._again.setSingleShot(True)
        self._again.setInterval(0)
        self._again.timeout.connect(self._put_back_due)

    @property
    def waiting(self) -> bool:
        return self in _turns.waiting

    def run(self) -> None:
        """Run the job now, or on the loop's next pass if another heavy job just ended."""
        if self.waiting:
            return  # already waiting for its turn
        if _turns.just_busy(self):
            _turns.waiting.add(self)
            self._again.start()
            return
        self._run_job()

    def cancel(self) -> None:
        """Not waiting any more (the job ran directly, or its owner goes)."""
        if self.waiting:
            _turns.waiting.discard(self)
            self._again.stop()

    def _put_back_due(self) -> None:
        _turns.waiting.discard(self)
        self._run_job()

    def _run_job(self) -> None:
        try:
            self._job()
        finally:
            _turns.done(self)
