"""Help → Keyboard Shortcuts (F1), Getting Started, and File → Browse Examples (a gallery).

The shortcut sheet is read from the window's own actions, so it can never disagree with
what the keys do; the gallery shows each bundled example as a picture with its description.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ..model import fileformat
from ..model.graph import Graph

THUMB = QSize(240, 150)

GETTING_STARTED = """
<h2>Getting started</h2>
<ol>
<li><b>Open an example</b>: File → Browse Examples… (start with <i>handwritten 221</i>, the
2-2-1 network of the lecture notes). It opens as an untitled copy: the bundled file is never
changed.</li>
<li><b>Step a pass</b>: <b>F6</b> runs the forward pass one layer at a time (z and a appear on
every neuron), <b>F7</b> the backward pass (∂L/∂z on neurons, ∂L/∂w on edges), <b>F8</b> the
weight update. Shift+F6 / Shift+F7 do a whole pass; Shift+F9 takes it back.</li>
<li><b>Explain a number</b>: click a neuron or an edge; the Explain panel writes its formula
with the numbers, and for a weight every chain-rule path to the loss.</li>
<li><b>Train</b>: Ctrl+Space plays and pauses; watch the loss and the gradient norms per layer.
Every stretch of training is one undo step.</li>
<li><b>Draw your own</b>: File → New → Blank, then drag layer blocks from the Palette onto
the canvas (a layer dropped beside another is connected fully to it) and type the weights into
the Layer panel under it; or File → New → Fully Connected Network… and type 2-4-1. The
Input / Hidden / Output / Bias tools, then a click, add single neurons; drag from a neuron's
rim to another to connect; N adds a connected neuron in the next column.</li>
<li><b>In front of the class</b>: <b>F5</b> is the lecture layout — the canvas alone, full
screen, numbers large enough for the back row. Esc leaves.</li>
</ol>
<p>Every shortcut: Help → Keyboard Shortcuts (F1).</p>
"""


def shortcut_rows(menus: dict[str, QMenu], extra: list[QAction]) -> list[tuple[str, str, str]]:
    """(menu, action, keys) for every action with a shortcut, in menu order."""
    rows: list[tuple[str, str, str]] = []
    seen: set[int] = set()

    def visit(title: str, menu: QMenu) -> None:
        for act in menu.actions():
            sub = act.menu()
            if isinstance(sub, QMenu):
                visit(f"{title} → {act.text().replace('&', '')}", sub)
            elif act.shortcuts():
                seen.add(id(act))
                keys = ", ".join(
                    s.toString(QKeySequence.SequenceFormat.NativeText) for s in act.shortcuts()
                )
                rows.append((title, act.text().replace("&", "").rstrip("…"), keys))

    for title, menu in menus.items():
        visit(title, menu)
    for act in extra:
        if id(act) not in seen and act.shortcuts() and act.text():
            keys = act.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            rows.append(("Anywhere", act.text().replace("&", ""), keys))
    return rows


def shortcut_sheet_html(rows: list[tuple[str, str, str]]) -> str:
    out = ["<h2>Keyboard shortcuts</h2><table cellspacing='0' cellpadding='4'>"]
    last = None
    for menu, name, keys in rows:
        if menu != last:
            out.append(f"<tr><td colspan='2'><br><b>{html.escape(menu)}</b></td></tr>")
            last = menu
        out.append(
            f"<tr><td style='padding-right:24px'>{html.escape(name)}</td>"
            f"<td><b>{html.escape(keys)}</b></td></tr>"
        )
    out.append(
        "<tr><td colspan='2'><br><b>On the canvas</b></td></tr>"
        "<tr><td>Pan</td><td><b>Space+drag, middle-drag</b></td></tr>"
        "<tr><td>Zoom</td><td><b>wheel</b></td></tr>"
        "<tr><td>Add a neuron</td><td><b>double-click empty canvas</b></td></tr>"
        "<tr><td>Connect</td><td><b>drag from a neuron's rim</b></td></tr>"
        "<tr><td>Back to the Select tool</td><td><b>Esc</b></td></tr></table>"
    )
    return "".join(out)


class TextDialog(QDialog):
    """A readable page (16 px) with a Close button."""

    def __init__(self, parent: QWidget | None, title: str, page: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setStyleSheet("font-size: 16px;")
        self.browser.setHtml(page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.browser)
        lay.addWidget(buttons)
        self.resize(620, 560)


class ExampleGallery(QDialog):
    """Each example as a thumbnail with its name; the description of the one selected."""

    def __init__(
        self, parent: QWidget | None, paths: list[Path], open_file: Callable[[Path], object]
    ):
        super().__init__(parent)
        from .render import thumbnail

        self.setWindowTitle("Examples")
        self.open_file = open_file
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMovement(QListWidget.Movement.Static)
        self.list.setSpacing(8)
        self.list.setWordWrap(True)
        self.graphs: dict[str, Graph] = {}
        for p in paths:
            try:
                g = fileformat.load(p, allow_misfit=True)
            except fileformat.NetworkFileError:
                continue  # a broken example is skipped, not a crash (the test suite checks them)
            item = QListWidgetItem(
                QIcon(QPixmap.fromImage(thumbnail(g, THUMB))), p.stem.replace("_", " ")
            )
            item.setData(Qt.ItemDataRole.UserRole, str(p))
            item.setToolTip(g.name)
            self.graphs[str(p)] = g
            self.list.addItem(item)
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setStyleSheet("font-size: 14px;")
        self.description.setMinimumHeight(90)
        self.description.setAlignment(Qt.AlignmentFlag.AlignTop)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.open_selected)
        buttons.rejected.connect(self.reject)
        self.open_button = buttons.button(QDialogButtonBox.StandardButton.Open)
        self.list.currentItemChanged.connect(self._describe)
        self.list.itemActivated.connect(lambda _item: self.open_selected())
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.description, 1)
        lay.addLayout(row)
        lay.addWidget(buttons)
        self.resize(900, 640)
        if self.list.count():
            self.list.setCurrentRow(0)

    def _describe(self, item: QListWidgetItem | None, _previous=None) -> None:
        self.open_button.setEnabled(item is not None)
        if item is None:
            self.description.setText("")
            return
        g = self.graphs[item.data(Qt.ItemDataRole.UserRole)]
        hidden = sum(1 for n in g.neurons.values() if n.role == "hidden")
        size = f"{len(g.neurons)} neurons ({hidden} hidden), {len(g.edges)} edges"
        self.description.setText(
            f"<b>{html.escape(g.name)}</b> — {size}<br>{html.escape(g.description)}"
        )

    def open_selected(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        self.accept()
        self.open_file(Path(item.data(Qt.ItemDataRole.UserRole)))
