"""Where training diverged, on the canvas: a red ring round the neuron (or a red stroke along
the edge) whose number first left float64, with "diverged here · epoch E" beside it, and the
Explain button under the training dock's message (the update written out in Explain).

The controller's ``diverged`` signal carries a ``DivergenceNote`` (model/divergence.py), or
None when it is old news (the next Play, Step or edit): the marker and the button go then.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QGraphicsItem, QPushButton

from ...model.divergence import DivergenceNote
from .. import theme
from .controller import TrainingController

RED = QColor("#c00020")
ExplainTarget = Callable[[str, tuple[str, ...]], None]


class DivergenceMarker(QGraphicsItem):
    """A ring (neuron) or a stroke (edge) and a label, in scene coordinates."""

    def __init__(self, shape: QPainterPath, anchor: QPointF, text: str):
        super().__init__()
        self.setZValue(60)  # above edges, neurons and the weight labels
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)  # clicks go to the network
        self._shape = shape
        self.text = text
        self._font = QFont(theme.font(theme.WEIGHT_PT, bold=True))
        fm = QFontMetricsF(self._font)
        w, h = fm.horizontalAdvance(text) + 12, fm.height() + 6
        self._label = QRectF(anchor.x() - w / 2, anchor.y() - h, w, h)
        self._bounds = shape.boundingRect().adjusted(-6, -6, 6, 6).united(self._label)

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(RED, 4)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self._shape)
        painter.setPen(QPen(RED, 1.5))
        painter.setBrush(QBrush(QColor(255, 255, 255, 235)))
        painter.drawRoundedRect(self._label, 4, 4)
        painter.setFont(self._font)
        painter.setPen(RED)
        painter.drawText(self._label, Qt.AlignmentFlag.AlignCenter, self.text)


class DivergenceView(QObject):
    def __init__(self, controller: TrainingController, parent=None):
        super().__init__(parent)
        self.controller = controller
        self.note: DivergenceNote | None = None
        self.marker: DivergenceMarker | None = None
        self._scene = None
        self._explain: ExplainTarget | None = None
        self.explain_button = QPushButton("Explain the divergence")
        self.explain_button.setToolTip("Where the numbers left float64, step by step (Explain)")
        self.explain_button.setAutoDefault(False)
        self.explain_button.setVisible(False)
        self.explain_button.clicked.connect(self.explain)
        controller.diverged.connect(self.show)

    def attach_scene(self, scene) -> None:
        self._scene = scene
        scene.rebuilding.connect(self._forget)  # its clear() deletes our item

    def attach_explain(self, target: ExplainTarget, clear: Callable[[], None]) -> None:
        """Where Explain shows the note (the Explain dock) and how it is taken back."""
        self._explain = target
        self._explain_clear = clear

    # ---------------------------------------------------------------- showing
    def show(self, note: DivergenceNote | None) -> None:
        self._remove()
        had = self.note is not None
        self.note = note
        self.explain_button.setVisible(note is not None)
        if note is None:
            if had and self._explain is not None:
                self._explain_clear()
            return
        if self._scene is not None:
            self.marker = self._make_marker(note)
            if self.marker is not None:
                self._scene.addItem(self.marker)

    def _make_marker(self, note: DivergenceNote) -> DivergenceMarker | None:
        scene = self._scene
        assert scene is not None
        text = f"⚠ diverged here · epoch {note.epoch}"
        path = QPainterPath()
        if note.kind == "neuron":
            item = scene.neuron_item(note.item_id)
            if item is None:
                return None
            c, r = item.pos(), theme.NEURON_RADIUS + 9
            path.addEllipse(c, r, r)
            return DivergenceMarker(path, QPointF(c.x(), c.y() - r - 4), text)
        edge = scene.graph.edges.get(note.item_id)
        if edge is None:
            return None
        a, b = scene.neuron_item(edge.source), scene.neuron_item(edge.target)
        if a is None or b is None:
            return None
        line = QLineF(a.pos(), b.pos())
        path.moveTo(line.pointAt(0.15))
        path.lineTo(line.pointAt(0.85))
        mid = line.pointAt(0.5)
        return DivergenceMarker(path, QPointF(mid.x(), mid.y() - 10), text)

    def _remove(self) -> None:
        if self.marker is not None and self._scene is not None:
            if self.marker.scene() is self._scene:
                self._scene.removeItem(self.marker)
        self.marker = None

    def _forget(self) -> None:
        self.marker = None  # deleted with the scene's items

    def explain(self) -> None:
        note = self.note
        if note is None or self._explain is None:
            return
        self._explain(note.lines[0], note.lines[1:])
