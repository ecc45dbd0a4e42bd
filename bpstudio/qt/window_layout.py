"""Where the docks go by default: the canvas first, and a window that fits any projector.

The room looks at the canvas, so by default it gets at least half of the window at 1280x720
(the panels share two narrow columns instead of a third of the height under it):

    ┌──────────┬──────────────────────────────┬──────────────────────────────┐
    │ Training │                              │ Inspector | Explain | Matrices│
    │ | Data   │           canvas             ├──────────────────────────────┤
    │ | Palette│                              │ Loss | Gradient norms | …     │
    └──────────┴──────────────────────────────┴──────────────────────────────┘

Every panel that can be tall scrolls inside its dock (:func:`scrollable`), so the window's
minimum size with every dock shown stays within 1024x640 (MAX_MINIMUM), whatever the panels
hold or say. View → Reset Layout puts everything back here.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QWidget

from .docks import hide_stale_tab_bars_soon

MAX_MINIMUM = QSize(1024, 640)  # the smallest projector the window must fit, every dock shown
LEFT_WIDTH = 240  # Training | Data: the settings form at its natural width
RIGHT_WIDTH = 250  # Inspector / Explain / Matrices over the plots
TOP_SHARE = 0.48  # of the right column's height for the Inspector group


class PanelScroll(QScrollArea):
    """A panel in a frameless vertical scroll area: its dock can be shorter than the panel.

    The width stays the panel's own minimum, asked each time (it changes with its text and
    font): a form is never scrolled sideways.
    """

    MIN_HEIGHT = 80

    def __init__(self, panel: QWidget):
        super().__init__()
        self.setObjectName(f"{panel.objectName() or type(panel).__name__}_scroll")
        self.setWidget(panel)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        panel = self.widget()
        bar = self.verticalScrollBar().sizeHint().width()
        width = max(panel.minimumSizeHint().width(), panel.minimumWidth()) if panel else 0
        return QSize(width + bar, self.MIN_HEIGHT)


def scrollable(panel: QWidget) -> QScrollArea:
    return PanelScroll(panel)


def arrange_docks(
    window: QMainWindow,
    left: list[QDockWidget],
    right_top: list[QDockWidget],
    right_bottom: list[QDockWidget],
) -> None:
    """Two tab groups in the left column (the first tab in front), two on the right."""
    groups = (
        (left, Qt.DockWidgetArea.LeftDockWidgetArea),
        (right_top, Qt.DockWidgetArea.RightDockWidgetArea),
        (right_bottom, Qt.DockWidgetArea.RightDockWidgetArea),
    )
    for docks, area in groups:
        for dock in docks:
            dock.setFloating(False)
            dock.show()
            window.addDockWidget(area, dock)
    if right_top and right_bottom:
        window.splitDockWidget(right_top[0], right_bottom[0], Qt.Orientation.Vertical)
    for docks, _ in groups:
        for other in docks[1:]:
            window.tabifyDockWidget(docks[0], other)
        if docks:
            docks[0].raise_()
    size_columns(window, left[:1], right_top[:1], right_bottom[:1])
    hide_stale_tab_bars_soon(window)


def size_columns(
    window: QMainWindow,
    left: list[QDockWidget],
    right_top: list[QDockWidget],
    right_bottom: list[QDockWidget],
) -> None:
    """Narrow side columns; the right one split between the Inspector group and the plots."""
    side = [*left[:1], *right_top[:1]]
    widths = [LEFT_WIDTH] * len(left[:1]) + [RIGHT_WIDTH] * len(right_top[:1])
    if side:
        window.resizeDocks(side, widths, Qt.Orientation.Horizontal)
    if right_top and right_bottom:
        h = max(window.height() - 120, 200)
        top = int(h * TOP_SHARE)
        window.resizeDocks([right_top[0], right_bottom[0]], [top, h - top], Qt.Orientation.Vertical)
