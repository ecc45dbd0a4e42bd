"""The drawn graph as the matrices the engine multiplies: W(l), b(l), z(l) = W(l)·a + b(l).

One table per compiled layer: a row per neuron of the layer, a column per neuron that can feed
it (the contiguous source range the engine reads, see network-format.md "Layers"), then b, and
z and a of the current pass. Cells are a heat map of the weight with its number; pairs with no
edge are hatched and empty (structural zeros that training never moves). Clicking a weight
selects its edge on the canvas and selecting an edge on the canvas highlights its cell.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHeaderView,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...model import explain as ex
from ...model.stepper import PassStepper
from .colormap import diverging, text_colour_on

EDGE_ROLE = Qt.UserRole + 1
MASKED = QBrush(QColor(200, 200, 205), Qt.BDiagPattern)


class LayerTable(QTableWidget):
    def __init__(self, layer: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.layer = layer
        self.cell_of: dict[str, tuple[int, int]] = {}
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)

    def fit_height(self) -> None:
        h = self.horizontalHeader().height() + 4
        for r in range(self.rowCount()):
            h += self.rowHeight(r)
        if self.horizontalScrollBar().isVisible() or self.columnCount() > 12:
            h += self.horizontalScrollBar().sizeHint().height()
        self.setFixedHeight(h)


class MatrixView(QWidget):
    """Tables of W, b, z, a per layer.

    Live refreshes (training writes the weights ~30 times a second) go through
    :meth:`refresh_live`: nothing is done while the view is not on screen (a hidden dock or
    one tabbed away behind Explain, which Qt still reports as visible), at most ``LIVE_HZ``
    rebuilds a second otherwise, and when only the numbers changed the existing cells are
    updated in place instead of building new tables.
    """

    edge_clicked = Signal(str)
    neuron_clicked = Signal(str)
    LIVE_HZ = 5.0

    def __init__(self, stepper: PassStepper, parent: QWidget | None = None):
        super().__init__(parent)
        self.stepper = stepper
        self.decimals = 4
        self.font_px = 14
        self.focus = 0
        self.tables: list[LayerTable] = []
        self.equations: list[QLabel] = []
        self._selected_edge: str | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        outer.addWidget(self.scroll)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self._structure = None  # what the current tables were built for (see _structure_key)
        self._stale = False  # a live refresh was skipped while off screen
        self._built_at = 0.0
        self._later = QTimer(self)  # the throttled live refresh
        self._later.setSingleShot(True)
        self._later.timeout.connect(self.refresh_live)
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
            QTimer.singleShot(0, self.refresh_live)

    def _key(self):
        return (self.stepper.result, self.decimals, self.font_px, self.focus)

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
        key = (r, self.decimals, self.font_px, self.focus)
        if not force and r is not None and getattr(self, "_built", None) == key:
            return
        self._built = key
        self._built_at = time.perf_counter()
        structure = self._structure_key(r)
        if structure is not None and structure == self._structure and self.tables:
            self._update_values(r)  # same tables, new numbers: no new widgets
            return
        self._structure = structure
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 6, 6, 6)
        self.tables, self.equations = [], []
        if r is None:
            lay.addWidget(QLabel(st.error or "nothing to show"))
            self.scroll.setWidget(body)
            return
        c = r.compiled
        g = st.graph
        col = min(self.focus, len(r.samples) - 1)
        font = QFont()
        font.setPixelSize(self.font_px)
        label = lambda nid: g.neurons[nid].display_label if nid in g.neurons else nid  # noqa: E731
        for l, layer in enumerate(c.net.layers, start=1):
            src = c.neuron_ids[layer.src_lo : layer.start]
            rows = c.neuron_ids[layer.start : layer.stop]
            first = c.layer_of[src[0]] if src else l - 1
            # skip connections: the sources span several earlier layers
            prev = f"a({l - 1})" if first == l - 1 else f"a({first}…{l - 1})"
            eq = QLabel(
                f"<span style='font-size:{round(self.font_px * 1.15)}px'><b>Layer {l}:</b> "
                f"z({l}) = W({l})·{prev} + b({l})  &nbsp; <span style='color:#666'>"
                f"W({l}) is {len(rows)}×{len(src)}</span></span>"
            )
            lay.addWidget(eq)
            self.equations.append(eq)
            t = LayerTable(l)
            t.setFont(font)
            t.setRowCount(len(rows))
            headers = [label(n) for n in src] + ["b", "z", "a"]
            t.setColumnCount(len(headers))
            t.setHorizontalHeaderLabels(headers)
            t.setVerticalHeaderLabels([label(n) for n in rows])
            W = layer.W
            mask = layer.mask
            wmax = float(abs(W).max()) if W.size else 1.0
            for i in range(len(rows)):
                for j in range(len(src)):
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignCenter)
                    if mask is not None and mask[i, j] == 0:
                        item.setBackground(MASKED)
                        item.setToolTip(f"no edge {label(src[j])} → {label(rows[i])}")
                        item.setFlags(Qt.ItemIsEnabled)
                    else:
                        w = float(W[i, j])
                        bg = diverging(w, wmax or 1.0)
                        item.setBackground(bg)
                        item.setForeground(text_colour_on(bg))
                        item.setText(ex.fmt(w, self.decimals))
                        item.setData(Qt.UserRole, w)
                    t.setItem(i, j, item)
                nid = rows[i]
                b = float(layer.b[i, 0])
                z = r.value("z", nid, col)
                a = r.value("a", nid, col)
                for j, v in ((len(src), b), (len(src) + 1, z), (len(src) + 2, a)):
                    item = QTableWidgetItem(ex.fmt(v, self.decimals))
                    item.setTextAlignment(Qt.AlignCenter)
                    item.setData(Qt.UserRole, v)
                    item.setBackground(
                        QColor(245, 245, 250) if j == len(src) else QColor(235, 242, 250)
                    )
                    t.setItem(i, j, item)
            for k, eid in enumerate(c.edge_ids):
                if int(c.edge_layer[k]) != l:
                    continue
                _, row, column = c.edge_cell(eid)
                t.cell_of[eid] = (row, column)
                t.item(row, column).setData(EDGE_ROLE, eid)
                s, tg = g.edges[eid].source, g.edges[eid].target
                t.item(row, column).setToolTip(f"{eid}: {label(s)} → {label(tg)}")
            t.cellClicked.connect(lambda i, j, t=t: self._on_cell(t, i, j))
            t.resizeColumnsToContents()
            t.resizeRowsToContents()
            t.fit_height()
            lay.addWidget(t)
            self.tables.append(t)
        lay.addStretch(1)
        self.scroll.setWidget(body)
        if self._selected_edge:
            self.select_edge(self._selected_edge, emit=False)

    def _structure_key(self, r):
        """Everything the table layout depends on (not the numbers)."""
        if r is None:
            return None
        c, g = r.compiled, self.stepper.graph
        layers = tuple(
            (layer.src_lo, layer.start, layer.stop,
             None if layer.mask is None else layer.mask.tobytes())
            for layer in c.net.layers
        )  # fmt: skip
        labels = tuple(g.neurons[n].display_label if n in g.neurons else n for n in c.neuron_ids)
        edges = tuple((eid, g.edges[eid].source, g.edges[eid].target) for eid in c.edge_ids
                      if eid in g.edges)  # fmt: skip
        return (tuple(c.neuron_ids), labels, layers, edges, len(r.samples), self.font_px)

    def _update_values(self, r) -> None:
        """Write new weights, b, z and a into the existing cells (same layout)."""
        c = r.compiled
        col = min(self.focus, len(r.samples) - 1)
        for t, layer in zip(self.tables, c.net.layers, strict=True):
            rows = c.neuron_ids[layer.start : layer.stop]
            n_src = layer.start - layer.src_lo
            W, mask = layer.W, layer.mask
            wmax = float(abs(W).max()) if W.size else 1.0
            t.setUpdatesEnabled(False)
            for i in range(len(rows)):
                for j in range(n_src):
                    if mask is not None and mask[i, j] == 0:
                        continue
                    item = t.item(i, j)
                    w = float(W[i, j])
                    if item.data(Qt.UserRole) == w:
                        continue
                    bg = diverging(w, wmax or 1.0)
                    item.setBackground(bg)
                    item.setForeground(text_colour_on(bg))
                    item.setText(ex.fmt(w, self.decimals))
                    item.setData(Qt.UserRole, w)
                nid = rows[i]
                values = (float(layer.b[i, 0]), r.value("z", nid, col), r.value("a", nid, col))
                for j, v in enumerate(values, start=n_src):
                    item = t.item(i, j)
                    if item.data(Qt.UserRole) != v:
                        item.setText(ex.fmt(v, self.decimals))
                        item.setData(Qt.UserRole, v)
            t.setUpdatesEnabled(True)

    def _on_cell(self, t: LayerTable, i: int, j: int) -> None:
        # The tables show the pass they were built from; the stepper drops its result as soon
        # as the network is edited, and the tables catch up later (or never, off screen).
        # Selecting then rebuilds them, which must not happen inside the clicked table's own
        # mouse handler (the rebuild deletes the table under it: a segfault): when the tables
        # are stale the selection runs from the event loop, after the handler has returned.
        built = getattr(self, "_built", None)
        r = built[0] if built else None
        item = t.item(i, j)
        eid = item.data(EDGE_ROLE) if item is not None else None
        if eid:
            what = ("edge", eid)
        elif j >= t.columnCount() - 3 and r is not None:
            what = ("neuron", r.compiled.neuron_ids[r.compiled.net.layers[t.layer - 1].start + i])
        else:
            return
        if r is not None and built == self._key():
            self._clicked(*what)
        else:
            QTimer.singleShot(0, lambda: self._clicked(*what))

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
        """Highlight an edge's cell (from a canvas selection)."""
        self.rebuild(force=False)
        self._selected_edge = eid
        for t in self.tables:
            cell = t.cell_of.get(eid) if eid else None
            t.blockSignals(True)
            t.clearSelection()
            if cell is not None:
                t.setCurrentCell(*cell)
                self.scroll.ensureWidgetVisible(t)
            t.blockSignals(False)
        if emit and eid:
            self.edge_clicked.emit(eid)

    def selected_edge(self) -> str | None:
        for t in self.tables:
            for item in t.selectedItems():
                eid = item.data(EDGE_ROLE)
                if eid:
                    return eid
        return None


def make_matrix_dock(view: MatrixView) -> QDockWidget:
    dock = QDockWidget("Matrices")
    dock.setObjectName("matrix_dock")
    dock.setWidget(view)
    dock.setAllowedAreas(Qt.AllDockWidgetAreas)
    # selecting its tab does not re-show the view (it stayed "visible"): catch up then
    dock.visibilityChanged.connect(lambda shown: shown and view.catch_up())
    return dock
