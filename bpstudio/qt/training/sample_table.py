"""The data panel's table of samples: a QTableView over a model that formats cells on demand.

A QTableWidget made one item per cell: a 64-sample / 200-column table (a 100-input network)
cost ~0.5 s of item creation every time the data changed, even with the Data dock hidden.
:class:`SampleModel` keeps the numbers and formats a cell only when the view asks for it (the
cells on screen), so filling the table costs nothing until it is painted.

The table is updated in place, never reset while its shape stays the same: a value committed
with Tab or Enter pushes an undo step, the panel refreshes the table while Qt is moving the
editor on to the next cell, and that refresh only says "these values changed"
(``dataChanged``), so the editor and the current cell stay where the user put them.

:class:`SampleTable` keeps the QTableWidget calls its callers and tests use (``item(r, c)``
with ``text()``, ``flags()``, ``setText()``; ``currentRow()``; ``visualItemRect()``; …).
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from ...model.numfmt import general

_DISPLAY, _EDIT = int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.EditRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_HORIZONTAL = Qt.Orientation.Horizontal
_READ_ONLY = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
_EDITABLE = _READ_ONLY | Qt.ItemFlag.ItemIsEditable


class SampleModel(QAbstractTableModel):
    """Rows of numbers (None: no value, an empty cell) under column headers.

    An edit does not change the model: it is reported by ``edited(row, column, text)`` and
    the panel decides (an undo step, then :meth:`set_content` with the new data; or an
    error, and the cell keeps showing the old value)."""

    edited = Signal(int, int, str)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.headers: list[str] = []
        self.rows: list[list[float | None]] = []
        self.editable = False

    def set_content(
        self, headers: list[str], rows: list[list[float | None]], editable: bool
    ) -> None:
        """Show these rows; the same shape only emits ``dataChanged`` (editors stay open)."""
        same_shape = len(headers) == len(self.headers) and len(rows) == len(self.rows)
        if not same_shape:
            self.beginResetModel()
            self.headers, self.rows, self.editable = list(headers), rows, editable
            self.endResetModel()
            return
        old_headers, old_rows, old_editable = self.headers, self.rows, self.editable
        self.headers, self.rows, self.editable = list(headers), rows, editable
        if old_headers != self.headers:
            self.headerDataChanged.emit(_HORIZONTAL, 0, len(headers) - 1)
        if (old_rows != rows or old_editable != editable) and rows and headers:
            self.dataChanged.emit(self.index(0, 0), self.index(len(rows) - 1, len(headers) - 1))

    def text(self, row: int, column: int) -> str:
        v = self.rows[row][column]
        return "" if v is None else general(float(v))  # %g, 6 digits (model/numfmt.py)

    # ------------------------------------------------------------------ Qt model API
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802 (Qt's names)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation, role=_DISPLAY):  # noqa: N802
        if role != _DISPLAY:
            return None
        if orientation == _HORIZONTAL:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return str(section + 1)

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _EDITABLE if self.editable else _READ_ONLY

    def data(self, index, role=_DISPLAY):
        if role == _DISPLAY or role == _EDIT:  # text for the editor too: a QLineEdit opens
            return self.text(index.row(), index.column())
        if role == _ALIGN:
            return _RIGHT
        return None

    def setData(self, index, value, role=_EDIT) -> bool:  # noqa: N802
        if role != _EDIT or not index.isValid() or not self.editable:
            return False
        text = str(value)
        if text != self.text(index.row(), index.column()):  # as a QTableWidgetItem: an
            self.edited.emit(index.row(), index.column(), text)  # unchanged commit is no edit
        return True


class SampleCell:
    """One cell, read and written the way a QTableWidgetItem is (``setText`` is an edit)."""

    def __init__(self, table: SampleTable, row: int, column: int):
        self._table = table
        self._index = QPersistentModelIndex(table.model().index(row, column))

    def row(self) -> int:
        return self._index.row()

    def column(self) -> int:
        return self._index.column()

    def index(self) -> QModelIndex:
        return self._table.model().index(self.row(), self.column())

    def text(self) -> str:
        return self._index.data(Qt.ItemDataRole.DisplayRole) or ""

    def flags(self) -> Qt.ItemFlag:
        return self._table.model().flags(self.index())

    def setText(self, text: str) -> None:  # noqa: N802 (QTableWidgetItem's name)
        self._table.model().setData(self.index(), text, Qt.ItemDataRole.EditRole)


class _Header:
    def __init__(self, text: str):
        self._text = text

    def text(self) -> str:
        return self._text


class SampleTable(QTableView):
    """The view, with the QTableWidget calls the panel's callers use."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setModel(SampleModel(self))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.horizontalHeader().setStretchLastSection(False)

    def model(self) -> SampleModel:  # the concrete type, for callers
        return cast(SampleModel, super().model())

    def rowCount(self) -> int:  # noqa: N802 (QTableWidget's names)
        return self.model().rowCount()

    def columnCount(self) -> int:  # noqa: N802
        return self.model().columnCount()

    def item(self, row: int, column: int) -> SampleCell | None:
        if not (0 <= row < self.rowCount() and 0 <= column < self.columnCount()):
            return None
        return SampleCell(self, row, column)

    def horizontalHeaderItem(self, column: int) -> _Header | None:  # noqa: N802
        text = self.model().headerData(column, _HORIZONTAL)
        return None if text is None else _Header(text)

    def currentRow(self) -> int:  # noqa: N802
        return self.currentIndex().row()

    def currentColumn(self) -> int:  # noqa: N802
        return self.currentIndex().column()

    def visualItemRect(self, cell: SampleCell):  # noqa: N802
        return self.visualRect(cell.index())

    def scrollToItem(self, cell: SampleCell) -> None:  # noqa: N802
        self.scrollTo(cell.index())

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selectionModel().selectedIndexes()})
