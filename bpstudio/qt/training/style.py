"""One look for every training plot, chosen for a projector: dark on white, thick lines,
large axis labels, and layer colours that stay distinct when washed out."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QFont, QFontMetricsF

BACKGROUND = "#ffffff"
FOREGROUND = "#202020"
TRAIN = QColor("#1f5fbf")  # the canvas's "positive" blue
VALIDATION = QColor("#d2521c")  # the canvas's "negative" orange
PENALTY = QColor("#2ca02c")  # the regularisation penalty: green, dotted (neither of the above)
EARLIER = QColor("#a8a8a8")
EARLIER_TEXT = QColor("#6e6e6e")
# Tableau-10 without its grey (grey means "an earlier run")
LAYER_COLOURS = [
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
]
CLASS_COLOURS = [
    "#d2521c",
    "#1f5fbf",
    "#2ca02c",
    "#9467bd",
    "#e3a600",
    "#17becf",
    "#8c564b",
    "#e377c2",
]
LINE_WIDTH = 3.0
AXIS_PT = 13
TICK_PT = 11
LEGEND_PT = 11


def layer_colour(layer: int) -> QColor:
    """Colour of layer ``layer`` (1-based)."""
    return QColor(LAYER_COLOURS[(layer - 1) % len(LAYER_COLOURS)])


def layer_pen(layer: int, width: float = LINE_WIDTH) -> pg.QtGui.QPen:
    from PySide6.QtCore import Qt

    pen = pg.mkPen(layer_colour(layer), width=width)
    if (layer - 1) // len(LAYER_COLOURS) % 2:  # past the palette: dashed, so no two look alike
        pen.setStyle(Qt.PenStyle.DashLine)
    return pen


def class_colour(k: int) -> QColor:
    return QColor(CLASS_COLOURS[k % len(CLASS_COLOURS)])


def make_plot_widget(x_label: str = "", y_label: str = "", parent=None) -> pg.PlotWidget:
    w = pg.PlotWidget(parent=parent, background=BACKGROUND)
    style_plot(w.getPlotItem(), x_label, y_label)
    return w


def style_plot(item: pg.PlotItem, x_label: str = "", y_label: str = "") -> None:
    tick_font = QFont()
    tick_font.setPointSize(TICK_PT)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(FOREGROUND, width=1.5))
        axis.setTextPen(pg.mkPen(FOREGROUND))
        axis.setTickFont(tick_font)
        axis.enableAutoSIPrefix(False)  # "(x0.001)" in a label confuses more than it helps
    label_style = {"color": FOREGROUND, "font-size": f"{AXIS_PT}pt"}
    if x_label:
        item.setLabel("bottom", x_label, **label_style)
    if y_label:
        item.setLabel("left", y_label, **label_style)
    # no grid: its lines are repainted with the axes on every frame, which costs more than
    # the curves themselves; the thick ticks and large labels are enough to read values
    item.setMenuEnabled(False)  # its Export… opens modal dialogs; we have PNG/CSV buttons
    # room above the top tick label and right of the last one: each is centred on its tick,
    # and at the plot's edge half of it ("10¹", the last epoch) was cut off
    half = QFontMetricsF(tick_font).height() / 2
    item.layout.setContentsMargins(2, half + 2, 2 * half, 2)


def add_legend(item: pg.PlotItem, columns: int = 1) -> pg.LegendItem:
    legend = item.addLegend(
        offset=(-8, 8),
        labelTextSize=f"{LEGEND_PT}pt",
        colCount=columns,
        labelTextColor=FOREGROUND,
        brush=pg.mkBrush(255, 255, 255, 220),
        pen=pg.mkPen("#c8c8c8"),
    )
    return legend
