# Longer than 400 lines: the layer table's model, its cells and the dock that shows them change
# together with each matrix row's layout (split it with its mypy entry).
"""The drawn graph as the matrices the engine multiplies: W(l), b(l), z(l) = W(l)·a + b(l).

One table per compiled layer: a row per neuron of the layer, a column per neuron that can feed
it (the contiguous source range the engine reads, see network-format.md "Layers"), then b, and
z and a of the current pass. Cells are a heat map of the weight with its number; pairs with no
edge are hatched and empty (structural zeros that training never moves). Clicking a weight
selects its edge on the canvas and selecting an edge on the canvas highlights its cell.

Each table is a QTableView over a :class:`LayerModel` that holds the layer's numpy arrays and
formats a cell only when the view paints it: a 100×100 layer costs what its visible cells
cost, not 10,000 widgets items (a 20,000-edge network built that way kept the window busy for
minutes). Column widths come from the numbers' magnitudes (numpy), never from measuring
every cell, and a live refresh swaps the arrays and emits one ``dataChanged``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from typing import NamedTuple

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ...model import explain as ex
from ...model.reveal import Blanks, matrix_shown
from ...model.stepper import PassStepper
from ..turns import Turn
from .colormap import diverging, text_colour_on

EDGE_ROLE = Qt.ItemDataRole.UserRole + 1
# roles and flags as plain ints / prebuilt values: the views ask for them per visible cell and
# header section, many thousand times a second while scrolling (enum arithmetic is slow)
_DISPLAY, _BACKGROUND, _FOREGROUND = (
    int(Qt.ItemDataRole.DisplayRole),
    int(Qt.ItemDataRole.BackgroundRole),
    int(Qt.ItemDataRole.ForegroundRole),
)
_ALIGN, _USER, _EDGE, _TIP = (
    int(Qt.ItemDataRole.TextAlignmentRole),
    int(Qt.ItemDataRole.UserRole),
    int(EDGE_ROLE),
    int(Qt.ItemDataRole.ToolTipRole),
)
_CENTER = int(Qt.AlignmentFlag.AlignCenter)
_CELL_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
_MASKED_FLAGS = Qt.ItemFlag.ItemIsEnabled
_VERTICAL = Qt.Orientation.Vertical
MASKED = QBrush(QColor(200, 200, 205), Qt.BrushStyle.BDiagPattern)
B_FILL = QBrush(QColor(245, 245, 250))
ZA_FILL = QBrush(QColor(235, 242, 250))
CELL_PAD_PX = 14  # horizontal room around a number (the style's margins and some air)
_EXTRA = ("b", "z", "a")


def fmt_chars(values: np.ndarray, decimals: int) -> np.ndarray:
    """At least as many characters as ``explain.fmt(x, decimals)`` prints, per value.

    Vectorised, so a table's column widths never need every cell formatted. Mirrors the rules
    of :func:`bpstudio.model.explain.fmt` (tests compare it with the real strings)."""
    d = max(int(decimals), 1)
    x = np.asarray(values, dtype=float)
    ax = np.abs(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.floor(np.log10(np.where(ax > 0, ax, 1.0)))
    whole = np.where(ax >= 1, mag + 1, 1)  # digits before the point
    fixed = whole + 1 + d  # |x| >= 10**(1-d): d places
    small = 2 + (d - 1 - mag)  # 1e-6 <= |x| < 10**(1-d): d significant digits
    sci = d + 1 + 5  # "1.234e-07" and a three-digit exponent
    n = np.where(ax >= 10.0 ** (1 - d), fixed, np.where(ax >= 1e-6, small, sci))
    n = n + (x < 0)
    n = np.where(ax == 0, 1, n)
    n = np.where(np.isfinite(x), n, 3)  # nan, ∞, −∞
    return n.astype(int)


class LayerLayout(NamedTuple):
    """Which neuron is in which row and column of one layer's table, and which edge in
    which cell (what :class:`LayerModel` is made with and relaid out to)."""

    row_labels: list[str]
    src_labels: list[str]
    edge_at: np.ndarray  # (rows, n_src): index into edge_ids, -1 where no edge
    edge_ids: list[str]
    mask: np.ndarray | None  # None: every pair has an edge


class LayerModel(QAbstractTableModel):
    """W(l) | b z a of one layer, formatted on demand.

    ``set_values`` swaps in new numbers (same layout) and emits one ``dataChanged``; the view
    then repaints what is on screen, asking :meth:`data` for those cells only."""

    def __init__(self, layout: LayerLayout, parent=None):
        super().__init__(parent)
        self._take(layout)
        self.decimals = 4
        self.wmax = 1.0
        self._brushes: dict[tuple[int, int, int], tuple[QBrush, QBrush]] = {}
        self.columns: tuple[str, str, str] = _EXTRA  # the names of the three extra columns
        # columns from this one on are empty: numbers the stepped pass has not revealed yet
        # (None: every number shows; in the forward view W and b are known before the pass)
        self.blank_from: int | None = None

    def set_layout(self, layout: LayerLayout) -> None:
        """Another layout of the layer (an edit of the network): one model reset, no new
        widgets. The numbers follow with :meth:`set_values`."""
        self.beginResetModel()
        self._take(layout)
        self.endResetModel()

    def _take(self, layout: LayerLayout) -> None:
        """The layout's labels and cells, and zero numbers of its size (a new model and a
        relayout start from the same state; :meth:`set_values` fills them in)."""
        self.row_labels, self.src_labels = layout.row_labels, layout.src_labels
        self.n_src = len(layout.src_labels)
        self.edge_at = layout.edge_at
        self.edge_ids = layout.edge_ids
        self.mask = layout.mask
        self.W = np.zeros((len(layout.row_labels), self.n_src))
        self.extra = np.zeros((3, len(layout.row_labels)))  # b, z, a per row

    def set_values(
        self,
        W: np.ndarray,
        b: np.ndarray,
        z: np.ndarray,
        a: np.ndarray,
        decimals: int,
        columns: tuple[str, str, str] = _EXTRA,
        blank_from: int | None = None,
    ) -> None:
        """The matrix and three columns beside it (b, z, a; or δ, ∂L/∂b, ∂L/∂a; …)."""
        if columns != self.columns:
            self.columns = columns
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.n_src, self.n_src + 2)
        self.blank_from = blank_from
        self.W = W
        self.extra = np.vstack([b, z, a]).astype(float)
        wmax = float(np.abs(W).max()) if W.size else 1.0
        self.wmax = wmax if wmax > 0 and math.isfinite(wmax) else 1.0
        self.decimals = int(decimals)
        if self.rowCount() and self.columnCount():
            last = self.index(self.rowCount() - 1, self.columnCount() - 1)
            self.dataChanged.emit(self.index(0, 0), last)

    # ------------------------------------------------------------------ queries
    def _blank(self, j: int) -> bool:
        return self.blank_from is not None and j >= self.blank_from

    def masked(self, i: int, j: int) -> bool:
        return j < self.n_src and self.mask is not None and self.mask[i, j] == 0

    def edge_id(self, i: int, j: int) -> str | None:
        if j >= self.n_src:
            return None
        k = int(self.edge_at[i, j])
        return self.edge_ids[k] if k >= 0 else None

    def value(self, i: int, j: int) -> float | None:
        if j < self.n_src:
            return None if self.masked(i, j) else float(self.W[i, j])
        return float(self.extra[j - self.n_src, i])

    def column_chars(self) -> np.ndarray:
        """Characters of the widest number per column (masked cells are empty)."""
        W = self.W if self.mask is None else np.where(self.mask != 0, self.W, 0.0)
        cols = fmt_chars(W, self.decimals).max(axis=0) if W.size else np.zeros(0, int)
        extra = fmt_chars(self.extra, self.decimals).max(axis=1) if self.extra.size else [1] * 3
        return np.concatenate([cols, extra]).astype(int)

    def _weight_brushes(self, w: float) -> tuple[QBrush, QBrush]:
        fill = diverging(w, self.wmax)
        key = (fill.red(), fill.green(), fill.blue())
        got = self._brushes.get(key)
        if got is None:
            got = self._brushes[key] = (QBrush(fill), QBrush(text_colour_on(fill)))
        return got

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 (Qt's names)
        return 0 if parent.isValid() else len(self.row_labels)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else self.n_src + 3

    def headerData(self, section: int, orientation, role=_DISPLAY):  # noqa: N802
        if role != _DISPLAY:
            return None
        if orientation is _VERTICAL:
            return self.row_labels[section] if section < len(self.row_labels) else None
        if section < self.n_src:
            return self.src_labels[section]
        return self.columns[section - self.n_src] if section < self.n_src + 3 else None

    def flags(self, index):
        if self.masked(index.row(), index.column()):
            return _MASKED_FLAGS
        return _CELL_FLAGS

    def data(self, index, role=_DISPLAY):
        i, j = index.row(), index.column()
        n = self.n_src
        if role == _DISPLAY:
            if self._blank(j):
                return ""  # the class has not been shown it yet
            if j >= n:
                return ex.fmt(float(self.extra[j - n, i]), self.decimals)
            return "" if self.masked(i, j) else ex.fmt(float(self.W[i, j]), self.decimals)
        if role == _BACKGROUND:
            if j >= n:
                return B_FILL if j == n else ZA_FILL
            if self.masked(i, j):
                return MASKED
            return B_FILL if self._blank(j) else self._weight_brushes(float(self.W[i, j]))[0]
        if role == _FOREGROUND:
            if j < n and not self.masked(i, j) and not self._blank(j):
                return self._weight_brushes(float(self.W[i, j]))[1]
            return None
        if role == _ALIGN:
            return _CENTER
        if role == _USER:
            return None if self._blank(j) else self.value(i, j)
        if role == _EDGE:
            return self.edge_id(i, j)
        if role == _TIP and j < n:
            src, tgt = self.src_labels[j], self.row_labels[i]
            if self.masked(i, j):
                return f"no edge {src} → {tgt}"
            eid = self.edge_id(i, j)
            return f"{eid}: {src} → {tgt}" if eid else None
        return None


class Cell:
    """One cell as the table shows it (text, tool tip, data by role): tests and callers read
    cells through this instead of the model's indexes."""

    def __init__(self, model: LayerModel, row: int, column: int):
        self._index = model.index(row, column)

    def text(self) -> str:
        return self._index.data(Qt.ItemDataRole.DisplayRole) or ""

    def toolTip(self) -> str:  # noqa: N802 (as QTableWidgetItem)
        return self._index.data(Qt.ItemDataRole.ToolTipRole) or ""

    def data(self, role):
        return self._index.data(role)


class LayerCells(Mapping[str, tuple[int, int]]):
    """Edge id -> (row, column) of its cell in W(l), looked up from the compiled arrays on
    demand: building it as a dict of 20,000 tuples cost ~5 ms per layer at every relayout
    (after each edit of a large network), for the one edge a click highlights."""

    def __init__(self, compiled, layer: int):
        self._c, self._layer = compiled, layer
        lay = compiled.net.layers[layer - 1]
        self._width = lay.W.shape[1]
        self._w0 = int(compiled.net.w_offsets[layer - 1])
        self.edges = np.nonzero(compiled.edge_layer == layer)[0]  # the layer's edge positions

    def __getitem__(self, eid: str) -> tuple[int, int]:
        c = self._c
        k = c.edge_index[eid]  # KeyError: not an edge of this network
        if int(c.edge_layer[k]) != self._layer:
            raise KeyError(eid)
        offset = int(c.edge_param[k]) - self._w0
        return offset // self._width, offset % self._width

    def __iter__(self) -> Iterator[str]:
        ids = self._c.edge_ids
        return (ids[k] for k in self.edges.tolist())

    def __len__(self) -> int:
        return int(self.edges.size)


class LayerTable(QTableView):
    """The table of one layer. ``cell_of`` maps an edge id to its (row, column)."""

    cellClicked = Signal(int, int)  # noqa: N815 (QTableWidget's name, kept for callers)

    def __init__(
        self,
        layer: int,
        model: LayerModel,
        cell_of: Mapping[str, tuple[int, int]],
        font: QFont,
        parent: QWidget | None = None,
    ):
        super().__init__(parent)
        self.layer = layer
        self.fit_due = False  # new numbers arrived while scrolled out of view (fit_later)
        self._fit_soon = QTimer(self)  # the table's own: it goes with the table
        self._fit_soon.setSingleShot(True)
        self._fit_soon.setInterval(0)
        self._fit_soon.timeout.connect(self.fit_columns)
        self.cell_of = cell_of
        self.setFont(font)
        self.setModel(model)
        model.setParent(self)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(False)
        fm = QFontMetrics(font)
        self._digit_px = max(fm.horizontalAdvance("0"), fm.horizontalAdvance("−") * 0.9)
        self._measure_headers()
        for header in (self.horizontalHeader(), self.verticalHeader()):
            # Fixed: sizes are set below from the numbers; ResizeToContents would measure
            # every cell of the table
            header.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(fm.height() + 8)
        self.clicked.connect(lambda index: self.cellClicked.emit(index.row(), index.column()))
        self.fit_columns(grow_only=False)

    def model(self) -> LayerModel:  # the concrete type, for callers
        model = super().model()
        assert isinstance(model, LayerModel)  # set in __init__, never replaced
        return model

    def _measure_headers(self) -> None:
        fm = QFontMetrics(self.font())
        self._header_px = [
            fm.horizontalAdvance(t) + CELL_PAD_PX
            for t in [*self.model().src_labels, *self.model().columns]
        ]

    def relayout(self, cell_of: Mapping[str, tuple[int, int]]) -> None:
        """The model got another layout (set_layout and set_values): fit the table to it."""
        self.cell_of = cell_of
        self._measure_headers()
        self.fit_columns(grow_only=False)
        self.fit_height()

    def rowCount(self) -> int:  # noqa: N802 (QTableWidget's names)
        return self.model().rowCount()

    def columnCount(self) -> int:  # noqa: N802
        return self.model().columnCount()

    def item(self, row: int, column: int) -> Cell | None:
        m = self.model()
        if not (0 <= row < m.rowCount() and 0 <= column < m.columnCount()):
            return None
        return Cell(m, row, column)

    def fit_later(self) -> None:
        """New numbers while the table is scrolled out of view: its columns are widened when
        it is next painted, not now (each resize costs the table a relayout, ~5 ms of the GUI
        thread per 100-column table, four times per live refresh of a 20,000-edge network)."""
        self.fit_due = True

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        if self.fit_due:
            self.fit_due = False
            self._fit_soon.start()  # not inside the paint: resizing repaints
        super().paintEvent(event)

    def fit_columns(self, grow_only: bool = True) -> None:
        """Column widths for the widest number of each column (and its header)."""
        self.fit_due = False
        chars = self.model().column_chars()
        header = self.horizontalHeader()
        for j, (c, hp) in enumerate(zip(chars.tolist(), self._header_px, strict=True)):
            want = max(int(c * self._digit_px) + CELL_PAD_PX, hp, 24)
            if not grow_only or want > header.sectionSize(j):
                header.resizeSection(j, want)

    def fit_height(self) -> None:
        h = self.horizontalHeader().sizeHint().height() + 4
        h += self.verticalHeader().defaultSectionSize() * self.rowCount()
        if self.horizontalScrollBar().isVisible() or self.columnCount() > 12:
            h += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(h)


class MatrixView(QWidget):
    """Tables of W, b, z, a per layer.

    Live refreshes (training writes the weights ~30 times a second) go through
    :meth:`refresh_live`: nothing is done while the view is not on screen (a hidden dock or
    one tabbed away behind Explain, which Qt still reports as visible), at most ``LIVE_HZ``
    refreshes a second otherwise, and when only the numbers changed the models get the new
    arrays (the views repaint their visible cells) instead of new tables being built.
    """

    edge_clicked = Signal(str)
    neuron_clicked = Signal(str)
    LIVE_HZ = 5.0
    # what the tables show: the forward pass, matrix-form backprop, or the update
    MODES = {
        "forward": "Forward: z = W·a + b",
        "backward": "Backward: ∂L/∂W = δ·aᵀ",
        "update": "Update: W − η·∂L/∂W",
    }

    def __init__(self, stepper: PassStepper, parent: QWidget | None = None):
        super().__init__(parent)
        self.stepper = stepper
        self.decimals = 4
        self.font_px = 14
        self.focus = 0
        self.tables: list[LayerTable] = []
        self.equations: list[QLabel] = []
        self._selected_edge: str | None = None
        self.mode = "forward"
        self.blanks: Blanks | None = None  # an exercise's (set_exercise): never shown here
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        modes = QHBoxLayout()
        modes.setContentsMargins(6, 4, 6, 0)
        self.mode_buttons: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        for key, text in self.MODES.items():
            b = QPushButton(text.split(":")[0])
            b.setToolTip(text)
            b.setCheckable(True)
            b.setChecked(key == self.mode)
            b.clicked.connect(lambda _=False, k=key: self.set_mode(k))
            group.addButton(b)
            modes.addWidget(b)
            self.mode_buttons[key] = b
        modes.addStretch(1)
        outer.addLayout(modes)
        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        outer.addWidget(self.scroll_area)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self._structure = None  # what the current tables were built for (see _structure_key)
        self._tables_px = 0
        self._stale = False  # a live refresh was skipped while off screen
        self._built_at = 0.0
        self._built: tuple | None = None  # the _key() the tables show (None: not built yet)
        self._later = QTimer(self)  # the throttled live refresh
        self._later.setSingleShot(True)
        self._later.timeout.connect(Turn(self.refresh_live, self).run)  # qt/turns.py
        self.rebuild()

    # ---------------------------------------------------------------- live refresh
    def exposed(self) -> bool:
        """On screen: visible and not covered (a dock tabbed away keeps isVisible())."""
        return self.isVisible() and not self.visibleRegion().isEmpty()

    def refresh_live(self) -> None:
        """Refresh after a graph change, cheaply: skipped off screen (caught up when shown),
        at most LIVE_HZ times a second."""
        if not self.exposed():
            self._stale = True
            return
        wait = self._built_at + 1.0 / self.LIVE_HZ - time.perf_counter()
        if wait > 0:
            if not self._later.isActive():
                self._later.start(int(wait * 1000) + 1)
            return
        self._stale = False
        self.rebuild(force=False)

    def catch_up(self) -> None:
        """The view came on screen (shown, or its tab selected): apply skipped refreshes."""
        if self._stale or self._built != self._key():
            QTimer.singleShot(0, self, self.refresh_live)

    def _key(self):
        st = self.stepper
        blanks = id(self.blanks) if self.blanks is not None else None
        return (st.result, self.decimals, self.font_px, self.focus, self.mode, st.state, blanks)

    def set_exercise(self, blanks: Blanks | None) -> None:
        """The values ``blanks`` hides stay blank (None: the pass as stepped)."""
        self.blanks = blanks
        self.rebuild()

    def set_mode(self, mode: str) -> None:
        """Forward (W, b, z, a), backward (∂L/∂W, δ, ∂L/∂b, ∂L/∂a) or the update."""
        self.mode = mode
        for key, b in self.mode_buttons.items():
            b.setChecked(key == mode)
        self.rebuild()

    def set_decimals(self, decimals: int) -> None:
        self.decimals = int(decimals)
        self.rebuild()

    def set_font_px(self, px: int) -> None:
        self.font_px = int(px)
        self.rebuild()

    def set_focus_sample(self, k: int) -> None:
        self.focus = int(k)
        self.rebuild()

    def table(self, layer: int) -> LayerTable:
        return self.tables[layer - 1]

    def rebuild(self, force: bool = True) -> None:
        """Rebuild the tables (``force=False``: only if the pass or the weights changed)."""
        st = self.stepper
        r = st.compute()
        key = self._key()
        if not force and r is not None and self._built == key:
            return
        self._built = key
        self._built_at = time.perf_counter()
        structure = self._structure_key(r)
        if structure is not None and structure == self._structure and self.tables:
            self._update_values(r)  # same tables, new numbers: no new widgets
            if self._selected_edge and self.selected_edge() != self._selected_edge:
                self._highlight()  # selected while off screen
            return
        self._structure = structure
        reusable = self.tables and self._tables_px == self.font_px
        if r is not None and reusable and len(self.tables) == r.compiled.n_layers:
            self._relayout(r)  # same layers, another layout: the same widgets, new models
            if self._selected_edge:
                self._highlight()
            return
        body = QWidget()
        self._tables_px = self.font_px  # the font the tables are built with
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 6)
        self.tables, self.equations = [], []
        if r is None:
            lay.addWidget(QLabel(st.error or "nothing to show"))
            self.scroll_area.setWidget(body)
            return
        c = r.compiled
        g = st.graph
        font = QFont()
        font.setPixelSize(self.font_px)
        for l in range(1, len(c.net.layers) + 1):
            eq = QLabel(self._equation(c, l))
            lay.addWidget(eq)
            self.equations.append(eq)
            layout, cell_of = self._layout(c, g, l)
            model = LayerModel(layout)
            self._set_model_values(model, r, l)
            t = LayerTable(l, model, cell_of, font)
            t.cellClicked.connect(lambda i, j, t=t: self._on_cell(t, i, j))
            t.fit_height()
            lay.addWidget(t)
            self.tables.append(t)
        lay.addStretch(1)
        self.scroll_area.setWidget(body)
        if self._selected_edge:
            self._highlight()

    def _equation(self, c, l: int) -> str:
        layer = c.net.layers[l - 1]
        src = c.neuron_ids[layer.src_lo : layer.start]
        first = c.layer_of[src[0]] if src else l - 1
        # skip connections: the sources span several earlier layers
        prev = f"a({l - 1})" if first == l - 1 else f"a({first}…{l - 1})"
        shape = f"{layer.stop - layer.start}×{len(src)}"
        if self.mode == "backward":
            r = self.stepper.result
            # regularised: the matrix shown (and stepped with) has the penalty's term too
            pen = ""
            if r is not None and r.regularised:
                st = r.training
                terms = [t for t, on in (("λ₂·W", st.l2), ("λ₁·sign(W)", st.l1)) if on]
                pen = "".join(f" + {t}" for t in terms)
            what = f"δ({l}) = ∂L/∂z({l}),  ∂L/∂W({l}) = δ({l})·{prev}ᵀ{pen},  ∂L/∂b({l}) = δ({l})"
            note = "mean over the batch" if self._batch() else f"∂L/∂W({l}) is {shape}"
        elif self.mode == "update":
            eta = self.stepper.graph.training.get("learning_rate")
            opt = str(self.stepper.graph.training.get("optimizer", "sgd"))
            what = (
                f"W({l}) ← W({l}) − η·∂L/∂W({l}),  b({l}) ← b({l}) − η·∂L/∂b({l})"
                if opt == "sgd"
                else f"W({l}), b({l}): one {opt} step"
            )
            note = f"η = {ex.fmt(float(eta), self.decimals)}" if opt == "sgd" and eta else ""
        else:
            what = f"z({l}) = W({l})·{prev} + b({l})"
            note = f"W({l}) is {shape}"
        return (
            f"<span style='font-size:{round(self.font_px * 1.15)}px'><b>Layer {l}:</b> "
            f"{what}  &nbsp; <span style='color:#666'>{note}</span></span>"
        )

    def _batch(self) -> bool:
        r = self.stepper.result
        return r is not None and len(r.samples) > 1

    def _relayout(self, r) -> None:
        """The network was edited but has as many layers: new layouts into the existing
        tables (building four 100-column tables and swapping the scroll area's widget took
        ~0.3 s after deleting neurons of a 20,000-edge network)."""
        c, g = r.compiled, self.stepper.graph
        for l, (t, eq) in enumerate(zip(self.tables, self.equations, strict=True), start=1):
            layout, cell_of = self._layout(c, g, l)
            t.model().set_layout(layout)
            self._set_model_values(t.model(), r, l)
            t.relayout(cell_of)
            eq.setText(self._equation(c, l))

    @classmethod
    def _layout(cls, c, g, l: int) -> tuple[LayerLayout, LayerCells]:
        """Layer ``l``'s table layout (labels as the canvas shows them) and the cell of each
        of its edges: one place for building a table and relaying one out after an edit."""
        layer = c.net.layers[l - 1]
        label = lambda nid: g.neurons[nid].display_label if nid in g.neurons else nid  # noqa: E731
        rows = [label(n) for n in c.neuron_ids[layer.start : layer.stop]]
        src = [label(n) for n in c.neuron_ids[layer.src_lo : layer.start]]
        edge_at, cell_of = cls._cells(c, l)
        return LayerLayout(rows, src, edge_at, c.edge_ids, layer.mask), cell_of

    @staticmethod
    def _cells(c, l: int) -> tuple[np.ndarray, LayerCells]:
        """Which edge sits in which cell of W(l) (vectorised over the compiled edges)."""
        lay = c.net.layers[l - 1]
        height, width = lay.W.shape
        cells = LayerCells(c, l)
        sel = cells.edges
        offset = c.edge_param[sel] - int(c.net.w_offsets[l - 1])
        edge_at = np.full((height, width), -1, dtype=np.intp)
        edge_at[offset // width, offset % width] = sel
        return edge_at, cells

    def _set_model_values(self, model: LayerModel, r, l: int) -> None:
        """The layer's arrays for the mode; a step the stepped pass has not reached is blank
        (the class predicts it; with no pass started everything shows)."""
        c, st = r.compiled, self.stepper
        net = c.net
        layer = net.layers[l - 1]
        col = min(self.focus, len(r.samples) - 1)
        rows = slice(layer.start, layer.stop)
        ws = slice(int(net.w_offsets[l - 1]), int(net.w_offsets[l]))
        bs = slice(int(net.b_offsets[l - 1]), int(net.b_offsets[l]))
        t, shape = r.shown, layer.W.shape  # floating-point noise reads 0 (model/noise.py)
        # what may show: model/reveal.py, the source the canvas reads (an exercise's blanks too)
        shown = matrix_shown(st.state, self.mode, l, self.blanks)
        if self.mode == "backward":
            W = t.grads[ws].reshape(shape)
            extras = (t.dL_dz[rows, col], t.grads[bs], t.dL_da[rows, col])
            names, blank_from = ("δ = ∂L/∂z", "∂L/∂b", "∂L/∂a"), None if shown else 0
        elif self.mode == "update":
            W = r.updated_params[ws].reshape(shape)
            extras = (r.updated_params[bs], t.params[bs], t.grads[bs])
            names, blank_from = ("new b", "b", "∂L/∂b"), None if shown else 0
        else:
            W, extras = layer.W, (layer.b[:, 0], t.z[rows, col], t.a[rows, col])
            names = _EXTRA  # W and b are known before the pass: only z and a wait for it
            blank_from = None if shown else layer.start - layer.src_lo + 1
        model.set_values(W, *extras, self.decimals, names, blank_from)

    def _structure_key(self, r):
        """Everything the table layout depends on (not the numbers)."""
        if r is None:
            return None
        c, g = r.compiled, self.stepper.graph
        layers = tuple(
            (
                layer.src_lo,
                layer.start,
                layer.stop,
                None if layer.mask is None else layer.mask.tobytes(),
            )
            for layer in c.net.layers
        )
        labels = tuple(g.neurons[n].display_label if n in g.neurons else n for n in c.neuron_ids)
        # which edge sits in which cell: the ids and their parameter slots (cheap to compare)
        edges = (tuple(c.edge_ids), c.edge_param.tobytes(), c.edge_layer.tobytes())
        return (tuple(c.neuron_ids), labels, layers, edges, len(r.samples), self.font_px)

    def _update_values(self, r) -> None:
        """New weights, b, z and a into the existing models (same layout)."""
        for l, t in enumerate(self.tables, start=1):
            before = t.model().columns
            self._set_model_values(t.model(), r, l)
            if t.model().columns != before:  # another mode: other column names and numbers
                t._measure_headers()
                t.fit_columns(grow_only=False)
            elif t.visibleRegion().isEmpty():
                t.fit_later()  # scrolled out of view: widened when it shows
            else:
                t.fit_columns()  # a weight that grew a digit widens its column
        for l, eq in enumerate(self.equations, start=1):
            eq.setText(self._equation(r.compiled, l))

    def _on_cell(self, t: LayerTable, i: int, j: int) -> None:
        # The tables show the pass they were built from; the stepper drops its result as soon
        # as the network is edited, and the tables catch up later (or never, off screen).
        # Selecting then rebuilds them, which must not happen inside the clicked table's own
        # mouse handler (the rebuild deletes the table under it: a segfault): when the tables
        # are stale the selection runs from the event loop, after the handler has returned.
        built = self._built
        r = built[0] if built else None
        eid = t.model().edge_id(i, j)
        if eid:
            what = ("edge", eid)
        elif j >= t.columnCount() - 3 and r is not None:
            what = ("neuron", r.compiled.neuron_ids[r.compiled.net.layers[t.layer - 1].start + i])
        else:
            return
        if r is not None and built == self._key():
            self._clicked(*what)
        else:
            QTimer.singleShot(0, self, lambda: self._clicked(*what))

    def _clicked(self, kind: str, ident: str) -> None:
        graph = self.stepper.graph
        if kind == "edge" and ident in graph.edges:
            self._selected_edge = ident
            self.edge_clicked.emit(ident)
        elif kind == "neuron" and ident in graph.neurons:
            self.neuron_clicked.emit(ident)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.rebuild(force=False)  # changes while hidden (a tab behind Explain) catch up here
        self._stale = False

    def select_edge(self, eid: str | None, emit: bool = False) -> None:
        """Highlight an edge's cell (from a canvas selection) and scroll it into view.

        Nothing is rebuilt for it while the view is off screen or nothing is selected (a
        deletion of many neurons selects nothing once per neuron): the next refresh
        shows the highlight."""
        self._selected_edge = eid
        if eid is not None and self.exposed():
            self.rebuild(force=False)
        elif eid is not None:
            self._stale = True
        self._highlight()
        if emit and eid:
            self.edge_clicked.emit(eid)

    def _highlight(self) -> None:
        eid = self._selected_edge
        for t in self.tables:
            cell = t.cell_of.get(eid) if eid else None
            t.blockSignals(True)
            t.clearSelection()
            if cell is not None:
                index = t.model().index(*cell)
                t.setCurrentIndex(index)
                t.scrollTo(index)  # horizontally, inside the table
                rect = t.visualRect(index)
                body = self.scroll_area.widget()
                if body is not None:
                    p = t.viewport().mapTo(body, rect.center())
                    self.scroll_area.ensureVisible(p.x(), p.y(), rect.width(), rect.height() * 2)
            t.blockSignals(False)

    def selected_edge(self) -> str | None:
        for t in self.tables:
            for index in t.selectionModel().selectedIndexes():
                eid = index.data(EDGE_ROLE)
                if eid:
                    return eid
        return None


def make_matrix_dock(view: MatrixView) -> QDockWidget:
    dock = QDockWidget("Matrices")
    dock.setObjectName("matrix_dock")
    dock.setWidget(view)
    dock.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)

    # selecting its tab does not re-show the view (it stayed "visible"): catch up then
    def on_visibility(shown: bool) -> None:
        if shown:
            view.catch_up()

    dock.visibilityChanged.connect(on_visibility)
    return dock


__all__ = ["EDGE_ROLE", "LayerModel", "LayerTable", "MatrixView", "fmt_chars"]
