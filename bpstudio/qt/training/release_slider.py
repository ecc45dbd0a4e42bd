"""A slider over a range of floats that commits one value per gesture.

A lecturer drags the noise from 0.1 to 0.4: that is one change (one undo step, one new data
set), not the thirty values the handle passed on the way. With tracking off Qt emits
``valueChanged`` once, when the drag is released, and at once for a key press, a click on the
groove or a wheel step (each a gesture of its own); :attr:`committed` carries that value.
While the handle is dragged :attr:`previewed` carries the value under it, for a label or a
number field to follow without changing the document; :attr:`unchanged` says a drag ended
where it began (the field then shows the document's value again).
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QSizePolicy, QSlider, QWidget


class ReleaseSlider(QSlider):
    """Positions 0..steps stand for lo..hi (rounded to 10 places: 0.3, not 0.30000000000000004)."""

    committed = Signal(float)
    previewed = Signal(float)
    unchanged = Signal()  # a drag released where it started: nothing to commit

    def __init__(self, lo: float, hi: float, steps: int, parent: QWidget | None = None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.lo, self.hi, self.steps = float(lo), float(hi), int(steps)
        self.setRange(0, self.steps)
        self.setSingleStep(1)
        self.setPageStep(max(1, self.steps // 10))
        self.setTracking(False)  # valueChanged on release (drag) or per key/click/wheel step
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(60)  # the dock's column stays narrow
        self.valueChanged.connect(lambda pos: self.committed.emit(self.value_at(pos)))
        self.sliderMoved.connect(lambda pos: self.previewed.emit(self.value_at(pos)))
        self._pressed_at = 0
        self.sliderPressed.connect(self._pressed)
        self.sliderReleased.connect(self._released)

    def _pressed(self) -> None:
        self._pressed_at = self.value()

    def _released(self) -> None:
        # emitted before Qt commits the release's position (valueChanged follows if it moved)
        if self.sliderPosition() == self._pressed_at:
            self.unchanged.emit()

    def value_at(self, pos: int) -> float:
        return round(self.lo + (self.hi - self.lo) * pos / self.steps, 10)

    def position_of(self, value: float) -> int:
        """The nearest position (a value beyond the range sits at its end)."""
        if self.hi == self.lo:
            return 0
        pos = round((float(value) - self.lo) / (self.hi - self.lo) * self.steps)
        return max(0, min(self.steps, pos))

    def float_value(self) -> float:
        return self.value_at(self.value())

    def show_value(self, value: float) -> None:
        """Move the handle to ``value`` without committing anything (the document changed)."""
        with QSignalBlocker(self):
            self.setValue(self.position_of(value))
