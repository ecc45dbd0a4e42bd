"""How the pass's numbers are shown: one object the canvas overlay, Explain and Matrices watch.

``decimals`` (the Decimals setting) and ``focus`` (which sample of a whole-batch pass the
per-sample values are of; 0 for a one-sample pass) used to be copied onto each view by hand,
from two places with the rule for the focus written twice. Now the pass controls and the
Pass menu set :class:`DisplaySettings`, and every view it :meth:`~DisplaySettings.watch`-es
follows. (Text sizes are not here: each view has its own, in its own units, scene units on
the canvas and pixels in the docks, and the lecture layout sets each one.)
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QObject, Signal


class DisplayView(Protocol):
    """A view of the pass that shows its numbers (PassOverlay, ExplainPanel, MatrixView)."""

    decimals: int
    focus: int

    def set_decimals(self, decimals: int) -> None: ...

    def set_focus_sample(self, k: int) -> None: ...


class DisplaySettings(QObject):
    decimals_changed = Signal(int)
    focus_changed = Signal(int)

    def __init__(self, decimals: int = 4, parent: QObject | None = None):
        super().__init__(parent)
        self.decimals = int(decimals)
        self.focus = 0

    def watch(self, view: DisplayView) -> None:
        """``view`` shows these settings from now on (brought up to date if it differs)."""
        if view.decimals != self.decimals:
            view.set_decimals(self.decimals)
        if view.focus != self.focus:
            view.set_focus_sample(self.focus)
        self.decimals_changed.connect(view.set_decimals)
        self.focus_changed.connect(view.set_focus_sample)

    def set_decimals(self, decimals: int) -> None:
        if int(decimals) != self.decimals:
            self.decimals = int(decimals)
            self.decimals_changed.emit(self.decimals)

    def set_focus(self, k: int) -> None:
        """Every view is told, also when ``k`` did not change: a new sample in one-sample
        mode keeps the focus at 0, and the docks redraw at once for the new sample."""
        self.focus = max(0, int(k))
        self.focus_changed.emit(self.focus)
