"""The verdict list of an exercise or a checked answers file (the Answers dock).

One row per value in computation order: quantity, id, what was given, the exact value (in an
exercise only once revealed), the verdict and the slip (or, for follows, the earlier value it
comes from). The first wrong value is marked; a click on a row puts the canvas's focus on
that blank. "Export CSV…" writes the list as an answers file with the verdict columns.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...model.exercise import key_words, verdict_words
from ...model.grading.answers import Key
from ...model.numfmt import fmt
from ..docks import hide_stale_tab_bars_soon
from ..host import PassHost
from .blanks import FOLLOWS, RIGHT, WRONG
from .exercise import ExerciseMode

COLUMNS = ("Quantity", "Id", "Given", "Exact", "Verdict", "Mistake / from")
TINT = {"right": RIGHT, "follows": FOLLOWS, "wrong": WRONG}
CSV_FILTERS = "CSV answers with verdicts (*.csv)"


class VerdictList(QWidget):
    def __init__(self, mode: ExerciseMode, parent: QWidget | None = None):
        super().__init__(parent)
        self.mode = mode
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.summary = QLabel("No exercise: Pass → Exercise, or File → Check Answers…")
        self.summary.setWordWrap(True)
        lay.addWidget(self.summary)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(COLUMNS))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.cellClicked.connect(self._on_click)
        lay.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        row.addWidget(self.detail, 1)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("The list as an answers file with the verdicts beside it")
        self.export_button.clicked.connect(self.export_dialog)
        row.addWidget(self.export_button)
        lay.addLayout(row)
        self.keys: list[Key | None] = []  # per row: the blank it shows (None: not on canvas)
        self.first_wrong_row: int | None = None
        self.rows: list[list[QTableWidgetItem]] = []  # the cells shown, by row
        mode.changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        ex = self.mode.exercise
        self.keys, self.first_wrong_row, self.rows = [], None, []
        self.table.setRowCount(0)
        self.export_button.setEnabled(ex is not None and ex.report is not None)
        if ex is None:
            self.summary.setText("No exercise: Pass → Exercise, or File → Check Answers…")
            self.detail.setText("")
            return
        name = self.mode.path.name + ": " if self.mode.path is not None else ""
        self.summary.setText(name + ex.summary())
        dec = max(self.mode.tools.overlay.decimals, 4)
        assert ex.revealed is not None
        graded = {g.answer.key(): g for g in ex.graded_list()}
        order: list[Key] = list(ex.keys) + [k for k in graded if k not in ex.keys]
        fw = ex.first_wrong
        for r, key in enumerate(order):
            g = graded.get(key)
            shown_exact = not ex.editable or key in ex.revealed
            exact = ex.exact.get(key, g.exact if g is not None else None)
            cells = [
                key[0],
                (key[1] or "") + (" via " + " ".join(key[2]) if key[2] else ""),
                g.answer.value if g is not None else ex.entries.get(key, ""),
                fmt(exact, dec) if shown_exact and exact is not None else "hidden",
                "" if g is None else f"{verdict_words(g)[:1]} {g.verdict}",
                "" if g is None else self._why(g),
            ]
            first = fw is not None and g is fw
            if first:  # the first slip: marked, where the marker would start reading
                self.first_wrong_row = r
                cells[0] = "▸ " + cells[0]
            self.table.insertRow(r)
            items = [QTableWidgetItem(text) for text in cells]
            for c, item in enumerate(items):
                if g is not None and c in (2, 4):
                    item.setForeground(QBrush(TINT[g.verdict]))
                if g is not None and g.explanation:
                    item.setToolTip(g.explanation)
                if first:
                    font = QFont(item.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setBackground(QBrush(QColor(255, 225, 220)))
                self.table.setItem(r, c, item)
            self.rows.append(items)
            self.keys.append(key if key in ex.keys else None)
        focused = self.mode.key
        if focused in self.keys:
            r = self.keys.index(focused)
            self.table.selectRow(r)
            self.table.scrollToItem(self.rows[r][0])
        self.detail.setText(self.mode.message)

    @staticmethod
    def _why(g) -> str:
        if g.verdict == "follows":
            return "from your " + key_words(g.from_) if g.from_ is not None else "follows"
        if g.verdict == "wrong":
            text = verdict_words(g)[2:]
            if g.also:
                text += " (also: " + ", ".join(g.also) + ")"
            return text
        return ""

    def row_texts(self, r: int) -> list[str]:
        """The cells of row ``r`` as shown (tests read them)."""
        return [item.text() for item in self.rows[r]]

    def _on_click(self, row: int, _col: int) -> None:
        key = self.keys[row] if 0 <= row < len(self.keys) else None
        if key is not None:
            self.mode.focus_key(key)

    def export_dialog(self) -> Path | None:
        from .. import dialogs, places

        stem = self.mode.path.stem if self.mode.path is not None else "exercise"
        target = dialogs.ask_export_path(
            self.window(), "Export verdicts", places.suggest(f"{stem}_verdicts.csv"), CSV_FILTERS
        )
        if not target:
            return None
        return self.mode.export_csv(target)


def make_answers_dock(widget: VerdictList) -> QDockWidget:
    dock = QDockWidget("Answers")
    dock.setObjectName("answers_dock")
    dock.setWidget(widget)
    dock.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)
    return dock


def install_exercise(window: PassHost, tools, pass_menu: QMenu) -> ExerciseMode:
    """Pass → Exercise, File → Check Answers… and the Answers dock (hidden until used)."""
    if not isinstance(window, QMainWindow):
        raise TypeError(f"the exercise needs a QMainWindow, not {type(window).__name__}")
    mode = ExerciseMode(window, tools, window.view, window.status, parent=tools)
    pass_menu.addSeparator()
    pass_menu.addMenu(mode.menu)
    for act in mode.actions.values():
        window.addAction(act)  # the shortcuts work with the menus hidden (lecture layout)
    window.add_file_action(mode.actions["check"])

    def place() -> None:
        """The list and its dock are made on first use and go in as a tab beside the
        Inspector: a hidden dock tabified at start-up leaves a stale tab bar floating over
        the window (Qt 6, see test_app_render), and nothing of it is left without a parent."""
        widget = VerdictList(mode)
        dock = make_answers_dock(widget)
        mode.list, mode.dock = widget, dock
        window.add_dock(dock, Qt.DockWidgetArea.RightDockWidgetArea)
        inspector = window.inspector_dock
        if inspector is not None and inspector.isVisible():
            window.tabifyDockWidget(inspector, dock)
        hide_stale_tab_bars_soon(window)

    def show_list() -> None:
        presenting = tools.presentation is not None and tools.presentation.active
        if not mode.active or presenting:
            return
        if mode.dock is None:
            place()
        dock = mode.dock
        if dock is not None and not dock.isVisible():
            dock.show()
            dock.raise_()

    mode.changed.connect(show_list)
    return mode
