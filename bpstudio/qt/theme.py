"""Colours, sizes and fonts of the canvas, chosen for a projector in a lit lecture hall.

Roles differ by shape and border as well as colour (colour-blind students, washed-out
projectors): inputs are circles with a heavy border, hidden units plain circles, outputs
double rings, bias units rounded squares with a dashed border.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont

NEURON_RADIUS = 22.0  # 44 px circles at 100 % zoom
LABEL_PT = 13
WEIGHT_PT = 10
GRID = 20.0


@dataclass(frozen=True)
class RoleStyle:
    fill: QColor
    border: QColor
    border_width: float
    name: str


ROLE_STYLES = {
    "input": RoleStyle(QColor("#d9f2e3"), QColor("#1b7a43"), 3.5, "input"),
    "hidden": RoleStyle(QColor("#fff3d6"), QColor("#8a6212"), 2.0, "hidden"),
    "output": RoleStyle(QColor("#e3e0fb"), QColor("#4a3aa8"), 2.0, "output"),
    "bias": RoleStyle(QColor("#eeeeee"), QColor("#555555"), 2.0, "bias"),
}

POSITIVE = QColor("#1f5fbf")  # blue: w > 0
NEGATIVE = QColor("#d2521c")  # orange-red: w < 0 (distinct from blue for red-green deficiency)
UNSET = QColor("#9a9a9a")  # weight not yet initialised
SELECTION = QColor("#ff9f1a")
WARNING = QColor("#e0a000")
BACKGROUND = QColor("#ffffff")
GRID_COLOUR = QColor("#eef0f4")
TEXT = QColor("#1a1a1a")
LABEL_BACKGROUND = QColor(255, 255, 255, 225)

MIN_EDGE_WIDTH = 1.0
MAX_EDGE_WIDTH = 7.0


def edge_width(weight: float | None, scale: float = 1.0) -> float:
    """Width grows with |w| and is clamped so one huge weight cannot swamp the picture."""
    if weight is None:
        return MIN_EDGE_WIDTH
    w = MIN_EDGE_WIDTH + 3.0 * abs(weight) / max(scale, 1e-9)
    return max(MIN_EDGE_WIDTH, min(MAX_EDGE_WIDTH, w))


def edge_colour(weight: float | None) -> QColor:
    if weight is None:
        return UNSET
    return POSITIVE if weight >= 0 else NEGATIVE


def font(points: int, bold: bool = False) -> QFont:
    f = QFont()
    f.setPointSize(points)
    f.setBold(bold)
    return f
