"""The Palette dock: neurons and layer blocks dragged onto the canvas (real Qt drag and drop).

Each tile starts a :class:`QDrag` whose mime data (``MIME_TYPE``, JSON) says what is dragged:
a neuron of a role, or a *layer block*, "layer of N" of a role and activation. The canvas
(``canvas/drop.py``) previews the drop, says in the status bar what it will do, and makes it
one undo step. A layer dropped beside another is connected fully to it while "Connect fully"
is ticked; holding Shift while dropping does the opposite.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from PySide6.QtCore import QMimeData, QPoint, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QDrag, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core import activations
from . import theme

MIME_TYPE = "application/x-bpstudio-palette"
ROLES = ("input", "hidden", "output", "bias")
LAYER_ROLES = ("input", "hidden", "output")
DEFAULT_COUNT = {"input": 2, "hidden": 2, "output": 1}  # the shapes lectures start from
MAX_COUNT = 256


@dataclass(frozen=True)
class DropSpec:
    """What a palette drag carries: ``kind`` "neuron" (count 1) or "layer"."""

    kind: str
    role: str
    count: int = 1
    activation: str | None = None
    connect: bool = True  # connect fully to the layer beside it (Shift inverts at the drop)

    def describe(self) -> str:
        act = f" ({self.activation})" if self.activation and self.role != "input" else ""
        if self.kind == "neuron":
            return f"a {self.role} neuron{act}"
        noun = self.role if self.role == "hidden" else self.role + "s" * (self.count != 1)
        return f"a layer of {self.count} {noun}{act}"


def encode(spec: DropSpec) -> QMimeData:
    mime = QMimeData()
    mime.setData(MIME_TYPE, json.dumps(asdict(spec)).encode("utf-8"))
    mime.setText(spec.describe())  # other applications see what it is
    return mime


def decode(mime: QMimeData | None) -> DropSpec | None:
    """The spec a palette drag carries, or None for anything else (text from another app)."""
    if mime is None or not mime.hasFormat(MIME_TYPE):
        return None
    try:
        d = json.loads(bytes(mime.data(MIME_TYPE).data()).decode("utf-8"))
        spec = DropSpec(
            str(d["kind"]),
            str(d["role"]),
            int(d.get("count", 1)),
            d.get("activation"),
            bool(d.get("connect", True)),
        )
    except (ValueError, KeyError, TypeError):
        return None
    if spec.kind not in ("neuron", "layer") or spec.role not in ROLES:
        return None
    if not 1 <= spec.count <= MAX_COUNT or (spec.activation not in (None, *activations.listed())):
        return None
    return spec


def role_icon(role: str, size: int = 20) -> QPixmap:
    """The role's shape and colours as on the canvas (circle, double ring, square)."""
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    style = theme.ROLE_STYLES[role]
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(style.border, max(1.5, style.border_width * size / 44)))
    p.setBrush(style.fill)
    r = QRectF(2, 2, size - 4, size - 4)
    if role == "bias":
        p.drawRoundedRect(r, 4, 4)
    else:
        p.drawEllipse(r)
        if role == "output":
            p.drawEllipse(r.adjusted(4, 4, -4, -4))
    p.end()
    return pm


class PaletteTile(QFrame):
    """A draggable tile; ``spec()`` is asked at drag start (the fields beside it may change)."""

    hint = Signal(str)  # a click without a drag: how the tile is used (the status line)

    def __init__(self, text: str, role: str, spec, tip: str):
        super().__init__()
        self.spec = spec
        self.role = role
        self.setObjectName(f"palette_{text.lower().replace(' ', '_')}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.setToolTip(tip)
        self.setStatusTip(tip)
        lay = QGridLayout(self)
        lay.setContentsMargins(4, 2, 6, 2)
        icon = QLabel()
        icon.setPixmap(role_icon(role))
        lay.addWidget(icon, 0, 0)
        self.label = QLabel(text)
        lay.addWidget(self.label, 0, 1)
        lay.setColumnStretch(1, 1)
        self.setStyleSheet(
            f"#{self.objectName()} {{ background: {theme.ROLE_STYLES[role].fill.name()};"
            f" border: 1px solid {theme.ROLE_STYLES[role].border.name()}; border-radius: 4px; }}"
        )
        self._press: QPoint | None = None
        self._dragged = False

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position().toPoint()
            self._dragged = False
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._press is None:
            return
        moved = (event.position().toPoint() - self._press).manhattanLength()
        if moved < QApplication.startDragDistance():
            return
        self._press = None
        self._dragged = True
        self.start_drag()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._press = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        if not self._dragged:  # a click: say how it is used
            self.hint.emit(f"Drag {self.spec().describe()} onto the canvas")

    def drag_object(self) -> QDrag:
        drag = QDrag(self)
        drag.setMimeData(encode(self.spec()))
        drag.setPixmap(self.grab())
        drag.setHotSpot(QPoint(12, self.height() // 2))
        return drag

    def start_drag(self) -> None:
        """Blocks in QDrag.exec until the drop (Qt's own event loop runs meanwhile)."""
        self.drag_object().exec(Qt.DropAction.CopyAction)
        self.setCursor(Qt.CursorShape.OpenHandCursor)


class Palette(QWidget):
    """Neuron tiles, one layer block per role (count and activation), "Connect fully"."""

    hint = Signal(str)  # a tile was clicked, not dragged: how to use it (the status line)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("palette")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 6, 6, 6)
        hint = QLabel("Drag onto the canvas:")
        outer.addWidget(hint)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.tiles: dict[str, PaletteTile] = {}
        for k, role in enumerate(ROLES):
            tile = PaletteTile(
                role.capitalize(),
                role,
                lambda r=role: self.neuron_spec(r),
                f"Drag a {role} neuron onto the canvas",
            )
            self.tiles[role] = tile
            grid.addWidget(tile, k // 2, k % 2)
        outer.addLayout(grid)
        outer.addWidget(QLabel("<b>Layer blocks</b> (layer of N)"))
        layers = QGridLayout()
        layers.setSpacing(4)
        self.counts: dict[str, QSpinBox] = {}
        self.activations: dict[str, QComboBox] = {}
        self.layer_tiles: dict[str, PaletteTile] = {}
        for row, role in enumerate(LAYER_ROLES):
            tile = PaletteTile(
                f"{role.capitalize()} layer",
                role,
                lambda r=role: self.layer_spec(r),
                f"Drag a layer of {role} neurons onto the canvas; beside "
                "another layer it is connected fully to it",
            )
            self.layer_tiles[role] = tile
            spin = QSpinBox()
            spin.setObjectName(f"palette_{role}_count")
            spin.setRange(1, MAX_COUNT)
            spin.setValue(DEFAULT_COUNT[role])
            spin.setToolTip(f"How many {role} neurons the block holds")
            spin.valueChanged.connect(lambda _=0, r=role: self._retitle(r))
            self.counts[role] = spin
            layers.addWidget(tile, row, 0)
            layers.addWidget(spin, row, 1)
            if role != "input":
                combo = QComboBox()
                combo.setObjectName(f"palette_{role}_activation")
                combo.addItems(
                    [a for a in activations.listed() if role == "output" or a != "softmax"]
                )
                combo.setCurrentText("sigmoid")
                combo.setSizeAdjustPolicy(
                    QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
                )
                combo.setMinimumContentsLength(5)
                combo.setToolTip(f"The activation of the {role} neurons")
                combo.currentTextChanged.connect(lambda _="", r=role: self._retitle(r))
                self.activations[role] = combo
                layers.addWidget(combo, row, 2)
            self._retitle(role)
        layers.setColumnStretch(0, 1)
        outer.addLayout(layers)
        self.connect_box = QCheckBox("Connect fully to the layer beside")
        self.connect_box.setObjectName("palette_connect")
        self.connect_box.setChecked(True)
        self.connect_box.setToolTip(
            "A layer dropped right of another is fed by all of its "
            "neurons (Shift while dropping: the opposite)"
        )
        outer.addWidget(self.connect_box)
        shift = QLabel("Shift while dropping: the opposite")
        shift.setStyleSheet("color: #606060")
        outer.addWidget(shift)
        self.outer = outer  # the layer panel goes below (qt/design.py)
        for t in [*self.tiles.values(), *self.layer_tiles.values()]:
            t.hint.connect(self.hint)

    def _retitle(self, role: str) -> None:
        tile = self.layer_tiles.get(role)
        if tile is not None:
            tile.label.setText(f"{role.capitalize()} ×{self.counts[role].value()}")

    def neuron_spec(self, role: str) -> DropSpec:
        act = "sigmoid" if role in ("hidden", "output") else None
        return DropSpec("neuron", role, 1, act, self.connect_box.isChecked())

    def layer_spec(self, role: str) -> DropSpec:
        combo = self.activations.get(role)
        return DropSpec(
            "layer",
            role,
            self.counts[role].value(),
            combo.currentText() if combo is not None else None,
            self.connect_box.isChecked(),
        )


def colour(role: str) -> QColor:
    return theme.ROLE_STYLES[role].border
